// The Gaia DR3 tables GaiaMine knows by name: their columns as the bulk download declares them
// and the lengths of arrays that the headers declare variable but DR3 always fills to a fixed
// size (55 XP coefficients, 1485 = 55·54/2 correlations). See Docs/data-format.md.
// (Filled in fully by the synth work; this is the part the reader needs.)

public struct KnownTable: Sendable {
    public let name: String
    /// Columns in the order of the bulk-download files.
    public let columns: [ColumnSchema]
    /// Arrays stored as 2-D datasets of this many elements per row.
    public let fixedLengths: [String: Int]

    public init(name: String, columns: [ColumnSchema], fixedLengths: [String: Int]) {
        self.name = name
        self.columns = columns
        self.fixedLengths = fixedLengths
    }

    public func fixedLength(of column: String) -> Int? { fixedLengths[column] }
}

public enum KnownTables {
    public static let xpCoefficientCount = 55
    public static let xpCorrelationCount = 55 * 54 / 2

    public static let all: [KnownTable] = [xpContinuousMeanSpectrum]

    public static func table(named name: String) -> KnownTable? { all.first { $0.name == name } }

    /// Recognises a table from its column names (e.g. a header-less GaiaXPy CSV, an archive
    /// export without TABLE meta) or, failing that, from a bulk-download file name such as
    /// `XpContinuousMeanSpectrum_000000-003111.csv.gz`.
    public static func recognise(columnNames: [String], fileName: String) -> KnownTable? {
        for t in all {
            let names = Set(t.columns.map(\.name))
            if t.columns.first.map({ columnNames.contains($0.name) }) == true,
               columnNames.filter({ names.contains($0) }).count >= min(3, columnNames.count),
               columnNames.allSatisfy({ names.contains($0) }) { return t }
        }
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        let prefixes: [(String, String)] = [("XpContinuousMeanSpectrum", "xp_continuous_mean_spectrum"),
                                             ("EpochPhotometry", "epoch_photometry"),
                                             ("GaiaSource", "gaia_source")]
        for (p, name) in prefixes where base.hasPrefix(p) { return table(named: name) }
        return nil
    }

    static let xpContinuousMeanSpectrum: KnownTable = {
        var cols: [ColumnSchema] = [
            ColumnSchema(name: "source_id", element: .int64, ucd: "meta.id;meta.main"),
            ColumnSchema(name: "solution_id", element: .int64, ucd: "meta.version"),
        ]
        var fixed: [String: Int] = [:]
        for b in ["bp", "rp"] {
            cols += [
                ColumnSchema(name: "\(b)_basis_function_id", element: .int16, ucd: "meta.number"),
                ColumnSchema(name: "\(b)_degrees_of_freedom", element: .int16, ucd: "stat.fit.dof"),
                ColumnSchema(name: "\(b)_n_parameters", element: .int8, ucd: "stat.fit.param"),
                ColumnSchema(name: "\(b)_n_measurements", element: .int16, ucd: "meta.number"),
                ColumnSchema(name: "\(b)_n_rejected_measurements", element: .int16, ucd: "meta.number"),
                ColumnSchema(name: "\(b)_standard_deviation", element: .float32, ucd: "stat.stdev"),
                ColumnSchema(name: "\(b)_chi_squared", element: .float32, ucd: "stat.fit.chi2"),
                ColumnSchema(name: "\(b)_coefficients", element: .float64, shape: .variable, ucd: "stat.fit.param",
                             declaredSubtype: "float64[null]"),
                ColumnSchema(name: "\(b)_coefficient_errors", element: .float32, shape: .variable, ucd: "stat.error",
                             declaredSubtype: "float32[null]"),
                ColumnSchema(name: "\(b)_coefficient_correlations", element: .float32, shape: .variable,
                             ucd: "stat.correlation", declaredSubtype: "float32[null]"),
                ColumnSchema(name: "\(b)_n_relevant_bases", element: .int16, ucd: "meta.number"),
                ColumnSchema(name: "\(b)_relative_shrinking", element: .float32, ucd: "stat.fit.param"),
            ]
            fixed["\(b)_coefficients"] = xpCoefficientCount
            fixed["\(b)_coefficient_errors"] = xpCoefficientCount
            fixed["\(b)_coefficient_correlations"] = xpCorrelationCount
        }
        return KnownTable(name: "xp_continuous_mean_spectrum", columns: cols, fixedLengths: fixed)
    }()
}
