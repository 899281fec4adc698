// The parallel periodogram search (`gaiamine periodogram`, `gaiamine run` with job: periodogram).
//
// 1. Every rank opens the table (MPI-IO) and checks its columns.
// 2. Rows are split by modelled cost (CostPartition): contiguous blocks, so each rank's results
//    are a contiguous block of the output in table order.
// 3. Each rank reads its block in collective rounds of `chunk_rows` rows (bounded memory), cleans
//    each source's band (counting dropped transits by reason), skips — and counts — curves too
//    short to analyse, and runs the kernel (one `Periodogram` per rank, reused: FFTW plans and
//    scratch buffers). A curve's result depends only on the curve, never on which rank did it
//    or on what it did before, so np 1, 2, 3 … give identical outputs.
// 4. Counts are summed over ranks; outputs are written collectively (PeriodogramOutputs).
// Progress (rank 0): fraction of rank 0's modelled cost done. With the cost split every rank
// has about the same share, so it approximates the global fraction, and its rate × ranks the
// global rate; the lines say "rank 0".
import Foundation
import GaiaIO
import LightCurves
import MPI
import Periodogram

/// One output row: a source's band and its analysis.
public struct CurveRow: Sendable {
    public var sourceID: Int64
    public var band: PhotometryBand
    public var result: PeriodogramResult
    public var nFrequencies: Int

    var significance: Significance { Significance(fap: result.fap, power: result.power, sourceID: sourceID, band: band) }
}

/// Order of significance: lowest FAP (NaN — nterms > 1 — last), then highest power, then table
/// order. A total order, so every rank ranks the same candidates the same way.
struct Significance: Comparable {
    var fap: Double, power: Double, sourceID: Int64, band: PhotometryBand

    static func < (a: Self, b: Self) -> Bool {
        let fa = a.fap.isNaN ? Double.infinity : a.fap, fb = b.fap.isNaN ? Double.infinity : b.fap
        if fa != fb { return fa < fb }
        if a.power != b.power { return a.power > b.power }
        if a.sourceID != b.sourceID { return a.sourceID < b.sourceID }
        return a.band < b.band
    }
}

/// A full periodogram kept for `--dump-periodogram`.
public struct DumpedPeriodogram: Sendable {
    public var row: CurveRow
    public var grid: FrequencyGrid
    public var power: [Double]
}

public struct PeriodogramStatistics: Sendable {
    public var rows = 0
    public var bands: [PhotometryBand] = []
    public var curves: Int { rows * bands.count }
    public var analysed = 0
    public var skipped = [Int](repeating: 0, count: SkipReason.allCases.count)
    public var aboveFapMax = 0
    public var written = 0
    public var transitsTotal = 0
    public var transitsUsed = 0
    public var dropped = [Int](repeating: 0, count: DropReason.allCases.count)
    public var engines: [EngineKind: Int] = [:]
    public var seconds = 0.0
    public var kernelSeconds = 0.0
    public var ranks = 1
    /// Largest and mean modelled cost per rank (seconds): how well the split balanced.
    public var costMax = 0.0, costMean = 0.0
    /// Largest measured kernel time of a rank (seconds).
    public var kernelMax = 0.0
}

public struct PeriodogramJobResult {
    /// This rank's output rows, in table order (bands g, bp, rp within a source).
    public var rows: [CurveRow]
    public var statistics: PeriodogramStatistics
    /// This rank's dumped periodograms, in table order.
    public var dumps: [DumpedPeriodogram]
    /// Requested dumps that could not be made (source_id, band, reason), this rank.
    public var dumpsSkipped: [(Int64, PhotometryBand, String)]
    /// This rank's most significant curves, with what the figure needs.
    var plotCandidates: PlotKeeper
}

public enum PeriodogramJob {
    public static let table = "epoch_photometry"

