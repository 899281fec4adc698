// The `aggregate` job: exact robust statistics of expressions per group of rows — per HEALPix
// pixel (`--by hpx=healpix(5)`: the parallax zero-point map), per magnitude bin, or over the whole
// selection (`--by none`). Case files: Inputs/parallax_zeropoint_qso.yaml, Inputs/pm_dispersion.yaml.
// Doc: Docs/aggregate.md.
import Aggregates
import Expressions
import Foundation
import GaiaIO
import GaiaJob

public struct AggregateOptions: JobOptions {
    public var input = ""
    public var progressInterval = 10.0
    /// Table in the file (nil: its only table).
    public var table: String? = nil
    /// `NAME=EXPR` (an integral group key per row) or `none` (one group).
    public var by = "none"
    /// `NAME=EXPR` or bare column names.
    public var values: [String] = []
    public var stats: [String] = ["count", "mean", "std", "median", "mad"]
    /// The `<value>_<stat>` column drawn in PREFIX.svg (default: the first value's first statistic).
    public var map: String? = nil
    public var method = GroupingMethod.auto
    /// Rows read per collective round.
    public var chunkRows = 262_144
    public init() {}

    public func problems() -> [OptionProblem] {
        values.isEmpty ? [OptionProblem(key: "values", message: "give at least one value: NAME=EXPR or a column name")] : []
    }
}

public enum AggregateCase: Job {
    public typealias Options = AggregateOptions
    public static let name = "aggregate"
    public static let abstract = "Exact robust statistics (median, MAD, percentiles, moments) per HEALPix pixel or group, with healpy maps."
    public static let discussion = """
        Groups the rows passing --where by an integral key expression (--by NAME=EXPR, e.g. hpx=healpix(5) or \
        gbin=floor(phot_g_mean_mag); none: one group) and computes, for each --values expression, the statistics \
        in --stats: count mean std skew kurtosis min max median mad pN (N in 0…100, e.g. p2.5). NaN values are \
        skipped per value; std has ddof 1; skew and kurtosis are pandas' bias-corrected ones; median and pN are \
        numpy's (linear interpolation); mad is the unscaled median absolute deviation. Every statistic is exact \
        and identical for any number of ranks. Outputs PREFIX.h5/.ecsv (one row per non-empty group: key, n_rows, \
        <value>_<stat>), full-sky NESTED maps for healpix keys (PREFIX.h5 maps/), PREFIX.svg. See Docs/aggregate.md.
        """
    public static let inputHelp = "Repacked table (HDF5)."

    public static let options: [JobOption<Options>] = [
        .optional("/table", \.table, valueName: "name", help: "Table in the file (default: its only table)."),
        .value("by", \.by, valueName: "name=expr|none",
               help: "Group key NAME=EXPR, integral per row (hpx=healpix(5), gbin=floor(phot_g_mean_mag)), or none for one group."),
        .list("values", \.values, split: false, valueName: "name=expr[,…]",
              help: "Values to summarise: NAME=EXPR or column names, comma-separated (commas inside parentheses do not split)."),
        .list("stats", \.stats, valueName: "stat[,…]",
              help: "Statistics: count mean std skew kurtosis min max median mad pN (N-th percentile, 0 ≤ N ≤ 100, e.g. p2.5).",
              check: { items in
                  do { _ = try Statistic.parse(items) } catch { return "\(error)" }
                  return nil
              }),
        .optional("map", \.map, valueName: "value_stat",
                  help: "The <value>_<stat> column drawn in PREFIX.svg (default: the first value's first statistic)."),
        .choice("method", \.method,
                help: "How groups spread over ranks are computed: auto, exchange (each group moved to one rank), in_place (distributed selection)."),
        .value("chunk_rows", \.chunkRows, help: "Rows read per collective round.",
               check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> AggregateResult {
        try AggregateRun.run(o, in: context)
    }

    public static func write(_ r: AggregateResult, options o: Options, in context: JobContext) throws {
        try AggregateOutputs.write(r, in: context)
    }

    public static func summary(_ r: AggregateResult, options o: Options, in context: JobContext) -> String {
        AggregateOutputs.summary(r, in: context)
    }
}
