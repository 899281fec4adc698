// Rows and typed columns of a user's catalogue: the CSV reader with its type inference, and the
// conversions the ECSV reader (UserCatalogueECSV.swift) shares.
//
// Missing values: an empty field, quoted or not (astropy writes a masked entry of any type as
// "" in ECSV; CSV writers leave the field empty), and, in numeric and bool columns, an unquoted
// `null` in any letter case (the Gaia archive's word). A float `nan` is a value, not missing.

import CFastFloat

/// The fields of every data row, row-major: field (r, c) spans base[spans[2k] ..< spans[2k+1] &
/// ~quotedFlag], k = r * columns + c.
struct CatalogueRows {
    let text: CatalogueText
    let names: [String]
    var spans: [Int] = []
    /// 1-based file line of each row.
    var lines: [Int32] = []
    var count: Int { lines.count }

    /// Splits every remaining line that is not blank or a comment; each must have one field
    /// per name.
    init(_ lines: inout CatalogueLines, text: CatalogueText, names: [String], delimiter: UInt8) throws {
        self.text = text
        self.names = names
        let base = text.base
        while let (s, e) = lines.nextLine() {
            if CatalogueLines.isBlankOrComment(s, e) { continue }
            let n: Int
            do {
                n = try FieldSplitter.split(s, e, delimiter: delimiter, base: base, into: &spans)
            } catch let p as SplitProblem {
                throw FormatError(file: text.path, line: lines.number, column: p.field <= names.count ? names[p.field - 1] : nil,
                                  fieldIndex: p.field, p.message)
            }
            if n != names.count { throw Self.fieldCountError(n, names, text.path, lines.number, delimiter) }
            self.lines.append(Int32(truncatingIfNeeded: lines.number))
        }
    }

    static func fieldCountError(_ n: Int, _ names: [String], _ path: String, _ line: Int, _ delimiter: UInt8) -> FormatError {
        let hint = delimiter == Byte.space ? " (fields are separated by spaces: quote a value that holds one)" : ""
        if n < names.count {
            return FormatError(file: path, line: line, column: names[n], fieldIndex: n + 1,
                               "missing: the line has \(n) fields, the header names \(names.count) columns\(hint)")
        }
        return FormatError(file: path, line: line,
                           "the line has \(n) fields, the header names \(names.count) columns (\(names.joined(separator: ", ")))\(hint)")
    }

    /// Field (row, column): its bytes (quotes removed; blanks inside quotes kept) and whether quoted.
    @inline(__always)
    func field(_ row: Int, _ column: Int) -> (s: BytePointer, e: BytePointer, quoted: Bool) {
        let k = 2 * (row * names.count + column)
        let end = spans[k + 1]
        return (text.base + spans[k], text.base + (end & ~FieldSplitter.quotedFlag), end & FieldSplitter.quotedFlag != 0)
    }

    /// The FormatError for a bad value of (row, column).
    func error(_ row: Int, _ column: Int, _ message: String) -> FormatError {
        FormatError(file: text.path, line: Int(lines[row]), column: names[column], fieldIndex: column + 1, message)
    }

    func quotedText(_ row: Int, _ column: Int) -> String {
        let f = field(row, column)
        return "'" + String(FieldSplitter.string(f.s, f.e, quoted: f.quoted).prefix(40)) + "'"
    }
}

/// Where a column failed to convert: the row and what is wrong there.
struct ConversionFailure: Error {
    var row: Int
    var message: String
}

enum UserCatalogueReader {
    /// CSV: the first line that is not blank or a `#` comment names the columns (comma-separated,
    /// optionally quoted; an empty name becomes `col<k>`, k the 0-based position, as astropy
    /// names it). Each column is int if every value is an integer fitting int64, else float if
    /// every value is a number (nan and inf included), else string; a column with no value at
    /// all is float. Values are never bool (astropy reads `True`/`False` in CSV as text too).
    static func csv(_ text: CatalogueText) throws -> [UserCatalogueColumn] {
        var lines = text.lines()
        var header: (BytePointer, BytePointer)? = nil
        while let (s, e) = lines.nextLine() {
            if !CatalogueLines.isBlankOrComment(s, e) { header = (s, e); break }
        }
        guard let (s, e) = header else {
            throw FormatError(file: text.path, line: lines.number, "no line of column names: the file holds no data")
        }
        let headerLine = lines.number
        var spans: [Int] = []
        do {
            _ = try FieldSplitter.split(s, e, delimiter: Byte.comma, base: text.base, into: &spans)
        } catch let p as SplitProblem {
            throw FormatError(file: text.path, line: headerLine, "field \(p.field) of the column-name line: \(p.message)")
        }
        var names: [String] = []
        for k in 0..<(spans.count / 2) {
            let end = spans[2 * k + 1]
            var name = FieldSplitter.string(text.base + spans[2 * k], text.base + (end & ~FieldSplitter.quotedFlag),
                                            quoted: end & FieldSplitter.quotedFlag != 0).ecsvTrimmed
            if name.isEmpty { name = "col\(k)" }
            if let first = names.firstIndex(of: name) {
                throw FormatError(file: text.path, line: headerLine, column: name, fieldIndex: k + 1,
                                  "column name given twice (also field \(first + 1))")
            }
            names.append(name)
        }
        let rows = try CatalogueRows(&lines, text: text, names: names, delimiter: Byte.comma)
        return (0..<names.count).map { inferred(rows, $0) }
    }

