// What the table jobs share: the input table opened collectively, each rank's contiguous rows,
// the expressions compiled once against the table's columns (errors before any bulk read), and
// the collective chunk loop that reads only the columns the expressions reference.
import Expressions
import Foundation
import GaiaIO
import GaiaJob
import MPI

final class TableScan {
    let table: GaiaTable
    /// This rank's rows (contiguous: rank order is input order).
    let rows: RowRange
    /// The columns expressions may name (kind and shape), for checks before any bulk read.
    let signatures: [ColumnSignature]
    let communicator: Communicator

    init(path: String, table name: String?, communicator comm: Communicator) throws {
        let t = try comm.collectively { try GaiaTable(path: path, table: name, communicator: comm) }
        table = t
        rows = RowPartition.byCount(rows: t.rowCount, parts: comm.size, index: comm.rank)
        signatures = try comm.collectively { try t.expressionColumns() }
        communicator = comm
    }

    /// Compiles `text` (the same on every rank, so every rank throws the same error).
    func compile(_ text: String, label: String) throws -> Expressions.Expression {
        try table.compileExpression(text, label: label)
    }

    /// The run's common `--where`, compiled against this table (nil: every row).
    func condition(_ context: JobContext) throws -> Expressions.Expression? {
        try communicator.collectively { try context.selection(for: table)?.expression }
    }

    /// The collective chunk loop: `body` gets each chunk's rows and a batch holding `columns`
    /// (read collectively); an error on any rank stops every rank at the end of the round, and
    /// the first one in input order is reported.
    func forEachChunk(chunkRows: Int, columns: [String], progress: ProgressReporter? = nil,
                      _ body: (RowRange, ExpressionBatch) throws -> Void) throws {
        let chunks = CollectiveChunks(rows, chunkRows: chunkRows, communicator: communicator)
        var done = 0
        for round in chunks {
            // Independent reads: each rank reads its own contiguous rows, so MPI-IO's two-phase
            // collective buffering only adds copies (measured: ~30 % of a filter's time).
            let batch = try communicator.collectively { try table.readBatch(columns, rows: round.rows, collective: false) }
            try communicator.collectivelyFirst { try body(round.rows, batch) }
            done += round.rows.count
            progress?.update(fraction: round.fractionDone, count: done * communicator.size)
        }
    }

    func close() throws { try table.close() }
}

/// Every column named by `expressions`, once, in first-use order.
/// `plus`: columns a job reads besides (ra, dec, an id), appended when not named already.
func referencedColumns(_ expressions: [Expressions.Expression?], plus names: [String] = []) -> [String] {
    var seen = Set<String>(), out: [String] = []
    for e in expressions.compactMap({ $0 }) { for c in e.referencedColumns where seen.insert(c).inserted { out.append(c) } }
    for c in names where seen.insert(c).inserted { out.append(c) }
    return out
}

/// Splits `a=f(x, y), b` at the commas outside parentheses and brackets (`--values`, `--define`).
func splitTopLevel(_ text: String) -> [String] {
    var parts: [String] = [], current = "", depth = 0
    for ch in text {
        if ch == "(" || ch == "[" { depth += 1 } else if ch == ")" || ch == "]" { depth -= 1 }
        if ch == "," && depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
    }
    parts.append(current)
    return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `NAME=EXPR` (or a bare column name, which names itself). `==` is not a naming `=`.
public struct NamedExpression: Equatable, Sendable {
    public var name: String
    public var text: String

    public static func parse(_ item: String, what: String) throws -> NamedExpression {
        let s = item.trimmingCharacters(in: .whitespaces)
        let chars = Array(s)
        for (i, ch) in chars.enumerated() where ch == "=" {
            let before = i > 0 ? chars[i - 1] : " ", after = i + 1 < chars.count ? chars[i + 1] : " "
            if "=<>!".contains(before) || after == "=" { continue }
            let name = String(chars[..<i]).trimmingCharacters(in: .whitespaces)
            let text = String(chars[(i + 1)...]).trimmingCharacters(in: .whitespaces)
            guard isName(name) else { throw JobError("\(what) '\(s)': '\(name)' is not a valid column name (letters, digits, _; not starting with a digit)") }
            guard !text.isEmpty else { throw JobError("\(what) '\(s)': no expression after '='") }
            return NamedExpression(name: name, text: text)
        }
        guard isName(s) else { throw JobError("\(what) '\(s)': give NAME=EXPRESSION (or a column name)") }
        return NamedExpression(name: s, text: s)
    }

    static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }
}
