// The public face of the language: parse and type-check once, evaluate per batch.

public final class Expression {
    public let text: String
    public let label: String
    /// Columns the expression reads (unique, in first-use order); includes `source_id` when
    /// healpix() is used.
    public let referencedColumns: [String]
    /// Element kind of the result.
    public let kind: ElementKind
    /// false: one value per row.
    public let isArray: Bool
    /// Shape of the result (scalar, fixed-length or ragged array per row).
    public let shape: ColumnShape

    private let root: Node
    private let signatures: [String: ColumnSignature]

    /// Parses and type-checks `text` against the columns; throws ExpressionError. No data needed.
    /// With `condition: true` (a `--where`), the result must be one true/false per row.
    public init(_ text: String, columns: [ColumnSignature], label: String = "expression", condition: Bool = false) throws {
        self.text = text
        self.label = label
        do {
            var checker = Checker(columns: columns)
            let root = try checker.check(try Parser.parse(text))
            if condition && (root.kind != .bool || root.shape != .scalar) {
                let what = root.shape != .scalar ? "an array per row" : "a number per row"
                throw LocatedError("must be a condition (true/false per row), but this is \(what); compare it, e.g. x != 0"
                                   + (root.shape != .scalar ? ", or reduce it, e.g. mean(x) > 1" : ""), at: 0)
            }
            self.root = root
            self.referencedColumns = checker.referenced
            self.signatures = checker.columns
        } catch let e as LocatedError {
            throw ExpressionError(e.message, expression: text, position: e.position, label: label)
        }
        kind = root.kind
        shape = root.shape
        isArray = root.shape != .scalar
    }

    /// Evaluates over a batch holding (at least) the referenced columns. Throws ExpressionError for
    /// data-dependent errors (arrays of different lengths in one row, naming the row in the batch).
    public func evaluate(_ batch: ExpressionBatch) throws -> ExpressionColumn {
        let v = try value(batch)
        let constant = v.layout == .constant
        func full<T>(_ a: [T]) -> [T] { constant ? [T](repeating: a[0], count: batch.rowCount) : a }
        let values: ExpressionColumn.Values
        switch v.elements {
        case .float(let a): values = .float(full(a))
        case .int(let a): values = .int(full(a))
        case .bool(let a): values = .bool(full(a))
        }
        let layout: ExpressionColumn.Layout
        switch v.layout {
        case .constant, .scalar: layout = .scalar
        case .fixed(let n): layout = .fixed(n)
        case .ragged(let o): layout = .ragged(o)
        }
        return ExpressionColumn(values: values, null: v.null.map(full), layout: layout)
    }

    /// For `--where`: one true/false per row, null counting as false.
    public func mask(_ batch: ExpressionBatch) throws -> [Bool] {
        guard kind == .bool, !isArray else {
            throw ExpressionError("must be a condition (true/false per row); compare it, e.g. x != 0",
                                  expression: text, position: 0, label: label)
        }
        let v = try value(batch)
        let t = v.truth
        return v.layout == .constant ? [Bool](repeating: t[0], count: batch.rowCount) : t
    }

    /// One Double per row (int → Double, null → NaN, bool → 0/1): for aggregate values.
    public func doubles(_ batch: ExpressionBatch) throws -> [Double] {
        guard !isArray else {
            throw ExpressionError("must be one value per row, but this is an array per row; reduce it, e.g. mean(x)",
                                  expression: text, position: 0, label: label)
        }
        let v = try value(batch)
        let d = v.doubles
        return v.layout == .constant ? [Double](repeating: d[0], count: batch.rowCount) : d
    }

    private func value(_ batch: ExpressionBatch) throws -> Value {
        do {
            return try Evaluator(batch: batch, signatures: signatures).eval(root)
        } catch let e as LocatedError {
            throw ExpressionError(e.message, expression: text, position: e.position, label: label)
        }
    }
}
