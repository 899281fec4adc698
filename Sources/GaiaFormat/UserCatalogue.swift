import Expressions
// A user's own catalogue: catalogue B of `gaiamine crossmatch`, an ECSV or CSV file of modest
// size read whole into memory on rank 0 (then broadcast by the job). Unlike the Gaia reader
// (ECSVReader: streaming, schema-driven, batches), this keeps every column in plain Swift arrays
// and infers CSV column types, because a user's file comes from anywhere (astropy, TOPCAT,
// pandas, a spreadsheet).
//
// Formats (UserCatalogueReader.swift): ECSV 1.0 as astropy writes it (`Table.write(...,
// format="ascii.ecsv")`), CSV with a line of column names; either may be gzipped.

/// The values of one column, in row order. A missing (masked) entry holds 0, NaN, "" or false;
/// `UserCatalogueColumn.null` says which entries are missing.
public enum UserCatalogueValues: Equatable, Sendable {
    case int([Int64]), float([Double]), string([String]), bool([Bool])

    public var count: Int {
        switch self {
        case .int(let v): return v.count
        case .float(let v): return v.count
        case .string(let v): return v.count
        case .bool(let v): return v.count
        }
    }
}

public struct UserCatalogueColumn: Equatable, Sendable {
    public let name: String
    public let values: UserCatalogueValues
    /// true = missing / masked; nil when no entry is missing. A float `nan` in the file is a
    /// value (NaN), not a missing entry; an empty field or `""` is missing.
    public let null: [Bool]?
    public let unit: String?
    /// Why `UserCatalogue.doubles` refuses this column, placed where the user can look (the
    /// header entry declaring it, or the first CSV value that is not a number).
    let notNumeric: FormatError?

    public init(name: String, values: UserCatalogueValues, null: [Bool]? = nil, unit: String? = nil) {
        self.init(name: name, values: values, null: null, unit: unit, notNumeric: nil)
    }

    init(name: String, values: UserCatalogueValues, null: [Bool]?, unit: String?, notNumeric: FormatError?) {
        precondition(null == nil || null!.count == values.count, "null mask length differs from the values'")
        self.name = name
        self.values = values
        self.null = null
        self.unit = unit
        self.notNumeric = notNumeric
    }

    public func isMissing(_ row: Int) -> Bool { null?[row] ?? false }

    /// Same name, values, mask and unit (the diagnostic `notNumeric`, naming a file, is not compared).
    public static func == (a: UserCatalogueColumn, b: UserCatalogueColumn) -> Bool {
        a.name == b.name && a.values == b.values && a.null == b.null && a.unit == b.unit
    }
}

public struct UserCatalogue: Sendable {
    public let path: String
    /// In file order.
    public let columns: [UserCatalogueColumn]
    public let rowCount: Int

    public init(path: String, columns: [UserCatalogueColumn]) {
        let n = columns.first?.values.count ?? 0
        precondition(columns.allSatisfy { $0.values.count == n }, "columns of a catalogue differ in length")
        self.path = path
        self.columns = columns
        self.rowCount = n
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// The column of exactly this name.
    public func column(_ name: String) -> UserCatalogueColumn? { columns.first { $0.name == name } }

    /// The column as float64 (ints converted, missing → NaN). Throws FormatError naming the file
    /// and column when it is absent ("no column 'ra'; columns are …, did you mean …") or not numeric.
    public func doubles(_ name: String) throws -> [Double] {
        guard let c = column(name) else { throw missingColumn(name) }
        switch c.values {
        case .float(let v):
            return v  // missing floats are stored as NaN already
        case .int(let v):
            guard let null = c.null else { return v.map { Double($0) } }
            return zip(v, null).map { $1 ? .nan : Double($0) }
        case .string, .bool:
            var kind = "text"
            if case .bool = c.values { kind = "booleans" }
            if var e = c.notNumeric {
                e.message = "holds \(kind), not numbers: " + e.message
                throw e
            }
            let index = columns.firstIndex { $0.name == name }! + 1
            throw FormatError(file: path, column: name, fieldIndex: index, "holds \(kind), not numbers")
        }
    }

    /// The error for a column that is not in the file: the columns there are, and the nearest
    /// name if one is close. Public so that callers looking up a column by their own rules (an id
    /// column: `id`, else `source_id`) report it the same way.
    public func missingColumn(_ name: String, purpose: String? = nil) -> FormatError {
        let names = columnNames
        var listed = names.prefix(30).map { "'\($0)'" }.joined(separator: ", ")
        if names.count > 30 { listed += ", … (\(names.count) in all)" }
        var message = "no column '\(name)'" + (purpose.map { " (\($0))" } ?? "") + "; columns are \(listed)"
        let near = Self.suggestions(for: name, among: names)
        if !near.isEmpty { message += "; did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?" }
        return FormatError(file: path, message)
    }

    /// Names a user may have meant by `word`: the nearest misspelling (Spelling.closest, the one
    /// rule of every "did you mean"), then names having `word` as a whole word (`ra` → `RA_ICRS`).
    static func suggestions(for word: String, among names: [String]) -> [String] {
        let w = word.lowercased()
        var out: [String] = Spelling.closest(to: word, among: names).map { [$0] } ?? []
        for n in names where !out.contains(n) && out.count < 3 {
            let words = n.lowercased().split { !($0.isLetter || $0.isNumber) }
            if words.count > 1 && words.contains(Substring(w)) { out.append(n) }
        }
        return out
    }

    /// Reads .ecsv, .csv, .ecsv.gz, .csv.gz (by suffix; anything else → FormatError naming the
    /// file and the accepted suffixes). Every bad row is a FormatError with its line (1-based,
    /// header lines counted), column name and field number.
    public static func read(path: String) throws -> UserCatalogue {
        let lower = path.lowercased()
        let isECSV = lower.hasSuffix(".ecsv") || lower.hasSuffix(".ecsv.gz")
        guard isECSV || lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") else {
            throw FormatError(file: path, "not a catalogue file name: expected a name ending in .ecsv, .csv, .ecsv.gz or .csv.gz")
        }
        let text = try CatalogueText(path: path)
        return UserCatalogue(path: path, columns: try isECSV ? UserCatalogueReader.ecsv(text) : UserCatalogueReader.csv(text))
    }
}
