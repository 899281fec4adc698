// What a table file declares, turned into the reader's schemas the same way for every format
// (ECSV, FITS): the table named or recognised, array shapes resolved, the column selection
// applied (and, for FITS, the metadata of known columns). One path, so that the same table read from ECSV and
// from FITS gives the same `TableSchema`.

/// What the header (ECSV YAML, FITS keywords, or the column-name line of a header-less CSV with
/// KnownTables) declares.
struct DeclaredTable {
    var columns: [ColumnSchema]
    var tableName: String?
    var meta: [TableSchema.MetaEntry] = []
    var delimiter = UInt8(ascii: ",")
    /// The known Gaia table the file belongs to (named, from TABLE meta, or recognised).
    var known: KnownTable?
    /// Known tables whose columns the file contains, none more specifically (no table then).
    var ambiguousTables: [String] = []

    /// Names the table: the user's `--table`, else the header's own name, else recognition from
    /// the column names and the file name.
    mutating func identify(given: String?, fileName: String) {
        tableName = given ?? tableName
        if tableName == nil {
            switch KnownTables.recognition(columnNames: columns.map(\.name), fileName: fileName) {
            case .table(let t): tableName = t.name
            case .ambiguous(let ts): ambiguousTables = ts.map(\.name)
            case .none: break
            }
        }
        known = tableName.flatMap { KnownTables.table(named: $0) }
    }

    /// The rule for units, UCDs and descriptions of a FITS table: a column of a known Gaia table
    /// carries the known table's (the archive's data model as its ECSV exports state it,
    /// KnownTables); the FITS header's TUNIT/TCOMM/TUCD are kept only for columns the known table
    /// lacks (or where it has none). FITS headers written by the archive are not reliable: the
    /// DataLink FITS of EPOCH_ASTROMETRY spells `1 / nm` as `nm-1`, and its TCOMMn/TUCDn cards are
    /// copied from another table (misaligned: "Solution Identifier" on source_id). ECSV headers
    /// keep their own words (the repack's documented contract: attributes as the ECSV header
    /// declares them, typos included); KnownTables repeats those words verbatim, so the same table
    /// repacked from ECSV or from FITS carries identical attributes.
    mutating func adoptKnownMetadata() {
        guard let known else { return }
        for i in columns.indices {
            guard let k = known.index(of: columns[i].name) else { continue }
            let c = known.columns[k]
            if c.unit != nil { columns[i].unit = c.unit }
            if c.ucd != nil { columns[i].ucd = c.ucd }
            if c.description != nil { columns[i].description = c.description }
        }
    }

    /// Shapes: user overrides, then the known table's fixed lengths.
    mutating func resolveShapes(options: ReaderOptions, path: String) throws {
        for i in columns.indices {
            let c = columns[i]
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
                    columns[i].shape = .fixed(n)
                }
            } else if c.shape == .variable, let n = known?.fixedLength(of: c.name) {
                columns[i].shape = .fixed(n)
            }
        }
    }

    /// Per declared column: whether `ReaderOptions.columns` selects it (all when nil).
    func selection(options: ReaderOptions, path: String, headerLine: Int?) throws -> [Bool] {
        var selected = [Bool](repeating: options.columns == nil, count: columns.count)
        if let wanted = options.columns {
            for name in wanted {
                guard let i = columns.firstIndex(where: { $0.name == name }) else {
                    throw FormatError(file: path, line: headerLine, column: name,
                                      "column '\(name)' was requested but the file has no such column")
                }
                selected[i] = true
            }
        }
        return selected
    }

    /// The file's schema (every column) and the output schema (the selected ones).
    func schemas(selected: [Bool]) -> (file: TableSchema, output: TableSchema) {
        var fileSchema = TableSchema(columns: columns, tableName: tableName, meta: meta, delimiter: delimiter)
        let outputColumns = columns.indices.filter { selected[$0] }.map { columns[$0] }
        var schema = TableSchema(columns: outputColumns, tableName: tableName, meta: meta, delimiter: delimiter)
        // Columns beyond the known table (an archive query's `dist`): kept with their declared
        // types, and named so that the user sees what is not part of the Gaia table.
        fileSchema.extraColumns = known?.extraColumns(in: columns.map(\.name)) ?? []
        schema.extraColumns = known?.extraColumns(in: outputColumns.map(\.name)) ?? []
        fileSchema.ambiguousTables = ambiguousTables
        schema.ambiguousTables = ambiguousTables
        return (fileSchema, schema)
    }

    /// Every step after the declarations (and the format's metadata rule), in order: shapes,
    /// selection, float32 promotion, schemas. `selected` tells which declared columns are output.
    mutating func prepare(options: ReaderOptions, path: String, headerLine: Int?)
        throws -> (file: TableSchema, output: TableSchema, selected: [Bool]) {
        try resolveShapes(options: options, path: path)
        let selected = try selection(options: options, path: path, headerLine: headerLine)
        if options.promoteFloat32 {
            for i in columns.indices where columns[i].element == .float32 { columns[i].element = .float64 }
        }
        let s = schemas(selected: selected)
        return (s.file, s.output, selected)
    }
}
