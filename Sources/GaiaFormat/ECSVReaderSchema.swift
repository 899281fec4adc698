// The steps of ECSVReader.init that turn a file's header into the reader's schema and field
// plans: read the declarations (the ECSV header, or the column-name line of a header-less CSV
// typed from KnownTables) and plan the parsing of each field. Shapes, known-table metadata and the
// column selection are shared with the FITS reader (TableDeclaration.swift).

extension ECSVReader {
    /// Reads the `#` header lines after `firstLine` and the column-name line, checks that the
    /// names match the declarations, and names the table (options, TABLE meta, recognition).
    static func readECSVHeader(firstLine: String, lines: ECSVLineSource, path: String, fileName: String,
                               options: ReaderOptions) throws -> DeclaredTable {
        var headerLines = [firstLine]
        var nameLine: String?
        var nameLineNumber = 0
        while let (s, e) = try lines.nextLine() {
            if s < e && s.pointee == UInt8(ascii: "#") {
                guard nameLine == nil else { break }
                headerLines.append(Self.text(s, e))
                continue
            }
            if s == e || Self.text(s, e).ecsvTrimmed.isEmpty { continue }  // blank lines before the names
            nameLine = Self.text(s, e)
            nameLineNumber = lines.lineNumber
            break
        }
        var header = try ECSVHeader.parse(lines: headerLines, file: path)
        guard let nameLine else {
            throw FormatError(file: path, line: lines.lineNumber + 1,
                              "the ECSV header is not followed by a line of column names")
        }
        var names = ECSVHeader.splitNames(nameLine, delimiter: header.delimiter)
        // No `delimiter` key means a space (ECSV 1.0), but files whose writer left out
        // `delimiter: ','` were read before: a name line that gives the declared names only when
        // split on commas is taken as comma-delimited.
        if !header.delimiterDeclared, names != header.columns.map(\.name) {
            let commaNames = ECSVHeader.splitNames(nameLine, delimiter: UInt8(ascii: ","))
            if commaNames == header.columns.map(\.name) {
                header.delimiter = UInt8(ascii: ",")
                names = commaNames
            }
        }
        try checkNames(names, against: header.columns, path: path, line: nameLineNumber)
        var table = DeclaredTable(columns: header.columns, tableName: header.tableName,
                                  meta: header.meta, delimiter: header.delimiter)
        table.identify(given: options.tableName, fileName: fileName)
        return table
    }

    /// The column-name line must list exactly the declared columns, in order.
    private static func checkNames(_ names: [String], against columns: [ColumnSchema], path: String, line: Int) throws {
        for (i, column) in columns.enumerated() {
            guard i < names.count else {
                throw FormatError(file: path, line: line, column: column.name, fieldIndex: i + 1,
                                  "the column-name line has \(names.count) names but the header declares \(columns.count) columns; '\(column.name)' is missing")
            }
            guard names[i] == column.name else {
                throw FormatError(file: path, line: line, column: column.name, fieldIndex: i + 1,
                                  "the column-name line has '\(names[i])' where the header declares '\(column.name)'")
            }
        }
        if names.count > columns.count {
            let extra = names[columns.count]
            throw FormatError(file: path, line: line, column: extra, fieldIndex: columns.count + 1,
                              "the column-name line has \(names.count) names but the header declares only \(columns.count) columns")
        }
    }

    /// Header-less CSV (GaiaXPy style): names on the first line, types from KnownTables.
    static func declareHeaderless(nameLine: String, path: String, fileName: String,
                                  options: ReaderOptions) throws -> DeclaredTable {
        let delimiter = UInt8(ascii: ",")
        let names = ECSVHeader.splitNames(nameLine, delimiter: delimiter)
        var known: KnownTable?
        if let given = options.tableName {
            guard let t = KnownTables.table(named: given) else {
                throw FormatError(file: path, line: 1,
                                  "no ECSV header, and table '\(given)' is not a known Gaia table (known: \(KnownTables.all.map(\.name).joined(separator: ", ")))")
            }
            known = t
        } else {
            known = KnownTables.recognise(columnNames: names, fileName: fileName)
        }
        // The table: the one given or recognised, else the known table sharing the most names.
        // GaiaXPy CSVs may add columns of other tables (18 Sco: `phot_g_mean_mag` from
        // gaia_source), so a name the main table lacks is looked up in the other known tables.
        let overlap = { (t: KnownTable) in Set(t.columns.map(\.name)).intersection(names).count }
        guard let table = known ?? KnownTables.all.max(by: { overlap($0) < overlap($1) }), overlap(table) > 0 else {
            throw FormatError(file: path, line: 1,
                              "no ECSV header (the file does not start with '# %ECSV 1.0'), and its column names match no known Gaia table")
        }
        var declared: [ColumnSchema] = []
        var seen = Set<String>()
        for (i, name) in names.enumerated() {
            guard let c = table.columns.first(where: { $0.name == name })
                ?? KnownTables.all.lazy.compactMap({ $0.columns.first { $0.name == name } }).first else {
                throw FormatError(file: path, line: 1, column: name, fieldIndex: i + 1,
                                  "no ECSV header, and '\(name)' is a column of no known Gaia table (this file looks like '\(table.name)'); add an ECSV header that declares its type")
            }
            guard seen.insert(name).inserted else {
                throw FormatError(file: path, line: 1, column: name, fieldIndex: i + 1, "column named twice")
            }
            declared.append(c)
        }
        return DeclaredTable(columns: declared, tableName: table.name, delimiter: delimiter, known: table)
    }

    /// How each field of a row is parsed: skipped when not selected, else by its shape and type
    /// into the next accumulator (output column).
    static func fieldPlans(_ declared: [ColumnSchema], selected: [Bool], path: String) throws -> [FieldPlan] {
        var plans: [FieldPlan] = []
        plans.reserveCapacity(declared.count)
        var out = 0
        for (i, c) in declared.enumerated() {
            guard selected[i] else {
                plans.append(FieldPlan(kind: .skip))
                continue
            }
            let fixed: Int
            switch c.shape {
            case .fixed(let n): fixed = n
            default: fixed = -1
            }
            let kind: FieldPlan.Kind
            switch (c.shape, c.element) {
            case (.scalar, .bool): kind = .bool
            case (.scalar, .float32): kind = .float32
            case (.scalar, .float64): kind = .float64
            case (.scalar, .string): kind = .string
            case (.scalar, _): kind = .integer
            case (_, .bool): kind = .boolArray
            case (_, .float32): kind = .float32Array
            case (_, .float64): kind = .float64Array
            case (_, .string):
                throw FormatError(file: path, column: c.name, fieldIndex: i + 1, "arrays of strings are not supported")
            default: kind = .integerArray
            }
            plans.append(FieldPlan(kind: kind, accumulator: out, element: c.element, fixedLength: fixed))
            out += 1
        }
        return plans
    }
}
