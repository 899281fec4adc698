// ECSV 1.0 catalogues as astropy writes them (`Table.write(..., format="ascii.ecsv")`):
//
//   # %ECSV 1.0
//   # ---
//   # datatype:
//   # - {name: ra, unit: deg, datatype: float64}
//   # - {name: n_obs, datatype: int16}
//   # schema: astropy-2.0
//   ra n_obs
//   10.5 ""
//
// The YAML header gives each column's name, datatype and unit, and the delimiter (a single space
// unless `delimiter: ','`); then comes the line of column names, which must repeat the header's,
// then the rows. Masked values are written "" (any type). Columns whose values astropy writes as
// JSON text (`datatype: string` with a `subtype`, e.g. multidimensional or object columns) are
// kept as that text, as are datatypes with no numeric meaning here (complex).

import Yams

extension UserCatalogueReader {
    /// One `datatype:` entry of the header.
    struct ECSVColumn {
        var name: String
        var datatype: String
        var unit: String?
        var type: DeclaredType
        /// File line of the entry.
        var line: Int?
    }

    enum DeclaredType { case integer(min: Int64, max: Int64), float(Precision), bool, string }

    static func declaredType(_ datatype: String) -> DeclaredType {
        switch datatype {
        case "int8": return .integer(min: Int64(Int8.min), max: Int64(Int8.max))
        case "int16": return .integer(min: Int64(Int16.min), max: Int64(Int16.max))
        case "int32": return .integer(min: Int64(Int32.min), max: Int64(Int32.max))
        case "int64": return .integer(min: .min, max: .max)
        case "uint8": return .integer(min: 0, max: Int64(UInt8.max))
        case "uint16": return .integer(min: 0, max: Int64(UInt16.max))
        case "uint32": return .integer(min: 0, max: Int64(UInt32.max))
        case "uint64": return .integer(min: 0, max: .max)  // values are held as int64
        case "float16": return .float(.half)
        case "float32": return .float(.single)
        case "float64", "float128": return .float(.double)
        case "bool": return .bool
        default: return .string
        }
    }

    static func ecsv(_ text: CatalogueText) throws -> [UserCatalogueColumn] {
        let path = text.path
        var lines = text.lines()
        // The header: the `#` lines from line 1 on; header[i] is line i + 1.
        var header: [String] = []
        var nameLine: (BytePointer, BytePointer)? = nil
        while let (s, e) = lines.nextLine() {
            if s < e && s.pointee == UInt8(ascii: "#") && nameLine == nil && header.count == lines.number - 1 {
                header.append(String(decoding: UnsafeBufferPointer(start: s, count: e - s), as: UTF8.self))
                continue
            }
            if CatalogueLines.isBlankOrComment(s, e) { continue }
            nameLine = (s, e)
            break
        }
        let first = header.first.map { ECSVHeader.stripComment($0).ecsvTrimmed } ?? ""
        guard first.hasPrefix("%ECSV") else {
            throw FormatError(file: path, line: 1, "not an ECSV file: the first line must be '# %ECSV 1.0' (a file named .csv is read as plain CSV)")
        }
        let (columns, delimiter) = try parseHeader(header, path: path)
        guard let (s, e) = nameLine else {
            throw FormatError(file: path, line: lines.number, "the ECSV header is not followed by the line of column names")
        }
        let nameLineNumber = lines.number
        var spans: [Int] = []
        do {
            _ = try FieldSplitter.split(s, e, delimiter: delimiter, base: text.base, into: &spans)
        } catch let p as SplitProblem {
            throw FormatError(file: path, line: nameLineNumber, "field \(p.field) of the column-name line: \(p.message)")
        }
        let names = stride(from: 0, to: spans.count, by: 2).map { k in
            FieldSplitter.string(text.base + spans[k], text.base + (spans[k + 1] & ~FieldSplitter.quotedFlag),
                                 quoted: spans[k + 1] & FieldSplitter.quotedFlag != 0)
        }
        for (i, c) in columns.enumerated() where i >= names.count || names[i] != c.name {
            let found = i < names.count ? "'\(names[i])'" : "nothing"
            throw FormatError(file: path, line: nameLineNumber, column: c.name, fieldIndex: i + 1,
                              "the column-name line has \(found) where the header declares '\(c.name)'")
        }
        if names.count > columns.count {
            throw FormatError(file: path, line: nameLineNumber,
                              "the column-name line names \(names.count) columns, the header declares \(columns.count) (extra: '\(names[columns.count])')")
        }

        let rows = try CatalogueRows(&lines, text: text, names: names, delimiter: delimiter)
        return try columns.enumerated().map { i, c in
            func check<T>(_ r: Result<T, ConversionFailure>) throws -> T {
                switch r {
                case .success(let v): return v
                case .failure(let f): throw rows.error(f.row, i, f.message + " (declared \(c.datatype) in the header)")
                }
            }
            let declared = FormatError(file: path, line: c.line, column: c.name, fieldIndex: i + 1,
                                       "declared datatype '\(c.datatype)' in the ECSV header")
            switch c.type {
            case let .integer(min, max):
                let (v, null) = try check(integers(rows, i, min: min, max: max))
                return UserCatalogueColumn(name: c.name, values: .int(v), null: null, unit: c.unit, notNumeric: nil)
            case .float(let precision):
                let (v, null) = try check(floats(rows, i, precision: precision))
                return UserCatalogueColumn(name: c.name, values: .float(v), null: null, unit: c.unit, notNumeric: nil)
            case .bool:
                let (v, null) = try check(bools(rows, i))
                return UserCatalogueColumn(name: c.name, values: .bool(v), null: null, unit: c.unit, notNumeric: declared)
            case .string:
                let (v, null) = strings(rows, i)
                return UserCatalogueColumn(name: c.name, values: .string(v), null: null, unit: c.unit, notNumeric: declared)
            }
        }
    }

