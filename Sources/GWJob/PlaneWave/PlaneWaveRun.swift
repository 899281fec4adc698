// The parallel plane-wave search (`gaiamine gw-planewave`, `gaiamine run` with job: gw-planewave).
//
// 1. Every rank opens the epoch_astrometry table (MPI-IO) and checks its columns.
// 2. The rows are cut into fixed blocks of `block_sources` rows — the same blocks whatever the
//    number of ranks — and each rank gets a contiguous run of blocks of about equal modelled cost
//    (PlaneWavePartition: per source ∝ n_transits + 0.8·N_dir, from the offsets alone).
// 3. Each rank reads its rows in collective rounds, cleans every source (counting dropped transits
//    and skipped sources by reason; bad values stop every rank with the row named), fits and
//    removes its 5-parameter solution, and adds each block to the F-statistic sums
//    (PlaneWaveEngine: block sums in row order, added exactly in fixed point).
// 4. The integer digits of the sums are summed over ranks (MPI_Allreduce): exact, so the sums —
//    and everything after them — are identical for np 1, 2, 3, …
// 5. Rank 0 turns x and M into 2F at every grid point, picks the candidates (peaks of the
//    sky-maximised spectrum), their significance (PlaneWaveStatistic), and compares with an
//    injection when a truth file is given (PlaneWaveCandidates.swift).
import Foundation
import GaiaIO
import GaiaJob
import GWAstrometry
import MPI
import Numerics

public struct PlaneWaveJobOptions: JobOptions, Sendable {
    public var input: String
    /// Table in the file (nil: epoch_astrometry, else the file's only table).
    public var table: String? = nil
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
        log(comm.isRoot ? String(format: "gw-planewave: %d sources on %d rank(s); grid %d frequencies (%.4g–%.4g nHz, step %.4g) × %d directions (nside %d) = %d points; blocks of %d split by modelled cost in %.2f s",
                                 input.reader.table.rowCount, comm.size, grid.frequencyCount, grid.frequencies.first!, grid.frequencies.last!, grid.df,
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

    /// The opened table and this rank's rows: a contiguous run of whole fixed blocks.
    struct Input {
        var reader: EpochAstrometryReader
        var rows: RowRange
        /// This rank's share of the modelled cost (the progress fraction's denominator).
        var share: Double
        /// The run's `--where` (nil: every source).
        var selection: TableSelection?
    }

    /// Steps 1–2: opens the table on every rank and splits its fixed blocks by modelled cost.
    static func open(_ o: PlaneWaveJobOptions, grid: PlaneWaveGrid, comm: Communicator,
                     selection select: (GaiaTable) throws -> TableSelection?) throws -> Input {
        let table = try comm.collectively { () -> GaiaTable in
            let name = o.table ?? (Self.hasTable(o.input, AstrometryColumns.table) ? AstrometryColumns.table : nil)
            return try GaiaTable(path: o.input, table: name, communicator: comm)
        }
        let reader = try comm.collectively { try EpochAstrometryReader(table: table) }
        let selection = try comm.collectively { try select(table) }
        let split = try PlaneWavePartition.myBlocks(reader: reader, blockRows: o.blockSources,
                                                    directions: grid.directionCount, chunkRows: o.chunkRows, comm: comm)
        let rows = table.rowCount
        let first = min(split.blocks.lowerBound * o.blockSources, rows), end = min(split.blocks.upperBound * o.blockSources, rows)
        return Input(reader: reader, rows: RowRange(start: first, count: end - first), share: split.myCost, selection: selection)
    }

    /// What one rank accumulates: the engine's exact sums, counts by reason, timings and the
    /// modelled cost done.
    struct Tally {
        let engine: PlaneWaveEngine
        var counts = PlaneWaveCounts()
        var kernel = 0.0, kernelCPU = 0.0, read = 0.0, done = 0.0
    }

    /// Step 3: reads this rank's rows in collective rounds of whole blocks and adds each block to
    /// the F-statistic sums. Collective.
    static func accumulate(_ input: Input, grid: PlaneWaveGrid, options o: PlaneWaveJobOptions, comm: Communicator) throws -> Tally {
        var t = Tally(engine: PlaneWaveEngine(grid: grid))
        let chunkBlocks = max(1, (o.chunkRows + o.blockSources - 1) / o.blockSources)
        let progress = ProgressReporter(label: "gw-planewave (rank 0)", unit: "sources", enabled: comm.isRoot, interval: o.progressInterval)
        for round in CollectiveChunks(input.rows, chunkRows: chunkBlocks * o.blockSources, communicator: comm) {
            let r0 = Clock.wall()
            let block: AstrometryBlock
            var keep: [Bool]? = nil
            do {
                block = try input.reader.read(rows: round.rows)
                keep = try input.selection?.keep(rows: round.rows, collective: true)
            } catch {
                // A failure inside collective I/O cannot be agreed on safely: end every rank.
                comm.abort(message: "reading \(o.input): \(error)")
            }
            t.read += Clock.wall() - r0
            try comm.collectively {
                // Blocks are whole: the range starts on a block boundary and holds whole blocks
                // (but the table's last one).
                var b = 0
                while b < block.count {
                    let end = min(block.count, b + o.blockSources)
                    try add(block, rows: b..<end, keep: keep, reader: input.reader, grid: grid, options: o, to: &t)
                    b = end
                }
            }
            progress.update(fraction: min(1, t.done / max(input.share, 1e-300)), count: t.counts.rows,
                            detail: "\(t.counts.rows) of \(input.rows.count) sources; ≈ \(t.counts.rows * comm.size) on all ranks")
        }
        return t
    }

    /// One fixed block: cleans each source (skips, by reason, those too short or degenerate),
    /// removes its 5-parameter fit and adds the block to the sums.
    static func add(_ block: AstrometryBlock, rows: Range<Int>, keep: [Bool]?, reader: EpochAstrometryReader, grid: PlaneWaveGrid,
                    options o: PlaneWaveJobOptions, to t: inout Tally) throws {
        var sources: [PlaneWaveSource] = []
        // A source `--where` drops is neither counted nor searched (as if absent from the table;
        // the sums are exact, so which block a source falls in does not change them).
        for i in rows where keep?[i] ?? true {
            t.counts.rows += 1
            let s = try reader.series(block, row: i, counts: &t.counts)
            guard s.count >= o.minTransits else { t.counts.skipped[SourceSkip.tooFewTransits.rawValue] += 1; continue }
            do {
                sources.append(try PlaneWaveSource(s, minimumTransits: o.minTransits))
                t.counts.sourcesUsed += 1
                t.counts.transitsSearched += s.count
            } catch FitFailure.degenerateDesign {
                t.counts.skipped[SourceSkip.degenerateDesign.rawValue] += 1
            }
        }
        let k0 = Clock.wall(), c0 = Clock.threadCPU()
        t.engine.add(block: sources)
        t.kernel += Clock.wall() - k0
        t.kernelCPU += Clock.threadCPU() - c0
        for i in rows { t.done += PlaneWavePartition.cost(transits: block.offsets[0][i + 1] - block.offsets[0][i], directions: grid.directionCount) }
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
