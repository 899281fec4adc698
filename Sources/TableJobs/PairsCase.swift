// The `pairs` job: every unordered pair of selected rows closer than max(r_a, r_b), with r a
// per-row radius expression — wide binaries (El-Badry, Rix & Heintz 2021: r = 1 pc projected,
// `206.265 * parallax` arcsec), close pairs, groups — filtered and described by expressions over
// both rows (`a.X`, `b.X`, `sep`), and optionally the same search against a shifted copy of the
// selection for the chance-alignment rate (El-Badry et al. 2021 §3). Case file:
// Inputs/wide_binaries.yaml. Design (halos, large radii, find-once rule, memory): Docs/pairs.md.
import Expressions
import Foundation
import GaiaIO
import GaiaJob

public struct PairsOptions: JobOptions {
    public var input = ""
    public var progressInterval = 10.0
    /// Table in the file (nil: its only table).
    public var table: String? = nil
    /// Search radius per row, arcsec: a constant or an expression.
    public var radius = ""
    /// Pairs kept: an expression over a.X, b.X and sep.
    public var pairWhere: String? = nil
    /// Pair columns `NAME=EXPR` over a.X, b.X and sep.
    public var columns: [String] = []
    /// Also search against the selection shifted by this many degrees toward the north pole.
    public var shifted: Double? = nil
    /// Rows with a radius above this (arcsec) are broadcast instead of widening every halo
    /// (nil: chosen so that at most max(1000, N/1000) rows are broadcast).
    public var haloRadius: Double? = nil
    /// Rows read per collective round.
    public var chunkRows = 262_144
    public init() {}

    public func problems() -> [OptionProblem] {
        radius.trimmingCharacters(in: .whitespaces).isEmpty
            ? [OptionProblem(key: "radius", message: "give the search radius in arcsec: a number or an expression (206.265 * parallax)")] : []
    }
}

public enum PairsCase: Job {
    public typealias Options = PairsOptions
    public static let name = "pairs"
    public static let abstract = "Every pair of rows closer than a per-row radius (wide binaries, close pairs), with pair filters and columns."
    public static let discussion = """
        Finds every unordered pair of rows passing --where whose angular separation θ ≤ max(r_a, r_b), r being the \
        --radius expression in arcsec (a number, or e.g. 206.265 * parallax for 1 pc projected). --pair-where keeps \
        pairs by an expression over a.COLUMN, b.COLUMN and sep (arcsec); --columns NAME=EXPR adds pair columns over the \
        same names. a is the row with the smaller source_id. Rows with a NaN position or radius are skipped and \
        counted. --shifted DEG repeats the search between the selection and a copy shifted DEG toward the north pole \
        (chance alignments, El-Badry et al. 2021 §3) into PREFIX_shifted.h5/.ecsv. Outputs PREFIX.h5/.ecsv \
        (source_id_a < source_id_b, sep, columns; sorted by source_id_a, source_id_b; the same for any number of \
        ranks) and PREFIX.svg. See Docs/pairs.md.
        """
    public static let inputHelp = "Repacked table (HDF5) with ra, dec (deg) and source_id."
    public static let outputSuffixes = [".h5", ".ecsv", ".svg"]

    public static let options: [JobOption<Options>] = [
        .optional("/table", \.table, valueName: "name", help: "Table in the file (default: its only table)."),
        .value("radius", \.radius, valueName: "expr",
               help: "Search radius per row in arcsec: a number (30) or an expression (206.265 * parallax)."),
        .optional("pair_where", \.pairWhere, valueName: "expr",
                  help: "Keep the pairs where this expression over a.COLUMN, b.COLUMN and sep (arcsec) is true."),
        .list("columns", \.columns, split: false, valueName: "name=expr[,…]",
              help: "Pair columns NAME=EXPR over a.COLUMN, b.COLUMN and sep, comma-separated: 'dpm=hypot(a.pmra - b.pmra, a.pmdec - b.pmdec)'.",
              check: { items in
                  for item in items.flatMap(splitTopLevel) {
                      do { _ = try NamedExpression.parse(item, what: "--columns") } catch { return "\(error)" }
                  }
                  return nil
              }),
        .optional("shifted", \.shifted, valueName: "deg",
                  help: "Also search against the selection shifted DEG toward the north pole (chance alignments) → PREFIX_shifted.*.",
                  check: { $0.isFinite && $0 > 0 && $0 < 180 ? nil : "must lie in (0, 180) degrees, got \($0)" }),
        .optional("halo_radius", \.haloRadius, valueName: "arcsec",
                  help: "Rows with a larger radius are broadcast to every rank instead of widening the halos (default: automatic).",
                  check: { $0.isFinite && $0 >= 0 ? nil : "must be a finite radius ≥ 0 arcsec, got \($0)" }),
        .value("chunk_rows", \.chunkRows, help: "Rows read per collective round.",
               check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> PairsResult {
        try PairsRun.run(o, in: context)
    }

    public static func write(_ r: PairsResult, options o: Options, in context: JobContext) throws {
        try PairsOutputs.write(r, in: context)
    }

    public static func summary(_ r: PairsResult, options o: Options, in context: JobContext) -> String {
        PairsOutputs.summary(r, in: context)
    }
}
