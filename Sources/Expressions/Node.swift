// The compiled form of an expression: a typed tree whose every node evaluates a whole batch at
// once (Evaluator.swift). Built and type-checked by Checker.swift.

final class Node {
    enum Op {
        case constant(Value)
        case column(String)
        case arithmetic(ArithmeticOp, Node, Node)
        case unary(UnaryOp, Node)
        case compare(CompareOp, Node, Node)
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case choose(Node, Node, Node)          // where(c, a, b)
        case isnan(Node)
        case isfinite(Node)
        case index(Node, Int)
        case reduce(Reduction, Node)
        case shiftRight(Node, Int)             // healpix(level) of source_id
    }

    let op: Op
    let kind: ElementKind
    let shape: ColumnShape
    /// Character offset of the node's operator or name in the text, for errors found at run time.
    let position: Int

    init(_ op: Op, kind: ElementKind, shape: ColumnShape, position: Int) {
        self.op = op; self.kind = kind; self.shape = shape; self.position = position
    }
}

/// The functions of the language and their arities (Docs/expressions.md, "Functions").
enum FunctionName {
    /// float → float, element-wise.
    static let floatUnary: [String: UnaryOp] = [
        "sqrt": .sqrt, "exp": .exp, "log": .log, "log10": .log10, "sin": .sin, "cos": .cos, "tan": .tan,
        "arcsin": .arcsin, "arccos": .arccos, "arctan": .arctan, "radians": .radians, "degrees": .degrees,
    ]
    /// Keep an integer argument exact (numpy 2: floor/ceil/round of int64 is int64).
    static let kindPreservingUnary: [String: UnaryOp] = ["abs": .abs, "floor": .floor, "ceil": .ceil, "round": .round]
    /// Element-wise of two arguments.
    static let binary: [String: ArithmeticOp] = ["arctan2": .atan2, "hypot": .hypot]

    static var all: [String] {  // min and max are both reductions and element-wise
        Array(floatUnary.keys) + Array(kindPreservingUnary.keys) + Array(binary.keys)
            + ["where", "isnan", "isfinite", "healpix"] + Reduction.allCases.map(\.rawValue)
    }
}
