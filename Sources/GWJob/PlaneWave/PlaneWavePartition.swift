// Step 2 of `gw-planewave` (see PlaneWaveRun.swift): fixed blocks dealt to ranks by modelled cost.
import GaiaIO
import GWAstrometry
import MPI

/// Fixed blocks of rows split over ranks by modelled cost (scalable: no all-rows array anywhere).
///  1. Each rank reads the transit counts (offsets only) of an equal-count slice of the blocks.
///  2. With S_r the slice's cost and P_r = Σ_{q<r} S_q (MPI_Exscan), boundary k is the first block
///     where the running cost reaches k/ranks of the total; each rank finds those inside its
///     slice and an allreduce(min) combines them.
/// The split decides who computes a block, never what is computed.
enum PlaneWavePartition {
    /// Modelled cost of a source: stage 1 ∝ transits × frequencies, stage 2 ∝ directions ×
    /// frequencies; measured (Docs/gw-planewave.md, 127 frequencies, nside 1–16) 0.32 µs per
    /// transit and 0.25 µs per direction: cost ∝ N_transits + 0.8 N_dir.
    static func cost(transits: Int, directions: Int) -> Double { Double(transits) + 0.8 * Double(directions) }

    static func myBlocks(reader: EpochAstrometryReader, blockRows: Int, directions: Int, chunkRows: Int,
                         comm: Communicator) throws -> (blocks: Range<Int>, myCost: Double) {
        let rows = reader.table.rowCount
        let nBlocks = (rows + blockRows - 1) / blockRows
        let slice = RowPartition.byCount(rows: nBlocks, parts: comm.size, index: comm.rank)
        var costs = [Double](repeating: 0, count: slice.count)
        // Rounds of whole blocks: `slice` and its chunks count blocks, not rows.
        for round in CollectiveChunks(slice, chunkRows: max(1, chunkRows / blockRows), communicator: comm) {
            let firstRow = min(round.rows.start * blockRows, rows)
            let lastRow = min(round.rows.end * blockRows, rows)
            let counts: [Int]
            do { counts = try reader.transitCounts(rows: RowRange(start: firstRow, count: lastRow - firstRow)) } catch {
                comm.abort(message: "reading \(reader.table.path): \(error)")
            }
            for (k, n) in counts.enumerated() {
                costs[(firstRow + k) / blockRows - slice.start] += cost(transits: n, directions: directions)
            }
        }
        let bounds = RowPartition.distributedBoundaries(costs: costs, slice: slice, count: nBlocks, comm: comm)
        let mine = bounds[comm.rank]..<bounds[comm.rank + 1]
        // The split aims at total/ranks per rank: that is each rank's share for its progress
        // fraction (its own blocks' costs lie partly in other ranks' slices).
        let perRank = comm.allreduce(costs.reduce(0, +), .sum) / Double(comm.size)
        return (mine, perRank)
    }
}
