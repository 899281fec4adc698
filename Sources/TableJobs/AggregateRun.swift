// `aggregate`, step by step:
// 1. Compile --where, --by and every --values expression once against the table's columns
//    (errors with a caret before any bulk read, on every rank alike).
// 2. One collective pass over each rank's contiguous rows, reading only the referenced columns:
//    per kept row its integral group key and its values (NaN allowed: skipped per value later).
//    A row whose key is null/NaN is counted and left out (reported); a non-integral key is an
//    error naming the row.
// 3. GroupedStatistics (GaiaIO) makes every group's statistics exact and rank-independent: see
//    its header for the two algorithms (groups exchanged to one owner rank, or computed in place
//    by distributed selection) and their memory bounds.
import Aggregates
import Expressions
import Foundation
import GaiaIO
import GaiaJob
import MPI

public struct AggregateResult {
    /// nil for `--by none`.
    public var key: NamedExpression?
    /// The level L when the key is `healpix(L)`.
    public var healpixLevel: Int?
    public var values: [NamedExpression]
    public var valueUnits: [String]
    public var stats: [Statistic]
    public var grouped: GroupedResult
    public var whereText: String?
    public var mapColumn: String
    public var rowsRead = 0
    /// Rows passing --where.
    public var rowsSelected = 0
    /// Rows passing --where whose key is null (NaN, or a null integer): in no group.
    public var rowsNullKey = 0
    /// Non-empty groups (every rank knows it; `grouped` holds them on rank 0 only).
    public var groups = 0
    public var seconds = 0.0
    public var readSeconds = 0.0
    public var statisticsSeconds = 0.0
    public var input: String
    public var table: String
}

enum AggregateRun {
    /// Largest HEALPix level written as full-sky maps (12·4^10 pixels = 96 MiB per float64 map).
    static let maximumMapLevel = 10

    static func run(_ o: AggregateOptions, in context: JobContext) throws -> AggregateResult {
        let comm = context.communicator
        let t0 = Clock.wall()
        let scan = try TableScan(path: o.input, table: o.table, communicator: comm)
        let condition = try scan.condition(context)
        let stats = try Statistic.parse(o.stats)
        let (key, values, keyExpr, valueExprs) = try comm.collectively { try compile(o, scan: scan) }
        let columnNames = values.flatMap { v in stats.map { "\(v.name)_\($0.name)" } }
        let mapColumn = o.map ?? columnNames[0]
        try comm.collectively {
            guard columnNames.contains(mapColumn) else {
                let hint = Spelling.hint(for: mapColumn, among: columnNames)
                throw JobError("--map: no column '\(mapColumn)' among the results\(hint): \(columnNames.joined(separator: ", "))")
            }
        }
        let units: [String] = try values.map { v in
            guard scan.signatures.contains(where: { $0.name == v.text }) else { return "" }
            return try scan.table.attribute("units", of: v.text) ?? ""
        }
        let whereNote = condition.map { " where \($0.text)" } ?? ""
        let byNote = key.map { "\($0.name) = \($0.text)" } ?? "none"
        let valueNames = values.map(\.name).joined(separator: ", "), statNames = stats.map(\.name).joined(separator: " ")
        context.log("aggregate: \(scan.table.rowCount) rows of \(o.input):/\(scan.table.name)\(whereNote), by \(byNote), "
                    + "values \(valueNames), stats \(statNames)")

        var keys: [Int64] = []
        var columns = [[Double]](repeating: [], count: values.count)
        var selected = 0, nullKey = 0
        let tRead = Clock.wall()
        let progress = context.progress(unit: "rows")
        let read = referencedColumns([condition, keyExpr] + valueExprs)
        try scan.forEachChunk(chunkRows: o.chunkRows, columns: read, progress: progress) { rows, batch in
            let mask = try condition?.mask(batch) ?? [Bool](repeating: true, count: rows.count)
            // The rows used: passing --where, with a non-null key (column by column from here on).
            var used: [Int] = []
            used.reserveCapacity(rows.count)
            if let keyExpr {
                let (k, valid) = try groupKeys(keyExpr, batch, first: rows.start)
                for i in 0..<rows.count where mask[i] {
                    if valid[i] { used.append(i) } else { nullKey += 1; selected += 1 }
                }
                keys.append(contentsOf: used.lazy.map { k[$0] })
            } else {
                for i in 0..<rows.count where mask[i] { used.append(i) }
                keys.append(contentsOf: repeatElement(0, count: used.count))
            }
            selected += used.count
            for (j, e) in valueExprs.enumerated() {
                let v = try e.doubles(batch)
                columns[j].append(contentsOf: used.lazy.map { v[$0] })
            }
        }
        let readSeconds = comm.elapsed(since: tRead)
        try scan.close()

        let tStats = Clock.wall()
        var grouped = try GroupedStatistics.compute(GroupedInput(keys: keys, values: columns), stats: stats,
                                                    method: o.method, communicator: comm)
        let groups = comm.broadcast(grouped.keys.count)
        // The outputs are written from rank 0's rows (in_place leaves the result on every rank).
        if !comm.isRoot {
            grouped = GroupedResult(keys: [], rows: [], statistics: values.map { _ in stats.map { _ in [] } }, method: grouped.method)
        }
        var r = AggregateResult(key: key, healpixLevel: keyExpr.flatMap { healpixLevel($0.text) }, values: values,
                                valueUnits: units, stats: stats, grouped: grouped, whereText: condition?.text,
                                mapColumn: mapColumn, input: o.input, table: scan.table.name)
        r.groups = groups
        r.statisticsSeconds = comm.elapsed(since: tStats)
        r.readSeconds = readSeconds
        r.rowsRead = scan.table.rowCount
        let counts = comm.allreduce([selected, nullKey], .sum)
        r.rowsSelected = counts[0]
        r.rowsNullKey = counts[1]
        r.seconds = comm.elapsed(since: t0)
        return r
    }

