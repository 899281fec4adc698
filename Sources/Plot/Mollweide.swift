// The Mollweide projection (equal area; the sphere onto an ellipse 2√2 × √2 with straight
// parallels), as healpy's `mollview` draws maps. Formulas from Snyder 1987, "Map Projections — A
// Working Manual", USGS Prof. Paper 1395, §31, eqs. (31-1)–(31-3) forward, (31-4)–(31-6) inverse.

import Foundation

public enum Mollweide {
    /// Projected (x, y) of longitude `lon` and latitude `lat` (degrees), `centre` the longitude at
    /// x = 0; x ∈ [−2√2, 2√2] grows to the west (east, +lon, is on the left), y ∈ [−√2, √2] north.
    public static func project(lon: Double, lat: Double, centre: Double = 0) -> (x: Double, y: Double) {
        var l = (lon - centre).truncatingRemainder(dividingBy: 360)
        if l > 180 { l -= 360 } else if l < -180 { l += 360 }
        return projectRelative(l, lat)
    }

    /// As `project`, for a longitude `dl` already relative to the centre (±180 are the two edges).
    static func projectRelative(_ dl: Double, _ lat: Double) -> (x: Double, y: Double) {
        let theta = auxiliaryAngle(lat * .pi / 180)
        return (-2 * sqrt(2) / .pi * (dl * .pi / 180) * cos(theta), sqrt(2) * sin(theta))
    }

    /// The inverse: (longitude in [0, 360), latitude) in degrees of the projected point (x, y);
    /// nil outside the ellipse (x / 2√2)² + (y / √2)² ≤ 1.
    public static func inverse(x: Double, y: Double, centre: Double = 0) -> (lon: Double, lat: Double)? {
        guard x.isFinite, y.isFinite, (x * x) / 8 + (y * y) / 2 <= 1 else { return nil }
        // (31-4) sin θ = y/√2; (31-5) sin φ = (2θ + sin 2θ)/π; (31-6) λ = π x / (2√2 cos θ),
        // with x's sign flipped for east-left. Clamps absorb rounding at the rim.
        let theta = asin(min(max(y / sqrt(2), -1), 1))
        let lat = asin(min(max((2 * theta + sin(2 * theta)) / .pi, -1), 1)) * 180 / .pi
        let c = cos(theta)
        let dl = c > 0 ? min(max(-.pi * x / (2 * sqrt(2) * c), -.pi), .pi) * 180 / .pi : 0
        var lon = (centre + dl).truncatingRemainder(dividingBy: 360)
        if lon < 0 { lon += 360 }
        return (lon == 360 ? 0 : lon, lat)
    }

    /// θ with 2θ + sin 2θ = π sin φ (31-3), by Newton's method on θ' = 2θ (Snyder's 31-2). Near
    /// the poles f'(θ') → 0 and Newton from θ' = φ crawls, so start there from the series
    /// θ' + sin θ' ≈ π − δ³/6 with δ = π − |θ'|: δ = (6π(1 − sin|φ|))^(1/3), where
    /// 1 − sin|φ| = 2 sin²((π/2 − |φ|)/2) keeps its digits.
    static func auxiliaryAngle(_ phi: Double) -> Double {
        guard phi.isFinite else { return .nan }
        if abs(phi) >= .pi / 2 { return phi > 0 ? .pi / 2 : -.pi / 2 }
        let target = .pi * sin(phi)
        var t: Double
        if abs(phi) > 1.2 {
            let h = sin((.pi / 2 - abs(phi)) / 2)
            let delta = cbrt(6 * .pi * 2 * h * h)
            t = (phi > 0 ? 1 : -1) * (.pi - delta)
        } else {
            t = phi
        }
        for _ in 0..<60 {
            let d = (t + sin(t) - target) / (1 + cos(t))
            guard d.isFinite else { break }
            t -= d
            if abs(d) <= 1e-15 * max(1, abs(t)) { break }
        }
        return min(max(t / 2, -.pi / 2), .pi / 2)
    }
}
