// Type checking of function calls: arity, argument kinds and shapes, healpix's level.

extension Checker {
    mutating func checkCall(_ name: String, _ args: [Syntax], at p: Int) throws -> Node {
        func arity(_ n: Int) throws {
            guard args.count == n else {
                throw LocatedError("\(name)() takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", at: p)
            }
        }
        if name == "healpix" {
            try arity(1)
            return try healpix(args[0], at: p)
        }
        if name == "min" || name == "max" {
            guard args.count == 1 || args.count == 2 else {
                throw LocatedError("\(name)() takes 1 argument (the \(name) of an array per row) or 2 (element-wise), got \(args.count)", at: p)
            }
        } else if FunctionName.all.contains(name) {
            let n = ["where": 3, "arctan2": 2, "hypot": 2][name] ?? 1
            try arity(n)
        } else {
            let hint = Spelling.hint(for: name, among: FunctionName.all.sorted())
            throw LocatedError("unknown function '\(name)'\(hint)", at: p)
        }
        let a = try args.map { try check($0) }
        if let r = Reduction(rawValue: name), a.count == 1 {
            guard a[0].shape != .scalar else {
                throw LocatedError("\(name)() reduces an array per row, but its argument is one value per row", at: args[0].position)
            }
            return Node(.reduce(r, a[0]), kind: r.kind, shape: .scalar, position: p)
        }
        if let op = FunctionName.floatUnary[name] {
            return Node(.unary(op, a[0]), kind: .float, shape: a[0].shape, position: p)
        }
        if let op = FunctionName.kindPreservingUnary[name] {
            return Node(.unary(op, a[0]), kind: a[0].kind == .float ? .float : .int, shape: a[0].shape, position: p)
        }
        let shape = try combine(a, at: p)
        switch name {
        case "isnan": return Node(.isnan(a[0]), kind: .bool, shape: shape, position: p)
        case "isfinite": return Node(.isfinite(a[0]), kind: .bool, shape: shape, position: p)
        case "min": return arithmetic(.min, a[0], a[1], shape: shape, at: p)
        case "max": return arithmetic(.max, a[0], a[1], shape: shape, at: p)
        case "where":
            guard a[0].kind == .bool else {
                throw LocatedError("where()'s first argument must be a condition (true/false); compare it, e.g. x != 0", at: args[0].position)
            }
            let kind: ElementKind = (a[1].kind == .bool && a[2].kind == .bool) ? .bool
                : (a[1].kind == .float || a[2].kind == .float) ? .float : .int
            return Node(.choose(a[0], a[1], a[2]), kind: kind, shape: shape, position: p)
        default:
            return arithmetic(FunctionName.binary[name]!, a[0], a[1], shape: shape, at: p)
        }
    }

    /// healpix(level): the NESTED HEALPix index at `level` of the row's source_id, whose top bits
    /// are the level-12 NESTED index: source_id >> (35 + 2·(12 − level)) (Gaia DR3 documentation,
    /// "source_id" in the gaia_source data model).
    private mutating func healpix(_ arg: Syntax, at p: Int) throws -> Node {
        guard case .int(let level, _) = arg, (0...12).contains(level) else {
            throw LocatedError("healpix() takes the level as an integer literal from 0 to 12, e.g. healpix(5)", at: arg.position)
        }
        guard let sig = columns["source_id"] else {
            throw LocatedError("healpix() needs the column 'source_id', which this table does not have", at: p)
        }
        guard sig.kind == .int, sig.shape == .scalar else {
            throw LocatedError("healpix() needs 'source_id' to be an integer per row", at: p)
        }
        let sourceID = try check(.name("source_id", p))
        return Node(.shiftRight(sourceID, 35 + 2 * (12 - Int(level))), kind: .int, shape: .scalar, position: p)
    }
}