    /// The key and value expressions, compiled; names checked (distinct, no clash with n_rows).
    static func compile(_ o: AggregateOptions, scan: TableScan) throws
        -> (NamedExpression?, [NamedExpression], Expressions.Expression?, [Expressions.Expression]) {
        let byText = o.by.trimmingCharacters(in: .whitespaces)
        let key = byText.lowercased() == "none" ? nil : try NamedExpression.parse(byText, what: "--by")
        let values = try o.values.flatMap(splitTopLevel).map { try NamedExpression.parse($0, what: "--values") }
        guard !values.isEmpty else { throw JobError("--values: give at least one value: NAME=EXPR or a column name") }
        var names = Set(["n_rows"])
        if let key { names.insert(key.name) }
        for v in values where !names.insert(v.name).inserted {
            throw JobError("--values: the name '\(v.name)' is used twice (or clashes with the key or n_rows)")
        }
        let keyExpr = try key.map { k -> Expressions.Expression in
            let e = try scan.compile(k.text, label: "--by")
            guard !e.isArray else {
                throw ExpressionError("gives an array per row; a group key is one integer per row", expression: k.text, position: 0, label: "--by")
            }
            return e
        }
        let valueExprs = try values.map { v -> Expressions.Expression in
            let e = try scan.compile(v.text, label: "--values \(v.name)")
            guard !e.isArray else {
                throw ExpressionError("gives an array per row; summarise it per row first (mean(…), median(…)) or index it (x[0])",
                                      expression: v.text, position: 0, label: "--values \(v.name)")
            }
            return e
        }
        return (key, values, keyExpr, valueExprs)
    }

    /// Each row's group key and whether it has one (false: null or NaN); an error for a
    /// non-integral or out-of-range value, naming the row.
    static func groupKeys(_ e: Expressions.Expression, _ batch: ExpressionBatch, first: Int) throws -> ([Int64], [Bool]) {
        let c = try e.evaluate(batch)
        switch c.values {
        case .int(let v):
            return (v, c.null.map { $0.map { !$0 } } ?? [Bool](repeating: true, count: v.count))
        case .bool(let v):
            return (v.map { $0 ? 1 : 0 }, c.null.map { $0.map { !$0 } } ?? [Bool](repeating: true, count: v.count))
        case .float(let v):
            var keys = [Int64](repeating: 0, count: v.count), valid = [Bool](repeating: false, count: v.count)
            for (i, x) in v.enumerated() where !x.isNaN {
                guard x == x.rounded(), abs(x) < 0x1p63 else {
                    throw JobError("--by \(e.text): row \(first + i) has the key \(x), which is not an integer "
                                   + "(a group key must be integral: use floor(…), round(…) or an integer column)")
                }
                keys[i] = Int64(x)
                valid[i] = true
            }
            return (keys, valid)
        }
    }

    /// L when `text` is `healpix(L)`.
    static func healpixLevel(_ text: String) -> Int? {
        let t = text.replacingOccurrences(of: " ", with: "")
        guard t.hasPrefix("healpix("), t.hasSuffix(")"), let l = Int(t.dropFirst(8).dropLast()), (0...12).contains(l) else { return nil }
        return l
    }
}
