// The steps of ECSVReader.init that turn a file's header into the reader's schema and field
// plans: read the declarations (the ECSV header, or the column-name line of a header-less CSV
// typed from KnownTables), resolve array shapes, select columns, and plan the parsing of each field.

extension ECSVReader {
    /// What the header (or, without one, the column-name line and KnownTables) declares.
    struct DeclaredTable {
        var columns: [ColumnSchema]
        var tableName: String?
        var meta: [TableSchema.MetaEntry] = []
        var delimiter = UInt8(ascii: ",")
        /// The known Gaia table the file belongs to (named, from TABLE meta, or recognised).
        var known: KnownTable?
        /// Known tables whose columns the file contains, none more specifically (no table then).
        var ambiguousTables: [String] = []
        /// Columns whose fixed length was taken from the data (ECSVUniformLengths.swift).
        var lengthsFromData: Set<String> = []
    }

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
        let header = try ECSVHeader.parse(lines: headerLines, file: path)
        guard let nameLine else {
            throw FormatError(file: path, line: lines.lineNumber + 1,
                              "the ECSV header is not followed by a line of column names")
        }
        let names = ECSVHeader.splitNames(nameLine, delimiter: header.delimiter)
        try checkNames(names, against: header.columns, path: path, line: nameLineNumber)
        var table = DeclaredTable(columns: header.columns, tableName: options.tableName ?? header.tableName,
                                  meta: header.meta, delimiter: header.delimiter)
        if table.tableName == nil {
            switch KnownTables.recognition(columnNames: names, fileName: fileName) {
            case .table(let t): table.tableName = t.name
            case .ambiguous(let ts): table.ambiguousTables = ts.map(\.name)
            case .none: break
            }
        }
        table.known = table.tableName.flatMap { KnownTables.table(named: $0) }
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

    /// Shapes: user overrides, then the known table's fixed lengths.
    static func resolveShapes(_ table: inout DeclaredTable, options: ReaderOptions, path: String) throws {
        for i in table.columns.indices {
            let c = table.columns[i]
            if let n = options.fixedLengths[c.name] {
                guard n >= 0 else {
                    throw FormatError(file: path, column: c.name, fieldIndex: i + 1, "fixed length \(n) is negative")
                }
                switch c.shape {
                case .scalar:
                    throw FormatError(file: path, column: c.name, fieldIndex: i + 1,
                                      "a fixed length (\(n)) was given for a scalar column")
                case .fixed(let m) where m != n:
                    throw FormatError(file: path, column: c.name, fieldIndex: i + 1,
                                      "a fixed length of \(n) was given but the header declares \(m)")
                default:
                    table.columns[i].shape = .fixed(n)
                }
            } else if c.shape == .variable, let n = table.known?.fixedLength(of: c.name) {
                table.columns[i].shape = .fixed(n)
            }
        }
        try fixUniformLengths(&table, options: options, path: path)
    }

    /// Per declared column: whether `ReaderOptions.columns` selects it (all when nil).
    static func selection(of declared: [ColumnSchema], options: ReaderOptions, path: String,
                          headerLine: Int) throws -> [Bool] {
        var selected = [Bool](repeating: options.columns == nil, count: declared.count)
        if let wanted = options.columns {
            for name in wanted {
                guard let i = declared.firstIndex(where: { $0.name == name }) else {
                    throw FormatError(file: path, line: headerLine, column: name,
                                      "column '\(name)' was requested but the file has no such column")
                }
                selected[i] = true
            }
        }
        return selected
    }

    /// The file's schema (every column) and the output schema (the selected ones).
    static func schemas(of table: DeclaredTable, selected: [Bool]) -> (file: TableSchema, output: TableSchema) {
        let declared = table.columns
        var fileSchema = TableSchema(columns: declared, tableName: table.tableName, meta: table.meta,
                                     delimiter: table.delimiter)
        let outputColumns = declared.indices.filter { selected[$0] }.map { declared[$0] }
        var schema = TableSchema(columns: outputColumns, tableName: table.tableName, meta: table.meta,
                                 delimiter: table.delimiter)
        // Columns beyond the known table (an archive query's `dist`): kept with their declared
        // types, and named so that the user sees what is not part of the Gaia table.
        fileSchema.extraColumns = table.known?.extraColumns(in: declared.map(\.name)) ?? []
        schema.extraColumns = table.known?.extraColumns(in: outputColumns.map(\.name)) ?? []
        fileSchema.ambiguousTables = table.ambiguousTables
        schema.ambiguousTables = table.ambiguousTables
        return (fileSchema, schema)
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
