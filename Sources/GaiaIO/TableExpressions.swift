// A repacked table as the input of expressions (`--where`, `define:`, `--by`, `--values`;
// Docs/expressions.md): the columns an expression may name, with their kind and shape, and the
// typed read of a block of rows of the columns it references into an `ExpressionBatch`.
//
// Stored type → expression kind (Docs/data-format.md for the layout):
//   float32, float64                        → float (Double; NaN is the null and stays NaN)
//   int8/16/32/64, uint8/16/32              → int (Int64, exact); a value equal to the dataset's
//                                             `_FillValue` is null (the `null` mask)
//   uint64                                  → int (Int64) when every value read is < 2^63; a larger
//                                             value is an error naming file, row and column (Gaia
//                                             has no uint64 column; a silent wrap would be wrong)
//   int8 with `gaia_datatype = bool`        → bool (1 true, 0 false, −1 null)
//   fixed-length strings                    → not expression columns: naming one is an error
//                                             ("string columns cannot be used in expressions")
// Shapes: 1-D → scalar; 2-D N × n → fixed(n); a dataset with an `offsets` attribute → ragged, its
// offsets rebased to 0 for the block read.
//
// This is the hot read path of `aggregate` and `select`: each column is read once, in its stored
// type, with one (collective) H5Dread, and converted in one tight loop per column (no per-element
// enum dispatch; int64 and float64 are not converted at all).
import Expressions
import HDF5

extension GaiaTable {
    /// How one dataset maps to an expression column.
    struct ExpressionSource {
        var element: H5Element
        var isBool: Bool
        var fill: Int64?
        var shape: Expressions.ColumnShape
    }

    /// The datasets of the table that are columns: the `columns` attribute first (in order), then
    /// columns added later (`addColumn`, e.g. XP pruning indices); offsets datasets are not columns.
    func columnDatasetNames() throws -> [String] {
        let children = try group.childNames()
        var offsets = Set<String>()
        for c in children where !(try group.isGroup(c)) {
            if let o = try dataset(c).attribute("offsets")?.stringValue { offsets.insert(o) }
        }
        let listed = columnNames.filter { children.contains($0) }
        let extra = children.filter { !offsets.contains($0) && !listed.contains($0) && !((try? group.isGroup($0)) ?? true) }
        return listed + extra
    }

    func expressionSource(_ column: String) throws -> ExpressionSource {
        let d = try dataset(column)
        let shape: Expressions.ColumnShape
        if try d.attribute("offsets") != nil { shape = .ragged }
        else if d.shape.count >= 2 { shape = .fixed(d.rowWidth) }
        else { shape = .scalar }
        let datatype = try d.attribute("gaia_datatype")?.stringValue
        let isBool = d.element == .int8 && datatype == "bool"
        var fill: Int64? = nil
        if case .integers(let f)? = try d.attribute("_FillValue"), let v = f.first { fill = v }
        // The attribute reader widens through int64, which saturates a uint64 fill (the
        // repacker's UInt64.max): take the stored convention.
        if d.element == .uint64, fill != nil { fill = -1 }
        return ExpressionSource(element: d.element, isBool: isBool, fill: fill, shape: shape)
    }

    /// The columns an expression over this table may name (string columns excluded: see
    /// `stringColumns()` and `compileExpression`).
    public func expressionColumns() throws -> [ColumnSignature] {
        try columnDatasetNames().compactMap { name in
            let s = try expressionSource(name)
            let kind: ElementKind
            switch s.element {
            case .string: return nil
            case .float32, .float64: kind = .float
            case .int8: kind = s.isBool ? .bool : .int
            default: kind = .int
            }
            return ColumnSignature(name: name, kind: kind, shape: s.shape)
        }
    }

    /// The table's fixed-length string columns (not usable in expressions).
    public func stringColumns() throws -> [String] {
        try columnDatasetNames().filter { if case .string = try expressionSource($0).element { return true } else { return false } }
    }

    /// Compiles `text` against this table's columns (`condition`: it must give one true/false per
    /// row, as `--where`). Errors (`ExpressionError`) carry the expression and a caret: the
    /// language's own (syntax, unknown column with "did you mean", types), or, when a string
    /// column (which the language does not know) is named at or before the error's position,
    /// that: "string columns cannot be used in expressions".
    public func compileExpression(_ text: String, label: String, condition: Bool = false) throws -> Expression {
        do {
            return try Expression(text, columns: try expressionColumns(), label: label, condition: condition)
        } catch let e as ExpressionError {
            let strings = Set(try stringColumns())
            if let (column, offset) = ExpressionText.identifiers(text).first(where: { strings.contains($0.name) && $0.offset <= e.position }) {
                throw ExpressionError("column '\(column)' of \(path):/\(name) is a string column; string columns cannot be used in expressions",
                                      expression: text, position: offset, label: label)
            }
            throw e
        }
    }

    /// Rows `rows` of `columns`, typed for expressions. With `collective`, every rank must call
    /// it with the same columns (possibly with an empty range).
    public func readBatch(_ columns: [String], rows: RowRange, collective: Bool) throws -> ExpressionBatch {
        var batch = ExpressionBatch(rowCount: rows.count, columns: [:])
        for c in columns where batch.columns[c] == nil {
            batch.columns[c] = try readExpressionColumn(c, rows: rows, collective: collective)
        }
        return batch
    }

