// A table of rows (pairs, matches) spread over ranks, put into one global order: lexicographic
// by its integer key columns, then each rank holds one contiguous block of the sorted table,
// rank 0's first — what ParallelResultFile writes, so the outputs are the same for any rank count.
// Parallel sorting by regular sampling (Shi & Schaeffer 1992): local sort, P − 1 samples per rank
// allgathered, P − 1 splitters on the first key, one Alltoallv per column, local sort again. Rows
// with equal first keys land on one rank (a crossmatch's group of one B row stays whole).
import MPI

struct SortedRows {
    /// Sort keys, most significant first; all of the same length.
    var keys: [[Int64]]
    var doubles: [[Double]] = []
    var payload: [PayloadColumn] = []

    var count: Int { keys.first?.count ?? 0 }

    /// The rows in key order on this rank.
    func locallySorted() -> SortedRows {
        let n = count
        let order = (0..<n).sorted { i, j in
            for k in keys where k[i] != k[j] { return k[i] < k[j] }
            return false
        }
        if order.elementsEqual(0..<n) { return self }
        return gather(order)
    }

    func gather(_ idx: [Int]) -> SortedRows {
        SortedRows(keys: keys.map { k in idx.map { k[$0] } }, doubles: doubles.map { d in idx.map { d[$0] } },
                   payload: payload.map { $0.gather(idx) })
    }

    /// The global order: rank r ends with the r-th block of the sorted table.
    func globallySorted(_ comm: Communicator) -> SortedRows {
        let local = locallySorted()
        guard comm.size > 1 else { return local }
        let p = comm.size, n = local.count
        let first = local.keys[0]
        let samples = n > 0 ? (0..<(p - 1)).map { first[($0 + 1) * n / p] } : []
        let all = comm.allgatherv(samples).values.sorted()
        let splitters = (1..<p).map { all.isEmpty ? Int64.max : all[$0 * all.count / p] }
        var counts = [Int](repeating: 0, count: p), d = 0
        for v in first {
            while d < p - 1 && v >= splitters[d] { d += 1 }
            counts[d] += 1
        }
        let move = AllToAllMove(comm: comm, counts: counts)
        let moved = SortedRows(keys: local.keys.map { move($0) }, doubles: local.doubles.map { move($0) },
                               payload: local.payload.map { $0.transfer(move) })
        return moved.locallySorted()
    }
}
