// Deterministic generated skies for the Pairs tests (SplitMix64: the same data on every machine).
import Foundation
@testable import Pairs

struct SplitMix64 {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }
    /// Log-uniform in [a, b].
    mutating func logUniform(_ a: Double, _ b: Double) -> Double { exp(uniform(log(a), log(b))) }
}

enum TestSky {
    /// Uniform on the sphere.
    static func uniform(_ n: Int, _ g: inout SplitMix64) -> (ra: [Double], dec: [Double]) {
        var ra: [Double] = [], dec: [Double] = []
        for _ in 0..<n { ra.append(g.uniform(0, 360)); dec.append(asin(g.uniform(-1, 1)) * 180 / .pi) }
        return (ra, dec)
    }

    /// A point `sepDeg` from (ra, dec) in the direction of position angle `paDeg` (exact spherical
    /// trigonometry), ra in [0, 360).
    static func offset(ra: Double, dec: Double, sepDeg: Double, paDeg: Double) -> (Double, Double) {
        let d = dec * .pi / 180, s = sepDeg * .pi / 180, p = paDeg * .pi / 180
        let d2 = asin(sin(d) * cos(s) + cos(d) * sin(s) * cos(p))
        let dra = atan2(sin(p) * sin(s) * cos(d), cos(s) - sin(d) * sin(d2))
        var r = (ra + dra * 180 / .pi).truncatingRemainder(dividingBy: 360)
        if r < 0 { r += 360 }
        return (r, d2 * 180 / .pi)
    }

    /// Clusters around the given centres: each point within `spreadDeg`, and each with a companion
    /// at a separation of 0.2…1.5 × `pairScaleArcsec` so that small radii find pairs too.
    static func clusters(centres: [(Double, Double)], perCluster: Int, spreadDeg: Double,
                         pairScaleArcsec: Double, _ g: inout SplitMix64) -> (ra: [Double], dec: [Double]) {
        var ra: [Double] = [], dec: [Double] = []
        for c in centres {
            for _ in 0..<perCluster / 2 {
                let p = offset(ra: c.0, dec: c.1, sepDeg: spreadDeg * g.uniform().squareRoot(), paDeg: g.uniform(0, 360))
                ra.append(p.0); dec.append(p.1)
                let q = offset(ra: p.0, dec: p.1, sepDeg: pairScaleArcsec * g.uniform(0.2, 1.5) / 3600,
                               paDeg: g.uniform(0, 360))
                ra.append(q.0); dec.append(q.1)
            }
        }
        return (ra, dec)
    }

    /// A PairSet with keys shuffled (not equal to the row index) and the given radii.
    static func set(_ ra: [Double], _ dec: [Double], radii: [Double], sides: [UInt8]? = nil,
                    _ g: inout SplitMix64) -> PairSet {
        var keys = (0..<ra.count).map { Int64($0) * 7 + 1000 }
        for i in stride(from: keys.count - 1, to: 0, by: -1) { keys.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        return PairSet(points: SkyPoints(raDeg: ra, decDeg: dec), radii: radii, keys: keys, sides: sides)
    }
}
