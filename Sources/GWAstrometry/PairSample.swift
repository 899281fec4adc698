// Sources prepared for the all-pairs proper-motion correlation: structure-of-arrays in one flat
// buffer, each field padded so that SIMD loads of eight consecutive sources never leave it.
//
// Per source (ICRS, Cartesian):
//   r = (cos δ cos α, cos δ sin α, sin δ)                        unit position vector
//   μ = μα* e_α + μδ e_δ                                           proper motion as a tangent vector
//   w = r × μ = μα* e_δ − μδ e_α                                   μ turned by +90° about r
// with e_α = (−sin α, cos α, 0), e_δ = (−sin δ cos α, −sin δ sin α, cos δ) (east, north; e_α × e_δ = r).
// The pair kernel needs only dot products of these with n = r_i × r_j (PairCorrelation.swift),
// so no angle is computed per pair.
import Foundation

public struct PairSample: Sendable {
    /// Extra zero elements after the last source of every field (SIMD loads of 8 may run past it).
    public static let padding = 8
    /// Fields, in storage order.
    public enum Field: Int, CaseIterable, Sendable { case x, y, z, mx, my, mz, wx, wy, wz, weight }
    public static let fields = Field.allCases.count

    public let count: Int
    /// Distance between consecutive fields in `storage` (count + padding).
    public let stride: Int
    /// fields × stride values: field f of source i at f·stride + i; padding is zero.
    public private(set) var storage: [Double]

    private init(count: Int) {
        self.count = count
        stride = count + Self.padding
        storage = [Double](repeating: 0, count: Self.fields * stride)
    }

    @inline(__always) public subscript(_ f: Field, _ i: Int) -> Double {
        get { storage[f.rawValue * stride + i] }
        set { storage[f.rawValue * stride + i] = newValue }
    }

    private mutating func set(_ i: Int, r: SIMD3<Double>, mu: SIMD3<Double>, rot: SIMD3<Double>, weight w: Double) {
        self[.x, i] = r.x; self[.y, i] = r.y; self[.z, i] = r.z
        self[.mx, i] = mu.x; self[.my, i] = mu.y; self[.mz, i] = mu.z
        self[.wx, i] = rot.x; self[.wy, i] = rot.y; self[.wz, i] = rot.z
        self[.weight, i] = w
    }

    /// From ICRS positions (degrees), proper motions μα* (= pmra, includes cos δ) and μδ in one
    /// unit (GaiaMine uses µas/yr) and per-source weights (> 0; the pair weight is w_i w_j).
    public init(raDeg: [Double], decDeg: [Double], pmra: [Double], pmdec: [Double], weight w: [Double]) {
        let n = raDeg.count
        precondition(decDeg.count == n && pmra.count == n && pmdec.count == n && w.count == n, "PairSample: array lengths differ")
        self.init(count: n)
        for i in 0..<n {
            let (sa, ca) = DegreeTrig.sinCos(raDeg[i])
            let (sd, cd) = DegreeTrig.sinCos(decDeg[i])
            let ea = SIMD3(-sa, ca, 0.0)
            let ed = SIMD3(-sd * ca, -sd * sa, cd)
            set(i, r: SIMD3(cd * ca, cd * sa, sd), mu: pmra[i] * ea + pmdec[i] * ed, rot: pmra[i] * ed - pmdec[i] * ea, weight: w[i])
        }
    }

    /// The same from positions in radians (as ProperMotions holds them).
    public init(raRad: [Double], decRad: [Double], pmra: [Double], pmdec: [Double], weight w: [Double]) {
        let n = raRad.count
        precondition(decRad.count == n && pmra.count == n && pmdec.count == n && w.count == n, "PairSample: array lengths differ")
        self.init(count: n)
        for i in 0..<n {
            let sa = sin(raRad[i]), ca = cos(raRad[i]), sd = sin(decRad[i]), cd = cos(decRad[i])
            let ea = SIMD3(-sa, ca, 0.0)
            let ed = SIMD3(-sd * ca, -sd * sa, cd)
            set(i, r: SIMD3(cd * ca, cd * sa, sd), mu: pmra[i] * ea + pmdec[i] * ed, rot: pmra[i] * ed - pmdec[i] * ea, weight: w[i])
        }
    }

