// Runtime values: the elements of one expression node for every row of a batch, and how the
// operands of an element-wise operation are brought to one layout (broadcasting a per-row scalar
// over a row's array elements, checking per row that arrays have equal lengths).

enum Elements {
    case float([Double])
    case int([Int64])
    case bool([Bool])
}

enum RuntimeLayout: Equatable {
    case constant                 // one element standing for every row (literals, folded constants)
    case scalar                   // one element per row
    case fixed(Int)               // n elements per row
    case ragged([Int])            // rowCount+1 offsets, the first 0

    var isArray: Bool {
        switch self { case .fixed, .ragged: return true; default: return false }
    }
}

struct Value {
    var elements: Elements
    /// int and bool: true where null; nil when nothing is null.
    var null: [Bool]?
    var layout: RuntimeLayout

    var count: Int {
        switch elements { case .float(let v): return v.count; case .int(let v): return v.count; case .bool(let v): return v.count }
    }

    /// Float view: ints and bools converted (bool as 0/1), nulls as NaN.
    var doubles: [Double] {
        switch elements {
        case .float(let v): return v
        case .int(let v):
            guard let null else { return v.map { Double($0) } }
            return (0..<v.count).map { null[$0] ? .nan : Double(v[$0]) }
        case .bool(let v):
            guard let null else { return v.map { $0 ? 1 : 0 } }
            return (0..<v.count).map { null[$0] ? .nan : (v[$0] ? 1 : 0) }
        }
    }

    /// Exact integer view (bool as 0/1); nulls stay in `null`. Floats never reach it (the checker
    /// types any float operand as float arithmetic).
    var ints: [Int64] {
        switch elements {
        case .int(let v): return v
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .float: preconditionFailure("integer view of a float value")
        }
    }

    /// Condition view: null counts as false.
    var truth: [Bool] {
        guard case .bool(var v) = elements else { preconditionFailure("truth of a non-boolean value") }
        if let null { for i in 0..<v.count where null[i] { v[i] = false } }
        return v
    }

    /// Row r's element range, for array layouts.
    func rowOffsets(rowCount: Int) -> [Int] {
        switch layout {
        case .ragged(let o): return o
        case .fixed(let n): return (0...rowCount).map { $0 * n }
        case .scalar: return Array(0...rowCount)
        case .constant: preconditionFailure("row offsets of a constant")
        }
    }

    /// This value with its per-row elements repeated over `target`'s row lengths (a per-row scalar
    /// broadcast over arrays), or unchanged when it already has that layout or is a constant.
    func conformed(to target: RuntimeLayout, rowCount: Int) -> Value {
        if layout == .constant || layout == target { return self }
        if layout.isArray { return Value(elements: elements, null: null, layout: target) }  // same lengths, checked
        var index: [Int] = []
        switch target {
        case .fixed(let n):
            index.reserveCapacity(rowCount * n)
            for r in 0..<rowCount { for _ in 0..<n { index.append(r) } }
        case .ragged(let o):
            index.reserveCapacity(o[rowCount])
            for r in 0..<rowCount { for _ in o[r]..<o[r + 1] { index.append(r) } }
        case .scalar, .constant: return self
        }
        return gathered(index, layout: target)
    }

    /// The elements at `index`, in that order.
    func gathered(_ index: [Int], layout: RuntimeLayout) -> Value {
        let e: Elements
        switch elements {
        case .float(let v): e = .float(index.map { v[$0] })
        case .int(let v): e = .int(index.map { v[$0] })
        case .bool(let v): e = .bool(index.map { v[$0] })
        }
        return Value(elements: e, null: null.map { n in index.map { n[$0] } }, layout: layout)
    }
}

/// The layout of an element-wise operation over `values`: arrays of a row must have equal lengths
/// (checked per row for ragged arrays; the error names the row within the batch); per-row scalars
/// and constants broadcast.
func commonLayout(_ values: [Value], rowCount: Int, position: Int) throws -> RuntimeLayout {
    var result = RuntimeLayout.constant
    for v in values {
        switch (result, v.layout) {
        case (_, .constant), (.fixed, .scalar), (.ragged, .scalar): continue
        case (.constant, _), (.scalar, _): result = v.layout
        case (.fixed(let n), .fixed(let m)):
            if n != m { throw LocatedError("arrays of different lengths (\(n) and \(m))", at: position) }
        case (.fixed(let n), .ragged(let o)), (.ragged(let o), .fixed(let n)):
            for r in 0..<rowCount where o[r + 1] - o[r] != n {
                throw LocatedError("arrays of different lengths in row \(r) of the batch (\(o[r + 1] - o[r]) and \(n))", at: position)
            }
            result = .fixed(n)
        case (.ragged(let a), .ragged(let b)):
            if a == b { continue }
            for r in 0..<rowCount where a[r + 1] - a[r] != b[r + 1] - b[r] {
                throw LocatedError("arrays of different lengths in row \(r) of the batch (\(a[r + 1] - a[r]) and \(b[r + 1] - b[r]))", at: position)
            }
        }
    }
    return result
}

/// Element-wise nulls of a result of `count` elements: null where any input is null (a mask of
/// one element is a constant's and stands for every element).
func unionNulls(_ masks: [[Bool]?], count: Int) -> [Bool]? {
    var out: [Bool]? = nil
    for case let m? in masks {
        if out == nil { out = [Bool](repeating: false, count: count) }
        if m.count == count && count != 1 {
            for i in 0..<count where m[i] { out![i] = true }
        } else if m[0] {
            out = [Bool](repeating: true, count: count)
        }
    }
    return out
}
