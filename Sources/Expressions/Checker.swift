// Type checking: syntax tree → typed Node tree, against the table's column signatures, before
// any data is read. Every error carries the position of the offending token.

struct Checker {
    let columns: [String: ColumnSignature]
    let columnNames: [String]
    /// Columns read, unique, in first-use order.
    private(set) var referenced: [String] = []

    init(columns: [ColumnSignature]) {
        var byName: [String: ColumnSignature] = [:]
        for c in columns where byName[c.name] == nil { byName[c.name] = c }
        self.columns = byName
        self.columnNames = columns.map(\.name)
    }

    private mutating func use(_ name: String) { if !referenced.contains(name) { referenced.append(name) } }

    mutating func check(_ s: Syntax) throws -> Node {
        switch s {
        case .int(let v, let p): return Node(.constant(Value(elements: .int([v]), layout: .constant)), kind: .int, shape: .scalar, position: p)
        case .float(let v, let p): return Node(.constant(Value(elements: .float([v]), layout: .constant)), kind: .float, shape: .scalar, position: p)
        case .bool(let v, let p): return Node(.constant(Value(elements: .bool([v]), layout: .constant)), kind: .bool, shape: .scalar, position: p)
        case .name(let n, let p):
            guard let sig = columns[n] else {
                if FunctionName.all.contains(n) { throw LocatedError("'\(n)' is a function: call it as \(n)(…)", at: p) }
                let hint = Spelling.hint(for: n, among: columnNames)
                throw LocatedError("unknown column '\(n)'\(hint)", at: p)
            }
            use(n)
            return Node(.column(n), kind: sig.kind, shape: sig.shape, position: p)
        case .unary(let op, let operand, let p):
            let x = try check(operand)
            switch op {
            case "not":
                try requireBool(x, "'not'")
                return Node(.not(x), kind: .bool, shape: x.shape, position: p)
            case "-": return Node(.unary(.neg, x), kind: x.kind == .float ? .float : .int, shape: x.shape, position: p)
            default: return x                                                     // unary plus
            }
        case .binary(let op, let l, let r, let p):
            let a = try check(l), b = try check(r)
            let shape = try combine([a, b], at: p)
            if op == "and" || op == "or" {
                try requireBool(a, "'\(op)'"); try requireBool(b, "'\(op)'")
                return Node(op == "and" ? .and(a, b) : .or(a, b), kind: .bool, shape: shape, position: p)
            }
            let ops: [String: ArithmeticOp] = ["+": .add, "-": .sub, "*": .mul, "/": .div, "//": .floorDiv, "%": .mod, "**": .pow]
            return arithmetic(ops[op]!, a, b, shape: shape, at: p)
        case .compare(let ops, let operands, let positions):
            // a < b < c means (a < b) and (b < c), as in Python.
            let nodes = try operands.map { try check($0) }
            var result: Node? = nil
            for (i, op) in ops.enumerated() {
                let shape = try combine([nodes[i], nodes[i + 1]], at: positions[i])
                let c = Node(.compare(CompareOp(rawValue: op)!, nodes[i], nodes[i + 1]), kind: .bool, shape: shape, position: positions[i])
                if let prev = result {
                    result = Node(.and(prev, c), kind: .bool, shape: try combine([prev, c], at: positions[i]), position: positions[i])
                } else {
                    result = c
                }
            }
            return result!
        case .index(let base, let index, let p):
            return try checkIndex(base, index, at: p)
        case .call(let name, let args, let p):
            return try checkCall(name, args, at: p)
        }
    }

    func arithmetic(_ op: ArithmeticOp, _ a: Node, _ b: Node, shape: ColumnShape, at p: Int) -> Node {
        // int op int stays exact for + - * // % min max; true division, powers and the
        // trigonometric pair are float64, as is anything mixed with a float.
        let alwaysFloat: Set<ArithmeticOp> = [.div, .pow, .atan2, .hypot]
        let kind: ElementKind = (a.kind == .float || b.kind == .float || alwaysFloat.contains(op)) ? .float : .int
        return Node(.arithmetic(op, a, b), kind: kind, shape: shape, position: p)
    }

    /// Shape of an element-wise operation: per-row scalars broadcast; two fixed arrays must have
    /// one length (ragged lengths are checked per row at run time).
    func combine(_ nodes: [Node], at p: Int) throws -> ColumnShape {
        var shape = ColumnShape.scalar
        for n in nodes {
            switch (shape, n.shape) {
            case (_, .scalar): continue
            case (.scalar, _), (.ragged, .fixed): shape = n.shape
            case (.fixed(let a), .fixed(let b)) where a != b:
                throw LocatedError("arrays of different lengths (\(a) and \(b)) in an element-wise operation", at: p)
            default: continue
            }
        }
        return shape
    }

    func requireBool(_ n: Node, _ what: String) throws {
        guard n.kind == .bool else {
            throw LocatedError("\(what) needs conditions (true/false); compare the value, e.g. x != 0", at: n.position)
        }
    }

    private mutating func checkIndex(_ base: Syntax, _ index: Syntax, at p: Int) throws -> Node {
        let b = try check(base)
        let i: Int
        switch index {
        case .int(let v, _): i = Int(v)
        case .unary("-", .int(let v, _), let q): throw LocatedError("negative index -\(v): indices start at 0", at: q)
        default: throw LocatedError("an index must be an integer literal, e.g. bp_coefficients[3]", at: index.position)
        }
        switch b.shape {
        case .scalar: throw LocatedError("only fixed-length arrays can be indexed; this is one value per row", at: p)
        case .ragged: throw LocatedError("a variable-length array cannot be indexed; reduce it instead, e.g. median(x), count(x)", at: p)
        case .fixed(let n):
            guard i < n else { throw LocatedError("index \(i) out of range for an array of length \(n)", at: index.position) }
            return Node(.index(b, i), kind: b.kind, shape: .scalar, position: p)
        }
    }
}
