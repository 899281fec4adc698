// The science of this job, pure (no MPI, no HDF5): summary statistics of one cleaned light curve.
// Each matches a reference a user can check against:
//   median   numpy.median (mean of the two middle values for an even count)
//   mad      unscaled median absolute deviation, median(|x − median(x)|) (no 1.4826 factor)
//   std      sample standard deviation, ddof = 1 (numpy.std(x, ddof=1))
//   skewness bias-corrected sample skewness G1 = n √(n−1) / (n−2) · M3 / M2^{3/2}, with
//            M_k = Σ (x − x̄)^k: pandas.Series.skew (Joanes & Gill 1998, The Statistician 47, 183, eq. 2)
//   abbe     von Neumann ratio in time order, Σ(x_{i+1} − x_i)² / (2 Σ(x_i − x̄)²) × n/(n−1)
//            (von Neumann 1941, Ann. Math. Stat. 12, 367; the Abbe value of Mowlavi 2014, A&A 568, A78):
//            ≈ 1 for uncorrelated noise, ≪ 1 for variability slow compared with the sampling.
#if canImport(Glibc)
import Glibc
#endif

public struct CurveStatistics: Equatable {
    public var count: Int
    public var median: Double
    public var mad: Double
    public var std: Double
    public var skewness: Double
    public var abbe: Double

    /// Statistics of `values` observed at `times` (any order; the Abbe value uses time order).
    /// Undefined ones are NaN: all of them for no value, std and abbe below 2 values, skewness below 3.
    public init(times: [Double], values: [Double]) {
        precondition(times.count == values.count)
        count = values.count
        let med = Self.median(values)
        median = med
        mad = Self.median(values.map { abs($0 - med) })
        let n = Double(count)
        let mean = values.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0
        for x in values {
            let d = x - mean
            m2 += d * d
            m3 += d * d * d
        }
        std = count >= 2 ? (m2 / (n - 1)).squareRoot() : .nan
        // pandas sets sums below 1e-14 to zero (floating-point noise of a constant series) and
        // returns 0 skewness when M2 is zero.
        if abs(m2) < 1e-14 { m2 = 0 }
        if abs(m3) < 1e-14 { m3 = 0 }
        if count < 3 { skewness = .nan } else if m2 == 0 { skewness = 0 } else {
            skewness = n * (n - 1).squareRoot() / (n - 2) * m3 / (m2 * m2.squareRoot())
        }
        if count < 2 || m2 == 0 {
            abbe = .nan
        } else {
            let order = times.indices.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
            var s = 0.0
            for k in 1..<order.count {
                let d = values[order[k]] - values[order[k - 1]]
                s += d * d
            }
            abbe = s / (2 * m2) * n / (n - 1)
        }
    }

    /// numpy.median: the middle value, or the mean of the two middle values; NaN for no values.
    static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted()
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}
