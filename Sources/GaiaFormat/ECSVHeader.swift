// The ECSV 1.0 header: `# `-prefixed YAML with `%ECSV 1.0`, `---`, `delimiter`, `datatype` (one
// entry per column: name, datatype, subtype, unit, description, format, meta.ucd) and optional
// table-level `meta` (a plain mapping or a `!!omap` list, before or after `datatype`).
// Parsed once per file with Yams; nothing here is on the per-row path.

import Yams

/// A parsed ECSV header. Column shapes are as declared (`float64[null]` → `.variable`); the
/// reader resolves variable arrays to fixed lengths from `KnownTables` and `ReaderOptions`.
struct ECSVHeader {
    var version: String
    var columns: [ColumnSchema]
    /// Value of the table-level meta key `TABLE`, if any.
    var tableName: String?
    var meta: [TableSchema.MetaEntry]
    var delimiter: UInt8
    /// Whether the header has a `delimiter` key (else `delimiter` is the ECSV default, a space).
    var delimiterDeclared = false

    /// Parses the header from its raw lines (each still starting with `#`, line endings removed);
    /// `lines[i]` is line `i + 1` of the file.
    static func parse(lines: [String], file: String) throws -> ECSVHeader {
        guard let first = lines.first else { throw FormatError(file: file, line: 1, "missing ECSV header") }
        let firstText = stripComment(first).ecsvTrimmed
        guard firstText.hasPrefix("%ECSV") else {
            throw FormatError(file: file, line: 1,
                              "not an ECSV header: the first line must be '# %ECSV 1.0', found '\(first.prefix(60))'")
        }
        let version = String(firstText.dropFirst(5)).ecsvTrimmed
        guard !version.isEmpty, version.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw FormatError(file: file, line: 1, "bad ECSV version line '\(first.prefix(60))'")
        }
        // YAML text with one line per file line (the %ECSV line blanked) so that Yams marks are
        // file line numbers.
        var yaml = ""
        yaml.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        yaml += "\n"
        for line in lines.dropFirst() {
            yaml += stripComment(line)
            yaml += "\n"
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw FormatError(file: file, line: yamlErrorLine(error), "bad YAML in the ECSV header: \(yamlErrorProblem(error))")
        } catch {
            throw FormatError(file: file, line: 1, "bad YAML in the ECSV header: \(error)")
        }
        guard let root, let top = root.mapping else {
            throw FormatError(file: file, line: 2, "the ECSV header holds no YAML mapping (expected 'delimiter', 'datatype', …)")
        }

        // ECSV 1.0 (APE 6): without a `delimiter` key the delimiter is a space — the archive's
        // DataLink files (EPOCH_ASTROMETRY) rely on it; the DR3 bulk files declare ','.
        var delimiter = Byte.space
        var delimiterDeclared = false
        if let d = top["delimiter"] {
            guard let s = d.scalar?.string, s.utf8.count == 1, let b = s.utf8.first, b != Byte.quote, b != Byte.newline else {
                throw FormatError(file: file, line: d.mark?.line, "unsupported ECSV delimiter '\(d.scalar?.string ?? "?")' (ECSV allows ',' or ' ')")
            }
            delimiter = b
            delimiterDeclared = true
        }

        guard let datatypeNode = top["datatype"] else {
            throw FormatError(file: file, line: lines.count, "the ECSV header has no 'datatype' column list")
        }
        guard let entries = datatypeNode.sequence else {
            throw FormatError(file: file, line: datatypeNode.mark?.line, "the ECSV header's 'datatype' is not a list of columns")
        }
        var columns: [ColumnSchema] = []
        columns.reserveCapacity(entries.count)
        var seen = Set<String>()
        for (i, entry) in entries.enumerated() {
            let line = entry.mark?.line
            guard let m = entry.mapping else {
                throw FormatError(file: file, line: line, "datatype entry \(i + 1) is not a mapping")
            }
            guard let name = m["name"]?.scalar?.string.ecsvTrimmed, !name.isEmpty else {
                throw FormatError(file: file, line: line, "datatype entry \(i + 1) has no 'name'")
            }
            guard seen.insert(name).inserted else {
                throw FormatError(file: file, line: line, column: name, fieldIndex: i + 1, "column declared twice in the header")
            }
            guard let datatype = m["datatype"]?.scalar?.string.ecsvTrimmed, !datatype.isEmpty else {
                throw FormatError(file: file, line: line, column: name, fieldIndex: i + 1, "header entry has no 'datatype'")
            }
            let subtype = m["subtype"]?.scalar?.string.ecsvTrimmed
            let (element, shape): (ElementType, ColumnShape)
            do {
                (element, shape) = try resolveType(datatype: datatype, subtype: subtype)
            } catch let message as HeaderMessage {
                throw FormatError(file: file, line: m["subtype"]?.mark?.line ?? m["datatype"]?.mark?.line ?? line,
                                  column: name, fieldIndex: i + 1, message.text)
            }
            let unit = m["unit"]?.scalar?.string.ecsvTrimmed
            let description = m["description"]?.scalar?.string.ecsvTrimmed
            // Column meta is a mapping, or (astropy's DataLink writer) a `!!omap` list of one-key maps.
            var columnMeta: [TableSchema.MetaEntry] = []
            if let metaNode = m["meta"] { collectMeta(metaNode, into: &columnMeta) }
            let ucd = columnMeta.first { $0.key == "ucd" }?.value.ecsvTrimmed
            columns.append(ColumnSchema(name: name, element: element, shape: shape,
                                        unit: unit?.isEmpty == true ? nil : unit, ucd: ucd,
                                        description: description, declaredDatatype: datatype, declaredSubtype: subtype))
        }
        guard !columns.isEmpty else {
            throw FormatError(file: file, line: datatypeNode.mark?.line, "the ECSV header's 'datatype' list is empty")
        }

