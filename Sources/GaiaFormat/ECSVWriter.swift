// ECSV 1.0 output tables for the kernels' results (matches, periodogram peaks, fitted
// coefficients…): small to medium tables that a user opens with
// `astropy.table.Table.read(path, format='ascii.ecsv')`.
//
// What is written, and how astropy (8.x) reads it back:
//   - comma-delimited, like Gaia's own files; header with `datatype` (name, unit, datatype,
//     subtype, format, description), `delimiter`, `meta: !!omap`, `schema: astropy-2.0`;
//   - floats in the shortest text that parses back to the same bits (Swift's `description`),
//     `nan`, `inf`, `-inf`; float32 columns in float32's own shortest form;
//   - booleans as `True`/`False`, integers in decimal (Int64.min/max exactly);
//   - strings quoted (CSV style, `"` doubled) when they hold the delimiter, a quote, a line
//     break, leading or trailing blanks, start with `#`, or are empty;
//   - variable-length float arrays as a JSON list per row (`NaN`, `Infinity`, `-Infinity` as
//     Python's json module writes and reads them), datatype `string`, subtype `float64[null]`.
// Limits that come from astropy's reader, not from the file (astropy's own writer has them too):
// an empty string reads back as a masked value, leading/trailing blanks of a string are stripped,
// and line-break characters other than "\n" (\r, \u{0B}, \u{0C}, \u{1C}–\u{1E}, \u{85}, \u{2028},
// \u{2029}) read back as "\n". NUL characters cannot be read at all and are refused here.

import Foundation

/// One column of an output table.
public struct ECSVOutputColumn {
    public enum Values {
        case int64([Int64])
        case int32([Int32])
        case float64([Double])
        case float32([Float])
        case string([String])
        case bool([Bool])
        /// One variable-length list per row; written as datatype `string`, subtype `float64[null]`.
        case float64Arrays([[Double]])

        public var count: Int {
            switch self {
            case .int64(let v): return v.count
            case .int32(let v): return v.count
            case .float64(let v): return v.count
            case .float32(let v): return v.count
            case .string(let v): return v.count
            case .bool(let v): return v.count
            case .float64Arrays(let v): return v.count
            }
        }

        /// ECSV `datatype` and `subtype` of the column.
        var ecsvType: (datatype: String, subtype: String?) {
            switch self {
            case .int64: return ("int64", nil)
            case .int32: return ("int32", nil)
            case .float64: return ("float64", nil)
            case .float32: return ("float32", nil)
            case .string: return ("string", nil)
            case .bool: return ("bool", nil)
            case .float64Arrays: return ("string", "float64[null]")
            }
        }
    }

    public var name: String
    public var values: Values
    /// Unit string as astropy understands it ("mas/yr", "deg", "1/d"); written to the header.
    public var unit: String?
    public var description: String?
    /// Display format for astropy (`"%.6f"`); does not change the stored digits, which are exact.
    public var format: String?

    public init(_ name: String, _ values: Values, unit: String? = nil, description: String? = nil, format: String? = nil) {
        self.name = name
        self.values = values
        self.unit = unit
        self.description = description
        self.format = format
    }
}

