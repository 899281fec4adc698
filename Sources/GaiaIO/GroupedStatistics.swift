// Exact grouped statistics over MPI ranks: the rows of a table, each with an integer group key
// and one or more values, spread over ranks in any way; every statistic of every group, exactly
// (no sketches) and bit-identical for any number of ranks. The statistics of one group are the
// Aggregates kernel's (GroupStatistics); what this file adds is getting each group's values, or
// the global facts about them, together. Two algorithms, both exact and giving the same bits:
//
// exchange (many groups, e.g. HEALPix pixels): a sample sort by key. Each rank orders its rows by
// key (detected when already so, as rows ordered by source_id are for HEALPix keys). All ranks
// derive the same P − 1 splitters: when the ranks' key ranges are already in rank order, the first
// key of each rank (so only the rows of groups straddling a rank boundary move, to the rank where
// the group's last part lies); otherwise regular sampling (PSRS: P − 1 evenly spaced keys of each
// rank, sorted, every (m/P)-th). A row goes to owner(key) = number of splitters ≤ key, so a group
// is never split, and owners ascend with keys. One MPI_Alltoallv per column moves the rows; each
// rank then computes its whole groups with the fast path (one sort per group) and rank 0 gathers
// the rows of results in rank order, which is key order.
// Memory per rank: its input, plus the rows it owns after the exchange — N/P plus the largest
// group for key-ordered input; for unordered input PSRS bounds it by ~2N/P plus the largest group
// (duplicated keys cannot be split).
//
// in_place (few groups with rows on every rank: `--by none`, magnitude bins): no row moves. The
// group list is the union of all ranks' keys. Per group and value column, each rank sorts its own
// values; counts, min and max are reduced (integer sum, min, max), Σx and then Σd…Σd⁴ about the
// mean as exact sums (ExactSum digits summed with an integer allreduce, MPIReduction), and every
// order statistic by distributed selection (DistributedSelection: bisection on the ordered bit
// pattern of the answer, ≤ 64 rounds each summing per-target counts of local values ≤ candidate,
// found by binary search; all groups, columns and ranks k at once). The MAD is a second selection
// over deviations |x − median|, each rank counting them with two binary searches.
// Memory per rank: its own rows (one sorted copy of each value column) and O(groups × columns)
// accumulators; communication O(groups × columns × (order statistics × 64 + exact-sum digits)).
//
// auto: in_place when all ranks together hold at most 4096 distinct keys (found by gathering the
// distinct keys only while every rank has at most that many), exchange otherwise: a choice that
// depends on the data alone, never on the number of ranks.
import Aggregates
import MPI

/// One rank's rows: a group key per row and, per value column, a value per row (NaN allowed).
public struct GroupedInput {
    public var keys: [Int64]
    public var values: [[Double]]
    public init(keys: [Int64], values: [[Double]]) { self.keys = keys; self.values = values }
}

/// Every non-empty group's statistics (complete on rank 0; the exchange leaves other ranks empty).
public struct GroupedResult: Equatable {
    /// Group keys, ascending.
    public var keys: [Int64]
    /// Rows per group (all rows given, whether or not their values are NaN).
    public var rows: [Int64]
    /// statistics[value][stat][group].
    public var statistics: [[[Double]]]
    /// The algorithm used: "exchange" or "in_place".
    public var method: String
    public init(keys: [Int64], rows: [Int64], statistics: [[[Double]]], method: String) {
        self.keys = keys; self.rows = rows; self.statistics = statistics; self.method = method
    }
}

public enum GroupingMethod: String, CaseIterable, Sendable {
    case auto, exchange, inPlace = "in_place"
}

/// A value column not aligned with the keys.
public struct GroupedStatisticsError: Error, CustomStringConvertible {
    public let description: String
}

public enum GroupedStatistics {
    /// Most distinct keys for which `auto` chooses in_place.
    public static let inPlaceGroupLimit = 4096

    /// Statistics of every group over all ranks. Collective: every rank passes the same `stats`,
    /// `method` and number of value columns.
    public static func compute(_ local: GroupedInput, stats: [Statistic], method: GroupingMethod,
                               communicator comm: Communicator) throws -> GroupedResult {
        let bad = local.values.firstIndex { $0.count != local.keys.count }
        if comm.any(bad != nil) {
            let messages = comm.allgather(string: bad.map {
                "rank \(comm.rank): value column \($0) has \(local.values[$0].count) rows, the keys \(local.keys.count)"
            } ?? "")
            throw GroupedStatisticsError(description: "grouped statistics: " + messages.filter { !$0.isEmpty }.joined(separator: "; "))
        }
        let columns = comm.allreduce(local.values.count, .max)
        precondition(columns == comm.allreduce(local.values.count, .min), "grouped statistics: ranks pass different numbers of value columns")
        switch method {
        case .exchange:
            return GroupedExchange.compute(local, stats: stats, communicator: comm)
        case .inPlace:
            return GroupedInPlace.compute(local, groups: allKeys(local.keys, comm, limit: nil)!, stats: stats, communicator: comm)
        case .auto:
            if let groups = allKeys(local.keys, comm, limit: inPlaceGroupLimit) {
                return GroupedInPlace.compute(local, groups: groups, stats: stats, communicator: comm)
            }
            return GroupedExchange.compute(local, stats: stats, communicator: comm)
        }
    }

    /// The distinct keys of all ranks, ascending, or nil when there are more than `limit` (then
    /// nothing is gathered if some rank alone has more). Collective.
    static func allKeys(_ keys: [Int64], _ comm: Communicator, limit: Int?) -> [Int64]? {
        let mine = distinctSorted(keys)
        if let limit, comm.allreduce(mine.count, .max) > limit { return nil }
        let all = distinctSorted(comm.allgatherv(mine).values)
        if let limit, all.count > limit { return nil }
        return all
    }

    /// The distinct values, ascending. Keys usually arrive ordered (HEALPix keys of rows in
    /// source_id order): then one pass, without hashing or sorting.
    static func distinctSorted(_ keys: [Int64]) -> [Int64] {
        let ordered = zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 }
        let sorted = ordered ? keys : keys.sorted()
        var out: [Int64] = []
        for k in sorted where out.last != k { out.append(k) }
        return out
    }

    /// statistics[value][stat][group] from a group-major flat array [group][value][stat].
    static func transpose(_ flat: [Double], groups: Int, values: Int, stats: Int) -> [[[Double]]] {
        (0..<values).map { v in
            (0..<stats).map { s in (0..<groups).map { g in flat[(g * values + v) * stats + s] } }
        }
    }
}
