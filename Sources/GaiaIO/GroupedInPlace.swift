// The in_place algorithm of GroupedStatistics (see the header there): no row moves; counts and
// extremes by integer/min/max allreduce, moments from exact sums, order statistics and the MAD by
// distributed selection over every rank's sorted local values. All ranks end with all results.
import Aggregates
import MPI
import Numerics

enum GroupedInPlace {
    /// Each rank's sorted non-NaN values of one column, grouped: group g is sorted[offsets[g]..<offsets[g + 1]].
    struct Column {
        var sorted: [Double]
        var offsets: [Int]
        func withGroup<R>(_ g: Int, _ body: (UnsafeBufferPointer<Double>) -> R) -> R {
            sorted.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offsets[g]..<offsets[g + 1]])) }
        }
    }

    /// An order statistic of one cell (group × value column): its 0-based rank k.
    struct Target: Hashable { var cell: Int; var k: Int }

    static func compute(_ local: GroupedInput, groups: [Int64], stats: [Statistic], communicator comm: Communicator) -> GroupedResult {
        let nGroups = groups.count, nValues = local.values.count
        let group = local.keys.map { k in GroupedExchange.partitionPoint(groups) { $0 >= k } }
        var localRows = [Int](repeating: 0, count: nGroups)
        for g in group { localRows[g] += 1 }
        let columns = local.values.map { column(group, $0, groups: nGroups) }
        let cells = nGroups * nValues  // cell c = g·nValues + v

        // Counts, extremes and Σx.
        var pack = ReductionPack()
        var counts: [Int] = [], mins: [Double] = [], maxs: [Double] = []
        let needsSum = GroupStatistics.needsSum(stats)
        var sums = ExactSum(count: needsSum ? cells : 0)
        for g in 0..<nGroups {
            for v in 0..<nValues {
                columns[v].withGroup(g) { x in
                    counts.append(x.count)
                    mins.append(x.first ?? .infinity)
                    maxs.append(x.last ?? -.infinity)
                    if needsSum { for t in x { sums.add(t, to: g * nValues + v) } }
                }
            }
        }
        let rowSlot = pack.add(localRows, .sum), countSlot = pack.add(counts, .sum)
        let minSlot = pack.add(mins, .min), maxSlot = pack.add(maxs, .max)
        let reduced = pack.reduced(comm)
        let rows = reduced[rowSlot]
        var ingredients = (0..<cells).map { c in
            GroupStatistics.Ingredients(count: reduced[countSlot][c], min: reduced[minSlot][c], max: reduced[maxSlot][c], sum: .nan, powers: .nan)
        }
        let reduction = MPIReduction(comm)
        if needsSum {
            let total = reduction.sum(sums)
            for c in 0..<cells { ingredients[c].sum = total.value(c) }
        }
        if GroupStatistics.needsCentralSums(stats) { addPowerSums(&ingredients, columns, reduction) }

        // Order statistics: every (cell, rank k) target at once.
        var targets: [(cell: Int, k: Int)] = []
        for c in 0..<cells { for k in Quantiles.ranks(for: stats, count: ingredients[c].count) { targets.append((c, k)) } }
        let found = DistributedSelection.select(ranks: targets.map(\.k), lower: targets.map { ingredients[$0.cell].min },
                                                upper: targets.map { ingredients[$0.cell].max }) { candidates in
            comm.allreduce(zip(targets, candidates).map { t, x in
                columns[t.cell % nValues].withGroup(t.cell / nValues) { DistributedSelection.count($0, atMost: x) }
            }, .sum)
        }
        var kth = [Target: Double]()
        for (t, x) in zip(targets, found) { kth[Target(cell: t.cell, k: t.k)] = x }
        let mads = stats.contains(.mad) ? medianDeviations(ingredients, kth, columns, comm) : [:]

        var flat: [Double] = []
        flat.reserveCapacity(cells * stats.count)
        for c in 0..<cells {
            GroupStatistics.assemble(stats, ingredients[c], kth: { kth[Target(cell: c, k: $0)]! }, mad: { _ in mads[c]! }, into: &flat)
        }
        // Groups are non-empty by construction (their keys come from some rank's rows).
        return GroupedResult(keys: groups, rows: rows.map(Int64.init),
                             statistics: GroupedStatistics.transpose(flat, groups: nGroups, values: nValues, stats: stats.count),
                             method: GroupingMethod.inPlace.rawValue)
    }

    /// One column's non-NaN values bucketed by group (counting sort) and sorted within each group.
    static func column(_ group: [Int], _ values: [Double], groups: Int) -> Column {
        var offsets = [Int](repeating: 0, count: groups + 1)
        for (g, x) in zip(group, values) where !x.isNaN { offsets[g + 1] += 1 }
        for g in 0..<groups { offsets[g + 1] += offsets[g] }
        var fill = Array(offsets.dropLast())
        var sorted = [Double](repeating: 0, count: offsets[groups])
        for (g, x) in zip(group, values) where !x.isNaN {
            sorted[fill[g]] = x + 0  // −0 as +0, as GroupStatistics.sortedSample
            fill[g] += 1
        }
        sorted.withUnsafeMutableBufferPointer { p in
            for g in 0..<groups { GroupStatistics.sort(UnsafeMutableBufferPointer(rebasing: p[offsets[g]..<offsets[g + 1]])) }
        }
        return Column(sorted: sorted, offsets: offsets)
    }

    /// Σd…Σd⁴ about each finite cell's mean, exact over ranks.
    static func addPowerSums(_ cells: inout [GroupStatistics.Ingredients], _ columns: [Column], _ reduction: MPIReduction) {
        let nValues = columns.count
        var sums = ExactSum(count: 4 * cells.count)
        for (c, cell) in cells.enumerated() where cell.count > 0 && !Moments.hasInfinity(min: cell.min, max: cell.max) {
            let mean = Moments.mean(count: cell.count, sum: cell.sum, min: cell.min, max: cell.max)
            columns[c % nValues].withGroup(c / nValues) { x in
                for t in x {
                    let d = t - mean
                    let (a, b, e) = Moments.powers(d)
                    sums.add(d, to: 4 * c); sums.add(a, to: 4 * c + 1); sums.add(b, to: 4 * c + 2); sums.add(e, to: 4 * c + 3)
                }
            }
        }
        let total = reduction.sum(sums)
        for c in cells.indices where cells[c].count > 0 && !Moments.hasInfinity(min: cells[c].min, max: cells[c].max) {
            cells[c].powers = PowerSums(total.value(4 * c), total.value(4 * c + 1), total.value(4 * c + 2), total.value(4 * c + 3))
        }
    }

    /// The MAD of every cell with a finite median: selection of the middle deviations.
    static func medianDeviations(_ cells: [GroupStatistics.Ingredients], _ kth: [Target: Double], _ columns: [Column],
                                 _ comm: Communicator) -> [Int: Double] {
        let nValues = columns.count
        var targets: [(cell: Int, k: Int, median: Double, top: Double)] = []
        for (c, cell) in cells.enumerated() where cell.count > 0 {
            let (a, b) = Quantiles.medianRanks(count: cell.count)
            let m = Quantiles.median(kth[Target(cell: c, k: a)]!, kth[Target(cell: c, k: b)]!, count: cell.count)
            guard m.isFinite else { continue }
            let top = max(cell.max - m, m - cell.min)
            targets.append((c, a, m, top))
            if b != a { targets.append((c, b, m, top)) }
        }
        let found = DistributedSelection.select(ranks: targets.map(\.k), lower: targets.map { _ in 0 }, upper: targets.map(\.top)) { candidates in
            comm.allreduce(zip(targets, candidates).map { t, x in
                columns[t.cell % nValues].withGroup(t.cell / nValues) { DistributedSelection.countDeviations($0, median: t.median, atMost: x) }
            }, .sum)
        }
        var out = [Int: Double]()
        var i = 0
        while i < targets.count {
            let t = targets[i]
            let pair = i + 1 < targets.count && targets[i + 1].cell == t.cell
            out[t.cell] = Quantiles.median(found[i], pair ? found[i + 1] : found[i], count: cells[t.cell].count)
            i += pair ? 2 : 1
        }
        return out
    }
}
