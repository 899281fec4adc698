// What a GW job selects from a gaia_source table: column filters (`col OP value`, ranges,
// `is [not] null`; all must hold) and an optional source_id list. Parsed from the case file's
// `selection:` section or from --filter / --source-ids; applied by ProperMotionSample.
import Foundation

/// One column filter: `col OP value` (OP one of == != < <= > >=), a range `lo < col <= hi`
/// (< or <= on either side), `col is null`, `col is not null`. Values are numbers, or
/// true/false for boolean columns.
public struct ColumnFilter: Sendable, CustomStringConvertible {
    public enum Test: Sendable, Equatable {
        case equal(Double), notEqual(Double), less(Double), lessOrEqual(Double), greater(Double), greaterOrEqual(Double)
        case range(low: Double, lowInclusive: Bool, high: Double, highInclusive: Bool)
        case isNull, isNotNull
    }

    public let column: String
    public let test: Test
    /// The filter as written.
    public let text: String
    public var description: String { text }

    public init(column: String, test: Test, text: String) {
        self.column = column
        self.test = test
        self.text = text
    }

    /// Whether a value passes (null = NaN; comparisons with null are false).
    @inline(__always)
    public func accepts(_ v: Double) -> Bool {
        switch test {
        case .isNull: return v.isNaN
        case .isNotNull: return !v.isNaN
        case .equal(let x): return v == x
        case .notEqual(let x): return !v.isNaN && v != x
        case .less(let x): return v < x
        case .lessOrEqual(let x): return v <= x
        case .greater(let x): return v > x
        case .greaterOrEqual(let x): return v >= x
        case let .range(lo, li, hi, hinc): return (li ? v >= lo : v > lo) && (hinc ? v <= hi : v < hi)
        }
    }

    static let syntax = "expected 'column OP value' (OP: == != < <= > >=), 'low < column < high' (< or <=), "
        + "'column is null' or 'column is not null', e.g. 'astrometric_params_solved == 31', '17 <= phot_g_mean_mag < 20'"

    /// Parses one filter; throws a message naming the filter and the accepted forms.
    public static func parse(_ text: String) throws -> ColumnFilter {
        let tokens = tokenize(text)
        func bad(_ why: String) -> GWJobError { GWJobError("filter '\(text)': \(why); \(syntax)") }
        func isOp(_ t: String) -> Bool { ["==", "=", "!=", "<", "<=", ">", ">="].contains(t) }
        func number(_ t: String) -> Double? {
            switch t.lowercased() {
            case "true": return 1
            case "false": return 0
            default: return Double(t).flatMap { $0.isFinite ? $0 : nil }
            }
        }
        func isName(_ t: String) -> Bool {
            guard let f = t.unicodeScalars.first, f == "_" || CharacterSet.letters.contains(f) else { return false }
            return t.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
        }
        let low = tokens.map { $0.lowercased() }
        if tokens.count == 3, low[1] == "is", low[2] == "null", isName(tokens[0]) {
            return ColumnFilter(column: tokens[0], test: .isNull, text: text)
        }
        if tokens.count == 4, low[1] == "is", low[2] == "not", low[3] == "null", isName(tokens[0]) {
            return ColumnFilter(column: tokens[0], test: .isNotNull, text: text)
        }
        if tokens.count == 3, isOp(tokens[1]) {
            guard isName(tokens[0]) else { throw bad("'\(tokens[0])' is not a column name") }
            guard let v = number(tokens[2]) else { throw bad("'\(tokens[2])' is not a number") }
            let t: Test
            switch tokens[1] {
            case "==", "=": t = .equal(v)
            case "!=": t = .notEqual(v)
            case "<": t = .less(v)
            case "<=": t = .lessOrEqual(v)
            case ">": t = .greater(v)
            default: t = .greaterOrEqual(v)
            }
            return ColumnFilter(column: tokens[0], test: t, text: text)
        }
        if tokens.count == 5, ["<", "<="].contains(tokens[1]), ["<", "<="].contains(tokens[3]) {
            guard let lo = number(tokens[0]) else { throw bad("'\(tokens[0])' is not a number") }
            guard isName(tokens[2]) else { throw bad("'\(tokens[2])' is not a column name") }
            guard let hi = number(tokens[4]) else { throw bad("'\(tokens[4])' is not a number") }
            guard lo <= hi else { throw bad("empty range \(tokens[0])…\(tokens[4])") }
            return ColumnFilter(column: tokens[2], test: .range(low: lo, lowInclusive: tokens[1] == "<=", high: hi,
                                                                highInclusive: tokens[3] == "<="), text: text)
        }
        throw bad(tokens.isEmpty ? "empty" : "cannot read it")
    }

    /// Words and operators (operators need no spaces around them: `G<20`).
    static func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var op = ""
        func flush() { if !cur.isEmpty { out.append(cur); cur = "" }; if !op.isEmpty { out.append(op); op = "" } }
        for ch in s {
            if ch.isWhitespace {
                flush()
            } else if "<>=!".contains(ch) {
                if !cur.isEmpty { out.append(cur); cur = "" }
                op.append(ch)
            } else {
                if !op.isEmpty { out.append(op); op = "" }
                cur.append(ch)
            }
        }
        flush()
        return out
    }
}

/// What to select: all filters must pass, and the source must be listed when a list is given.
public struct SourceSelection: Sendable {
    public var filters: [ColumnFilter]
    /// A text file of source_ids (see `loadSourceIDs`), or nil for every source.
    public var sourceIDFile: String?

    public init(filters: [ColumnFilter] = [], sourceIDFile: String? = nil) {
        self.filters = filters
        self.sourceIDFile = sourceIDFile
    }

    /// Parses filter texts (throws on the first bad one).
    public init(filterTexts: [String], sourceIDFile: String?) throws {
        self.init(filters: try filterTexts.map(ColumnFilter.parse), sourceIDFile: sourceIDFile)
    }

    /// One line for logs and outputs.
    public var summary: String {
        var parts = filters.map(\.text)
        if let f = sourceIDFile { parts.append("source_id in \(f)") }
        return parts.isEmpty ? "all sources" : parts.joined(separator: " and ")
    }

    /// Reads a source_id list: one integer per line; blank lines and lines starting with `#`
    /// ignored (so an ECSV header is skipped); a line of column names containing `source_id`
    /// (CSV or ECSV) selects that column of the following comma- or whitespace-separated lines.
    /// Returns the sorted, de-duplicated ids.
    public static func loadSourceIDs(_ path: String) throws -> [Int64] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw GWJobError("\(path): cannot read the source_id list: \(FileManager.default.fileExists(atPath: path) ? "\(error.localizedDescription)" : "no such file")")
        }
        var ids: [Int64] = []
        var column: Int? = nil
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init)
            if ids.isEmpty && column == nil, let c = fields.firstIndex(of: "source_id") {
                column = c
                continue
            }
            let c = column ?? 0
            guard c < fields.count, let id = Int64(fields[c].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) else {
                throw GWJobError("\(path):\(lineNo): '\(c < fields.count ? fields[c] : line)' is not a source_id (expected an integer)")
            }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw GWJobError("\(path): no source_ids in the file") }
        return Array(Set(ids)).sorted()
    }
}