    /// `select`: the run's `--where` compiled against the table (JobContext.selection(for:)): the
    /// light curves analysed are those of the rows it keeps.
    public static func run(_ o: PeriodogramJobOptions, communicator comm: Communicator, log: (String) -> Void,
                           selection select: (GaiaTable) throws -> TableSelection? = { _ in nil }) throws -> PeriodogramJobResult {
        let t0 = Clock.wall()
        try comm.collectively {
            if let p = o.problems().first { throw PeriodogramJobError("\(p.key): \(p.message)") }
            guard FileManager.default.fileExists(atPath: o.input) else { throw PeriodogramJobError("\(o.input): no such file") }
        }
        let table = try comm.collectively { try GaiaTable(path: o.input, table: Self.table, communicator: comm) }
        let bands = o.bands.sorted()
        let reader = try comm.collectively { try EpochReader(table: table, bands: bands, quantity: o.quantity) }
        let selection = try comm.collectively { try select(table) }
        // Requested dumps must name sources of the table: a binary search of source_id, by every
        // rank (the file's metadata reads are collective: no rank may open a dataset alone).
        try comm.collectively {
            for id in o.dumpSourceIDs where try table.rowIndex(ofSourceID: id) == nil {
                throw PeriodogramJobError("--dump-periodogram: source_id \(id) is not in \(o.input)")
            }
        }
        let spec = o.gridSpec
        let costInputs = CostModelInputs(bands: bands, grid: spec, nterms: o.nterms, minObs: o.minObs)
        let (mine, totalCost) = try CostPartition.myRows(reader: reader, inputs: costInputs, chunkRows: o.chunkRows,
                                                          selection: selection, comm: comm)
        let tSplit = Clock.wall()
        log(comm.isRoot ? String(format: "periodogram: %d sources × %d band(s) on %d rank(s); rows split by modelled cost in %.2f s",
                                 table.rowCount, bands.count, comm.size, tSplit - t0) : "")

        let state = RankState(options: o, bands: bands, spec: spec, costInputs: costInputs, path: o.input)
        // Rank 0's share of the modelled cost is ≈ total/ranks (that is what the split aims at).
        let myShare = totalCost / Double(comm.size)
        let progress = ProgressReporter(label: "periodogram (rank 0)", unit: "curves", enabled: comm.isRoot, interval: o.progressInterval)
        for round in CollectiveChunks(mine, chunkRows: o.chunkRows, communicator: comm) {
            let block: EpochBlock
            var keep: [Bool]? = nil
            do {
                block = try reader.read(rows: round.rows)
                keep = try selection?.keep(rows: round.rows, collective: true)
            } catch {
                // A failure inside collective I/O cannot be agreed on safely: end every rank.
                comm.abort(message: "reading \(o.input): \(error)")
            }
            try comm.collectively {
                try reader.check(block)
                try state.analyse(block, keep: keep) {
                    progress.update(fraction: min(1, state.modelledCost / max(myShare, 1e-300)), count: state.curves,
                                    detail: "\(state.rowsDone) of \(mine.count) rows; ≈ \(state.curves * comm.size) curves on all ranks")
                }
            }
        }
        var s = PeriodogramStatistics()
        s.rows = table.rowCount
        if let selection {
            // Sources analysed: the rows kept (the outputs' `sources`, as for a pre-filtered table).
            let t = selection.totals(comm)
            s.rows = t.kept
            log("periodogram: " + TableSelection.describe(selection.text, seen: t.seen, kept: t.kept))
        }
        s.bands = bands
        s.ranks = comm.size
        var pack = ReductionPack()
        let analysed = pack.add(state.analysed, .sum), skipped = pack.add(state.skipped, .sum)
        let aboveFapMax = pack.add(state.aboveFapMax, .sum), written = pack.add(state.rows.count, .sum)
        let transits = pack.add(state.transits.packed, .sum)
        let engines = pack.add(EngineKind.allCases.map { state.periodogram.engineCounts[$0] ?? 0 }, .sum)
        let kernelSum = pack.add(state.kernelSeconds, .sum), kernelMax = pack.add(state.kernelSeconds, .max)
        let costSum = pack.add(state.modelledCost, .sum), costMax = pack.add(state.modelledCost, .max)
        let total = pack.reduced(comm)
        s.analysed = total[analysed]
        s.skipped = total[skipped]
        s.aboveFapMax = total[aboveFapMax]
        s.written = total[written]
        let t = TransitCounts(packed: total[transits])
        (s.transitsTotal, s.transitsUsed, s.dropped) = (t.total, t.used, t.dropped)
        for (k, e) in EngineKind.allCases.enumerated() where total[engines][k] > 0 { s.engines[e] = total[engines][k] }
        s.kernelSeconds = total[kernelSum]
        s.kernelMax = total[kernelMax]
        s.costMax = total[costMax]
        s.costMean = total[costSum] / Double(comm.size)
        try comm.collectively { try table.close() }
        // Identical on every rank: the outputs' attributes must agree.
        s.seconds = comm.elapsed(since: t0)
        return PeriodogramJobResult(rows: state.rows, statistics: s, dumps: state.dumps, dumpsSkipped: state.dumpsSkipped,
                                    plotCandidates: state.plot)
    }
}

