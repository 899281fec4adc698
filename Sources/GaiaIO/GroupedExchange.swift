// The exchange algorithm of GroupedStatistics (see the header there): sample sort by key with
// splitters at the ranks' own boundaries for key-ordered input, one Alltoallv per column, whole
// groups computed where they land, results gathered on rank 0 in key order.
import Aggregates
import MPI

enum GroupedExchange {
    static func compute(_ local: GroupedInput, stats: [Statistic], communicator comm: Communicator) -> GroupedResult {
        var (keys, values) = ordered(local)
        let splitters = self.splitters(keys, comm)
        // Owners ascend with keys, so each destination's rows are one contiguous block.
        var starts = [0] + splitters.map { s in partitionPoint(keys) { $0 >= s } } + [keys.count]
        for d in 1..<starts.count { starts[d] = max(starts[d], starts[d - 1]) }
        let sendCounts = (0..<comm.size).map { starts[$0 + 1] - starts[$0] }
        keys = comm.alltoallv(keys, sendCounts: sendCounts).values
        values = values.map { comm.alltoallv($0, sendCounts: sendCounts).values }
        // Blocks arrive in source-rank order: already key-ordered for key-ordered input.
        if !isSorted(keys) { (keys, values) = ordered(GroupedInput(keys: keys, values: values)) }

        var groupKeys: [Int64] = [], rows: [Int64] = [], flat: [Double] = [], buffer: [Double] = []
        var i = 0
        while i < keys.count {
            var j = i + 1
            while j < keys.count && keys[j] == keys[i] { j += 1 }
            groupKeys.append(keys[i])
            rows.append(Int64(j - i))
            for column in values {
                column.withUnsafeBufferPointer { GroupStatistics.sortedSample(UnsafeBufferPointer(rebasing: $0[i..<j]), into: &buffer) }
                buffer.withUnsafeBufferPointer { GroupStatistics.compute(sorted: $0, stats, into: &flat) }
            }
            i = j
        }
        let allKeys = comm.gatherv(groupKeys), allRows = comm.gatherv(rows), allFlat = comm.gatherv(flat)
        return GroupedResult(keys: allKeys, rows: allRows,
                             statistics: GroupedStatistics.transpose(allFlat, groups: allKeys.count, values: values.count, stats: stats.count),
                             method: GroupingMethod.exchange.rawValue)
    }

    /// P − 1 ascending splitters, the same on every rank: the first key of each rank r ≥ 1 when
    /// the ranks' key ranges are in rank order (an empty rank takes the next rank's; Int64.max
    /// after the last non-empty one), else every (m/P)-th of P − 1 regular samples per rank.
    static func splitters(_ keys: [Int64], _ comm: Communicator) -> [Int64] {
        let p = comm.size
        let ends = comm.allgather([keys.first ?? 0, keys.last ?? 0, Int64(keys.count)])
        var inOrder = true, previous: Int64? = nil
        for r in 0..<p where ends[3 * r + 2] > 0 {
            if let last = previous, ends[3 * r] < last { inOrder = false }
            previous = ends[3 * r + 1]
        }
        if inOrder {
            return (1..<max(p, 1)).map { r in
                (r..<p).first { ends[3 * $0 + 2] > 0 }.map { ends[3 * $0] } ?? .max
            }
        }
        let n = keys.count
        let samples = n > 0 ? (0..<(p - 1)).map { keys[($0 + 1) * n / p] } : []
        let all = comm.allgatherv(samples).values.sorted()
        return (1..<max(p, 1)).map { all.isEmpty ? .max : all[$0 * all.count / p] }
    }

    /// The rows ordered by key (stable), untouched when they already are.
    static func ordered(_ input: GroupedInput) -> ([Int64], [[Double]]) {
        if isSorted(input.keys) { return (input.keys, input.values) }
        let keys = input.keys
        let order = keys.indices.sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
        return (order.map { keys[$0] }, input.values.map { column in order.map { column[$0] } })
    }

    static func isSorted(_ keys: [Int64]) -> Bool {
        keys.withUnsafeBufferPointer { k in
            var ok = true
            for i in k.indices.dropFirst() where k[i] < k[i - 1] { ok = false; break }
            return ok
        }
    }

    /// First index of ascending `keys` where `predicate` holds (false…false true…true).
    static func partitionPoint(_ keys: [Int64], _ predicate: (Int64) -> Bool) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(keys[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
