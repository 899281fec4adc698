// The parallel plane-wave search (`gaiamine gw-planewave`, `gaiamine run` with job: gw-planewave).
//
// 1. Every rank opens the epoch_astrometry transit table (MPI-IO), checks its columns and reads
//    the per-source index; then its sources' positions from the positions table.
// 2. The sources are cut into fixed blocks of `block_sources` sources — the same blocks whatever
//    the number of ranks — and each rank gets a contiguous run of blocks of about equal modelled
//    cost (PlaneWavePartition: per source ∝ N_obs + 0.8·N_dir, from the index alone).
// 3. Each rank reads its sources' rows (one contiguous slice per round) in collective rounds,
//    selects every source's CCD observations through the Astrometry kernel (PlaneWaveSeries:
//    counting rejected observations and skipped sources by reason; bad values stop every rank
//    with the row named), removes its 5-parameter solution, and adds each block to the
//    F-statistic sums (PlaneWaveEngine: block sums in source order, added exactly in fixed point).
// 4. The integer digits of the sums are summed over ranks (MPI_Allreduce): exact, so the sums —
//    and everything after them — are identical for np 1, 2, 3, …
// 5. Rank 0 turns x and M into 2F at every grid point, picks the candidates (peaks of the
//    sky-maximised spectrum), their significance (PlaneWaveStatistic), and compares with an
//    injection when a truth file is given (PlaneWaveCandidates.swift).
import Foundation
import Astrometry
import GaiaFormat
import GaiaIO
import GaiaJob
import GWAstrometry
import MPI
import Numerics

public struct PlaneWaveJobOptions: JobOptions, Sendable {
    public var input: String
    /// Table in the file (nil: epoch_astrometry, else the file's only table).
    public var table: String? = nil
    /// Table with source_id, ra, dec sorted by source_id (a repacked gaia_source), and its name
    /// (nil: gaia_source, else the file's only table).
    public var positions = ""
    public var positionsTable: String? = nil
    /// Fit the excess noise and drop the kernel's outliers (gaiasupdate compute_excess_noise=True);
    /// false: the product's AGIS excess noise, every selected observation.
    public var robust = true
    /// Frequency grid, nHz.
    public var fMin = 4.0, fMax = 130.0, df = 1.0
    /// HEALPix nside of the sky grid (power of two).
    public var nside = 8
    /// Sources with fewer usable transits are skipped (≥ 6).
    public var minTransits = 10
    /// Candidates reported: peaks of the sky-maximised 2F spectrum more than `separation` nHz
    /// apart (default ≈ 1/T for the 5.5-yr DR4 span: the main lobe of a wave's peak).
    public var candidates = 20
    public var separation = 6.0
    /// Rows per fixed block (part of the result's definition at rounding level, like the grid).
    public var blockSources = 256
    /// Rows per collective read (rounded up to whole blocks).
    public var chunkRows = 4096
    public var progressInterval = 5.0
    /// epoch_astrometry_truth.json of a synthetic data set: report the injection's recovery.
    public var truth: String? = nil
    public init(input: String) { self.input = input }
    public init() { self.init(input: "") }

    /// Problems with the options, each naming its parameter (key as in the parameter file).
    public func problems() -> [OptionProblem] {
        var p: [(String, String)] = []
        do { _ = try PlaneWaveGrid(fMin: fMin, fMax: fMax, df: df, nside: nside) } catch { p.append(("f_min/f_max/df/nside", "\(error)")) }
        if minTransits < 6 { p.append(("min_transits", "must be ≥ 6 (5 parameters + 1), got \(minTransits)")) }
        if positions.isEmpty { p.append(("positions", "is needed: a table of source_id, ra, dec (e.g. a repacked gaia_source); the DR4 epoch astrometry has no positions")) }
        if candidates < 1 { p.append(("candidates", "must be ≥ 1, got \(candidates)")) }
        if !(separation >= 0 && separation.isFinite) { p.append(("separation", "must be ≥ 0 nHz, got \(separation)")) }
        if blockSources < 1 { p.append(("block_sources", "must be ≥ 1, got \(blockSources)")) }
        if chunkRows < 1 { p.append(("chunk_rows", "must be ≥ 1, got \(chunkRows)")) }
        return p.map { OptionProblem(key: $0.0, message: $0.1) }
    }
}

public struct PlaneWaveStatistics: Sendable {
    public var counts = PlaneWaveCounts()
    public var blocks = 0
    public var ranks = 1
    public var seconds = 0.0
    public var readSeconds = 0.0
    /// Kernel wall time summed over ranks, the largest per rank, and the kernel's CPU time summed
    /// over ranks (the throughput per core: unaffected by other processes sharing the cores).
    public var kernelSeconds = 0.0
    public var kernelMax = 0.0
    public var kernelCPUSeconds = 0.0
    /// Largest and mean modelled cost per rank (arbitrary units).
    public var costMax = 0.0, costMean = 0.0
}

public struct PlaneWaveResult {
    public var options: PlaneWaveJobOptions
    public var grid: PlaneWaveGrid
    /// 2F at every grid point, frequency-major (i_f · N_dir + i_dir). Rank 0 only.
    public var twoF: [Double]
    /// The 14 sums per grid point, entry (i_f · 14 + c) · N_dir + i_dir. Rank 0 only.
    public var sums: [Double]
    public var candidates: [PlaneWaveCandidate]
    public var injection: InjectionRecovery?
    /// 2F threshold for a global false-alarm probability of 1 %.
    public var threshold: Double
    public var trials: Int { grid.count }
    public var statistics: PlaneWaveStatistics
}

