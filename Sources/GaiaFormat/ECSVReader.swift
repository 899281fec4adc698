// Streaming reader of Gaia eCSV files (ECSV 1.0 as written by the DR3 bulk download and the
// archive, and header-less GaiaXPy CSVs) into binary `ColumnBatch`es.
//
// Input handled: gzip or plain; LF or CRLF; last line with or without newline; a UTF-8 BOM.
// The header is `# `-prefixed YAML (see ECSVHeader.swift); without one, the first line names the
// columns and the schema comes from `KnownTables`. Data fields:
//   * null scalars: empty field, `null` (any case), `""`; floats also `nan`/`NaN` (counted as
//     null: the archive writes a missing float scalar as `nan`). Stored as the fill value.
//   * booleans: True/False, true/false, TRUE/FALSE, 1/0, optionally quoted → int8 1/0, −1 null.
//   * strings: unquoted, or CSV-quoted with `""` escapes (may hold the delimiter). An empty
//     string or an unquoted `null` is null (length 0, counted).
//   * arrays: `"[a,b,…]"` or `"(a, b, …)"`, quoted or not; elements may be `null` (fill value,
//     counted), `NaN`/`nan`/`inf` (values, not counted), JSON strings with CSV-doubled quotes
//     (`""False""`). An empty / `null` / `""` cell is a null array (variable: 0 elements;
//     fixed(n): n fill values; counted once); `[]` is an empty array.
// A row ends at the first newline: quoted fields cannot contain line breaks. Blank lines are
// skipped when the table has more than one column.
//
// Speed: one 8 MiB buffer per reader; every row is parsed in place by the allocation-free
// functions of FieldParser.swift into malloc'd per-column accumulators that live as long as
// the reader; a batch copies them into `ColumnData` once.

/// What to read and how to shape it.
public struct ReaderOptions: Sendable {
    /// Parse only these columns (the others are skipped without parsing); nil = all.
    /// Every name must exist in the file. Output columns keep the file's order.
    public var columns: [String]? = nil
    /// User overrides: store this variable-length array column as fixed length n. A column named
    /// here that the file does not have is ignored (one option set can serve several tables);
    /// naming a scalar column, or giving a length that contradicts a declared fixed length, is an error.
    public var fixedLengths: [String: Int] = [:]
    /// User-given table name (`--table`); else the header's meta `TABLE`, else `KnownTables.recognise`.
    public var tableName: String? = nil
    /// Parse float32 columns straight from the text into float64 (`element` becomes `.float64`,
    /// `declaredDatatype` keeps the header's word). GaiaXPy parses XP errors and correlations as
    /// float64; reproducing its reference χ² to 1e-10 needs the same (fixtures README).
    public var promoteFloat32 = false

    public init(columns: [String]? = nil, fixedLengths: [String: Int] = [:], tableName: String? = nil,
                promoteFloat32: Bool = false) {
        self.columns = columns
        self.fixedLengths = fixedLengths
        self.tableName = tableName
        self.promoteFloat32 = promoteFloat32
    }
}

public final class ECSVReader {
    public let path: String
    /// Columns produced by `readBatch` (after `ReaderOptions.columns`), in file order, shapes resolved.
    public let schema: TableSchema
    /// All columns of the file, in file order, with the same shape resolution.
    public let fileSchema: TableSchema
    /// Lines before the first data row, including the column-name line.
    public private(set) var headerLineCount: Int = 0
    /// Lines consumed so far (the 1-based number of the last line read).
    public var linesRead: Int { lines.lineNumber }
    public var compressedBytesRead: Int { lines.source.compressedBytesRead }
    /// Decompressed bytes of the lines consumed so far (header included); at the end of the
    /// data, the decompressed size of the file.
    public var uncompressedBytesRead: Int { lines.bytesConsumed }
    public var fileSize: Int { lines.source.fileSize }

    private let lines: ECSVLineSource
    private let delimiter: UInt8
    private let fieldCount: Int
    private let plans: UnsafeMutablePointer<FieldPlan>
    private let outputCount: Int
    private let accumulators: UnsafeMutablePointer<ColumnAccumulator>
    /// After an error, every later `readBatch` rethrows it (rows must not go missing silently).
    private var failure: FormatError?

