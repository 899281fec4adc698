// Expressions: the small numpy/numexpr-like language of `--where`, `define:`, `--by` and
// `--values` (grammar and semantics: Docs/expressions.md). Pure Swift: a text is parsed and
// type-checked once against a table's column signatures (errors with a caret at the position,
// before any I/O), then evaluated vectorised over column batches that GaiaIO reads.
//
// This file: the data the language talks about (column signatures, batches, results, errors).

/// Element type of a column or an expression: `int` is Int64 (exact, e.g. source_id > 2^53),
/// `float` is Double.
public enum ElementKind: Sendable, Equatable { case int, float, bool }

/// One value per row, a fixed-length array per row, or a variable-length (ragged) array per row.
public enum ColumnShape: Sendable, Equatable { case scalar, fixed(Int), ragged }

/// What the type checker knows about a column before any data is read.
public struct ColumnSignature: Sendable {
    public var name: String
    public var kind: ElementKind
    public var shape: ColumnShape
    public init(name: String, kind: ElementKind, shape: ColumnShape) {
        self.name = name; self.kind = kind; self.shape = shape
    }
}

/// Values of one column (an input column, or an expression's result) for the rows of a batch.
public struct ExpressionColumn {
    public enum Values { case float([Double]), int([Int64]), bool([Bool]) }
    /// ragged: rowCount+1 offsets into the values, the first 0.
    public enum Layout: Equatable { case scalar, fixed(Int), ragged([Int]) }
    public var values: Values
    /// int and bool only: true where the value is null (reads as NaN in float context; as false in
    /// a condition). nil: no nulls.
    public var null: [Bool]?
    public var layout: Layout
    public init(values: Values, null: [Bool]? = nil, layout: Layout = .scalar) {
        self.values = values; self.null = null; self.layout = layout
    }
}

/// The columns of a batch of consecutive rows.
public struct ExpressionBatch {
    public var rowCount: Int
    public var columns: [String: ExpressionColumn]
    public init(rowCount: Int, columns: [String: ExpressionColumn]) {
        self.rowCount = rowCount; self.columns = columns
    }
}

/// A parse, type or evaluation error: what is wrong, in which expression, where.
public struct ExpressionError: Error, CustomStringConvertible {
    public let message: String
    public let expression: String
    /// Character offset into `expression` of the offending token.
    public let position: Int
    /// What the expression is, e.g. "--where", "define r", "--by".
    public let label: String

    public init(_ message: String, expression: String, position: Int, label: String) {
        self.message = message; self.expression = expression; self.position = position; self.label = label
    }

    /// "--where: unknown column 'paralax' (did you mean 'parallax'?)\n  paralax > 1\n  ^"
    public var description: String {
        "\(label): \(message)\n  \(expression)\n  " + String(repeating: " ", count: max(0, position)) + "^"
    }
}

/// An error before the label and text are known (lexer, parser, checker, evaluator): the
/// `Expression` that owns the text turns it into an `ExpressionError`.
struct LocatedError: Error {
    let message: String
    let position: Int
    init(_ message: String, at position: Int) { self.message = message; self.position = position }
}