    /// The header's columns and delimiter, from its `#` lines (line 1 being `# %ECSV …`).
    static func parseHeader(_ header: [String], path: String) throws -> ([ECSVColumn], UInt8) {
        // One YAML line per file line (the %ECSV line blanked) so that Yams marks are file lines.
        let yaml = "\n" + header.dropFirst().map { ECSVHeader.stripComment($0) }.joined(separator: "\n") + "\n"
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
                let within = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
                throw FormatError(file: path, line: mark.line, "bad YAML in the ECSV header: \(problem)\(within)")
            default:
                throw FormatError(file: path, "bad YAML in the ECSV header: \(error)")
            }
        }
        guard let top = root?.mapping else {
            throw FormatError(file: path, line: 2, "the ECSV header holds no YAML mapping (expected 'datatype:' and its list of columns)")
        }
        var delimiter = Byte.space  // the ECSV 1.0 default
        if let d = top["delimiter"] {
            guard let s = d.scalar?.string, s == " " || s == "," else {
                throw FormatError(file: path, line: d.mark?.line, "unsupported ECSV delimiter '\(d.scalar?.string ?? "?")' (ECSV allows ' ' or ',')")
            }
            delimiter = s.utf8.first!
        }
        guard let list = top["datatype"], let entries = list.sequence, !entries.isEmpty else {
            throw FormatError(file: path, line: top["datatype"]?.mark?.line ?? header.count,
                              "the ECSV header has no 'datatype:' list of columns")
        }
        var columns: [ECSVColumn] = []
        for (i, entry) in entries.enumerated() {
            let line = entry.mark?.line
            guard let m = entry.mapping, let name = m["name"]?.scalar?.string, !name.isEmpty else {
                throw FormatError(file: path, line: line, "datatype entry \(i + 1) has no 'name'")
            }
            guard let datatype = m["datatype"]?.scalar?.string.ecsvTrimmed, !datatype.isEmpty else {
                throw FormatError(file: path, line: line, column: name, fieldIndex: i + 1, "header entry has no 'datatype'")
            }
            if let other = columns.firstIndex(where: { $0.name == name }) {
                throw FormatError(file: path, line: line, column: name, fieldIndex: i + 1, "column declared twice (also entry \(other + 1))")
            }
            let unit = m["unit"]?.scalar?.string.ecsvTrimmed
            columns.append(ECSVColumn(name: name, datatype: datatype, unit: unit?.isEmpty == false ? unit : nil,
                                      type: declaredType(datatype), line: line))
        }
        return (columns, delimiter)
    }
}
