// A simplified Gaia nominal scanning law: when a direction on the sky is observed, in which field
// of view, along which scan direction, and where Gaia then is (for parallax factors). Used by the
// synthetic `epoch_astrometry` table (per transit and per CCD, EpochAstrometrySource.swift); every source of a run sees the same law, as on the real sky.
//
// Geometry of the nominal scanning law (Gaia Collaboration, Prusti et al. 2016, A&A 595, A1, on the
// scanning law and the focal plane; Lindegren et al. 2012, A&A 538, A78), simplified:
//  * Gaia at the Earth's barycentric position b(t) on a circular orbit of 1 AU in the ecliptic
//    (the 0.01 AU to L2 and the orbit's eccentricity are ignored), heliocentric ecliptic
//    longitude λ(t) = 100.56° + 0.9856474° d⁻¹ · t (the Sun's mean longitude at J2010.0 + 180°,
//    Astronomical Almanac low-precision formula), t = TCB days since JD 2455197.5;
//  * the spin axis z(t) at the solar aspect angle ξ = 45° from the Sun direction s = −b/|b|,
//    precessing around it with a constant rate of one turn per 63.12 d (the "revolving scanning"
//    of the nominal law; its slightly non-uniform rate is ignored):
//        z = cos ξ s + sin ξ (cos ν k + sin ν (s × k)),  k = ecliptic pole, ν = 2π t / 63.12 d;
//  * a spin of exactly 6 h about z; the two fields of view lie on the great circle ⊥ z, 106.5°
//    (the basic angle) apart, so a star crosses the preceding field and 106.5 min later the
//    following one; the astrometric field extends ±0.35° across scan, so a star is observed on
//    every spin while |z·n| ≤ sin 0.35°;
//  * the scan (along-scan, AL) direction at the star is ŵ = (z × n)/|z × n|, the direction in
//    which the fields of view sweep over it; its position angle ψ (scan_pos_angle) is counted
//    from north through east: ŵ = sin ψ ê_α + cos ψ ê_δ (the DR4 convention, see Docs/gw-planewave.md);
//  * parallax factor AL: f = −ŵ·b / 1 AU, since the observed direction of a star at parallax ϖ is
//    displaced by −ϖ (b − (b·n) n)/1 AU (Lindegren et al. 2012, Sect. 3.2: u ∝ r − ϖ b_G / A).
// A star near the ecliptic poles is scanned less often than one at ecliptic latitude ±45°, as in
// the real law. Transit times within a visit carry a random spin phase (the star's azimuth about z).

import GaiaFormat
import Numerics

public enum ScanningLaw {
    public static let solarAspectAngle = 45.0 * Double.pi / 180
    public static let precessionPeriod = 63.12  // d
    public static let spinPeriod = 0.25  // d (6 h)
    /// The following field of view sees a star 106.5 min after the preceding one.
    public static let fovDelay = 106.5 / 1440  // d
    /// sin of the half-width of the astrometric field across scan (0.35°).
    public static let halfWidthAC = DetMath.sin(0.35 * Double.pi / 180)
    /// Heliocentric ecliptic longitude of the Earth at t = 0 (J2010.0) and its rate (rad, rad/d).
    static let earthLongitude0 = 100.56 * Double.pi / 180
    static let earthRate = 0.9856474 * Double.pi / 180
    /// Upper bound of |d(z·n)/dt| (1/d): precession sin ξ · 2π/63.12 plus the yearly turn of the Sun.
    static let maxRate = 0.1

    /// One field-of-view transit.
    public struct Transit: Sendable {
        /// TCB days since JD 2455197.5.
        public var time: Double
        /// 0 preceding, 1 following field of view.
        public var fov: Int
        /// Along-scan direction at the star (ICRS unit vector).
        public var scan: (Double, Double, Double)
        /// Gaia's barycentric position (ICRS, AU).
        public var position: (Double, Double, Double)
    }

    /// Gaia's barycentric position at t (ICRS, AU).
    public static func position(_ t: Double) -> (Double, Double, Double) {
        let l = earthLongitude0 + earthRate * t
        return eclipticToICRS((DetMath.cos(l), DetMath.sin(l), 0))
    }

    /// The spin axis at t (ICRS unit vector).
    public static func spinAxis(_ t: Double) -> (Double, Double, Double) {
        let l = earthLongitude0 + earthRate * t
        let s = (-DetMath.cos(l), -DetMath.sin(l), 0.0)  // Sun direction (ecliptic)
        let sk = (s.1, -s.0, 0.0)  // s × k with k = (0, 0, 1)
        let nu = 2 * Double.pi * t / precessionPeriod
        let cx = DetMath.cos(solarAspectAngle), sx = DetMath.sin(solarAspectAngle)
        let cn = DetMath.cos(nu), sn = DetMath.sin(nu)
        let z = (cx * s.0 + sx * sn * sk.0, cx * s.1 + sx * sn * sk.1, sx * cn)
        return eclipticToICRS(z)
    }

    static func eclipticToICRS(_ e: (Double, Double, Double)) -> (Double, Double, Double) {
        let c = DetMath.cos(Coordinates.obliquityRad), s = DetMath.sin(Coordinates.obliquityRad)
        return (e.0, c * e.1 - s * e.2, s * e.1 + c * e.2)
    }

    @inline(__always) static func dot(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        a.0 * b.0 + a.1 * b.1 + a.2 * b.2
    }

    /// Along-scan direction at n for spin axis z: (z × n)/|z × n|.
    static func scanDirection(_ z: (Double, Double, Double), _ n: (Double, Double, Double)) -> (Double, Double, Double) {
        let c = (z.1 * n.2 - z.2 * n.1, z.2 * n.0 - z.0 * n.2, z.0 * n.1 - z.1 * n.0)
        let r = dot(c, c).squareRoot()
        return (c.0 / r, c.1 / r, c.2 / r)
    }

    /// Every transit of the direction n (ICRS unit vector) in [start, end), in time order. The
    /// spin phase of each visit is drawn from `rng`.
    public static func transits(of n: (Double, Double, Double), start: Double, end: Double,
                                rng: inout Xoshiro256) -> [Transit] {
        var out: [Transit] = []
        let w = halfWidthAC
        var t = start
        while t < end {
            let g = abs(dot(spinAxis(t), n))
            if g > w + maxRate * spinPeriod {
                // No crossing of the band |z·n| ≤ w can happen before |g| could have fallen to w.
                t += max(spinPeriod, (g - w) / maxRate)
                continue
            }
            // Near or in the band: walk this visit spin by spin with a random spin phase.
            var ts = t + rng.uniform(0, spinPeriod)
            while ts < end {
                var inBand = false
                for fov in 0..<2 {
                    let tf = ts + Double(fov) * fovDelay
                    guard tf < end else { continue }
                    let z = spinAxis(tf)
                    if abs(dot(z, n)) <= w {
                        inBand = true
                        out.append(Transit(time: tf, fov: fov, scan: scanDirection(z, n), position: position(tf)))
                    }
                }
                ts += spinPeriod
                if !inBand && abs(dot(spinAxis(ts), n)) > w + maxRate * spinPeriod { break }
            }
            t = ts
        }
        return out
    }
}
