// The slow, obvious reference for tests: each statistic straight from its definition over a
// sorted copy, written out again without the fast path's code: numpy's index arithmetic for
// percentiles and its _lerp, a second sort for the MAD, the moment formulas of Moments over exact
// sums of whole arrays. Independent checks of the definitions themselves are the numpy/pandas
// constants in AggregatesTests.
import Numerics

public enum GroupStatisticsReference {
    /// Statistics of `values` (any order, NaN allowed) in the order of `stats`.
    public static func compute(_ values: [Double], _ stats: [Statistic]) -> [Double] {
        let x = values.filter { !$0.isNaN }.sorted()
        let n = x.count
        func exact(_ terms: [Double]) -> Double {
            var s = ExactSum(count: 1)
            for t in terms { s.add(t, to: 0) }
            return s.value(0)
        }
        func median(_ v: [Double]) -> Double {
            let s = v.sorted(), c = s.count
            return c % 2 == 1 ? s[c / 2] : (s[c / 2 - 1] + s[c / 2]) / 2
        }
        let hasPosInf = x.contains(.infinity), hasNegInf = x.contains(-.infinity)
        var mean = Double.nan
        if n > 0 {
            if hasPosInf && hasNegInf { mean = .nan } else if hasPosInf { mean = .infinity } else if hasNegInf { mean = -.infinity } else {
                mean = exact(x) / Double(n)
                mean = min(max(mean, x.first!), x.last!)
            }
        }
        // Central sums about the exact mean μ = mean + δ from sums about the rounded mean.
        let d = x.map { $0 - mean }
        let s1 = exact(d), s2 = exact(d.map { $0 * $0 }), s3 = exact(d.map { $0 * $0 * $0 }), s4 = exact(d.map { ($0 * $0) * ($0 * $0) })
        let delta = s1 / Double(n)
        let m2 = s2 - delta * s1
        let m3 = s3 - 3 * delta * s2 + 2 * Double(n) * delta * delta * delta
        let m4 = s4 - 4 * delta * s3 + 6 * delta * delta * s2 - 3 * Double(n) * (delta * delta) * (delta * delta)
        let finite = !(hasPosInf || hasNegInf)
        let dn = Double(n)
        return stats.map { s -> Double in
            if s == .count { return dn }
            if n == 0 { return .nan }
            switch s {
            case .count: return dn
            case .mean: return mean
            case .std: return n < 2 || !finite ? .nan : (m2 / (dn - 1)).squareRoot()
            case .skew:
                return n < 3 || !finite ? .nan : m3 / (m2 * m2.squareRoot()) * ((dn * (dn - 1).squareRoot()) / (dn - 2))
            case .kurtosis:
                return n < 4 || !finite ? .nan : (dn - 1) / ((dn - 2) * (dn - 3)) * (dn * (dn + 1) * (m4 / (m2 * m2)) - 3 * (dn - 1))
            case .min: return x.first!
            case .max: return x.last!
            case .median: return median(x)
            case .mad:
                let m = median(x)
                let dev = x.map { abs($0 - m) }
                return dev.contains(where: { $0.isNaN }) ? .nan : median(dev)
            case .percentile(let p):
                // numpy: v = (n − 1)·(p / 100); above the last index both neighbours are the last
                // value and gamma = v + 1; _lerp switches formula at t = 0.5.
                let v = Double(n - 1) * (p / 100)
                var i = Int(v.rounded(.down)), j = i + 1, t = v - v.rounded(.down)
                if v >= Double(n - 1) { i = n - 1; j = n - 1; t = v + 1 }
                let a = x[i], b = x[j], diff = b - a
                return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
            }
        }
    }
}
