// The Mollweide projection (equal area; the sphere onto an ellipse 2√2 × √2 with straight
// parallels), as healpy's `mollview` draws maps. Formulas from Snyder 1987, "Map Projections — A
// Working Manual", USGS Prof. Paper 1395, §31, eqs. (31-1)–(31-3) forward, (31-4)–(31-6) inverse.

import Foundation

public enum Mollweide {
    /// Projected (x, y) of longitude `lon` and latitude `lat` (degrees), `centre` the longitude at
    /// x = 0; x ∈ [−2√2, 2√2] grows to the west (east, +lon, is on the left), y ∈ [−√2, √2] north.
    public static func project(lon: Double, lat: Double, centre: Double = 0) -> (x: Double, y: Double) {
        projectRelative(SkyFrame.relativeLongitude(lon, centre: centre), lat)
    }

    /// As `project`, for a longitude `dl` already relative to the centre (±180 are the two edges).
    static func projectRelative(_ dl: Double, _ lat: Double) -> (x: Double, y: Double) {
        let theta = auxiliaryAngle(lat * .pi / 180)
        return (-2 * sqrt(2) / .pi * (dl * .pi / 180) * cos(theta), sqrt(2) * sin(theta))
    }

    /// The inverse: (longitude in [0, 360), latitude) in degrees of the projected point (x, y);
    /// nil outside the ellipse (x / 2√2)² + (y / √2)² ≤ 1 (with 1e-12 to spare for points that
    /// `project` put on the rim).
    public static func inverse(x: Double, y: Double, centre: Double = 0) -> (lon: Double, lat: Double)? {
        guard x.isFinite, y.isFinite, (x * x) / 8 + (y * y) / 2 <= 1 + 1e-12 else { return nil }
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

    /// θ with 2θ + sin 2θ = π sin φ (31-3), by Newton's method on θ' = 2θ (Snyder's 31-2).
    /// Near the poles the equation is ill-conditioned in θ' (f' = 1 + cos θ' → 0), so there it is
    /// solved for δ = π − |θ'| instead: δ − sin δ = π (1 − sin|φ|), both sides free of
    /// cancellation (δ − sin δ by its series, 1 − sin|φ| = 2 sin²((π/2 − |φ|)/2)), which gives θ
    /// to an ulp; its start δ³/6 ≈ π (1 − sin|φ|) is also the start for θ' above 1.2 rad, where
    /// Newton from θ' = φ would crawl.
    static func auxiliaryAngle(_ phi: Double) -> Double {
        guard phi.isFinite else { return .nan }
        if abs(phi) >= .pi / 2 { return phi > 0 ? .pi / 2 : -.pi / 2 }
        let sign: Double = phi > 0 ? 1 : -1
        // π/2 − |φ| with π/2's rounding error (6.12e-17) added back: near the pole it is a
        // difference of nearly equal numbers, and δ ∝ (π/2 − |φ|)^(2/3) inherits its relative error.
        let h = sin(((.pi / 2 - abs(phi)) + 6.123233995736766e-17) / 2)
        let c = 2 * .pi * h * h  // π (1 − sin|φ|)
        var delta = cbrt(6 * c)
        if delta < 0.5 {
            for _ in 0..<60 {
                let d = (deltaMinusSin(delta) - c) / (2 * pow(sin(delta / 2), 2))
                guard d.isFinite else { break }
                delta -= d
                if abs(d) <= 1e-16 * delta { break }
            }
            return sign * (.pi / 2 - delta / 2)
        }
        let target = .pi * sin(phi)
        var t = abs(phi) > 1.2 ? sign * (.pi - delta) : phi
        for _ in 0..<60 {
            let d = (t + sin(t) - target) / (1 + cos(t))
            guard d.isFinite else { break }
            t -= d
            if abs(d) <= 1e-15 * max(1, abs(t)) { break }
        }
        return min(max(t / 2, -.pi / 2), .pi / 2)
    }

    /// δ − sin δ for 0 ≤ δ < 0.5 by its Taylor series Σ (−1)^(k+1) δ^(2k+1)/(2k+1)!, k ≥ 1 (to
    /// δ¹⁷: the next term is below 1e-17 of the sum).
    static func deltaMinusSin(_ d: Double) -> Double {
        let d2 = d * d
        var term = d * d2 / 6, sum = 0.0
        for k in 1...8 {
            sum += term
            term *= -d2 / Double((2 * k + 2) * (2 * k + 3))
        }
        return sum
    }
}