    func readExpressionColumn(_ c: String, rows: RowRange, collective: Bool) throws -> ExpressionColumn {
        let s = try expressionSource(c)
        switch s.element {
        case .float64: return try column(c, s, rows, collective, Double.self) { .float($0) }
        case .float32: return try column(c, s, rows, collective, Float.self) { .float(widen($0)) }
        case .int64:
            // Stored as is (no conversion); the null mask from `_FillValue` as for every integer type.
            return try column(c, s, rows, collective, Int64.self, null: { nullMask($0, s.fill) }) { .int($0) }
        case .int32: return try integers(c, s, rows, collective, Int32.self)
        case .int16: return try integers(c, s, rows, collective, Int16.self)
        case .int8: return s.isBool ? try booleans(c, s, rows, collective) : try integers(c, s, rows, collective, Int8.self)
        case .uint8: return try integers(c, s, rows, collective, UInt8.self)
        case .uint16: return try integers(c, s, rows, collective, UInt16.self)
        case .uint32: return try integers(c, s, rows, collective, UInt32.self)
        case .uint64: return try integers(c, s, rows, collective, UInt64.self)
        case .string: throw ExpressionTableError(description: "\(path):/\(name)/\(c) is a string column; string columns cannot be used in expressions")
        }
    }

    /// Reads the stored values (scalar, fixed or ragged) and the layout; `convert` makes the values.
    /// (Through HDF5: measured faster from a cold page cache than `read(_:ranges:)`'s pread path.)
    private func column<T: H5Scalar>(_ c: String, _ s: ExpressionSource, _ rows: RowRange, _ collective: Bool, _: T.Type,
                                     null: ([T]) -> [Bool]? = { _ in nil },
                                     convert: ([T]) throws -> ExpressionColumn.Values) throws -> ExpressionColumn {
        let raw: [T], layout: ExpressionColumn.Layout
        switch s.shape {
        case .ragged:
            let r = try readRagged(c, rows: rows, as: T.self, collective: collective)
            raw = r.values
            layout = .ragged(r.offsets.isEmpty ? [0] : r.offsets)
        case .fixed(let n):
            raw = try read(c, rows: rows, as: T.self, collective: collective)
            layout = .fixed(n)
        case .scalar:
            raw = try read(c, rows: rows, as: T.self, collective: collective)
            layout = .scalar
        }
        return ExpressionColumn(values: try convert(raw), null: null(raw), layout: layout)
    }

    private func integers<T: H5Scalar & FixedWidthInteger>(_ c: String, _ s: ExpressionSource, _ rows: RowRange,
                                                           _ collective: Bool, _: T.Type) throws -> ExpressionColumn {
        let fill = s.fill.map { T(truncatingIfNeeded: $0) }
        return try column(c, s, rows, collective, T.self, null: { nullMask($0, fill) }) { raw in
            if T.self == UInt64.self, let k = raw.firstIndex(where: { $0 > T(Int64.max) && $0 != fill }) {
                throw ExpressionTableError(description: "\(path):/\(name)/\(c): value \(raw[k]) (element \(k) of the block at row "
                                           + "\(rows.start)) exceeds the int64 range of expressions")
            }
            return .int(raw.map { Int64(truncatingIfNeeded: $0) })
        }
    }

    private func booleans(_ c: String, _ s: ExpressionSource, _ rows: RowRange, _ collective: Bool) throws -> ExpressionColumn {
        try column(c, s, rows, collective, Int8.self, null: { nullMask($0, -1) }) { raw in .bool(raw.map { $0 > 0 }) }
    }
}

/// Float32 values as Double (exact), in one loop.
private func widen(_ v: [Float]) -> [Double] {
    [Double](unsafeUninitializedCapacity: v.count) { b, n in
        v.withUnsafeBufferPointer { src in for i in src.indices { b[i] = Double(src[i]) } }
        n = v.count
    }
}

/// Which values are the null marker; nil when none is (the common case: no mask is kept).
private func nullMask<T: Equatable>(_ v: [T], _ fill: T?) -> [Bool]? {
    guard let fill, v.contains(fill) else { return nil }
    return v.map { $0 == fill }
}

/// A problem with a table as expression input (a string column named, a value out of range).
public struct ExpressionTableError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Where a string column is named in an expression, before the language parses it.
enum ExpressionText {
    /// Identifiers of `text` that are not function names (not followed by "(") with their
    /// character offsets. Names start with a letter or "_" not preceded by a digit or "."
    /// (so `2e5` is not a name).
    static func identifiers(_ text: String) -> [(name: String, offset: Int)] {
        let chars = Array(text)
        var out: [(String, Int)] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isNumber || c == "." {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "." || chars[i] == "_" { i += 1 }
                continue
            }
            guard c.isLetter || c == "_" else { i += 1; continue }
            let start = i
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
            var j = i
            while j < chars.count, chars[j] == " " { j += 1 }
            if j < chars.count, chars[j] == "(" { continue }
            out.append((String(chars[start..<i]), start))
        }
        return out
    }
}