public enum ECSVWriter {
    /// Writes an ECSV 1.0 table to `path` (gzip-compressed when `path` ends in `.gz`), first to
    /// `path + ".partial"`, renamed to `path` only once complete; on error the partial file is
    /// removed and `path` is left as it was. `meta` becomes the table's ordered `meta` (keys and
    /// values are strings). Throws `FormatError` for unequal column lengths, duplicate or empty
    /// column names, NUL characters in strings, and I/O failures.
    public static func write(path: String, columns: [ECSVOutputColumn], meta: [(String, String)] = []) throws {
        try validate(path: path, columns: columns)
        let partial = path + ".partial"
        do {
            let sink = try ByteSink(path: partial, gzip: path.hasSuffix(".gz"))
            do {
                try sink.write(header(columns: columns, meta: meta))
                try writeRows(columns: columns, to: sink)
                try sink.close()
            } catch {
                try? sink.close()
                throw error
            }
            if rename(partial, path) != 0 {
                throw FormatError(file: path, "cannot rename \(partial) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// The table as ECSV text (the file's content before compression); used by `write` and tests.
    public static func text(columns: [ECSVOutputColumn], meta: [(String, String)] = []) throws -> String {
        try validate(path: "<text>", columns: columns)
        var out = header(columns: columns, meta: meta)
        let rows = columns.first?.values.count ?? 0
        var line = ""
        for r in 0..<rows {
            appendRow(r, columns: columns, to: &line)
            out += line
            line.removeAll(keepingCapacity: true)
        }
        return out
    }

    // MARK: - header

    private static func validate(path: String, columns: [ECSVOutputColumn]) throws {
        guard !columns.isEmpty else { throw FormatError(file: path, "an ECSV table needs at least one column") }
        let rows = columns[0].values.count
        var seen = Set<String>()
        for c in columns {
            guard !c.name.isEmpty else { throw FormatError(file: path, "a column has an empty name") }
            guard !c.name.unicodeScalars.contains(where: isLineBreakOrNul) else {
                throw FormatError(file: path, column: c.name, "column names cannot hold line breaks or NUL")
            }
            guard seen.insert(c.name).inserted else { throw FormatError(file: path, column: c.name, "column name used twice") }
            guard c.values.count == rows else {
                throw FormatError(file: path, column: c.name,
                                  "has \(c.values.count) values, but column '\(columns[0].name)' has \(rows)")
            }
            if case .string(let v) = c.values, let i = v.firstIndex(where: { $0.utf8.contains(0) }) {
                throw FormatError(file: path, column: c.name, "row \(i + 1) holds a NUL character, which ECSV readers cannot read")
            }
        }
    }

    private static func isLineBreakOrNul(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// The ECSV header (YAML in `# ` lines, then the column names). `arrayWidths` gives a fixed
    /// width to `float64Arrays` columns (datatype `float64[W]`: astropy reads a 2-D column);
    /// without one they are variable-length (`float64[null]`). An empty unit is no unit.
    /// Shared by every writer of result tables (ECSVWriter, ParallelResultFile): one formatter.
    public static func header(columns: [ECSVOutputColumn], meta: [(String, String)], arrayWidths: [String: Int] = [:]) -> String {
        var h = "# %ECSV 1.0\n# ---\n# datatype:\n"
        for c in columns {
            var (datatype, subtype) = c.values.ecsvType
            if case .float64Arrays = c.values, let w = arrayWidths[c.name] { subtype = "float64[\(w)]" }
            var fields = ["name: " + yamlScalar(c.name)]
            if let unit = c.unit, !unit.isEmpty { fields.append("unit: " + yamlScalar(unit)) }
            fields.append("datatype: " + datatype)
            if let subtype { fields.append("subtype: " + yamlScalar(subtype)) }
            if let format = c.format { fields.append("format: " + yamlScalar(format)) }
            if let d = c.description { fields.append("description: " + yamlScalar(d)) }
            h += "# - {" + fields.joined(separator: ", ") + "}\n"
        }
        h += "# delimiter: ','\n"
        if !meta.isEmpty {
            h += "# meta: !!omap\n"
            for (k, v) in meta { h += "# - {" + yamlScalar(k) + ": " + yamlScalar(v) + "}\n" }
        }
        h += "# schema: astropy-2.0\n"
        h += columns.map { csvField($0.name) }.joined(separator: ",") + "\n"
        return h
    }

    /// Rows `rows` of the table as ECSV body text (one line per row).
    public static func body(columns: [ECSVOutputColumn], rows: Range<Int>) -> String {
        var out = ""
        out.reserveCapacity(rows.count * 16 * columns.count)
        for r in rows { appendRow(r, columns: columns, to: &out) }
        return out
    }

    /// `s` as a YAML scalar that YAML 1.1 (PyYAML) and 1.2 readers (Yams) both read back as the
    /// same string: plain when it is unambiguous (`name`, `deg`, `mas / yr`), otherwise
    /// double-quoted with escapes. Single-line, so it can sit in a `# `-prefixed header line.
    public static func yamlScalar(_ s: String) -> String {
        if isSafePlain(s) { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF: out += String(format: "\\u%04X", u.value)
            case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...: out.unicodeScalars.append(u)
            default: out += String(format: "\\x%02X", u.value)  // C0 controls, DEL, C1 controls
            }
        }
        return out + "\""
    }

    private static let yamlWords: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
    ]

    private static func isSafePlain(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last else { return false }
        func isAlpha(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard isAlpha(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: "/") else { return false }
        guard last != UInt8(ascii: " ") else { return false }
        for c in b {
            let ok = isAlpha(c) || (c >= 48 && c <= 57) || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: " ")
                || c == UInt8(ascii: "(") || c == UInt8(ascii: ")")
            if !ok { return false }
        }
        return !yamlWords.contains(s)
    }

    // MARK: - rows

    private static func writeRows(columns: [ECSVOutputColumn], to sink: ByteSink) throws {
        let rows = columns[0].values.count
        var chunk = ""
        chunk.reserveCapacity(1 << 17)
        for r in 0..<rows {
            appendRow(r, columns: columns, to: &chunk)
            if chunk.utf8.count >= 1 << 16 {
                try sink.write(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try sink.write(chunk) }
    }

    private static func appendRow(_ r: Int, columns: [ECSVOutputColumn], to out: inout String) {
        for (j, c) in columns.enumerated() {
            if j > 0 { out += "," }
            switch c.values {
            case .int64(let v): out += String(v[r])
            case .int32(let v): out += String(v[r])
            case .float64(let v): out += v[r].description
            case .float32(let v): out += v[r].description
            case .bool(let v): out += v[r] ? "True" : "False"
            case .string(let v): out += csvField(v[r])
            case .float64Arrays(let v): out += csvField(jsonList(v[r]))
            }
        }
        out += "\n"
    }

    /// A CSV field for a comma-delimited ECSV body: quoted when needed, `"` doubled inside.
    public static func csvField(_ s: String) -> String {
        var needsQuotes = s.isEmpty
        if !needsQuotes {
            let u = s.unicodeScalars
            needsQuotes = u.first == " " || u.first == "\t" || u.last == " " || u.last == "\t" || u.first == "#"
                || u.contains(where: { $0 == "," || $0 == "\"" || isLineBreakOrNul($0) })
        }
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON list of doubles as Python's json module reads them (`NaN`, `Infinity`).
    public static func jsonList(_ a: [Double]) -> String {
        var s = "["
        for (i, x) in a.enumerated() {
            if i > 0 { s += "," }
            if x.isNaN { s += "NaN" } else if x.isInfinite { s += x < 0 ? "-Infinity" : "Infinity" } else { s += x.description }
        }
        return s + "]"
    }
}
