// The job: GaiaMine's framework does parameters (case file, flags, --set, PREFIX.yaml), the output
// checks, progress, provenance and the error policy; this file only says what to compute.
//
// Rows are split over ranks by count (each rank a contiguous block, so the outputs are in the
// file's source_id order for any number of ranks) and read in collective chunks; every source
// gets a row (n_obs 0 and NaN statistics when no G transit survives the cleaning), and every
// dropped transit is counted by reason. `--where EXPR` (every job has it) keeps only the sources
// whose row satisfies EXPR, e.g. `--where 'count(g_transit_mag) >= 20'`.
import Foundation
import GaiaMineKit

public struct LightCurveStatsOptions: JobOptions {
    public var input = ""
    public var progressInterval = 5.0
    /// The table in the file (default: epoch_photometry).
    public var table = "epoch_photometry"
    public var chunkRows = 4096
    public init() {}
}

/// One rank's rows, in table order, and its transit counts.
public struct LightCurveStatsResult {
    var sourceIDs: [Int64] = []
    var stats: [CurveStatistics] = []
    /// Summed over ranks.
    var counts = TransitCounts()
    var sources = 0
    var seconds = 0.0
    /// `where '…': n of N rows kept` when --where was given.
    var selection: String?
}

public enum LightCurveStatsJob: Job {
    public typealias Options = LightCurveStatsOptions
    public static let name = "light-curve-stats"
    public static let abstract = "Per-source G-band light-curve statistics: n_obs, median, MAD, std, skewness, Abbe value."
    public static let discussion = """
        G transits are cleaned as by `gaiamine periodogram` (variability_flag_g_reject set, null/NaN time, \
        magnitude or flux_over_error, non-positive error: dropped and counted). Outputs PREFIX.h5 and PREFIX.ecsv, \
        one row per source in file order.
        """
    public static let inputHelp = "Repacked epoch_photometry HDF5 file."
    public static let outputSuffixes = [".h5", ".ecsv"]

    public static let options: [JobOption<Options>] = [
        .value("/table", \.table, valueName: "name", help: "Table in the file."),
        .value("chunk_rows", \.chunkRows, help: "Rows per collective read.", check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> LightCurveStatsResult {
        let comm = context.communicator
        let table = try comm.collectively { try GaiaTable(path: o.input, table: o.table, communicator: comm) }
        let reader = try comm.collectively { try EpochReader(table: table, bands: [.g], quantity: .mag) }
        // The run's --where, compiled against the table's columns (nil when not given).
        let selection = try comm.collectively { try context.selection(for: table) }
        let mine = RowPartition.byCount(rows: table.rowCount, parts: comm.size, index: comm.rank)
        let progress = context.progress(unit: "sources")
        var r = LightCurveStatsResult()
        var counts = TransitCounts()
        for round in CollectiveChunks(mine, chunkRows: o.chunkRows, communicator: comm) {
            let block = try reader.read(rows: round.rows)
            let keep = try selection?.keep(rows: round.rows, collective: true)
            try comm.collectively { try reader.check(block) }
            let g = block.bands[.g]!
            for i in 0..<block.count where keep?[i] ?? true {
                let curve = cleanCurve(g, row: i, quantity: .mag, counts: &counts)
                r.sourceIDs.append(block.sourceIDs[i])
                r.stats.append(CurveStatistics(times: curve.time, values: curve.value))
            }
            progress.update(fraction: round.fractionDone, count: r.sourceIDs.count * comm.size)
        }
        try comm.collectively { try table.close() }
        r.counts = TransitCounts(packed: comm.allreduce(counts.packed, .sum))
        r.sources = comm.allreduce(r.sourceIDs.count, .sum)
        r.selection = selection?.describe(comm)
        r.seconds = comm.elapsed(since: context.stopwatch.wallStart)
        return r
    }

    public static func write(_ r: LightCurveStatsResult, options o: Options, in context: JobContext) throws {
        func column(_ name: String, _ unit: String?, _ description: String, _ value: (CurveStatistics) -> Double) -> ECSVOutputColumn {
            ECSVOutputColumn(name, .float64(r.stats.map(value)), unit: unit, description: description)
        }
        let columns = [
            ECSVOutputColumn("source_id", .int64(r.sourceIDs), description: "Gaia DR3 source_id"),
            ECSVOutputColumn("n_obs", .int32(r.stats.map { Int32($0.count) }), description: "G transits left after cleaning"),
            column("median_mag", "mag", "Median G magnitude (numpy.median)", \.median),
            column("mad_mag", "mag", "Median absolute deviation from the median, unscaled", \.mad),
            column("std_mag", "mag", "Sample standard deviation (ddof = 1)", \.std),
            column("skewness", nil, "Bias-corrected sample skewness (pandas Series.skew)", \.skewness),
            column("abbe", nil, "Abbe value: von Neumann ratio in time order × n/(n−1)", \.abbe),
        ]
        var meta: [(String, ResultAttribute)] = [("job", .string(name)), ("band", .string("g")), ("sources", .int(r.sources)),
                                                 ("transits", .int(r.counts.total)), ("transits_used", .int(r.counts.used))]
        for reason in DropReason.allCases { meta.append(("transits_dropped_" + reason.key, .int(r.counts.dropped[reason.rawValue]))) }
        try ParallelResultFile.write(prefix: context.output, group: "light_curve_stats", columns: columns,
                                     parameters: context.parameters, meta: meta, communicator: context.communicator)
    }

    public static func summary(_ r: LightCurveStatsResult, options o: Options, in context: JobContext) -> String {
        var s = String(format: "%@: done: %d sources in %.2f s on %d rank(s), %.0f sources/s", name, r.sources, r.seconds,
                       context.communicator.size, Clock.rate(r.sources, seconds: r.seconds))
        if let w = r.selection { s += "\n  selection \(w)" }
        s += "\n  transits  \(r.counts.total) read, \(r.counts.used) used"
        for reason in DropReason.allCases where r.counts.dropped[reason.rawValue] > 0 {
            s += "\n  dropped   \(r.counts.dropped[reason.rawValue]) (\(reason.text))"
        }
        s += "\n  outputs   \(context.output).h5, \(context.output).ecsv"
        return s
    }
}