        var meta: [TableSchema.MetaEntry] = []
        if let metaNode = top["meta"] { collectMeta(metaNode, into: &meta) }
        let tableName = meta.first { $0.key == "TABLE" }?.value.ecsvTrimmed
        return ECSVHeader(version: version, columns: columns, tableName: tableName, meta: meta, delimiter: delimiter,
                          delimiterDeclared: delimiterDeclared)
    }

    /// Removes the `#` and one following space (ECSV writes `# ` before every header line).
    static func stripComment(_ line: String) -> Substring {
        var s = Substring(line)
        if s.hasPrefix("#") { s = s.dropFirst() }
        if s.hasPrefix(" ") { s = s.dropFirst() }
        return s
    }

    /// Scalar entries of a mapping or of a `!!omap` / list of one-key mappings, in order.
    static func collectMeta(_ node: Node, into meta: inout [TableSchema.MetaEntry]) {
        func add(_ key: Node, _ value: Node) {
            guard let k = key.scalar?.string, let v = value.scalar?.string else { return }
            meta.append(TableSchema.MetaEntry(key: k, value: v))
        }
        if let m = node.mapping {
            for (k, v) in m { add(k, v) }
        } else if let seq = node.sequence {
            for item in seq {
                guard let m = item.mapping else { continue }
                for (k, v) in m { add(k, v) }
            }
        }
    }

    struct HeaderMessage: Error { var text: String }

    /// Element type named by an ECSV datatype, nil if ECSV does not know it.
    static func elementType(_ name: String) -> ElementType? {
        switch name {
        case "bool": return .bool
        case "int8": return .int8
        case "int16": return .int16
        case "int32": return .int32
        case "int64": return .int64
        case "uint8": return .uint8
        case "uint16": return .uint16
        case "uint32": return .uint32
        case "uint64": return .uint64
        case "float32": return .float32
        case "float64": return .float64
        case "string": return .string
        default: return nil
        }
    }

    static let knownUnsupported: Set<String> = ["float16", "float128", "complex64", "complex128", "complex256", "object"]

    /// `datatype` + optional `subtype` → element type and declared shape.
    static func resolveType(datatype: String, subtype: String?) throws -> (ElementType, ColumnShape) {
        guard let element = elementType(datatype) else {
            if knownUnsupported.contains(datatype) {
                throw HeaderMessage(text: "datatype '\(datatype)' is not supported by GaiaMine")
            }
            throw HeaderMessage(text: "unknown datatype '\(datatype)'")
        }
        guard let subtype, !subtype.isEmpty else { return (element, .scalar) }
        guard element == .string else {
            throw HeaderMessage(text: "subtype '\(subtype)' given for datatype '\(datatype)' (ECSV uses subtypes only with datatype string)")
        }
        guard let open = subtype.firstIndex(of: "["), subtype.hasSuffix("]") else {
            if subtype == "json" {
                throw HeaderMessage(text: "subtype 'json' (object column) is not supported")
            }
            throw HeaderMessage(text: "unsupported subtype '\(subtype)' (expected e.g. 'float64[null]' or 'float32[55]')")
        }
        let elementName = String(subtype[..<open]).ecsvTrimmed
        guard let sub = elementType(elementName) else {
            if knownUnsupported.contains(elementName) {
                throw HeaderMessage(text: "array element type '\(elementName)' in subtype '\(subtype)' is not supported")
            }
            throw HeaderMessage(text: "unknown element type '\(elementName)' in subtype '\(subtype)'")
        }
        guard sub != .string else {
            throw HeaderMessage(text: "arrays of strings (subtype '\(subtype)') are not supported")
        }
        let inside = subtype[subtype.index(after: open)..<subtype.index(before: subtype.endIndex)]
        let dims = inside.split(separator: ",", omittingEmptySubsequences: false).map { String($0).ecsvTrimmed }
        guard dims.count == 1 else {
            throw HeaderMessage(text: "multi-dimensional subtype '\(subtype)' is not supported (only 1-D arrays)")
        }
        let d = dims[0]
        if d == "null" || d.isEmpty { return (sub, .variable) }
        guard let n = Int(d), n >= 0 else {
            throw HeaderMessage(text: "bad array length '\(d)' in subtype '\(subtype)'")
        }
        return (sub, .fixed(n))
    }

    /// Splits a column-name line (CSV, quotes allowed) into trimmed names.
    static func splitNames(_ line: String, delimiter: UInt8) -> [String] {
        var names: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        let bytes = Array(line.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == Byte.quote {
                    if i + 1 < bytes.count && bytes[i + 1] == Byte.quote { current.append(c); i += 1 } else { inQuotes = false }
                } else {
                    current.append(c)
                }
            } else if c == Byte.quote && current.allSatisfy({ $0 == Byte.space }) {
                inQuotes = true
                current.removeAll()
            } else if c == delimiter {
                names.append(String(decoding: current, as: UTF8.self).ecsvTrimmed)
                current.removeAll()
            } else {
                current.append(c)
            }
            i += 1
        }
        names.append(String(decoding: current, as: UTF8.self).ecsvTrimmed)
        return names
    }

    private static func yamlErrorLine(_ error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func yamlErrorProblem(_ error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _), let .composer(context, problem, _, _):
            if let context { return "\(problem) (\(context.text) at line \(context.mark.line))" }
            return problem
        default:
            return "\(error)"
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var ecsvTrimmed: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isBlank($0) }) else { return "" }
        let end = lastIndex(where: { !isBlank($0) })!
        return String(self[start...end])
    }
}