    public init(path: String, options: ReaderOptions = ReaderOptions()) throws {
        self.path = path
        let lines = try ECSVLineSource(path: path)
        self.lines = lines
        if try lines.isEmptyFile() { throw FormatError(file: path, line: 1, "empty file (0 bytes of data)") }
        try lines.skipByteOrderMark()
        guard let (firstStart, firstEnd) = try lines.nextLine() else {
            throw FormatError(file: path, line: 1, "empty file")
        }

        var declared: [ColumnSchema]
        var tableName: String?
        var meta: [TableSchema.MetaEntry] = []
        var delimiter = UInt8(ascii: ",")
        var known: KnownTable?
        var ambiguousTables: [String] = []
        let fileName = path.split(separator: "/").last.map(String.init) ?? path

        if firstStart < firstEnd && firstStart.pointee == UInt8(ascii: "#") {
            var headerLines = [Self.text(firstStart, firstEnd)]
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
            delimiter = header.delimiter
            let names = ECSVHeader.splitNames(nameLine, delimiter: delimiter)
            for (i, column) in header.columns.enumerated() {
                guard i < names.count else {
                    throw FormatError(file: path, line: nameLineNumber, column: column.name, fieldIndex: i + 1,
                                      "the column-name line has \(names.count) names but the header declares \(header.columns.count) columns; '\(column.name)' is missing")
                }
                guard names[i] == column.name else {
                    throw FormatError(file: path, line: nameLineNumber, column: column.name, fieldIndex: i + 1,
                                      "the column-name line has '\(names[i])' where the header declares '\(column.name)'")
                }
            }
            if names.count > header.columns.count {
                let extra = names[header.columns.count]
                throw FormatError(file: path, line: nameLineNumber, column: extra, fieldIndex: header.columns.count + 1,
                                  "the column-name line has \(names.count) names but the header declares only \(header.columns.count) columns")
            }
            declared = header.columns
            meta = header.meta
            tableName = options.tableName ?? header.tableName
            if tableName == nil {
                switch KnownTables.recognition(columnNames: names, fileName: fileName) {
                case .table(let t): tableName = t.name
                case .ambiguous(let ts): ambiguousTables = ts.map(\.name)
                case .none: break
                }
            }
            known = tableName.flatMap { KnownTables.table(named: $0) }
        } else {
            // Header-less CSV (GaiaXPy style): names on the first line, types from KnownTables.
            let names = ECSVHeader.splitNames(Self.text(firstStart, firstEnd), delimiter: delimiter)
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
            known = table
            declared = []
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
            tableName = table.name
        }
        headerLineCount = lines.lineNumber

        // Shapes: user overrides, then the known table's fixed lengths.
        for i in declared.indices {
            let c = declared[i]
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
                    declared[i].shape = .fixed(n)
                }
            } else if c.shape == .variable, let n = known?.fixedLength(of: c.name) {
                declared[i].shape = .fixed(n)
            }
        }

        // Selection.
        var selected = [Bool](repeating: options.columns == nil, count: declared.count)
        if let wanted = options.columns {
            for name in wanted {
                guard let i = declared.firstIndex(where: { $0.name == name }) else {
                    throw FormatError(file: path, line: headerLineCount, column: name,
                                      "column '\(name)' was requested but the file has no such column")
                }
                selected[i] = true
            }
        }
        if options.promoteFloat32 {
            for i in declared.indices where declared[i].element == .float32 { declared[i].element = .float64 }
        }
        var fileSchema = TableSchema(columns: declared, tableName: tableName, meta: meta, delimiter: delimiter)
        let outputColumns = declared.indices.filter { selected[$0] }.map { declared[$0] }
        var schema = TableSchema(columns: outputColumns, tableName: tableName, meta: meta, delimiter: delimiter)
        // Columns beyond the known table (an archive query's `dist`): kept with their declared
        // types, and named so that the user sees what is not part of the Gaia table.
        fileSchema.extraColumns = known?.extraColumns(in: declared.map(\.name)) ?? []
        schema.extraColumns = known?.extraColumns(in: outputColumns.map(\.name)) ?? []
        fileSchema.ambiguousTables = ambiguousTables
        schema.ambiguousTables = ambiguousTables
        self.fileSchema = fileSchema
        self.schema = schema
        self.delimiter = delimiter
        fieldCount = declared.count
        outputCount = outputColumns.count

        plans = .allocate(capacity: max(fieldCount, 1))
        accumulators = .allocate(capacity: max(outputCount, 1))
        var out = 0
        for (i, c) in declared.enumerated() {
            guard selected[i] else {
                (plans + i).initialize(to: FieldPlan(kind: .skip))
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
            (plans + i).initialize(to: FieldPlan(kind: kind, accumulator: out, element: c.element, fixedLength: fixed))
            (accumulators + out).initialize(to: ColumnAccumulator())
            out += 1
        }
    }

    deinit {
        for i in 0..<outputCount { accumulators[i].release() }
        accumulators.deinitialize(count: outputCount)
        accumulators.deallocate()
        plans.deinitialize(count: fieldCount)
        plans.deallocate()
    }

    /// The next block of at most `maxRows` rows (at least one); nil at the end of the data.
    public func readBatch(maxRows: Int) throws -> ColumnBatch? {
        if let failure { throw failure }
        let limit = max(maxRows, 1)
        for j in 0..<outputCount { accumulators[j].reset() }
        var rows = 0
        var firstLine = 0
        do {
            while rows < limit {
                guard let (start, end) = try lines.nextLine() else { break }
                if start == end && fieldCount > 1 { continue }
                if rows == 0 { firstLine = lines.lineNumber }
                do {
                    try parseRow(start, end)
                } catch {
                    throw describe(error, line: start, lineEnd: end)
                }
                rows += 1
            }
        } catch let error as FormatError {
            failure = error
            throw error
        }
        guard rows > 0 else { return nil }
        var columns: [ColumnData] = []
        columns.reserveCapacity(outputCount)
        for j in 0..<outputCount {
            columns.append(accumulators[j].makeColumnData(schema: schema.columns[j]))
        }
        return ColumnBatch(columns: columns, rowCount: rows, firstLine: firstLine)
    }

    struct RowFailure: Error, @unchecked Sendable {
        var failure: FieldFailure
        var field: Int
    }

    /// Parses one row into the accumulators. `lineEnd` holds the "\n" sentinel.
    private func parseRow(_ line: BytePointer, _ lineEnd: BytePointer) throws(RowFailure) {
        var p = line
        let delim = delimiter
        let plans = self.plans
        let accumulators = self.accumulators
        let last = fieldCount - 1
        var f = 0
        do throws(FieldFailure) {
            while true {
                let plan = plans[f]
                let acc = accumulators + plan.accumulator
                switch plan.kind {
                case .skip: p = try FieldParser.skip(p, lineEnd, delim)
                case .integer: p = try FieldParser.integer(p, lineEnd, delim, plan, acc)
                case .float32: p = try FieldParser.float(Float.self, p, lineEnd, delim, acc)
                case .float64: p = try FieldParser.float(Double.self, p, lineEnd, delim, acc)
                case .bool: p = try FieldParser.boolean(p, lineEnd, delim, acc)
                case .string: p = try FieldParser.string(p, lineEnd, delim, acc)
                case .integerArray: p = try FieldParser.integerArray(p, lineEnd, delim, plan, acc)
                case .float32Array: p = try FieldParser.floatArray(Float.self, p, lineEnd, delim, fixed: plan.fixedLength, acc)
                case .float64Array: p = try FieldParser.floatArray(Double.self, p, lineEnd, delim, fixed: plan.fixedLength, acc)
                case .boolArray: p = try FieldParser.boolArray(p, lineEnd, delim, fixed: plan.fixedLength, acc)
                }
                if f == last {
                    if p != lineEnd { throw FieldFailure(.tooManyFields, p) }
                    return
                }
                if p.pointee != delim { throw FieldFailure(.tooFewFields, p) }
                p += 1
                f += 1
            }
        } catch {
            throw RowFailure(failure: error, field: f)
        }
    }

    // MARK: error reports (cold)

    static func text(_ s: BytePointer, _ e: BytePointer) -> String {
        String(decoding: UnsafeBufferPointer(start: s, count: e - s), as: UTF8.self)
    }

    /// Field count of a row, counting delimiters outside quotes.
    private func countFields(_ line: BytePointer, _ lineEnd: BytePointer) -> Int {
        var n = 1
        var inQuotes = false
        var q = line
        while q < lineEnd {
            let c = q.pointee
            if c == Byte.quote { inQuotes.toggle() } else if c == delimiter && !inQuotes { n += 1 }
            q += 1
        }
        return n
    }

    /// A short quotation of the field at `p` (up to its end, at most 60 bytes).
    private func excerpt(_ p: BytePointer, _ lineEnd: BytePointer) -> String {
        var e = p
        if p.pointee == Byte.quote {
            e = p + 1
            while e < lineEnd {
                if e.pointee == Byte.quote {
                    if e + 1 < lineEnd && e[1] == Byte.quote { e += 2; continue }
                    e += 1
                    break
                }
                e += 1
            }
        } else {
            while e < lineEnd && e.pointee != delimiter { e += 1 }
        }
        let n = e - p
        if n > 60 { return Self.text(p, p + 57) + "…" }
        return Self.text(p, e)
    }

    /// Text of element `k` of the array cell at `p` (cold; for messages).
    private func elementExcerpt(_ p: BytePointer, _ lineEnd: BytePointer, _ k: Int) -> String {
        var q = p
        if q.pointee == Byte.quote { q += 1 }
        if q.pointee == Byte.lbracket || q.pointee == Byte.lparen { q += 1 }
        var index = 0
        var s = q
        while q < lineEnd {
            let c = q.pointee
            if c == Byte.comma || c == Byte.rbracket || c == Byte.rparen {
                if index == k { break }
                index += 1
                s = q + 1
            }
            q += 1
        }
        var a = s, b = q
        FieldParser.trim(&a, &b)
        let t = Self.text(a, b)
        return t.count > 40 ? String(t.prefix(37)) + "…" : t
    }

    private func typeName(_ c: ColumnSchema) -> String {
        switch c.shape {
        case .scalar: return c.element.rawValue
        case .fixed(let n): return "\(c.element.rawValue)[\(n)]"
        case .variable: return "\(c.element.rawValue)[null]"
        }
    }

    private func range(_ e: ElementType) -> String {
        switch e {
        case .int8: return "\(Int8.min)…\(Int8.max)"
        case .int16: return "\(Int16.min)…\(Int16.max)"
        case .int32: return "\(Int32.min)…\(Int32.max)"
        case .int64: return "\(Int64.min)…\(Int64.max)"
        case .uint8: return "0…\(UInt8.max)"
        case .uint16: return "0…\(UInt16.max)"
        case .uint32: return "0…\(UInt32.max)"
        case .uint64: return "0…\(UInt64.max)"
        default: return ""
        }
    }

    private func describe(_ r: RowFailure, line: BytePointer, lineEnd: BytePointer) -> FormatError {
        let lineNumber = lines.lineNumber
        let columns = fileSchema.columns
        let f = min(r.field, columns.count - 1)
        let c = columns[f]
        let p = r.failure.field
        func error(_ message: String, column: ColumnSchema? = nil, index: Int? = nil) -> FormatError {
            FormatError(file: path, line: lineNumber, column: (column ?? c).name, fieldIndex: index ?? f + 1, message)
        }
        // An array that fails inside a quoted cell: first check the CSV quoting of the cell, which
        // explains a truncated line or a missing bracket better than the element that broke.
        switch r.failure.kind {
        case .arrayUnclosed, .badElement, .garbageAfterArray:
            guard p.pointee == Byte.quote else { break }
            do throws(FieldFailure) {
                var (s, e, _, _) = try FieldParser.token(p, lineEnd, delimiter)
                FieldParser.trim(&s, &e)
                var bracketExpected = true
                if case .garbageAfterArray = r.failure.kind { bracketExpected = false }
                if bracketExpected && e > s && e[-1] != Byte.rbracket && e[-1] != Byte.rparen {
                    return error("malformed array \(excerpt(p, lineEnd)): no closing ']' or ')' before the closing quote")
                }
            } catch {
                return describe(RowFailure(failure: error, field: r.field), line: line, lineEnd: lineEnd)
            }
        default:
            break
        }
        switch r.failure.kind {
        case .unterminatedQuote:
            return error("unterminated quote: the field \(excerpt(p, lineEnd)) has no closing '\"' before the end of the line")
        case .garbageAfterQuote:
            return error("characters after the closing quote of the field \(excerpt(p, lineEnd))")
        case .notANumber:
            return error("'\(excerpt(p, lineEnd))' is not a valid \(c.element.rawValue)")
        case .integerOutOfRange:
            return error("\(excerpt(p, lineEnd)) is out of range for \(c.element.rawValue) (\(range(c.element)))")
        case .badBoolean:
            return error("'\(excerpt(p, lineEnd))' is not a boolean (True/False, true/false, 1/0, or empty/null)")
        case .arrayNotBracketed:
            return error("malformed array '\(excerpt(p, lineEnd))': expected '[' or '(' (or an empty/null cell) for \(typeName(c))")
        case .arrayUnclosed(let k):
            return error("malformed array: no closing ']' or ')' after element \(k) (the line ends inside the array)")
        case .badElement(let k):
            return error("malformed array: element \(k) ('\(elementExcerpt(p, lineEnd, k))') is not a valid \(c.element.rawValue) element or separator")
        case .elementOutOfRange(let k):
            return error("array element \(k) (\(elementExcerpt(p, lineEnd, k))) is out of range for \(c.element.rawValue) (\(range(c.element)))")
        case .arrayLength(let got, let expected):
            return error("array has \(got) elements but the column is stored with fixed length \(expected) (\(typeName(c)))")
        case .garbageAfterArray:
            return error("malformed array '\(excerpt(p, lineEnd))': characters after the closing bracket")
        case .tooFewFields:
            let n = countFields(line, lineEnd)
            let missing = min(f + 1, columns.count - 1)
            return error("wrong number of fields: the row has \(n) fields but the header declares \(columns.count) columns",
                         column: columns[missing], index: missing + 1)
        case .tooManyFields:
            let n = countFields(line, lineEnd)
            return error("wrong number of fields: the row has \(n) fields but the header declares \(columns.count) columns (extra fields after this last column)")
        }
    }

    // MARK: peek

    /// The text of `column` in the first data row (quotes removed), without parsing the YAML
    /// header or any other row; nil if the file has no data row. Used to order files cheaply.
    public static func peekFirstValue(path: String, column: String) throws -> String? {
        let lines = try ECSVLineSource(path: path, capacity: 1 << 20)
        try lines.skipByteOrderMark()
        var delimiter = UInt8(ascii: ",")
        var names: [String]?
        while let (s, e) = try lines.nextLine() {
            if s < e && s.pointee == UInt8(ascii: "#") {
                let t = text(s, e)
                if t.contains("delimiter:") && t.contains("' '") { delimiter = Byte.space }
                continue
            }
            if s == e { continue }
            names = ECSVHeader.splitNames(text(s, e), delimiter: delimiter)
            break
        }
        guard let names else { return nil }
        guard let k = names.firstIndex(of: column) else {
            throw FormatError(file: path, line: lines.lineNumber, column: column, "no column '\(column)' in the file")
        }
        while let (s, e) = try lines.nextLine() {
            if s == e && names.count > 1 { continue }
            var p = s
            var fieldsLeft = true
            var span: (start: BytePointer, end: BytePointer, next: BytePointer, quoted: Bool)?
            do throws(FieldFailure) {
                for _ in 0..<k {
                    p = try FieldParser.skip(p, e, delimiter)
                    if p >= e { fieldsLeft = false; break }
                    p += 1
                }
                if fieldsLeft { span = try FieldParser.token(p, e, delimiter) }
            } catch {
                throw FormatError(file: path, line: lines.lineNumber, column: column, fieldIndex: k + 1,
                                  "unterminated or malformed quoted field before or in this column")
            }
            guard let span else {
                throw FormatError(file: path, line: lines.lineNumber, column: column, fieldIndex: k + 1,
                                  "the first data row ends before this column")
            }
            guard span.quoted else { return text(span.start, span.end) }
            var bytes: [UInt8] = []
            var q = span.start
            while q < span.end {
                bytes.append(q.pointee)
                q += q.pointee == Byte.quote ? 2 : 1  // "" → "
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return nil
    }
}
