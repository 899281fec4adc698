// Per-bin sums of the pair correlation and the estimator built from them.
//
// For a pair (i, j) with weight w = w_i w_j and products P∥ = μ_i∥ μ_j∥, P⊥ = μ_i⊥ μ_j⊥ (components
// along and across the great circle through both, in its parallel-transported frame; see
// PairCorrelation.swift), every bin accumulates ten sums, in this order:
//   0 n      1 Σw      2 Σw P∥     3 Σw P⊥
//   4 Σw²    5 Σw² P∥  6 Σw² P⊥    7 Σw² P∥²   8 Σw² P⊥²   9 Σw² P∥ P⊥
//
// Estimator: the weighted mean of the products over the pairs of a bin (the binned correlation of
// Darling, Truebenbach & Paine 2018, ApJ 861, 113, here with inverse-variance pair weights):
//   C∥ = Σ w P∥ / Σ w,   C⊥ = Σ w P⊥ / Σ w.
// Error, from the scatter of the products (the heteroscedasticity-consistent "sandwich" variance
// of a weighted mean, White 1980, Econometrica 48, 817, Eq. 3; small-sample factor n_eff/(n_eff−1)
// with Kish's n_eff = (Σw)²/Σw²):
//   Var C∥ = Σ w² (P∥ − C∥)² / (Σw)² · n_eff/(n_eff − 1)  =  (S7 − 2 C∥ S5 + C∥² S4)/S1² · …
// It treats distinct pairs as uncorrelated, which is exact under the null hypothesis (independent,
// zero-mean proper-motion errors): two pairs sharing source i have Cov = E[a_i a'_i] E[b_j] E[b'_k] = 0.
// It does not rely on the quoted σ being right (Gaia's QSO proper-motion errors are known to be
// underestimated by ~5–10 %). When the quoted σ are right its expectation is the model error
// 1/√Σw (w = 1/σ² per component), reported beside it as a check. Under a signal, pairs sharing a
// source correlate (signal × noise terms) and these errors are those of the null hypothesis.
import Foundation

/// The ten sums of every bin (see the file comment), plus pairs with no defined great circle.
public struct PairSums: Sendable, Equatable {
    public static let quantities = 10
    public let bins: Int
    /// bins × quantities, bin-major.
    public var values: [Double]
    /// Pairs at exactly the same position (r_i × r_j = 0, r_i·r_j > 0) and exactly antipodal ones
    /// (counted when in a bin).
    public var coincident: Int = 0
    public var antipodal: Int = 0
    /// Pairs outside [θ_0, θ_K] (in no bin).
    public var outside: Int = 0

    public init(bins: Int) {
        self.bins = bins
        values = [Double](repeating: 0, count: bins * Self.quantities)
    }

    public subscript(bin: Int, quantity: Int) -> Double {
        get { values[bin * Self.quantities + quantity] }
        set { values[bin * Self.quantities + quantity] = newValue }
    }

    /// Pairs counted in bins.
    public var pairs: Int { (0..<bins).reduce(0) { $0 + Int(self[$1, 0]) } }

    /// Pairs visited: in bins or outside them.
    public var visited: Int { pairs + outside }

    /// Adds one pair (the reference kernels' and the fast kernel's scalar path).
    @inline(__always)
    public mutating func add(bin k: Int, weight w: Double, parallel p: Double, perpendicular q: Double) {
        add(bin: k, weight: w, weightedParallel: w * p, weightedPerpendicular: w * q)
    }

    /// Adds one pair given w, w P∥ and w P⊥.
    @inline(__always)
    public mutating func add(bin k: Int, weight w: Double, weightedParallel wp: Double, weightedPerpendicular wq: Double) {
        values.withUnsafeMutableBufferPointer { v in
            let a = v.baseAddress! + k * Self.quantities
            a[0] += 1
            a[1] += w
            a[2] += wp
            a[3] += wq
            a[4] = a[4].addingProduct(w, w)
            a[5] = a[5].addingProduct(w, wp)
            a[6] = a[6].addingProduct(w, wq)
            a[7] = a[7].addingProduct(wp, wp)
            a[8] = a[8].addingProduct(wq, wq)
            a[9] = a[9].addingProduct(wp, wq)
        }
    }

    /// Element-wise sum (in the order given: for tests; the driver combines exactly, ExactSum).
    public mutating func add(_ o: PairSums) {
        precondition(o.bins == bins)
        for i in values.indices { values[i] += o.values[i] }
        coincident += o.coincident
        antipodal += o.antipodal
        outside += o.outside
    }
}

/// One bin of the estimator.
public struct BinnedCorrelation: Sendable, Equatable {
    public var thetaMinDeg: Double
    public var thetaMaxDeg: Double
    public var pairs: Int
    public var sumWeights: Double
    /// Kish's effective number of pairs (Σw)²/Σw².
    public var effectivePairs: Double
    public var parallel: Double
    public var perpendicular: Double
    /// Errors from the scatter of the products (NaN with fewer than two effective pairs).
    public var parallelError: Double
    public var perpendicularError: Double
    /// Covariance of C∥ and C⊥ from the same scatter.
    public var covariance: Double
    /// 1/√Σw: the error if the per-component variances are 1/w_i (the quoted errors are right).
    public var modelError: Double

    /// The estimator of bin `k` from its ten sums `s` (S0 … S9).
    public init(thetaMinDeg: Double, thetaMaxDeg: Double, sums s: ArraySlice<Double>) {
        precondition(s.count == PairSums.quantities)
        let v = Array(s)
        self.thetaMinDeg = thetaMinDeg
        self.thetaMaxDeg = thetaMaxDeg
        pairs = Int(v[0])
        sumWeights = v[1]
        guard v[1] > 0 else {
            effectivePairs = 0
            parallel = .nan; perpendicular = .nan
            parallelError = .nan; perpendicularError = .nan; covariance = .nan; modelError = .nan
            return
        }
        let cp = v[2] / v[1], cq = v[3] / v[1]
        parallel = cp
        perpendicular = cq
        modelError = 1 / v[1].squareRoot()
        let neff = v[4] > 0 ? v[1] * v[1] / v[4] : 0
        effectivePairs = neff
        guard neff > 1 else {
            parallelError = .nan; perpendicularError = .nan; covariance = .nan
            return
        }
        let f = neff / (neff - 1) / (v[1] * v[1])
        let vp = max(0, v[7] - 2 * cp * v[5] + cp * cp * v[4]) * f
        let vq = max(0, v[8] - 2 * cq * v[6] + cq * cq * v[4]) * f
        parallelError = vp.squareRoot()
        perpendicularError = vq.squareRoot()
        covariance = (v[9] - cq * v[5] - cp * v[6] + cp * cq * v[4]) * f
    }

    /// All bins of `sums` (global sums, after the reduction).
    public static func bins(_ sums: PairSums, binning: PairBinning) -> [BinnedCorrelation] {
        precondition(sums.bins == binning.count)
        let q = PairSums.quantities
        return (0..<sums.bins).map { k in
            BinnedCorrelation(thetaMinDeg: binning.edgesDeg[k], thetaMaxDeg: binning.edgesDeg[k + 1],
                              sums: sums.values[(k * q)..<((k + 1) * q)])
        }
    }
}
