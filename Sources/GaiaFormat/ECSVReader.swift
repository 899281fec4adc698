// Streaming reader of Gaia eCSV files (ECSV 1.0 as written by the DR3 bulk download and the
// archive, and header-less GaiaXPy CSVs) into binary `ColumnBatch`es.
//
// Input handled: gzip or plain; LF or CRLF; last line with or without newline; a UTF-8 BOM.
// The header is `# `-prefixed YAML (see ECSVHeader.swift); without one, the first line names the
// columns and the schema comes from `KnownTables`. Delimiter: the header's `delimiter` (DR3 bulk
// files: ','), else a space (the ECSV 1.0 default: archive DataLink files such as EPOCH_ASTROMETRY,
// whose arrays are written unquoted, `[a,b,…]`, with `NaN` for missing elements); header-less
// CSV: ','. Data fields:
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

    let lines: ECSVLineSource
    let delimiter: UInt8
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
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let firstLine = Self.text(firstStart, firstEnd)
        var table = firstStart < firstEnd && firstStart.pointee == UInt8(ascii: "#")
            ? try Self.readECSVHeader(firstLine: firstLine, lines: lines, path: path, fileName: fileName, options: options)
            : try Self.declareHeaderless(nameLine: firstLine, path: path, fileName: fileName, options: options)
        headerLineCount = lines.lineNumber

        let schemas = try table.prepare(options: options, path: path, headerLine: headerLineCount)
        let selected = schemas.selected
        fileSchema = schemas.file
        schema = schemas.output
        self.delimiter = table.delimiter
        fieldCount = table.columns.count
        outputCount = schemas.output.columns.count

        let fieldPlans = try Self.fieldPlans(table.columns, selected: selected, path: path)
        plans = .allocate(capacity: max(fieldCount, 1))
        plans.initialize(from: fieldPlans, count: fieldCount)
        accumulators = .allocate(capacity: max(outputCount, 1))
        for j in 0..<outputCount { (accumulators + j).initialize(to: ColumnAccumulator()) }
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

    /// The bytes s..<e as (UTF-8) text.
    static func text(_ s: BytePointer, _ e: BytePointer) -> String {
        String(decoding: UnsafeBufferPointer(start: s, count: e - s), as: UTF8.self)
    }

    // MARK: peek

    /// The text of `column` in the first data row (quotes removed), without parsing the YAML
    /// header or any other row; nil if the file has no data row. Used to order files cheaply.
    public static func peekFirstValue(path: String, column: String) throws -> String? {
        let lines = try ECSVLineSource(path: path, capacity: 1 << 20)
        try lines.skipByteOrderMark()
        // Header-less CSV: ','. ECSV: ' ' unless the header declares `delimiter: ','` (ECSV 1.0 default).
        var delimiter = UInt8(ascii: ",")
        var names: [String]?
        var sawHeader = false
        var declaredComma = false
        while let (s, e) = try lines.nextLine() {
            if s < e && s.pointee == UInt8(ascii: "#") {
                let t = text(s, e)
                sawHeader = true
                if t.contains("delimiter:") && t.contains(",") { declaredComma = true }
                continue
            }
            if s == e { continue }
            if sawHeader && !declaredComma {
                // ECSV default: space; a name line with commas and no spaces: a writer that left out the key.
                let t = text(s, e)
                delimiter = t.contains(",") && !t.contains(" ") ? UInt8(ascii: ",") : Byte.space
            }
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
