// Order statistics as numpy computes them, from the k-th smallest values of a group (k 0-based),
// so that the fast path (values at hand, sorted) and the distributed selection (values found by
// bisection over ranks) give the same bits: both feed the same k-th values into these functions.
//
// numpy 2.x `percentile(a, p, method="linear")` (numpy/lib/_function_base_impl.py, `_quantile`,
// `_get_indexes`, `_get_gamma`, `_lerp`): q = p / 100; virtual index v = (n − 1)·q; previous =
// floor(v), next = previous + 1; when v ≥ n − 1 both become the last index and numpy's gamma is
// then v − (−1) = v + 1 (its "−1" index is used in the subtraction); result = _lerp(x[previous],
// x[next], gamma) with _lerp(a, b, t) = a + (b − a)·t, replaced by b − (b − a)·(1 − t) where
// t ≥ 0.5 (Hyndman & Fan 1996 method 7). `median`: numpy's mean of the middle one or two values,
// (a + b) / 2.

public enum Quantiles {
    /// The 0-based ranks of the two middle values of n (equal for odd n).
    @inline(__always)
    public static func medianRanks(count n: Int) -> (Int, Int) { ((n - 1) / 2, n / 2) }

    /// numpy's median from the two middle values: mean([a, b]) = (a + b) / 2, or a itself.
    @inline(__always)
    public static func median(_ a: Double, _ b: Double, count n: Int) -> Double {
        n % 2 == 1 ? a : (a + b) / 2
    }

    /// numpy's ranks and weight for percentile p (0…100) of n ≥ 1 values.
    @inline(__always)
    public static func percentilePlan(count n: Int, percent p: Double) -> (lower: Int, upper: Int, gamma: Double) {
        let q = p / 100
        let v = Double(n - 1) * q
        if v >= Double(n - 1) { return (n - 1, n - 1, v + 1) }
        let previous = v.rounded(.down)
        return (Int(previous), Int(previous) + 1, v - previous)
    }

    /// numpy's `_lerp`: exact at both ends and monotone in t.
    @inline(__always)
    public static func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
        let d = b - a
        return t >= 0.5 ? b - d * (1 - t) : a + d * t
    }

    /// The 0-based ranks (sorted, unique) of the values that `stats` need from a group of n
    /// values (median and percentiles; min, max and MAD are found otherwise).
    public static func ranks(for stats: [Statistic], count n: Int) -> [Int] {
        guard n > 0 else { return [] }
        var r: [Int] = []
        for s in stats {
            switch s {
            case .median, .mad:
                let (a, b) = medianRanks(count: n)
                r += [a, b]
            case .percentile(let p):
                let plan = percentilePlan(count: n, percent: p)
                r += [plan.lower, plan.upper]
            default: break
            }
        }
        return Array(Set(r)).sorted()
    }

    /// MAD when the median m is not finite: numpy's |x − m| is NaN for x = m (inf − inf), +inf
    /// for every other x, and the median of deviations containing a NaN is NaN. Whether some x
    /// equals ±inf is known from the group's min and max.
    public static func madOfNonFiniteMedian(_ m: Double, min: Double, max: Double) -> Double {
        if m.isNaN { return .nan }
        let present = m > 0 ? max == m : min == m
        return present ? .nan : .infinity
    }

    /// The k-th smallest (0-based) of the union of two ascending sequences of lengths nl and nr
    /// (k < nl + nr), by binary search on how many come from the first: O(log n) probes.
    @inline(__always)
    public static func kthOfTwo(_ k: Int, _ nl: Int, _ nr: Int, _ left: (Int) -> Double, _ right: (Int) -> Double) -> Double {
        var lo = Swift.max(0, k + 1 - nr), hi = Swift.min(k + 1, nl)
        // Smallest i such that taking i from `left` and k + 1 − i from `right` leaves nothing
        // smaller behind in `left` (the predicate below is monotone in i).
        while lo < hi {
            let i = (lo + hi) / 2, j = k + 1 - i
            if j > 0 && left(i) < right(j - 1) { lo = i + 1 } else { hi = i }
        }
        let i = lo, j = k + 1 - i
        let a = i > 0 ? left(i - 1) : -Double.infinity, b = j > 0 ? right(j - 1) : -Double.infinity
        return Swift.max(a, b)
    }
}
