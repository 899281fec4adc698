// Expressions over pairs of rows: `a.X` and `b.X` name column X of either row (every scalar
// column of the table), `sep` the separation in arcsec. Compiled once against those names (so an
// unknown `a.paralax` gets a caret and a "did you mean" before any read), evaluated over batches
// of pairs gathered from the rows each rank holds.
import Expressions
import GaiaIO
import GaiaJob

struct PairExpressions {
    let filter: Expressions.Expression?
    let columns: [(name: String, expression: Expressions.Expression)]
    /// Columns of the table the expressions name through a./b. (each once), and their kinds.
    let payloadNames: [String]
    let payloadKinds: [ElementKind]

    static let separation = "sep"

    /// `carry`: columns moved with the rows even if no expression names them (pmra, pmdec for
    /// the figure), when the table has them.
    init(pairWhere: String?, columns items: [String], table: [ColumnSignature], carry: [String] = ["pmra", "pmdec"]) throws {
        var signatures = [ColumnSignature(name: Self.separation, kind: .float, shape: .scalar)]
        for c in table where c.shape == .scalar {
            signatures.append(ColumnSignature(name: "a." + c.name, kind: c.kind, shape: .scalar))
            signatures.append(ColumnSignature(name: "b." + c.name, kind: c.kind, shape: .scalar))
        }
        filter = try pairWhere.map { try Expressions.Expression($0, columns: signatures, label: "--pair-where", condition: true) }
        var names: Set<String> = ["source_id_a", "source_id_b", Self.separation]
        columns = try items.flatMap(splitTopLevel).map { item in
            let n = try NamedExpression.parse(item, what: "--columns")
            guard names.insert(n.name).inserted else {
                throw JobError("--columns: the name '\(n.name)' is used twice (or clashes with source_id_a, source_id_b or sep)")
            }
            let e = try Expressions.Expression(n.text, columns: signatures, label: "--columns \(n.name)")
            guard !e.isArray else {
                throw ExpressionError("gives an array per pair; a pair column is one value per pair", expression: n.text,
                                      position: 0, label: "--columns \(n.name)")
            }
            return (n.name, e)
        }
        var seen = Set<String>(), payload: [String] = []
        for e in [filter].compactMap({ $0 }) + columns.map(\.expression) {
            for c in e.referencedColumns where c != Self.separation {
                let base = String(c.dropFirst(2))
                if seen.insert(base).inserted { payload.append(base) }
            }
        }
        for c in carry where table.contains(where: { $0.name == c && $0.shape == .scalar }) && seen.insert(c).inserted {
            payload.append(c)
        }
        payloadNames = payload
        payloadKinds = payload.map { p in table.first { $0.name == p }!.kind }
    }

    var isTrivial: Bool { filter == nil && columns.isEmpty }

    /// Pairs per evaluation block: the gathered payload of a block (2 × payload columns × 64 k
    /// values) and the evaluator's temporaries stay in cache, where one batch over every found pair
    /// (tens of millions for a dense search) streamed gigabytes through memory.
    static let block = 65_536

    /// For pairs (a[k], b[k]) of `rows` at separation sep[k]: which pass --pair-where, and the
    /// --columns of those that do. Evaluated block by block (expressions are row-wise, reductions
    /// are along a row's own array: the values do not depend on the blocking).
    func evaluate(_ rows: PairRows, a: [Int], b: [Int], sep: [Double]) throws -> (keep: [Bool], columns: [PayloadColumn]) {
        guard !isTrivial else { return ([Bool](repeating: true, count: a.count), []) }
        guard !a.isEmpty else { return ([], columns.map { PayloadColumn(kind: $0.expression.kind) }) }
        var keep: [Bool] = []
        keep.reserveCapacity(a.count)
        var out: [PayloadColumn] = []
        // Null masks are gathered only for the columns that have a null (float columns never do:
        // their null is NaN); the batch gets the same columns either way.
        let hasNull = rows.payload.map { $0.null.contains(true) }
        for start in stride(from: 0, to: a.count, by: Self.block) {
            let end = min(a.count, start + Self.block)
            let ia = Array(a[start..<end]), ib = Array(b[start..<end])
            var batch = ExpressionBatch(rowCount: end - start,
                                        columns: [Self.separation: ExpressionColumn(values: .float(Array(sep[start..<end])))])
            for (j, name) in rows.payloadNames.enumerated() {
                batch.columns["a." + name] = rows.payload[j].expressionColumn(ia, nulls: hasNull[j])
                batch.columns["b." + name] = rows.payload[j].expressionColumn(ib, nulls: hasNull[j])
            }
            let k = try filter?.mask(batch) ?? [Bool](repeating: true, count: end - start)
            keep += k
            let kept = k.indices.filter { k[$0] }
            let cols = try columns.map { c -> PayloadColumn in
                let v = try c.expression.evaluate(batch)
                return PayloadColumn(v, rows: kept)
            }
            if start == 0 { out = cols } else { for j in cols.indices { out[j].append(cols[j]) } }
        }
        return (keep, out)
    }
}
