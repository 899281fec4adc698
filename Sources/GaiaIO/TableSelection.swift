// A row selection by expression (`--where EXPR`, Docs/expressions.md): compiled once against a
// table's columns — on every rank, before any bulk read, so a bad expression is reported once with
// its caret and nothing is read or written — then evaluated block by block on the rows each rank
// reads, reading only the columns the expression references. A row is kept when the expression
// is true; null/NaN is not true (SQL's WHERE). The decision for a row depends on that row alone,
// so the selected set, and every result computed from it, does not depend on the rank count.
import Expressions
import MPI

public final class TableSelection {
    /// The expression as the user wrote it.
    public let text: String
    public let expression: Expression
    public let table: GaiaTable
    /// Rows this rank has evaluated and kept (sum them with `totals`).
    public private(set) var rowsSeen = 0
    public private(set) var rowsKept = 0

    /// Compiles `text` against `table` (errors: the expression, a caret, what is wrong).
    public init(_ text: String, table: GaiaTable, label: String = "--where") throws {
        self.text = text
        self.table = table
        expression = try table.compileExpression(text, label: label, condition: true)
    }

    /// The columns the selection reads.
    public var columns: [String] { expression.referencedColumns }

    /// One flag per row of `rows` (true: keep). With `collective`, every rank must call it the
    /// same number of times (possibly with an empty range). `count`: add the rows to the totals
    /// of the log line (false for a look-ahead, e.g. a cost model, of rows counted later).
    public func keep(rows: RowRange, collective: Bool, count: Bool = true) throws -> [Bool] {
        let batch = try table.readBatch(columns, rows: rows, collective: collective)
        return try keep(batch, count: count)
    }

    /// The flags for a batch the caller has read (it must hold `columns`).
    public func keep(_ batch: ExpressionBatch, count: Bool = true) throws -> [Bool] {
        let m = try expression.mask(batch)
        precondition(m.count == batch.rowCount, "a selection's mask has one flag per row")
        if count {
            rowsSeen += m.count
            for k in m where k { rowsKept += 1 }
        }
        return m
    }

    /// Offsets (within `rows`) of the rows kept.
    public func keptRows(_ rows: RowRange, collective: Bool) throws -> [Int] {
        let flags = try keep(rows: rows, collective: collective)
        return flags.indices.filter { flags[$0] }
    }

    /// (rows evaluated, rows kept) over every rank. Collective.
    public func totals(_ comm: Communicator) -> (seen: Int, kept: Int) {
        let v = comm.allreduce([rowsSeen, rowsKept], .sum)
        return (v[0], v[1])
    }

    /// The log line: `where 'parallax > 1': 12 345 of 100 000 rows kept`.
    public static func describe(_ text: String, seen: Int, kept: Int) -> String {
        "where '\(text)': \(grouped(kept)) of \(grouped(seen)) rows kept"
    }

    /// Collective: this selection's log line, with the totals over every rank.
    public func describe(_ comm: Communicator) -> String {
        let t = totals(comm)
        return Self.describe(text, seen: t.seen, kept: t.kept)
    }

    /// Digits in groups of three separated by spaces (12 345), as in the log lines.
    static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += " " }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }
}
