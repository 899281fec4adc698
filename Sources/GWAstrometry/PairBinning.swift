// Angular-separation bins of the pair correlation, decided by cosines: no acos per pair.
//
// Edges θ_0 < θ_1 < … < θ_K (degrees, within [0°, 180°]) and t_m = cos θ_m. Bin k holds the
// pairs with θ_k ≤ Θ < θ_{k+1}, the last bin also Θ = θ_K; in cosines, with c = r_i·r_j:
//   bin(c) = #{ m ∈ 1…K−1 : c ≤ t_m },   kept if (θ_0 = 0 or c ≤ t_0) and (θ_K = 180° or c ≥ t_K).
// With θ_0 = 0 and θ_K = 180° every pair lands in a bin, also when rounding makes |c| exceed 1.
//
// Fast lookup: [−1, 1] is cut into M equal cells; `cellBase[u]` counts the thresholds that are
// certainly ≥ every c of cell u (one cell of slack absorbs the rounding of the cell index), and a
// short loop adds the thresholds inside the cell (usually none or one). For the SIMD kernel,
// `upper[k]`/`lower[k]` give bin k as lower[k] < c ≤ upper[k] (one test for eight lanes).
//
// The reference kernel bins by Θ itself (`bin(thetaRad:)`); the two rules agree except for pairs
// within a rounding error (~1e-16) of an edge.
import Foundation

public struct PairBinning: Sendable, Equatable {
    /// Bin edges in degrees, ascending.
    public let edgesDeg: [Double]
    public var count: Int { edgesDeg.count - 1 }
    /// Interior thresholds t_1 … t_{K−1} (descending).
    let thresholds: [Double]
    /// c must be ≤ this (t_0), or +∞ when θ_0 = 0.
    let lowerCut: Double
    /// c must be ≥ this (t_K), or −∞ when θ_K = 180°.
    let upperCut: Double
    /// Bin k is lower[k] < c ≤ upper[k].
    let upper: [Double]
    let lower: [Double]
    let cells: Int
    let cellBase: [Int16]

    public init(edgesDeg e: [Double]) throws {
        guard e.count >= 2 else { throw PairCorrelationError("bins: need at least two edges") }
        guard e.count - 1 <= Int(Int16.max) else { throw PairCorrelationError("bins: at most \(Int16.max) bins") }
        for v in e where !(v.isFinite && v >= 0 && v <= 180) {
            throw PairCorrelationError("bins: edge \(v)° is outside [0°, 180°]")
        }
        for k in 1..<e.count where !(e[k] > e[k - 1]) {
            throw PairCorrelationError("bins: edges must increase (\(e[k - 1])° then \(e[k])°)")
        }
        let t = e.map { DegreeTrig.cosine(deg: $0) }
        for k in 1..<t.count where !(t[k] < t[k - 1]) {
            throw PairCorrelationError("bins: edges \(e[k - 1])° and \(e[k])° are too close to separate in cos Θ")
        }
        edgesDeg = e
        let k = e.count - 1
        thresholds = Array(t[1..<k])
        lowerCut = e[0] == 0 ? .infinity : t[0]
        upperCut = e[k] == 180 ? -.infinity : t[k]
        var up = [Double](repeating: 0, count: k), lo = up
        for b in 0..<k {
            up[b] = b == 0 ? lowerCut : t[b]
            lo[b] = b == k - 1 ? upperCut.nextDown : t[b + 1]
        }
        upper = up
        lower = lo
        // Cells: about four per narrowest bin (in cos Θ), between 1024 and 65536.
        var narrowest = 2.0
        for b in 0..<k { narrowest = min(narrowest, t[b] - t[b + 1]) }
        var m = 1024
        while m < 65536 && 2.0 / Double(m) > narrowest / 4 { m *= 2 }
        cells = m
        var base = [Int16](repeating: 0, count: m)
        var count = 0
        for u in 0..<m {
            // Largest c that can land in cell u, with one cell of slack: 1 − 2(u − 1)/M.
            let cHi = 1 - 2 * Double(u - 1) / Double(m)
            while count < thresholds.count && thresholds[count] >= cHi { count += 1 }
            base[u] = Int16(count)
        }
        cellBase = base
    }

    /// `bins` equal bins from `minDeg` to `maxDeg`.
    public static func uniform(bins: Int, minDeg: Double = 0, maxDeg: Double = 180) throws -> PairBinning {
        guard bins >= 1 else { throw PairCorrelationError("bins: need at least one bin, got \(bins)") }
        guard minDeg < maxDeg else { throw PairCorrelationError("bins: theta range [\(minDeg)°, \(maxDeg)°] is empty") }
        var e = (0...bins).map { minDeg + (maxDeg - minDeg) * Double($0) / Double(bins) }
        e[bins] = maxDeg
        return try PairBinning(edgesDeg: e)
    }

    /// Bin of a pair with cos Θ = c, or −1 if outside the edges (the fast kernels' rule).
    @inline(__always)
    public func bin(cos c: Double) -> Int {
        if c > lowerCut || c < upperCut { return -1 }
        var u = Int((1 - c) * Double(cells / 2))
        u = min(max(u, 0), cells - 1)
        var b = Int(cellBase[u])
        while b < thresholds.count && c <= thresholds[b] { b += 1 }
        return b
    }

    /// Bin of a pair at separation Θ (radians), or −1 (the reference kernel's rule).
    public func bin(thetaRad: Double) -> Int {
        let d = thetaRad * 180 / Double.pi
        let k = count
        if d < edgesDeg[0] && edgesDeg[0] > 0 { return -1 }
        if d > edgesDeg[k] && edgesDeg[k] < 180 { return -1 }
        var b = 0
        while b + 1 < k && d >= edgesDeg[b + 1] { b += 1 }
        return b
    }

    /// Bin centres, degrees.
    public var centresDeg: [Double] { (0..<count).map { (edgesDeg[$0] + edgesDeg[$0 + 1]) / 2 } }
}

public struct PairCorrelationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
