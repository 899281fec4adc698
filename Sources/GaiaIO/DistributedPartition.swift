// Cost-balanced split of rows (or blocks) over ranks when no rank holds every row's cost:
// each rank knows the costs of its own by-count slice only. Used by the periodogram (rows
// costed by modelled engine seconds) and the plane-wave search (blocks costed by transits).
import MPI

extension RowPartition {
    /// Global boundaries [0, b₁, …, b_{ranks−1}, count] such that boundary k is the first item
    /// where the running cost reaches k/ranks of the total. `costs` are this rank's slice
    /// `slice` of the `count` items. With S_r the slice's cost and P_r = Σ_{q<r} S_q
    /// (MPI_Exscan), each rank finds the boundaries inside its slice and an allreduce(min)
    /// combines them: memory O(count/ranks) per rank. Collective; every rank gets the same
    /// answer, which depends on the costs and the rank count only.
    public static func distributedBoundaries(costs: [Double], slice: RowRange, count: Int,
                                             comm: Communicator) -> [Int] {
        let parts = comm.size
        guard parts > 1 else { return [0, count] }
        let local = costs.reduce(0, +)
        let before = comm.exscan(local)
        let total = comm.allreduce(local, .sum)
        guard total > 0 else { return (0..<parts).map { byCount(rows: count, parts: parts, index: $0).start } + [count] }
        let found = boundariesFound(costs: costs, sliceStart: slice.start, before: before, total: total, parts: parts)
        return combinedBoundaries(comm.allreduce(found, .min), count: count)
    }

    /// The pure half of `distributedBoundaries` on one rank: for k = 0..<parts−1 the first item
    /// after which the running cost reaches (k+1)/parts of `total`, if it lies in this slice
    /// (`costs` starting at item `sliceStart`, `before` = cost of the items before it), else
    /// Int.max. The element-wise minimum over ranks goes to `combinedBoundaries`.
    public static func boundariesFound(costs: [Double], sliceStart: Int, before: Double, total: Double, parts: Int) -> [Int] {
        // A target at or below this slice's start belongs to an earlier rank, which finds it;
        // rounding of the prefix sums cannot lose it, since this rank then offers its own first
        // item and the minimum over ranks is taken.
        var found = [Int](repeating: Int.max, count: max(parts - 1, 0))
        var k = 0
        let target = { (k: Int) in total * Double(k + 1) / Double(parts) }
        while k < parts - 1 && target(k) <= before {
            found[k] = sliceStart
            k += 1
        }
        var running = before
        for (i, c) in costs.enumerated() where k < parts - 1 {
            running += c
            while k < parts - 1 && running >= target(k) {
                found[k] = sliceStart + i + 1
                k += 1
            }
        }
        return found
    }

    /// [0, b₁, …, count] from the minima over ranks of `boundariesFound` (Int.max: none found).
    public static func combinedBoundaries(_ all: [Int], count: Int) -> [Int] {
        var bounds = [0]
        for b in all { bounds.append(min(max(b == Int.max ? count : b, bounds.last!), count)) }
        bounds.append(count)
        return bounds
    }
}
