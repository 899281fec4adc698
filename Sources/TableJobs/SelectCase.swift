// The `select` job: the rows of a table that pass `--where`, in the same layout (ragged arrays
// with their offsets, every attribute kept), optionally only some columns, plus derived columns
// (`define: [NAME=EXPR, …]`). Case file: Inputs/light_curve_summary.yaml. Doc: Docs/select.md.
import Expressions
import Foundation
import GaiaIO
import GaiaJob

public struct SelectOptions: JobOptions {
    public var input = ""
    public var progressInterval = 10.0
    /// Table in the file (nil: its only table).
    public var table: String? = nil
    /// Columns copied (empty: every column), in this order.
    public var columns: [String] = []
    /// Derived columns `NAME=EXPR`, one value per row.
    public var define: [String] = []
    /// Rows read per collective round.
    public var chunkRows = 262_144
    public init() {}
}

public struct SelectResult {
    public var rowsRead = 0
    public var rowsKept = 0
    public var columns = 0
    public var derived: [NamedExpression] = []
    public var seconds = 0.0
    public var writeSeconds = 0.0
}

public enum SelectCase: Job {
    public typealias Options = SelectOptions
    public static let name = "select"
    public static let abstract = "Write the rows of a table that pass --where, in the same layout, with derived columns."
    public static let discussion = """
        Evaluates the --where expression (Docs/expressions.md) on every row, reading only the columns it names, \
        and writes the kept rows in input order as the same table in PREFIX.h5: scalar, fixed-array and ragged \
        columns (offsets rebuilt) in their stored types, every attribute kept. --columns limits the copied columns; \
        each --define NAME=EXPR adds a column (float64, int64 with _FillValue for null, or bool) whose description \
        is its expression. The output is a repacked table: every job reads it. See Docs/select.md.
        """
    public static let inputHelp = "Repacked table (HDF5)."
    public static let outputSuffixes = [".h5"]

    public static let options: [JobOption<Options>] = [
        .optional("/table", \.table, valueName: "name", help: "Table in the file (default: its only table)."),
        .list("columns", \.columns, valueName: "name[,…]", help: "Columns to copy, in this order (default: every column)."),
        .list("define", \.define, split: false, valueName: "name=expr",
              help: "Derived column NAME=EXPRESSION (one value per row), repeatable: 'snr=mean(g_transit_flux / g_transit_flux_error)'.",
              check: { items in
                  for item in items { do { _ = try NamedExpression.parse(item, what: "define") } catch { return "\(error)" } }
                  return nil
              }),
        .value("chunk_rows", \.chunkRows, help: "Rows read per collective round.",
               check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> SelectResult {
        try SelectRun.run(o, in: context)
    }

    /// `run` already wrote PREFIX.h5 (collectively, under a temporary name renamed at the end).
    public static func write(_ r: SelectResult, options o: Options, in context: JobContext) throws {}

    public static func summary(_ r: SelectResult, options o: Options, in context: JobContext) -> String {
        let pct = r.rowsRead > 0 ? 100 * Double(r.rowsKept) / Double(r.rowsRead) : 0
        var lines = ["select: kept \(r.rowsKept) of \(r.rowsRead) rows (\(String(format: "%.3g", pct))%), "
                     + "\(r.columns) columns + \(r.derived.count) derived → \(context.path(".h5"))"]
        lines.append(String(format: "  %.2f s (write %.2f s), %.3g rows/s", r.seconds, r.writeSeconds,
                            Clock.rate(r.rowsRead, seconds: r.seconds)))
        return lines.joined(separator: "\n")
    }
}
