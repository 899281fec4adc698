// The per-source index split over ranks, for jobs over every source of a transit table
// (astrometric-solution). Gaia DR4 has ~2·10⁹ sources: the whole index (3 × Int64 per source,
// 48 GB) cannot be read by every rank, so each rank holds O(sources / ranks) entries:
//
// 1. Rank r reads the by-count slice r of source_id, first_row and n_rows (collective hyperslab
//    reads) and checks it with SourceIndex.checkEntries, continuing from the last entry of the
//    nearest earlier non-empty slice (an allgather of one small record per rank: the seams), the
//    last non-empty slice also checking that the index covers the table. The error of the lowest
//    failing rank is the one every rank throws — the first bad entry in index order, with the
//    message `validate` would give for the whole index (printed once).
// 2. Sources are split by cost = transit count with RowPartition.distributedBoundaries (prefix
//    sums over ranks: the same boundaries as RowPartition.byCost over the whole index; a source
//    is never split).
// 3. Each rank reads the index entries of its own sources (collective reads).
import GaiaFormat
import HDF5
import MPI

/// One rank's share of a transit table's sources (SourceIndex.balancedShare).
public struct SourceIndexShare: Sendable {
    /// Global index positions of this rank's sources (contiguous, possibly empty).
    public var sources: RowRange
    /// Their entries: local position k is global position sources.start + k; first_row values
    /// are global table rows, so `index.rows(of:)`, `checkSlice` and `checkTransitOrder` work
    /// with local positions unchanged.
    public var index: SourceIndex
    /// Sources and transits (rows) of the whole table.
    public var totalSources: Int
    public var totalTransits: Int
    /// The table rows of this rank's sources.
    public var rows: RowRange { index.rows(of: 0..<index.count) }
}

extension SourceIndex {
    /// The seam record of a rank's slice for the allgather: [entries, last source_id, row where
    /// the last source's transits end] ([0, 0, 0] for an empty slice).
    static func seamRecord(_ part: SourceIndex) -> [Int64] {
        guard let k = part.count > 0 ? part.count - 1 : nil else { return [0, 0, 0] }
        return [Int64(part.count), part.sourceIDs[k], part.firstRows[k] &+ part.rowCounts[k]]
    }

    /// Checks rank `rank`'s slice `part` (index positions from `offset`) given every rank's seam
    /// record (3 per rank, rank order) against a table of `rowCount` rows: the slice continues
    /// the nearest earlier non-empty slice, and the last non-empty slice (rank 0 when all are
    /// empty) ends at `rowCount`. Pure: run on every rank of a split, the first error in rank
    /// order is the error `validate` gives for the whole index.
    public static func validateSlice(_ part: SourceIndex, offset: Int, rank: Int, seams: [Int64],
                                  rowCount: Int, file: String) throws {
        let ranks = seams.count / 3
        let filled = (0..<ranks).filter { seams[3 * $0] > 0 }
        let previous = filled.last { $0 < rank }.map { (sourceID: seams[3 * $0 + 1], endRow: seams[3 * $0 + 2]) }
        let end = try part.checkEntries(offset: offset, after: previous, file: file)
        if rank == (filled.last ?? 0) { try checkCoverage(endRow: end, rowCount: rowCount, file: file) }
    }

    /// Collective: validates the table's index slice by slice and returns this rank's share of
    /// the sources, balanced by transit count (steps 1–3 above). Memory O(sources / ranks) per
    /// rank (plus the sources one rank owns when a few sources dominate the transits). Every
    /// error is agreed on and names the file and index position / source_id.
    public static func balancedShare(of table: GaiaTable, communicator comm: Communicator) throws -> SourceIndexShare {
        let datasets = try comm.collectively { () -> [Dataset] in
            let d = try table.openSourceIndex()
            try checkLengths(d.map(\.rowCount), file: table.path)
            return d
        }
        let count = datasets[0].rowCount
        let slice = RowPartition.byCount(rows: count, parts: comm.size, index: comm.rank)
        let part = read(datasets, slice, table: table, comm: comm)
        let seams = comm.allgather(seamRecord(part))
        try comm.collectivelyFirst {
            try validateSlice(part, offset: slice.start, rank: comm.rank, seams: seams, rowCount: table.rowCount, file: table.path)
        }
        let bounds = RowPartition.distributedBoundaries(costs: part.rowCounts.map(Double.init), slice: slice,
                                                        count: count, comm: comm)
        let mine = RowRange(start: bounds[comm.rank], count: bounds[comm.rank + 1] - bounds[comm.rank])
        return SourceIndexShare(sources: mine, index: read(datasets, mine, table: table, comm: comm),
                                totalSources: count, totalTransits: table.rowCount)
    }

    /// Index positions `range` of the three datasets, in one collective read each. A failure
    /// inside collective I/O cannot be agreed on safely (the others may wait in it): abort all.
    static func read(_ datasets: [Dataset], _ range: RowRange, table: GaiaTable, comm: Communicator) -> SourceIndex {
        do {
            let v = try datasets.map { try $0.read(Int64.self, start: range.start, count: range.count, collective: true) }
            return SourceIndex(sourceIDs: v[0], firstRows: v[1], rowCounts: v[2])
        } catch {
            comm.abort(message: "reading \(table.path):/\(table.name)/\(groupName) entries \(range): \(error)")
        }
    }
}
