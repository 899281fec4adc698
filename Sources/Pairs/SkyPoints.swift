// Sky positions as unit vectors (structure of arrays): the representation every pair search works
// on, because chord lengths and cross/dot products of unit vectors give separations without any
// trigonometry per candidate and without special cases at ra = 0/360 or at the poles.
import Foundation

/// Unit vectors of sky positions, structure of arrays.
public struct SkyPoints {
    public private(set) var x: [Double], y: [Double], z: [Double]

    /// No points.
    public init() { x = []; y = []; z = [] }

    /// From right ascension and declination in degrees (the caller guarantees finite values).
    public init(raDeg: [Double], decDeg: [Double]) {
        precondition(raDeg.count == decDeg.count, "SkyPoints: ra and dec counts differ")
        // Written in place, each array in full (no per-element append checks, no zero-filling).
        let n = raDeg.count
        var ys: [Double] = [], zs: [Double] = []
        x = [Double](unsafeUninitializedCapacity: n) { X, xCount in
        ys = [Double](unsafeUninitializedCapacity: n) { Y, yCount in
        zs = [Double](unsafeUninitializedCapacity: n) { Z, zCount in
            raDeg.withUnsafeBufferPointer { R in decDeg.withUnsafeBufferPointer { D in
                for i in 0..<n {
                    let v = SkyPoints.unitVector(raDeg: R[i], decDeg: D[i])
                    X[i] = v.x; Y[i] = v.y; Z[i] = v.z
                }
            } }
            zCount = n }
            yCount = n }
            xCount = n }
        y = ys; z = zs
    }

    /// From unit vectors (not renormalised: the caller passes unit vectors).
    public init(x: [Double], y: [Double], z: [Double]) {
        precondition(x.count == y.count && y.count == z.count, "SkyPoints: x, y, z counts differ")
        self.x = x; self.y = y; self.z = z
    }

    public var count: Int { x.count }

    public mutating func append(raDeg: Double, decDeg: Double) {
        let v = SkyPoints.unitVector(raDeg: raDeg, decDeg: decDeg)
        x.append(v.x); y.append(v.y); z.append(v.z)
    }

    /// The points of `other` after these.
    public mutating func append(_ other: SkyPoints) {
        x += other.x; y += other.y; z += other.z
    }

    public mutating func append(x: Double, y: Double, z: Double) {
        self.x.append(x); self.y.append(y); self.z.append(z)
    }

    /// The points at `indices`, in that order.
    public func subset(_ indices: [Int]) -> SkyPoints {
        var s = SkyPoints()
        s.x = indices.map { x[$0] }; s.y = indices.map { y[$0] }; s.z = indices.map { z[$0] }
        return s
    }

    /// Point i back in degrees: ra in [0, 360), dec in [−90, 90].
    public func raDec(_ i: Int) -> (raDeg: Double, decDeg: Double) {
        SkyPoints.raDec(x: x[i], y: y[i], z: z[i])
    }

    /// (cos δ cos α, cos δ sin α, sin δ). The sine and cosine of the degree arguments are reduced
    /// in degrees first (exact), so that e.g. ra = 360 and ra = 0 give the same vector.
    @inlinable public static func unitVector(raDeg: Double, decDeg: Double) -> (x: Double, y: Double, z: Double) {
        let a = raDeg.truncatingRemainder(dividingBy: 360) * (Double.pi / 180)
        let d = decDeg * (Double.pi / 180)
        let cd = cos(d)
        return (cd * cos(a), cd * sin(a), sin(d))
    }

    /// (ra, dec) in degrees of a unit vector: ra = atan2(y, x) in [0, 360), dec = atan2(z, ρ)
    /// (atan2 rather than asin z: accurate up to the poles).
    @inlinable public static func raDec(x: Double, y: Double, z: Double) -> (raDeg: Double, decDeg: Double) {
        var ra = atan2(y, x) * (180 / Double.pi)
        if ra < 0 { ra += 360 }
        if ra >= 360 { ra = 0 }   // −tiny + 360 rounds to 360
        let dec = atan2(z, (x * x + y * y).squareRoot()) * (180 / Double.pi)
        return (ra, dec)
    }
}