    /// From unit position vectors and proper-motion vectors (their radial part, if any, is
    /// removed), for tests and synthetic fields.
    public init(positions: [SIMD3<Double>], motions: [SIMD3<Double>], weight w: [Double]) {
        let n = positions.count
        precondition(motions.count == n && w.count == n, "PairSample: array lengths differ")
        self.init(count: n)
        for i in 0..<n {
            let r = positions[i]
            let m = motions[i] - (motions[i] * r).sum() * r
            set(i, r: r, mu: m, rot: PairVector.cross(r, m), weight: w[i])
        }
    }

    /// The sources `range` as a sample of their own.
    public func slice(_ range: Range<Int>) -> PairSample {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        var s = PairSample(count: range.count)
        for f in 0..<Self.fields {
            for (k, i) in range.enumerated() { s.storage[f * s.stride + k] = storage[f * stride + i] }
        }
        return s
    }

    /// The sources as one flat array, field by field (fields × count values, for MPI transfers).
    public var packed: [Double] {
        var out: [Double] = []
        out.reserveCapacity(Self.fields * count)
        for f in 0..<Self.fields { out += storage[(f * stride)..<(f * stride + count)] }
        return out
    }

    /// Inverse of `packed`.
    public init(packed p: [Double]) {
        precondition(p.count % Self.fields == 0, "PairSample(packed:): \(p.count) values is not a multiple of \(Self.fields)")
        let n = p.count / Self.fields
        self.init(count: n)
        for f in 0..<Self.fields {
            for i in 0..<n { storage[f * stride + i] = p[f * n + i] }
        }
    }

    /// Concatenation, in order.
    public static func concatenate(_ parts: [PairSample]) -> PairSample {
        var s = PairSample(count: parts.reduce(0) { $0 + $1.count })
        var o = 0
        for p in parts {
            for f in 0..<Self.fields {
                for i in 0..<p.count { s.storage[f * s.stride + o + i] = p.storage[f * p.stride + i] }
            }
            o += p.count
        }
        return s
    }

    public func position(_ i: Int) -> SIMD3<Double> { SIMD3(self[.x, i], self[.y, i], self[.z, i]) }
    public func motion(_ i: Int) -> SIMD3<Double> { SIMD3(self[.mx, i], self[.my, i], self[.mz, i]) }
    public func rotated(_ i: Int) -> SIMD3<Double> { SIMD3(self[.wx, i], self[.wy, i], self[.wz, i]) }
    public func weight(_ i: Int) -> Double { self[.weight, i] }
}

/// 3-vector products used by the pair code (a namespace, so as not to collide with others).
enum PairVector {
    @inline(__always)
    static func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }

    @inline(__always)
    static func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { a.x * b.x + a.y * b.y + a.z * b.z }
}

/// sin and cos of an angle in degrees, exact at multiples of 90° (so that, e.g., the points
/// (0°, 0°) and (180°, 0°) are exactly antipodal unit vectors and cos 90° = 0).
public enum DegreeTrig {
    public static func sinCos(_ deg: Double) -> (sin: Double, cos: Double) {
        var r = deg.truncatingRemainder(dividingBy: 360)  // exact
        if r < 0 { r += 360 }
        switch r {
        case 0, 360: return (0, 1)
        case 90: return (1, 0)
        case 180: return (0, -1)
        case 270: return (-1, 0)
        default:
            let a = r * (Double.pi / 180)
            return (sin(a), cos(a))
        }
    }

    public static func cosine(deg: Double) -> Double { sinCos(deg).cos }
}
