// What the GW jobs' options share: the input table, the source selection (`selection:` section of
// a case file; `--filter`, `--source-ids` on the command line) and the common checks.
import GaiaIO
import GaiaJob

/// Options of a job that reads a gaia_source table through a `SourceSelection`.
public protocol SelectsSources: JobOptions {
    var table: String? { get set }
    var selection: SourceSelection { get set }
}

extension JobOption where O: SelectsSources {
    /// `table` (top level): the table in the input file.
    public static var table: JobOption {
        .optional("/table", \.table, valueName: "name", help: "Table in the file (default: its only table).")
    }

    /// `selection.filters`: column filters, all must hold.
    public static var filters: JobOption {
        JobOption(key: "/selection.filters", flag: "--filter", form: .list(split: false), valueName: "expr",
                  help: "Column filter, repeatable, all must hold: 'astrometric_params_solved == 31', "
                      + "'17 <= phot_g_mean_mag < 20', 'in_qso_candidates == true', 'bp_rp is not null'. Null fails comparisons.",
                  read: { p, key, o in
                      let texts = try p.stringList(key, default: o.selection.filters.map(\.text))
                      do { o.selection.filters = try texts.map(ColumnFilter.parse) } catch { throw p.error(key: key, "\(error)") }
                  },
                  defaultText: { o in "[" + o.selection.filters.map { ParameterFile.yamlString($0.text) }.joined(separator: ", ") + "]" })
    }

    /// `selection.source_id_file`: keep only the listed sources.
    public static var sourceIDFile: JobOption {
        .optional("/selection.source_id_file", \.selection.sourceIDFile, flag: "--source-ids", valueName: "file",
                  help: "Keep only the source_ids listed in this file (one per line, or a CSV/ECSV column named source_id).")
    }
}

/// Checks shared by the GW options.
enum GWChecks {
    static func positive(_ x: Double) -> String? { x > 0 && x.isFinite ? nil : "must be positive, got \(x)" }
    static func positive(_ n: Int) -> String? { n > 0 ? nil : "must be positive, got \(n)" }
    static func nonNegative(_ x: Double) -> String? { x >= 0 && x.isFinite ? nil : "must be ≥ 0, got \(x)" }
}