    /// The CSV column `c` as the narrowest of int, float, string that holds every value.
    static func inferred(_ rows: CatalogueRows, _ c: Int) -> UserCatalogueColumn {
        let name = rows.names[c]
        var hasValue = false
        for r in 0..<rows.count where !isMissing(rows.field(r, c)) { hasValue = true; break }
        if hasValue, case .success(let (v, null)) = integers(rows, c, min: .min, max: .max) {
            return UserCatalogueColumn(name: name, values: .int(v), null: null, unit: nil)
        }
        switch floats(rows, c, precision: .double) {
        case .success(let (v, null)):
            return UserCatalogueColumn(name: name, values: .float(v), null: null, unit: nil)
        case .failure(let failure):
            let (v, null) = strings(rows, c)
            let why = rows.error(failure.row, c, "\(rows.quotedText(failure.row, c)) is not a number, so the column was read as text")
            return UserCatalogueColumn(name: name, values: .string(v), null: null, unit: nil, notNumeric: why)
        }
    }

    // MARK: conversions

    @inline(__always)
    static func isMissing(_ f: (s: BytePointer, e: BytePointer, quoted: Bool)) -> Bool {
        f.s == f.e || (!f.quoted && FieldParser.isNullWord(f.s, f.e))
    }

    /// Bytes of a numeric field: blanks inside quotes trimmed (outside quotes the splitter did it).
    @inline(__always)
    static func numberBytes(_ f: (s: BytePointer, e: BytePointer, quoted: Bool)) -> (BytePointer, BytePointer) {
        var (s, e) = (f.s, f.e)
        if f.quoted { FieldParser.trim(&s, &e) }
        return (s, e)
    }

    static func integers(_ rows: CatalogueRows, _ c: Int, min: Int64, max: Int64) -> Result<([Int64], [Bool]?), ConversionFailure> {
        var values = [Int64](repeating: 0, count: rows.count)
        var null: [Bool]? = nil
        for r in 0..<rows.count {
            let f = rows.field(r, c)
            if isMissing(f) {
                if null == nil { null = [Bool](repeating: false, count: rows.count) }
                null![r] = true
                continue
            }
            let (s, e) = numberBytes(f)
            var overflow = false
            guard let (negative, magnitude) = FieldParser.parseIntegerSlow(s, e, overflow: &overflow) else {
                return .failure(ConversionFailure(row: r, message: "\(rows.quotedText(r, c)) is not an integer"))
            }
            let value: Int64? = overflow ? nil
                : negative ? (magnitude <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- magnitude) : nil)
                : (magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil)
            guard let value, value >= min, value <= max else {
                return .failure(ConversionFailure(row: r, message: "\(rows.quotedText(r, c)) is outside the range \(min)…\(max)"))
            }
            values[r] = value
        }
        return .success((values, null))
    }

    enum Precision { case half, single, double }

    /// Float values; float32 and float16 are rounded to their own precision (the value astropy
    /// holds) and widened.
    static func floats(_ rows: CatalogueRows, _ c: Int, precision: Precision) -> Result<([Double], [Bool]?), ConversionFailure> {
        var values = [Double](repeating: .nan, count: rows.count)
        var null: [Bool]? = nil
        for r in 0..<rows.count {
            let f = rows.field(r, c)
            if isMissing(f) {
                if null == nil { null = [Bool](repeating: false, count: rows.count) }
                null![r] = true
                continue
            }
            let (s, e) = numberBytes(f)
            let first = UnsafeRawPointer(s).assumingMemoryBound(to: CChar.self)
            let last = UnsafeRawPointer(e).assumingMemoryBound(to: CChar.self)
            var ok: Int32 = 0
            switch precision {
            case .double:
                ok = gaia_parse_double(first, last, &values[r])
            case .single, .half:
                var x: Float = 0
                ok = gaia_parse_float(first, last, &x)
                values[r] = precision == .single ? Double(x) : halfPrecision(x)
            }
            if ok == 0 { return .failure(ConversionFailure(row: r, message: "\(rows.quotedText(r, c)) is not a number")) }
        }
        return .success((values, null))
    }

    /// `x` rounded to float16 (Swift has no Float16 on macOS x86_64: there float32 is kept).
    static func halfPrecision(_ x: Float) -> Double {
        #if arch(x86_64) && (os(macOS) || os(iOS))
        return Double(x)
        #else
        return Double(Float(Float16(x)))
        #endif
    }

    /// `True`/`False` (any letter case; astropy writes `True`/`False`).
    static func bools(_ rows: CatalogueRows, _ c: Int) -> Result<([Bool], [Bool]?), ConversionFailure> {
        var values = [Bool](repeating: false, count: rows.count)
        var null: [Bool]? = nil
        for r in 0..<rows.count {
            let f = rows.field(r, c)
            if isMissing(f) {
                if null == nil { null = [Bool](repeating: false, count: rows.count) }
                null![r] = true
                continue
            }
            let word = String(decoding: UnsafeBufferPointer(start: f.s, count: f.e - f.s), as: UTF8.self).ecsvTrimmed.lowercased()
            guard word == "true" || word == "false" else {
                return .failure(ConversionFailure(row: r, message: "\(rows.quotedText(r, c)) is not a boolean (True or False)"))
            }
            values[r] = word == "true"
        }
        return .success((values, null))
    }

    /// Text values; an empty field (quoted or not) is missing, as astropy reads ECSV.
    static func strings(_ rows: CatalogueRows, _ c: Int) -> ([String], [Bool]?) {
        var values = [String](repeating: "", count: rows.count)
        var null: [Bool]? = nil
        for r in 0..<rows.count {
            let f = rows.field(r, c)
            if f.s == f.e {
                if null == nil { null = [Bool](repeating: false, count: rows.count) }
                null![r] = true
                continue
            }
            values[r] = FieldSplitter.string(f.s, f.e, quoted: f.quoted)
        }
        return (values, null)
    }
}
