// Mean, standard deviation, skewness and kurtosis of a group from exact sums, so that every
// result is a function of the group's multiset of values alone (any split over ranks, any order):
//   mean = clamp(round(Σx) / n, min, max)        Σx exact (Numerics.ExactSum), correctly rounded;
//                                                 the clamp makes a constant group's mean its value
//   d_i = x_i − mean                              one floating-point subtraction per value
//   S_k = round(Σ d_i^k), k = 1…4                 d² = d·d, d³ = d²·d, d⁴ = d²·d², summed exactly
//   δ = S_1 / n                                   the rounded mean's offset from the exact mean μ
//   m2 = S2 − δ·S1, m3 = S3 − 3δ·S2 + 2nδ³, m4 = S4 − 4δ·S3 + 6δ²·S2 − 3nδ⁴
//                                                 Σ(x − μ)^k by the binomial expansion (Σd = nδ):
//                                                 without it a mean rounded to 1 ulp would bias
//                                                 the skewness of a narrow group far from 0 by
//                                                 ~3δ/σ (e.g. 1e-3 for σ = 3e-5 around 1e8)
//   std = sqrt(m2 / (n − 1))                      pandas/numpy ddof = 1; NaN for n < 2
//   skew = m3 / (m2·sqrt(m2)) · n·sqrt(n − 1)/(n − 2)                       NaN for n < 3
//   kurt = (n − 1)/((n − 2)(n − 3)) · (n(n + 1)·m4/(m2·m2) − 3(n − 1))      NaN for n < 4
// The last two are pandas 3.1's `calc_skew`/`calc_kurt` (pandas/_libs/algos.pxd, the adjusted
// Fisher–Pearson G1 and G2 of Joanes & Gill 1998), in its operation order; a constant group has
// m2 = 0 and gets NaN as in pandas ≥ 3.1 (0/0). pandas sums with Welford updates, so its results
// differ from these exact ones in the last bits (more where m2 is tiny against mean²).
// Infinities: mean is +inf (−inf) when +inf (−inf) values are present, NaN when both are;
// std, skew and kurtosis are NaN (numpy/pandas: x − mean = inf − inf). Overflow of d^k makes the
// exact sum NaN, as it would make pandas' inf/inf.
import Numerics

public enum Moments {
    /// Whether a group of extreme values min…max contains an infinity.
    @inline(__always)
    public static func hasInfinity(min: Double, max: Double) -> Bool { min == -.infinity || max == .infinity }

    /// The mean from the correctly rounded exact sum of the n values and their extremes.
    public static func mean(count n: Int, sum: Double, min: Double, max: Double) -> Double {
        if n == 0 { return .nan }
        if min == -.infinity && max == .infinity { return .nan }
        if max == .infinity { return .infinity }
        if min == -.infinity { return -.infinity }
        return Swift.min(Swift.max(sum / Double(n), min), max)
    }

    /// d², d³, d⁴ of one deviation d = x − mean, in the one order both paths use.
    @inline(__always)
    public static func powers(_ d: Double) -> (Double, Double, Double) {
        let d2 = d * d
        return (d2, d2 * d, d2 * d2)
    }

    public static func std(count n: Int, m2: Double) -> Double {
        n < 2 ? .nan : (m2 / Double(n - 1)).squareRoot()
    }

    public static func skew(count n: Int, m2: Double, m3: Double) -> Double {
        if n < 3 { return .nan }
        let dn = Double(n)
        let ratio = m3 / (m2 * m2.squareRoot())
        let correction = (dn * (dn - 1).squareRoot()) / (dn - 2)
        return ratio * correction
    }

    public static func kurtosis(count n: Int, m2: Double, m4: Double) -> Double {
        if n < 4 { return .nan }
        let dn = Double(n)
        let ratio = m4 / (m2 * m2)
        let inner = dn * (dn + 1) * ratio - 3 * (dn - 1)
        let correction = (dn - 1) / ((dn - 2) * (dn - 3))
        return correction * inner
    }

    /// S1…S4 of finite values around `mean`, each the correctly rounded exact sum.
    public static func powerSums(_ x: UnsafeBufferPointer<Double>, mean: Double) -> PowerSums {
        // The terms of each sum as `powers` computes them (d², d²·d, d²·d²), one bulk exact add each.
        var s = ExactSum(count: 4)
        s.add(x, to: 0) { $0 - mean }
        s.add(x, to: 1) { let d = $0 - mean; return powers(d).0 }
        s.add(x, to: 2) { let d = $0 - mean; return powers(d).1 }
        s.add(x, to: 3) { let d = $0 - mean; return powers(d).2 }
        return PowerSums(s.value(0), s.value(1), s.value(2), s.value(3))
    }

    /// Σ(x − μ)^k, k = 2, 3, 4, about the exact mean, from the power sums about the rounded one.
    public static func central(count n: Int, _ s: PowerSums) -> (m2: Double, m3: Double, m4: Double) {
        let dn = Double(n), delta = s.s1 / dn
        let m2 = s.s2 - delta * s.s1
        let m3 = s.s3 - 3 * delta * s.s2 + 2 * dn * delta * delta * delta
        let m4 = s.s4 - 4 * delta * s.s3 + 6 * delta * delta * s.s2 - 3 * dn * (delta * delta) * (delta * delta)
        return (m2, m3, m4)
    }
}

/// Correctly rounded exact sums of d, d², d³, d⁴ over a group, d = x − mean (rounded mean).
public struct PowerSums: Sendable, Equatable {
    public var s1, s2, s3, s4: Double
    public init(_ s1: Double, _ s2: Double, _ s3: Double, _ s4: Double) { self.s1 = s1; self.s2 = s2; self.s3 = s3; self.s4 = s4 }
    public static let nan = PowerSums(.nan, .nan, .nan, .nan)
}
