// Angular separation of unit vectors, stable at every scale. θ = atan2(|a×b|, a·b) has no
// cancellation anywhere in [0, π] (unlike acos of the dot product at small θ or asin of the chord
// near π). It is evaluated on the difference d = b − a, which is exact (Sterbenz) for close
// components: a×b = a×d and a·b = 1 − |d|²/2 for unit vectors, so |a×d| carries full relative
// precision at sub-arcsec separations (~1e-16 relative, far below the 1e-9″ the issue asks).
//
// Symmetry bit for bit (arcsec(a, b) == arcsec(b, a)) is what makes two ranks that test the same
// pair from opposite sides agree on it: the operands are put in lexicographic order first, so both
// calls evaluate exactly the same floating-point expression.
import Foundation

/// Angular separations in arcsec.
public enum Separation {
    /// Arcseconds per radian: 180·3600/π.
    public static let arcsecPerRadian = 206_264.806_247_096_36

    /// Angular separation in arcsec between unit vectors a and b: atan2(|a×b|, a·b), exact to
    /// ~1e-10″ at sub-arcsec separations and correct up to 180°; symmetric bit for bit.
    @inlinable @inline(__always)
    public static func arcsec(_ ax: Double, _ ay: Double, _ az: Double,
                              _ bx: Double, _ by: Double, _ bz: Double) -> Double {
        // Canonical operand order: (px, py, pz) ≤ (qx, qy, qz) lexicographically.
        let swap = ax > bx || (ax == bx && (ay > by || (ay == by && az > bz)))
        let px = swap ? bx : ax, py = swap ? by : ay, pz = swap ? bz : az
        let qx = swap ? ax : bx, qy = swap ? ay : by, qz = swap ? az : bz
        let dx = qx - px, dy = qy - py, dz = qz - pz
        // p × d
        let cx = py * dz - pz * dy
        let cy = pz * dx - px * dz
        let cz = px * dy - py * dx
        let s = (cx * cx + cy * cy + cz * cz).squareRoot()
        let c = 1 - 0.5 * (dx * dx + dy * dy + dz * dz)
        return atan2(s, c) * arcsecPerRadian
    }

    /// Angular separation in arcsec of two positions in degrees.
    public static func arcsec(raDeg1: Double, decDeg1: Double, raDeg2: Double, decDeg2: Double) -> Double {
        let a = SkyPoints.unitVector(raDeg: raDeg1, decDeg: decDeg1)
        let b = SkyPoints.unitVector(raDeg: raDeg2, decDeg: decDeg2)
        return arcsec(a.x, a.y, a.z, b.x, b.y, b.z)
    }

    /// The squared chord |a − b|² of a separation of `arcsec` (4 sin²(θ/2)), enlarged by a relative
    /// 1e-9 and an absolute 1e-28 so that a chord² prefilter never rejects a pair that
    /// `arcsec(…) ≤ radius` accepts (the exact test follows the prefilter). ∞ from 180° on.
    @inlinable public static func chordSquaredBound(arcsec r: Double) -> Double {
        let theta = r / arcsecPerRadian
        if theta >= Double.pi { return .infinity }
        let s = sin(0.5 * theta)
        return 4 * s * s * (1 + 1e-9) + 1e-28
    }
}
