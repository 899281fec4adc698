// The fast path: every requested statistic of one group from its values sorted ascending. One
// sort per group (by the caller, `sortedSample`: a radix sort), then O(1) order statistics, an O(log n) MAD
// (k-th of the two sorted runs of deviations either side of the median: no second sort) and one
// pass of exact sums for the moments. `assemble` is shared with the distributed path, which
// supplies the same ingredients (count, extremes, exact sums, k-th values) found over ranks.
import Numerics

public enum GroupStatistics {
    /// The ingredients every statistic is computed from; each is a function of the group's
    /// multiset of values, however they were found.
    public struct Ingredients {
        public var count: Int
        public var min: Double
        public var max: Double
        /// Correctly rounded exact Σx (meaningful when count > 0).
        public var sum: Double
        /// Correctly rounded exact Σd…Σd⁴ around `Moments.mean` (finite groups).
        public var powers: PowerSums
        public init(count: Int, min: Double, max: Double, sum: Double, powers: PowerSums) {
            self.count = count; self.min = min; self.max = max; self.sum = sum; self.powers = powers
        }
    }

    /// Whether `stats` need the exact sums of central powers (std, skew, kurtosis).
    public static func needsCentralSums(_ stats: [Statistic]) -> Bool {
        stats.contains { $0 == .std || $0 == .skew || $0 == .kurtosis }
    }

    /// Whether `stats` need Σx (any moment).
    public static func needsSum(_ stats: [Statistic]) -> Bool { stats.contains(.mean) || needsCentralSums(stats) }

    /// The statistics in the order of `stats`, from the ingredients, `kth(k)` (the k-th smallest
    /// value, 0-based, for k in `Quantiles.ranks(for:count:)`) and `mad(median)` (the MAD of a
    /// group with a finite median). An empty group gives count 0 and NaN for the rest.
    @inline(__always)
    public static func assemble(_ stats: [Statistic], _ g: Ingredients, kth: (Int) -> Double, mad: (Double) -> Double,
                                into out: inout [Double]) {
        let n = g.count
        for s in stats {
            if s == .count { out.append(Double(n)); continue }
            if n == 0 { out.append(.nan); continue }
            let finite = !Moments.hasInfinity(min: g.min, max: g.max)
            let c = Moments.central(count: n, g.powers)
            switch s {
            case .count: break
            case .mean: out.append(Moments.mean(count: n, sum: g.sum, min: g.min, max: g.max))
            case .std: out.append(finite ? Moments.std(count: n, m2: c.m2) : .nan)
            case .skew: out.append(finite ? Moments.skew(count: n, m2: c.m2, m3: c.m3) : .nan)
            case .kurtosis: out.append(finite ? Moments.kurtosis(count: n, m2: c.m2, m4: c.m4) : .nan)
            case .min: out.append(g.min)
            case .max: out.append(g.max)
            case .median, .mad:
                let (a, b) = Quantiles.medianRanks(count: n)
                let m = Quantiles.median(kth(a), kth(b), count: n)
                if s == .median { out.append(m); break }
                out.append(m.isFinite ? mad(m) : Quantiles.madOfNonFiniteMedian(m, min: g.min, max: g.max))
            case .percentile(let p):
                let plan = Quantiles.percentilePlan(count: n, percent: p)
                out.append(Quantiles.lerp(kth(plan.lower), kth(plan.upper), plan.gamma))
            }
        }
    }

    /// The group's values ready for `compute`: NaN dropped, −0 written as +0 (so that the order of
    /// equal values, and hence every result bit, cannot depend on the input order), sorted.
    public static func sortedSample(_ values: UnsafeBufferPointer<Double>, into buffer: inout [Double]) {
        buffer.removeAll(keepingCapacity: true)
        for v in values where !v.isNaN { buffer.append(v + 0) }  // −0 + 0 = +0 (round to nearest)
        buffer.withUnsafeMutableBufferPointer { RadixSort.sort($0) }
    }

    /// Sorts non-NaN values without −0 ascending in place (the radix sort of `sortedSample`).
    public static func sort(_ x: UnsafeMutableBufferPointer<Double>) { RadixSort.sort(x) }

    /// Every statistic of one group, appended to `out` in the order of `stats`. `sorted` holds the
    /// group's non-NaN values ascending, with no −0 (`sortedSample`).
    public static func compute(sorted x: UnsafeBufferPointer<Double>, _ stats: [Statistic], into out: inout [Double]) {
        let n = x.count
        var g = Ingredients(count: n, min: n > 0 ? x[0] : .nan, max: n > 0 ? x[n - 1] : .nan, sum: .nan, powers: .nan)
        if n > 0 && needsSum(stats) {
            var s = ExactSum(count: 1)
            s.add(x, to: 0)
            g.sum = s.value(0)
            if needsCentralSums(stats) && !Moments.hasInfinity(min: g.min, max: g.max) {
                g.powers = Moments.powerSums(x, mean: Moments.mean(count: n, sum: g.sum, min: g.min, max: g.max))
            }
        }
        assemble(stats, g, kth: { x[$0] }, mad: { m in mad(sorted: x, median: m) }, into: &out)
    }

    /// The median of |x − m| over sorted x with a finite median m: deviations m − x of the values
    /// ≤ m ascend as x descends, those x − m of the values > m ascend with x (rounding is
    /// monotone), so the middle deviations are k-th elements of two sorted runs.
    public static func mad(sorted x: UnsafeBufferPointer<Double>, median m: Double) -> Double {
        let n = x.count
        let nl = partitionPoint(x) { $0 > m }
        let left = { (j: Int) -> Double in m - x[nl - 1 - j] }, right = { (j: Int) -> Double in x[nl + j] - m }
        let (a, b) = Quantiles.medianRanks(count: n)
        let da = Quantiles.kthOfTwo(a, nl, n - nl, left, right)
        let db = a == b ? da : Quantiles.kthOfTwo(b, nl, n - nl, left, right)
        return Quantiles.median(da, db, count: n)
    }

    /// The first index of sorted `x` where `predicate` (false…false true…true) holds.
    @inline(__always)
    public static func partitionPoint(_ x: UnsafeBufferPointer<Double>, _ predicate: (Double) -> Bool) -> Int {
        var lo = 0, hi = x.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(x[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
