// Evaluation of a typed Node tree over one batch: each node is one vectorised pass over whole
// arrays (Kernels.swift), so the dispatch cost is per node and batch, never per row.

struct Evaluator {
    let batch: ExpressionBatch
    let signatures: [String: ColumnSignature]

    func eval(_ node: Node) throws -> Value {
        switch node.op {
        case .constant(let v): return v
        case .column(let name): return try column(name)
        case .arithmetic(let op, let l, let r):
            let (a, b, layout) = try aligned(l, r, at: node.position)
            if node.kind == .float {
                let v = FloatKernels.binary(op, a.doubles, a.layout == .constant, b.doubles, b.layout == .constant)
                return Value(elements: .float(v), null: nil, layout: layout)
            }
            let bv = b.ints
            let v = IntKernels.binary(op, a.ints, a.layout == .constant, bv, b.layout == .constant)
            var null = unionNulls([a.null, b.null], count: v.count)
            if op == .floorDiv || op == .mod, bv.contains(0) {
                // numpy returns 0 (with a warning) for an integer division by zero; here it is null.
                null = unionNulls([null, bv.map { $0 == 0 }], count: v.count)
            }
            return Value(elements: .int(v), null: null, layout: layout)
        case .unary(let op, let x):
            let a = try eval(x)
            if node.kind == .float { return Value(elements: .float(FloatKernels.unary(op, a.doubles)), null: nil, layout: a.layout) }
            let v: [Int64]
            switch op {
            case .neg: v = map1(a.ints) { 0 &- $0 }
            case .abs: v = map1(a.ints) { $0 < 0 ? 0 &- $0 : $0 }        // wraps at Int64.min, as numpy
            default: v = a.ints                                         // floor/ceil/round of an integer
            }
            return Value(elements: .int(v), null: a.null, layout: a.layout)
        case .compare(let op, let l, let r):
            let (a, b, layout) = try aligned(l, r, at: node.position)
            var v = (l.kind == .float || r.kind == .float)
                ? compareKernel(op, a.doubles, a.layout == .constant, b.doubles, b.layout == .constant)
                : compareKernel(op, a.ints, a.layout == .constant, b.ints, b.layout == .constant)
            if let null = unionNulls([a.null, b.null], count: v.count) {
                for i in 0..<v.count where null[i] { v[i] = op.nullResult }
            }
            return Value(elements: .bool(v), null: nil, layout: layout)
        case .and(let l, let r), .or(let l, let r):
            let (a, b, layout) = try aligned(l, r, at: node.position)
            let isAnd: Bool
            if case .and = node.op { isAnd = true } else { isAnd = false }
            let v = isAnd ? zipMap(a.truth, a.layout == .constant, b.truth, b.layout == .constant) { $0 && $1 }
                          : zipMap(a.truth, a.layout == .constant, b.truth, b.layout == .constant) { $0 || $1 }
            return Value(elements: .bool(v), null: nil, layout: layout)
        case .not(let x):
            let a = try eval(x)
            return Value(elements: .bool(map1(a.truth) { !$0 }), null: nil, layout: a.layout)
        case .choose(let c, let x, let y):
            return try choose(c, x, y, kind: node.kind, at: node.position)
        case .isnan(let x), .isfinite(let x):
            let a = try eval(x)
            let nanTest: Bool
            if case .isnan = node.op { nanTest = true } else { nanTest = false }
            let v: [Bool]
            if case .float(let d) = a.elements {
                v = nanTest ? map1(d) { $0.isNaN } : map1(d) { $0.isFinite }
            } else {
                // An integer or boolean is NaN exactly where it is null.
                let null = a.null ?? [Bool](repeating: false, count: a.count)
                v = nanTest ? null : map1(null) { !$0 }
            }
            return Value(elements: .bool(v), null: nil, layout: a.layout)
        case .index(let x, let i):
            let a = try eval(x)
            guard case .fixed(let n) = a.layout else { preconditionFailure("index of a non-fixed array") }
            return a.gathered((0..<batch.rowCount).map { $0 * n + i }, layout: .scalar)
        case .reduce(let op, let x):
            let a = try eval(x)
            return Value(elements: Reductions.reduce(op, a.doubles, offsets: a.rowOffsets(rowCount: batch.rowCount)),
                         null: nil, layout: .scalar)
        case .shiftRight(let x, let s):
            let a = try eval(x)
            return Value(elements: .int(map1(a.ints) { $0 >> Int64(s) }), null: a.null, layout: a.layout)
        }
    }

