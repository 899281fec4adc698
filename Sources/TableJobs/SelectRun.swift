// `select`, step by step: compile --where and every define once (errors before any bulk read),
// one collective pass over each rank's rows reading only the referenced columns (the kept row
// indices and the defined values of the kept rows), then TableSubset copies the kept rows of the
// chosen columns in their stored types. Rank r's rows precede rank r+1's, so the output is in
// input order whatever the number of ranks.
import Expressions
import Foundation
import GaiaIO
import GaiaJob
import MPI

enum SelectRun {
    static func run(_ o: SelectOptions, in context: JobContext) throws -> SelectResult {
        let comm = context.communicator
        let t0 = Clock.wall()
        let scan = try TableScan(path: o.input, table: o.table, communicator: comm)
        let condition = try scan.condition(context)
        let defines = try o.define.map { try NamedExpression.parse($0, what: "define") }
        let columns = o.columns.isEmpty ? scan.table.columnNames : o.columns
        let compiled: [Expressions.Expression] = try comm.collectively {
            try checkNames(columns: columns, defines: defines, scan: scan)
            return try defines.map { d in
                let e = try scan.compile(d.text, label: "define \(d.name)")
                guard !e.isArray else {
                    throw ExpressionError("gives an array per row; a column needs one value per row "
                                          + "(reduce it: mean(…), median(…), count(…), or index a fixed array: x[0])",
                                          expression: d.text, position: 0, label: "define \(d.name)")
                }
                return e
            }
        }
        context.log("select: \(scan.table.rowCount) rows of \(o.input):/\(scan.table.name)"
                    + (condition.map { " where \($0.text)" } ?? "") + ", \(columns.count) columns + \(defines.count) derived")

        var kept: [Int] = []
        var derived = compiled.map { DerivedValues(kind: $0.kind) }
        let progress = context.progress(unit: "rows")
        try scan.forEachChunk(chunkRows: o.chunkRows, columns: referencedColumns([condition] + compiled), progress: progress) { rows, batch in
            let mask = try condition?.mask(batch) ?? [Bool](repeating: true, count: rows.count)
            // The kept rows of the chunk (offsets in the batch), written without per-row appends.
            let local = [Int](unsafeUninitializedCapacity: rows.count) { buffer, count in
                var j = 0
                // Branch-free: a selection mask is as good as random to the branch predictor.
                mask.withUnsafeBufferPointer { m in for i in 0..<m.count { buffer[j] = i; j += m[i] ? 1 : 0 } }
                count = j
            }
            kept.append(contentsOf: local.lazy.map { $0 + rows.start })
            for (k, e) in compiled.enumerated() { derived[k].append(try e.evaluate(batch), rows: local) }
        }
        let rowsKept = comm.allreduce(kept.count, .sum)

        let tWrite = Clock.wall()
        let path = context.path(".h5"), partial = path + ".partial"
        var groupAttributes: [(String, String)] = [("selected_from", "\(o.input):/\(scan.table.name)"),
                                                   ("selection", condition?.text ?? "")]
        if !defines.isEmpty { groupAttributes.append(("derived_columns", defines.map { "\($0.name) = \($0.text)" }.joined(separator: "; "))) }
        do {
            if comm.isRoot { unlink(partial) }
            comm.barrier()
            try TableSubset.write(from: scan.table, columns: columns, kept: kept,
                                  derived: zip(defines, derived).map { $0.1.column(name: $0.0.name, text: $0.0.text) },
                                  to: partial, groupAttributes: groupAttributes, fileAttributes: [("parameters", context.parameters)],
                                  chunkRows: o.chunkRows, communicator: comm)
        } catch {
            // A failure inside collective HDF5 I/O cannot be agreed on safely: end every rank.
            if comm.isRoot { unlink(partial) }
            comm.abort(message: "writing \(partial): \(error)")
        }
        try scan.close()
        try comm.collectively {
            if comm.isRoot, rename(partial, path) != 0 { throw JobError("cannot rename \(partial) to \(path)") }
        }
        var r = SelectResult()
        r.rowsRead = scan.table.rowCount
        r.rowsKept = rowsKept
        r.columns = columns.count
        r.derived = defines
        r.writeSeconds = comm.elapsed(since: tWrite)
        r.seconds = comm.elapsed(since: t0)
        return r
    }

    /// Copied columns exist; derived names are new and distinct.
    static func checkNames(columns: [String], defines: [NamedExpression], scan: TableScan) throws {
        let all = scan.table.columnNames
        for c in columns where !all.contains(c) {
            let hint = Spelling.hint(for: c, among: all)
            throw JobError("--columns: \(scan.table.path):/\(scan.table.name) has no column '\(c)'\(hint)")
        }
        guard Set(columns).count == columns.count else { throw JobError("--columns: a column is named twice") }
        var seen = Set(columns)
        for d in defines where !seen.insert(d.name).inserted {
            throw JobError("define \(d.name): the output already has a column '\(d.name)'")
        }
    }
}

/// The values of one defined column for the kept rows, in its result kind.
struct DerivedValues {
    /// The expression's result kind (static: the same on every rank, even one without rows).
    let kind: ElementKind
    var floats: [Double] = []
    var ints: [Int64] = []
    var bools: [Int8] = []

    init(kind: ElementKind) { self.kind = kind }

    /// Appends the values at `rows` (indices into the batch) of a per-row result.
    mutating func append(_ c: ExpressionColumn, rows: [Int]) {
        switch c.values {
        case .float(let v):
            for i in rows { floats.append(v[i]) }
        case .int(let v):
            for i in rows { ints.append(c.null?[i] == true ? Int64.min : v[i]) }
        case .bool(let v):
            for i in rows { bools.append(c.null?[i] == true ? -1 : (v[i] ? 1 : 0)) }
        }
    }

    func column(name: String, text: String) -> DerivedColumn {
        let values: DerivedColumn.Values
        switch kind {
        case .int: values = .int64(ints)
        case .bool: values = .bool(bools)
        case .float: values = .float64(floats)
        }
        return DerivedColumn(name: name, values: values, description: text)
    }
}
