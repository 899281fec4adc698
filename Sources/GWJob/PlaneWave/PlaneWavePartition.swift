// Step 2 of `gw-planewave` (see PlaneWaveRun.swift): fixed blocks of sources dealt to ranks by
// modelled cost. A source's transits are one contiguous slice of rows (the per-source index), so
// a block of sources is one slice too and a source is never split across ranks.
import GaiaIO
import GWAstrometry

enum PlaneWavePartition {
    /// Modelled cost of a source: stage 1 ∝ observations × frequencies, stage 2 ∝ directions ×
    /// frequencies; measured (Docs/gw-planewave.md, 127 frequencies, nside 1–16) 0.32 µs per
    /// observation and 0.25 µs per direction: cost ∝ N_obs + 0.8 N_dir, N_obs ≈ transits × (n_ccd − 1)
    /// (the SM element is never used).
    static func cost(transits: Int, ccds: Int, directions: Int) -> Double {
        Double(transits * max(1, ccds - 1)) + 0.8 * Double(directions)
    }

    /// This rank's blocks (index positions of whole blocks of `blockSources` sources) and the
    /// total cost per rank. Every rank holds the index, so every rank computes the same split.
    static func myBlocks(index: SourceIndex, ccds: Int, blockSources: Int, directions: Int,
                         rank: Int, ranks: Int) -> (blocks: RowRange, perRank: Double) {
        let nBlocks = (index.count + blockSources - 1) / blockSources
        var costs = [Double](repeating: 0, count: nBlocks)
        for i in 0..<index.count {
            costs[i / blockSources] += cost(transits: Int(index.rowCounts[i]), ccds: ccds, directions: directions)
        }
        return (RowPartition.byCost(costs, parts: ranks, index: rank), costs.reduce(0, +) / Double(ranks))
    }
}
