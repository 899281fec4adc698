// Exact order statistics of values spread over ranks without moving them (distributed
// selection): the k-th smallest value (0-based) of a multiset is the smallest double t with
// count(x ≤ t) ≥ k + 1. Doubles map monotonically onto integers (`orderedKey`), so t is found by
// bisection on that integer between the keys of two known bounds (e.g. the global min and max):
// at most 64 rounds, each one global count per unresolved target — every rank counts its own
// values ≤ candidate by binary search in its sorted local values, and the counts are summed
// (an integer allreduce). All targets advance together, so the number of rounds and of
// collectives is the same on every rank. The answer is a value of the multiset itself, hence the
// same bits as the fast path's x[k]. The MAD uses the same search on the deviations |x − m|,
// counted by two binary searches per rank (`countDeviations`).
//
// −0 is excluded from the key space (its key is +0's): values never hold −0 (`sortedSample`), so
// every key between two values' keys is a double the search may return only if it is a value.

public enum DistributedSelection {
    /// A monotone bijection from the non-NaN doubles other than −0 onto an integer interval.
    @inline(__always)
    public static func orderedKey(_ x: Double) -> Int64 {
        let b = x.bitPattern
        return b >> 63 == 0 ? Int64(b) : -Int64(b & 0x7FFF_FFFF_FFFF_FFFF)
    }

    @inline(__always)
    public static func value(ofKey k: Int64) -> Double {
        k >= 0 ? Double(bitPattern: UInt64(k)) : Double(bitPattern: UInt64(-k) | 0x8000_0000_0000_0000)
    }

    /// The k-th smallest values (0-based `ranks[i]`) of several multisets at once, each known to lie
    /// within lower[i]…upper[i] (values of the multiset, or bounds). `globalCounts(candidates)`
    /// returns, for every target i, the number of values of multiset i that are ≤ candidates[i],
    /// summed over all ranks (a collective on a communicator: called the same number of times
    /// everywhere, as every rank passes the same ranks and bounds).
    public static func select(ranks: [Int], lower: [Double], upper: [Double],
                              globalCounts: ([Double]) -> [Int]) -> [Double] {
        precondition(ranks.count == lower.count && lower.count == upper.count, "select: one rank and two bounds per target")
        var lo = lower.map(orderedKey), hi = upper.map(orderedKey)
        while zip(lo, hi).contains(where: { $0 < $1 }) {
            // Floor of the midpoint without overflow (keys span almost all of Int64).
            let mid = zip(lo, hi).map { a, b in (a >> 1) + (b >> 1) + (a & b & 1) }
            let counts = globalCounts(mid.map(value(ofKey:)))
            for i in lo.indices where lo[i] < hi[i] {
                if counts[i] >= ranks[i] + 1 { hi[i] = mid[i] } else { lo[i] = mid[i] + 1 }
            }
        }
        return lo.map(value(ofKey:))
    }

    /// Values of ascending `x` that are ≤ t.
    @inline(__always)
    public static func count(_ x: UnsafeBufferPointer<Double>, atMost t: Double) -> Int {
        GroupStatistics.partitionPoint(x) { $0 > t }
    }

    /// Values of ascending `x` whose deviation from m, |x − m| as numpy computes it (m − x for
    /// x ≤ m, x − m above), is ≤ t: the values in between two binary-search boundaries.
    @inline(__always)
    public static func countDeviations(_ x: UnsafeBufferPointer<Double>, median m: Double, atMost t: Double) -> Int {
        let first = GroupStatistics.partitionPoint(x) { $0 > m || m - $0 <= t }
        let end = GroupStatistics.partitionPoint(x) { $0 > m && $0 - m > t }
        return Swift.max(0, end - first)
    }
}
