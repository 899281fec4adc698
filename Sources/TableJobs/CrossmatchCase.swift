// The `crossmatch` job: for each row of a catalogue B (a user's ECSV/CSV, or another repacked
// table), the nearest — or every — row of the repacked table A within a radius, with the number
// of A rows within it (n_within ≥ 2 around a quasar: the lensed-candidate signature of GraL,
// Krone-Martins et al. 2018). Case files: Inputs/crossmatch_catalogue.yaml,
// Inputs/lensed_quasar_candidates.yaml. Doc: Docs/pairs.md (cross-matches).
import Foundation
import GaiaIO
import GaiaJob

public enum MatchMode: String, CaseIterable, Sendable {
    case nearest, all
}

public struct CrossmatchOptions: JobOptions {
    public var input = ""
    public var progressInterval = 10.0
    /// Table of A in its file (nil: its only table).
    public var table: String? = nil
    /// Catalogue B: .ecsv, .csv (optionally .gz) or a repacked .h5.
    public var catalogue = ""
    /// Match radius, arcsec.
    public var radius = 1.0
    /// Table of B when B is a repacked file (nil: its only table).
    public var bTable: String? = nil
    /// B's id column (nil: `id` if B has one, else `source_id`).
    public var bId: String? = nil
    /// Rows of B used (an expression over B's columns).
    public var bWhere: String? = nil
    public var match = MatchMode.nearest
    /// Keep only B rows with at least this many A rows within the radius.
    public var minWithin = 1
    /// Rows of A read per collective round.
    public var chunkRows = 262_144
    public init() {}

    public var inputFiles: [String] { [input, catalogue] }

    public func problems() -> [OptionProblem] {
        catalogue.isEmpty ? [OptionProblem(key: "catalogue", message: "give the catalogue B to match (ECSV, CSV or a repacked .h5)")] : []
    }
}

public enum CrossmatchCase: Job {
    public typealias Options = CrossmatchOptions
    public static let name = "crossmatch"
    public static let abstract = "Cross-match a catalogue (ECSV/CSV or a repacked table) against a repacked table: nearest or all within a radius."
    public static let discussion = """
        For each row of the catalogue B (columns ra, dec in degrees and an id: --b-id, default id, else source_id; \
        rows passing --b-where), finds the rows of the input table A (rows passing --where) within --radius arcsec: \
        the nearest (--nearest, the default) or all of them (--all), with n_within, the number of A rows within the \
        radius (≥ 2 around a quasar is the lensed-candidate signature; --min-within keeps only such B rows). B rows \
        with a NaN position are skipped and counted. Outputs PREFIX.h5/.ecsv: B's id under its own name, source_id \
        (A), sep (arcsec), n_within; sorted by B id, then sep; the same for any number of ranks. See Docs/pairs.md.
        """
    public static let inputHelp = "Repacked table A (HDF5) with ra, dec (deg) and source_id."
    public static let outputSuffixes = [".h5", ".ecsv", ".svg"]
    public static let secondInputKey: String? = "catalogue"

    public static let options: [JobOption<Options>] = [
        .value("catalogue", \.catalogue, flag: .none, valueName: "catalogue",
               help: "Catalogue B: .ecsv or .csv (optionally .gz) with ra, dec (deg) and an id column, or a repacked .h5 table."),
        .optional("/table", \.table, valueName: "name", help: "Table of A in its file (default: its only table)."),
        .value("radius", \.radius, valueName: "arcsec", help: "Match radius in arcsec.",
               check: { $0.isFinite && $0 > 0 ? nil : "must be a positive number of arcsec, got \($0)" }),
        .optional("b_table", \.bTable, valueName: "name", help: "Table of B when B is a repacked .h5 file (default: its only table)."),
        .optional("b_id", \.bId, valueName: "name", help: "B's id column (default: id if B has one, else source_id)."),
        .optional("b_where", \.bWhere, valueName: "expr", help: "Use only the rows of B where this expression over B's columns is true."),
        .choice("match", \.match, valueFlags: true, help: "nearest: the nearest A row per B row; all: every A row within the radius."),
        .value("min_within", \.minWithin, help: "Keep only B rows with at least this many A rows within the radius.",
               check: { $0 >= 1 ? nil : "must be ≥ 1, got \($0)" }),
        .value("chunk_rows", \.chunkRows, help: "Rows of A read per collective round.",
               check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> CrossmatchResult {
        try CrossmatchRun.run(o, in: context)
    }

    public static func write(_ r: CrossmatchResult, options o: Options, in context: JobContext) throws {
        try CrossmatchOutputs.write(r, in: context)
    }

    public static func summary(_ r: CrossmatchResult, options o: Options, in context: JobContext) -> String {
        CrossmatchOutputs.summary(r, in: context)
    }
}