    /// Both operands evaluated and brought to their common layout.
    private func aligned(_ l: Node, _ r: Node, at p: Int) throws -> (Value, Value, RuntimeLayout) {
        let a = try eval(l), b = try eval(r)
        let layout = try commonLayout([a, b], rowCount: batch.rowCount, position: p)
        return (a.conformed(to: layout, rowCount: batch.rowCount), b.conformed(to: layout, rowCount: batch.rowCount), layout)
    }

    /// where(c, a, b): a where c holds, else b (a null condition counts as false); nulls follow the
    /// chosen side.
    private func choose(_ cn: Node, _ xn: Node, _ yn: Node, kind: ElementKind, at p: Int) throws -> Value {
        let raw = [try eval(cn), try eval(xn), try eval(yn)]
        let layout = try commonLayout(raw, rowCount: batch.rowCount, position: p)
        let v = raw.map { $0.conformed(to: layout, rowCount: batch.rowCount) }
        // A constant has one element even in a batch of none: the count is a non-constant's.
        let n = v.first { $0.layout != .constant }?.count ?? 1
        let c = v[0].truth
        @inline(__always) func at(_ i: Int, _ k: Int) -> Int { v[k].layout == .constant ? 0 : i }
        func pick<T>(_ a: [T], _ b: [T]) -> [T] { (0..<n).map { c[at($0, 0)] ? a[at($0, 1)] : b[at($0, 2)] } }
        var null: [Bool]? = nil
        if v[1].null != nil || v[2].null != nil {
            let na = v[1].null ?? [false], nb = v[2].null ?? [false]
            null = (0..<n).map { c[at($0, 0)] ? na[na.count == 1 ? 0 : $0] : nb[nb.count == 1 ? 0 : $0] }
        }
        let e: Elements
        switch kind {
        case .float: e = .float(pick(v[1].doubles, v[2].doubles))
        case .int: e = .int(pick(v[1].ints, v[2].ints))
        case .bool:
            guard case .bool(let a) = v[1].elements, case .bool(let b) = v[2].elements else { preconditionFailure() }
            e = .bool(pick(a, b))
        }
        // In a float result a null int is NaN already (`doubles`), so no mask.
        return Value(elements: e, null: kind == .float ? nil : null, layout: layout)
    }
}

extension Evaluator {
    /// An input column of the batch, checked against its signature (a mismatch is the caller's
    /// bug, reported as an error rather than a wrong result).
    func column(_ name: String) throws -> Value {
        guard let c = batch.columns[name], let sig = signatures[name] else {
            throw LocatedError("column '\(name)' is not in the batch", at: 0)
        }
        let elements: Elements, kind: ElementKind
        switch c.values {
        case .float(let v): elements = .float(v); kind = .float
        case .int(let v): elements = .int(v); kind = .int
        case .bool(let v): elements = .bool(v); kind = .bool
        }
        guard kind == sig.kind else { throw LocatedError("column '\(name)' holds \(kind) values, declared \(sig.kind)", at: 0) }
        let layout: RuntimeLayout, expected: Int
        switch (c.layout, sig.shape) {
        case (.scalar, .scalar): layout = .scalar; expected = batch.rowCount
        case (.fixed(let n), .fixed(let m)) where n == m: layout = .fixed(n); expected = batch.rowCount * n
        case (.ragged(let o), .ragged):
            guard o.count == batch.rowCount + 1, o.first == 0 else {
                throw LocatedError("column '\(name)': ragged offsets must be rowCount+1 = \(batch.rowCount + 1) values from 0", at: 0)
            }
            layout = .ragged(o); expected = o[batch.rowCount]
        default: throw LocatedError("column '\(name)' has layout \(c.layout) in the batch, declared \(sig.shape)", at: 0)
        }
        let v = Value(elements: elements, null: c.null, layout: layout)
        guard v.count == expected, c.null == nil || c.null!.count == expected else {
            throw LocatedError("column '\(name)' has \(v.count) values in the batch, expected \(expected)", at: 0)
        }
        return v
    }
}
