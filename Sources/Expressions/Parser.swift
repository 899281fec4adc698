// Recursive-descent parser: tokens → syntax tree. Precedence, loosest first (Python's, with
// `&`, `|`, `~` at the level of `and`, `or`, `not` as in pandas.eval/query, so that
// `a > 1 & b < 2` means `(a > 1) and (b < 2)`):
//   or |  <  and &  <  not ~  <  comparisons (chained)  <  + -  <  * / // %  <  unary + -  <  **  <  call, index
// `**` is right-associative and binds tighter than a unary minus on its left (`-2**2 == -4`).

indirect enum Syntax {
    case int(Int64, Int)
    case float(Double, Int)
    case bool(Bool, Int)
    case name(String, Int)
    case unary(String, Syntax, Int)                    // "-", "+", "not"
    case binary(String, Syntax, Syntax, Int)           // arithmetic, "and", "or"; position of the operator
    case compare([String], [Syntax], [Int])            // a < b <= c: operators, operands, operator positions
    case call(String, [Syntax], Int)                   // position of the name
    case index(Syntax, Syntax, Int)                    // position of "["

    var position: Int {
        switch self {
        case .int(_, let p), .float(_, let p), .bool(_, let p), .name(_, let p), .unary(_, _, let p),
             .call(_, _, let p):
            return p
        case .binary(_, let l, _, _), .index(let l, _, _): return l.position
        case .compare(_, let operands, _): return operands[0].position
        }
    }
}

struct Parser {
    private let lexemes: [Lexeme]
    private var at = 0

    static func parse(_ text: String) throws -> Syntax {
        var p = Parser(lexemes: try Lexer.tokens(text))
        if p.peek == .end { throw LocatedError("empty expression", at: 0) }
        let tree = try p.orExpr()
        if p.peek != .end { throw LocatedError("unexpected \(p.describe(p.peek)) after a complete expression", at: p.position) }
        return tree
    }

    private init(lexemes: [Lexeme]) { self.lexemes = lexemes }

    private var peek: Token { lexemes[at].token }
    private var position: Int { lexemes[at].position }
    private mutating func take() -> Lexeme { defer { at += 1 }; return lexemes[at] }

    /// The current token if it is one of `words` (symbols or keyword names), consumed.
    private mutating func accept(_ words: [String]) -> (String, Int)? {
        let s: String
        switch peek {
        case .symbol(let x), .name(let x): s = x
        default: return nil
        }
        guard words.contains(s) else { return nil }
        let l = take()
        return (s, l.position)
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .int(let v): return "number \(v)"
        case .float(let v): return "number \(v)"
        case .name(let n): return "'\(n)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of expression"
        }
    }

    private mutating func orExpr() throws -> Syntax {
        var l = try andExpr()
        while let (_, p) = accept(["or", "|"]) { l = .binary("or", l, try andExpr(), p) }
        return l
    }

    private mutating func andExpr() throws -> Syntax {
        var l = try notExpr()
        while let (_, p) = accept(["and", "&"]) { l = .binary("and", l, try notExpr(), p) }
        return l
    }

    private mutating func notExpr() throws -> Syntax {
        if let (_, p) = accept(["not", "~"]) { return .unary("not", try notExpr(), p) }
        return try comparison()
    }

    private mutating func comparison() throws -> Syntax {
        let first = try sum()
        var ops: [String] = [], operands = [first], positions: [Int] = []
        while let (op, p) = accept(["<", "<=", ">", ">=", "==", "!="]) {
            ops.append(op); positions.append(p); operands.append(try sum())
        }
        return ops.isEmpty ? first : .compare(ops, operands, positions)
    }

    private mutating func sum() throws -> Syntax {
        var l = try product()
        while let (op, p) = accept(["+", "-"]) { l = .binary(op, l, try product(), p) }
        return l
    }

    private mutating func product() throws -> Syntax {
        var l = try unary()
        while let (op, p) = accept(["*", "/", "//", "%"]) { l = .binary(op, l, try unary(), p) }
        return l
    }

    private mutating func unary() throws -> Syntax {
        if let (op, p) = accept(["-", "+"]) { return .unary(op, try unary(), p) }
        return try power()
    }

    private mutating func power() throws -> Syntax {
        let base = try postfix()
        // Right-associative; the exponent may carry its own sign (`2**-1`), as in Python.
        if let (_, p) = accept(["**"]) { return .binary("**", base, try unary(), p) }
        return base
    }

    private mutating func postfix() throws -> Syntax {
        var e = try atom()
        while let (_, p) = accept(["["]) {
            let index = try orExpr()
            guard accept(["]"]) != nil else { throw LocatedError("expected ']' to close the index", at: position) }
            e = .index(e, index, p)
        }
        return e
    }

    private mutating func atom() throws -> Syntax {
        let l = take()
        switch l.token {
        case .int(let v): return .int(v, l.position)
        case .float(let v): return .float(v, l.position)
        case .symbol("("):
            let e = try orExpr()
            guard accept([")"]) != nil else { throw LocatedError("expected ')'", at: position) }
            return e
        case .name(let n):
            switch n {
            case "true", "True": return .bool(true, l.position)
            case "false", "False": return .bool(false, l.position)
            case "nan": return .float(.nan, l.position)
            case "inf": return .float(.infinity, l.position)
            case "pi": return .float(.pi, l.position)
            case "and", "or", "not": throw LocatedError("'\(n)' needs an operand before it", at: l.position)
            default: break
            }
            guard accept(["("]) != nil else { return .name(n, l.position) }
            var args: [Syntax] = []
            if accept([")"]) == nil {
                repeat { args.append(try orExpr()) } while accept([","]) != nil
                guard accept([")"]) != nil else {
                    throw LocatedError("expected ',' or ')' in the arguments of \(n)()", at: position)
                }
            }
            return .call(n, args, l.position)
        default:
            throw LocatedError("expected a number, a column, a function or '(' but found \(describe(l.token))", at: l.position)
        }
    }
}