public enum PlaneWaveJob {
    /// `select`: the run's `--where` compiled against the table (JobContext.selection(for:)): the
    /// sources searched are the rows it keeps.
    public static func run(_ o: PlaneWaveJobOptions, communicator comm: Communicator, log: (String) -> Void,
                           selection select: (GaiaTable) throws -> TableSelection? = { _ in nil }) throws -> PlaneWaveResult {
        let t0 = Clock.wall()
        let grid = try validatedGrid(o, comm: comm)
        let input = try open(o, grid: grid, comm: comm, selection: select)
        log(comm.isRoot ? String(format: "gw-planewave: %d sources (%d transits) on %d rank(s); grid %d frequencies (%.4g–%.4g nHz, step %.4g) × %d directions (nside %d) = %d points; blocks of %d split by modelled cost in %.2f s",
                                 input.reader.index.count, input.reader.table.rowCount, comm.size, grid.frequencyCount, grid.frequencies.first!, grid.frequencies.last!, grid.df,
                                 grid.directionCount, grid.nside, grid.count, o.blockSources, Clock.wall() - t0) : "")
        let tally = try accumulate(input, grid: grid, options: o, comm: comm)
        if let s = input.selection { log("gw-planewave: " + s.describe(comm)) }
        try comm.collectively { try input.reader.table.close() }
        let (total, statistics) = try reduce(tally, comm: comm)
        var result = PlaneWaveResult(options: o, grid: grid, twoF: [], sums: [], candidates: [], injection: nil,
                                     threshold: PlaneWaveStatistic.threshold(globalFalseAlarm: 0.01, trials: grid.count),
                                     statistics: statistics)
        try comm.collectively {
            guard comm.isRoot else { return }
            result.sums = total.values()
            result.twoF = twoFGrid(result.sums, grid: grid)
            result.candidates = pickCandidates(result.twoF, sums: result.sums, grid: grid, count: o.candidates,
                                               separation: Int((o.separation / grid.df * (1 - 1e-12)).rounded(.up)))
            if let t = o.truth { result.injection = try injection(truthPath: t, result: result) }
        }
        result.statistics.seconds = comm.elapsed(since: t0)
        return result
    }

    /// The options' checks (the same on every rank) and the search grid.
    static func validatedGrid(_ o: PlaneWaveJobOptions, comm: Communicator) throws -> PlaneWaveGrid {
        try comm.collectively {
            if let p = o.problems().first { throw GWJobError("\(p.key): \(p.message)") }
            guard FileManager.default.fileExists(atPath: o.input) else { throw GWJobError("\(o.input): no such file") }
            if let t = o.truth, !FileManager.default.fileExists(atPath: t) { throw GWJobError("truth file \(t): no such file") }
            let g = try PlaneWaveGrid(fMin: o.fMin, fMax: o.fMax, df: o.df, nside: o.nside)
            guard 14 * g.count <= 1 << 26 else {
                throw GWJobError("grid of \(g.frequencyCount) frequencies × \(g.directionCount) directions is too large "
                                 + "(\(14 * g.count) sums, at most 2^26 = 67 M: ~1.6 GB per rank); use fewer frequencies or a smaller nside")
            }
            return g
        }
    }

    /// Step 4: the exact sums over ranks (integer digits: identical for any number of ranks) and
    /// the statistics in one pack; every rank checks the fixed-point range alike.
    static func reduce(_ t: Tally, comm: Communicator) throws -> (FixedPointSums, PlaneWaveStatistics) {
        let total = MPIReduction(comm).sum(t.engine.sums)
        var pack = ReductionPack()
        let blocks = pack.add(t.engine.blocks, .sum), allCounts = pack.add(t.counts.packed, .sum)
        let kernelSum = pack.add(t.kernel, .sum), kernelMax = pack.add(t.kernel, .max), kernelCPUSum = pack.add(t.kernelCPU, .sum)
        let readMax = pack.add(t.read, .max), costSum = pack.add(t.done, .sum), costMax = pack.add(t.done, .max)
        let reduced = pack.reduced(comm)
        var st = PlaneWaveStatistics()
        st.ranks = comm.size
        st.blocks = reduced[blocks]
        st.counts = PlaneWaveCounts(packed: reduced[allCounts])
        st.kernelSeconds = reduced[kernelSum]
        st.kernelMax = reduced[kernelMax]
        st.kernelCPUSeconds = reduced[kernelCPUSum]
        st.readSeconds = reduced[readMax]
        st.costMax = reduced[costMax]
        st.costMean = reduced[costSum] / Double(comm.size)
        // The same numbers on every rank: every rank throws the same error, or none does.
        try comm.collectively {
            if total.rejected > 0 || total.maxAbs * Double(max(st.blocks, 1)) >= 0x1p61 {
                throw GWJobError("the F-statistic sums left the fixed-point range (\(total.rejected) block sums NaN or ≥ 2^50, "
                                 + "largest \(total.maxAbs)): are centroid_pos_error_al in mas?")
            }
        }
        return (total, st)
    }

    /// Whether the file has the table (a serial, read-only probe; the collective open follows).
    static func hasTable(_ path: String, _ name: String) -> Bool {
        guard let t = try? GaiaTable(path: path, table: name) else { return false }
        try? t.close()
        return true
    }
}