/// What one rank accumulates while it analyses its rows.
final class RankState {
    let options: PeriodogramJobOptions
    let bands: [PhotometryBand]
    let spec: GridSpec
    let path: String
    let periodogram: Periodogram
    let dumpIDs: Set<Int64>
    var rows: [CurveRow] = []
    var dumps: [DumpedPeriodogram] = []
    var dumpsSkipped: [(Int64, PhotometryBand, String)] = []
    var plot: PlotKeeper
    var transits = TransitCounts()
    var skipped = [Int](repeating: 0, count: SkipReason.allCases.count)
    var analysed = 0, aboveFapMax = 0, curves = 0, rowsDone = 0
    var kernelSeconds = 0.0
    /// Modelled seconds of the rows done so far, by the pre-pass's model (times only), so that
    /// it adds up to the share the split gave this rank.
    var modelledCost = 0.0
    let costInputs: CostModelInputs

    init(options: PeriodogramJobOptions, bands: [PhotometryBand], spec: GridSpec, costInputs: CostModelInputs, path: String) {
        self.options = options
        self.bands = bands
        self.spec = spec
        self.costInputs = costInputs
        self.path = path
        periodogram = Periodogram(options: PeriodogramOptions(nterms: options.nterms, peaks: options.peaks,
                                                              peakSeparation: options.peakSeparation, engine: options.engine))
        dumpIDs = Set(options.dumpSourceIDs)
        plot = PlotKeeper(capacity: options.plotSources)
    }

    /// Analyses every row of `block` that `keep` keeps (all when nil); `afterRow` runs after
    /// each (progress lines).
    func analyse(_ block: EpochBlock, keep: [Bool]? = nil, afterRow: () -> Void = {}) throws {
        for i in 0..<block.count {
            let id = block.sourceIDs[i]
            if let keep, !keep[i] {
                if dumpIDs.contains(id) { for b in bands { dumpsSkipped.append((id, b, "excluded by --where")) } }
                rowsDone += 1
                afterRow()
                continue
            }
            for b in bands {
                curves += 1
                let bb = block.bands[b]!
                let place = "\(path) row \(block.first + i) (source_id \(id)) band \(b.rawValue)"
                modelledCost += try CostPartition.cost(times: bb.time[bb.offsets[i]..<bb.offsets[i + 1]], inputs: costInputs, at: place)
                let clean = cleanCurve(bb, row: i, quantity: options.quantity, counts: &transits)
                let curve = LightCurve(time: clean.time, value: clean.value, error: clean.error)
                let skip: SkipReason?
                var grid: FrequencyGrid? = nil
                if curve.count < options.minObs { skip = .tooFewPoints }
                else if let g = try spec.grid(timeSpan: curve.timeSpan, at: place) {
                    grid = g
                    skip = curve.value.allSatisfy({ $0 == curve.value[0] }) ? .constantValues : nil
                } else { skip = .timeSpanTooShort }
                guard skip == nil, let grid else {
                    skipped[skip!.rawValue] += 1
                    if dumpIDs.contains(id) { dumpsSkipped.append((id, b, skip!.text)) }
                    continue
                }
                let k0 = Clock.wall()
                let (result, power) = periodogram.analyse(curve, grid: grid)
                kernelSeconds += Clock.wall() - k0
                analysed += 1
                let row = CurveRow(sourceID: id, band: b, result: result, nFrequencies: grid.count)
                if dumpIDs.contains(id) { dumps.append(DumpedPeriodogram(row: row, grid: grid, power: power)) }
                // NaN FAP (nterms > 1) is never "greater than fap_max": such rows are all kept.
                if result.fap > options.fapMax {
                    aboveFapMax += 1
                    continue
                }
                rows.append(row)
                plot.offer(row, curve: curve, grid: grid, power: power)
            }
            rowsDone += 1
            afterRow()
        }
    }
}
