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
//    injection when a truth file is given.
import Foundation
import GaiaIO
import GaiaJob
import GWAstrometry
import MPI

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

/// One reported candidate.
public struct PlaneWaveCandidate: Sendable {
    public var rank: Int
    public var frequencyIndex: Int, directionIndex: Int
    public var frequencyNHz: Double
    public var raDeg: Double, decDeg: Double
    public var value: FStatisticValue
    public var logLocalFAP: Double
    public var globalFAP: Double
}

/// An injection (from a synth truth file) and how the search recovered it.
public struct InjectionRecovery: Sendable {
    public var frequencyNHz: Double, raDeg: Double, decDeg: Double
    /// Strain amplitudes (h₊ cos φ₊, −h₊ sin φ₊, h× cos φ×, −h× sin φ×).
    public var amplitudes: [Double]
    public var expectedTwoF: Double
    /// The grid point nearest the injection, and 2F there.
    public var nearestFrequency: Int, nearestPixel: Int
    public var twoFAtNearest: Double
    /// The best candidate's offsets: frequency (grid steps), direction (degrees).
    public var frequencyOffsetBins: Double
    public var angularOffsetDeg: Double
    public var recovered: Bool
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
    public static func run(_ o: PlaneWaveJobOptions, communicator comm: Communicator,
                           log: (String) -> Void) throws -> PlaneWaveResult {
        let t0 = Clock.wall()
        let grid: PlaneWaveGrid = try comm.collectively {
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
        let table = try comm.collectively { () -> GaiaTable in
            let name = o.table ?? (Self.hasTable(o.input, AstrometryColumns.table) ? AstrometryColumns.table : nil)
            return try GaiaTable(path: o.input, table: name, communicator: comm)
        }
        let reader = try comm.collectively { try EpochAstrometryReader(table: table) }
        let split = try PlaneWavePartition.myBlocks(reader: reader, blockRows: o.blockSources,
                                                    directions: grid.directionCount, chunkRows: o.chunkRows, comm: comm)
        let rows = table.rowCount
        let myRows = RowRange(start: min(split.blocks.lowerBound * o.blockSources, rows),
                              count: min(split.blocks.upperBound * o.blockSources, rows) - min(split.blocks.lowerBound * o.blockSources, rows))
        log(comm.isRoot ? String(format: "gw-planewave: %d sources on %d rank(s); grid %d frequencies (%.4g–%.4g nHz, step %.4g) × %d directions (nside %d) = %d points; blocks of %d split by modelled cost in %.2f s",
                                 rows, comm.size, grid.frequencyCount, grid.frequencies.first!, grid.frequencies.last!, grid.df,
                                 grid.directionCount, grid.nside, grid.count, o.blockSources, Clock.wall() - t0) : "")

        let engine = PlaneWaveEngine(grid: grid)
        var counts = PlaneWaveCounts()
        var kernel = 0.0, kernelCPU = 0.0, read = 0.0, done = 0.0
        let chunkBlocks = max(1, (o.chunkRows + o.blockSources - 1) / o.blockSources)
        let chunk = chunkBlocks * o.blockSources
        let progress = ProgressReporter(label: "gw-planewave (rank 0)", unit: "sources", enabled: comm.isRoot, interval: o.progressInterval)
        for round in CollectiveChunks(myRows, chunkRows: chunk, communicator: comm) {
            let r0 = Clock.wall()
            let block: AstrometryBlock
            do { block = try reader.read(rows: round.rows) } catch {
                // A failure inside collective I/O cannot be agreed on safely: end every rank.
                comm.abort(message: "reading \(o.input): \(error)")
            }
            read += Clock.wall() - r0
            try comm.collectively {
                // Blocks are whole: the range starts on a block boundary and holds whole blocks
                // (but the table's last one).
                var b = 0
                while b < block.count {
                    let end = min(block.count, b + o.blockSources)
                    var sources: [PlaneWaveSource] = []
                    for i in b..<end {
                        counts.rows += 1
                        let s = try reader.series(block, row: i, counts: &counts)
                        guard s.count >= o.minTransits else { counts.skipped[SourceSkip.tooFewTransits.rawValue] += 1; continue }
                        do {
                            sources.append(try PlaneWaveSource(s, minimumTransits: o.minTransits))
                            counts.sourcesUsed += 1
                            counts.transitsSearched += s.count
                        } catch FitFailure.degenerateDesign {
                            counts.skipped[SourceSkip.degenerateDesign.rawValue] += 1
                        }
                    }
                    let k0 = Clock.wall(), c0 = Clock.threadCPU()
                    engine.add(block: sources)
                    kernel += Clock.wall() - k0
                    kernelCPU += Clock.threadCPU() - c0
                    for i in b..<end { done += PlaneWavePartition.cost(transits: block.offsets[0][i + 1] - block.offsets[0][i], directions: grid.directionCount) }
                    b = end
                }
            }
            progress.update(fraction: min(1, done / max(split.myCost, 1e-300)), count: counts.rows,
                            detail: "\(counts.rows) of \(myRows.count) sources; ≈ \(counts.rows * comm.size) on all ranks")
        }
        try comm.collectively { try table.close() }

        // Exact reduction of the sums over ranks.
        let total = MPIReduction(comm).sum(engine.sums)
        var pack = ReductionPack()
        let blocks = pack.add(engine.blocks, .sum), allCounts = pack.add(counts.packed, .sum)
        let kernelSum = pack.add(kernel, .sum), kernelMax = pack.add(kernel, .max), kernelCPUSum = pack.add(kernelCPU, .sum)
        let readMax = pack.add(read, .max), costSum = pack.add(done, .sum), costMax = pack.add(done, .max)
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
        var result = PlaneWaveResult(options: o, grid: grid, twoF: [], sums: [], candidates: [], injection: nil,
                                     threshold: PlaneWaveStatistic.threshold(globalFalseAlarm: 0.01, trials: grid.count), statistics: st)
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

    /// Whether the file has the table (a serial, read-only probe; the collective open follows).
    static func hasTable(_ path: String, _ name: String) -> Bool {
        guard let t = try? GaiaTable(path: path, table: name) else { return false }
        try? t.close()
        return true
    }

    /// 2F at every grid point (frequency-major).
    static func twoFGrid(_ sums: [Double], grid: PlaneWaveGrid) -> [Double] {
        let nd = grid.directionCount
        var out = [Double](repeating: .nan, count: grid.count)
        var c = [Double](repeating: 0, count: 14)
        for i in 0..<grid.frequencyCount {
            for j in 0..<nd {
                for k in 0..<14 { c[k] = sums[(i * 14 + k) * nd + j] }
                out[i * nd + j] = PlaneWaveStatistic.solve(c).twoF
            }
        }
        return out
    }

    /// The 14 sums of one grid point.
    static func pointSums(_ sums: [Double], grid: PlaneWaveGrid, frequency i: Int, direction j: Int) -> [Double] {
        (0..<14).map { sums[(i * 14 + $0) * grid.directionCount + j] }
    }

    /// Peaks of the sky-maximised spectrum max_dir 2F(f), greedily by 2F, more than `separation`
    /// frequency steps apart; ties by lower frequency then lower pixel (deterministic).
    static func pickCandidates(_ twoF: [Double], sums: [Double], grid: PlaneWaveGrid, count: Int, separation: Int) -> [PlaneWaveCandidate] {
        let nd = grid.directionCount
        var best = [(value: Double, dir: Int)](repeating: (-.infinity, 0), count: grid.frequencyCount)
        for i in 0..<grid.frequencyCount {
            for j in 0..<nd where twoF[i * nd + j] > best[i].value { best[i] = (twoF[i * nd + j], j) }
        }
        let order = (0..<grid.frequencyCount).filter { best[$0].value.isFinite }
            .sorted { best[$0].value != best[$1].value ? best[$0].value > best[$1].value : $0 < $1 }
        var taken: [Int] = []
        var out: [PlaneWaveCandidate] = []
        for i in order where out.count < count {
            if taken.contains(where: { abs($0 - i) <= separation && separation > 0 }) { continue }
            taken.append(i)
            let j = best[i].dir
            let v = PlaneWaveStatistic.solve(pointSums(sums, grid: grid, frequency: i, direction: j))
            out.append(PlaneWaveCandidate(rank: out.count + 1, frequencyIndex: i, directionIndex: j, frequencyNHz: grid.frequencies[i],
                                          raDeg: grid.directions[j].raDeg, decDeg: grid.directions[j].decDeg, value: v,
                                          logLocalFAP: PlaneWaveStatistic.logLocalFalseAlarm(twoF: v.twoF),
                                          globalFAP: PlaneWaveStatistic.globalFalseAlarm(twoF: v.twoF, trials: grid.count)))
        }
        return out
    }

    /// Reads the injected wave from a synth truth file and compares with the best candidate.
    static func injection(truthPath: String, result r: PlaneWaveResult) throws -> InjectionRecovery? {
        let data = try Data(contentsOf: URL(fileURLWithPath: truthPath))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GWJobError("\(truthPath): not a JSON object")
        }
        guard let wave = root["wave"] as? [String: Any] else { return nil }  // null: no injection
        func num(_ k: String) throws -> Double {
            guard let v = (wave[k] as? NSNumber)?.doubleValue else { throw GWJobError("\(truthPath): wave.\(k) missing or not a number") }
            return v
        }
        let f = try num("frequency_nhz"), ra = try num("ra"), dec = try num("dec")
        let amps = (wave["linear_amplitudes"] as? [NSNumber])?.map(\.doubleValue) ?? []
        let g = r.grid
        let fi = min(max(Int(((f - g.fMin) / g.df).rounded()), 0), g.frequencyCount - 1)
        let pix = HEALPixNested.pixel(nside: g.nside, raDeg: ra, decDeg: dec)
        let at = r.twoF[fi * g.directionCount + pix]
        var out = InjectionRecovery(frequencyNHz: f, raDeg: ra, decDeg: dec, amplitudes: amps, expectedTwoF: try num("expected_2f"),
                                    nearestFrequency: fi, nearestPixel: pix, twoFAtNearest: at, frequencyOffsetBins: .nan,
                                    angularOffsetDeg: .nan, recovered: false)
        if let c = r.candidates.first {
            out.frequencyOffsetBins = (c.frequencyNHz - f) / g.df
            let a = StarFrame(raDeg: ra, decDeg: dec).n, b = StarFrame(raDeg: c.raDeg, decDeg: c.decDeg).n
            out.angularOffsetDeg = acos(max(-1, min(1, (a * b).sum()))) * 180 / .pi
            out.recovered = abs(out.frequencyOffsetBins) <= 1.5 && out.angularOffsetDeg <= 2 * HEALPixNested.resolution(nside: g.nside)
                && c.globalFAP < 0.01
        }
        return out
    }
}

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
