// Outputs of `crossmatch`:
//   PREFIX.h5 / PREFIX.ecsv  group `crossmatch`: B's id (under its own name), source_id (A), sep
//                            (arcsec), n_within; sorted by B id, then sep, then source_id
//   PREFIX.svg               the separations of the output rows (a real match piles up at small
//                            sep, chance neighbours grow ∝ sep), and how many B rows have
//                            n_within = 1, 2, 3, …
import Foundation
import GaiaFormat
import GaiaIO
import GaiaJob
import MPI
import Plot

enum CrossmatchOutputs {
    static let bins = 40

    static func write(_ r: CrossmatchResult, in context: JobContext) throws {
        let comm = context.communicator
        let b = r.catalogue
        let idValues: ECSVOutputColumn.Values
        switch b.ids {
        case .int(let v): idValues = .int64(r.bRow.map { v[$0] })
        case .string(let v): idValues = .string(r.bRow.map { v[$0] })
        }
        let columns = [
            ECSVOutputColumn(idColumnName(b.idName), idValues, description: "Id of the row of \(b.path)"),
            ECSVOutputColumn("source_id", .int64(r.sourceId), description: "source_id of the matched row of \(r.input):/\(r.table)"),
            ECSVOutputColumn("sep", .float64(r.sep), unit: "arcsec", description: "Angular separation (atan2 of |a×b| and a·b)"),
            ECSVOutputColumn("n_within", .int64(r.nWithin),
                             description: String(format: "Rows of the table within %.6g arcsec of the catalogue row", r.radius)),
        ]
        // Figure data, summed over ranks: separations in `bins` bins over [0, radius], and the
        // B rows per n_within (each B row counted once: at its first output row).
        var sepCounts = [Int](repeating: 0, count: bins)
        for s in r.sep { sepCounts[min(bins - 1, Int(s / r.radius * Double(bins)))] += 1 }
        sepCounts = comm.allreduce(sepCounts, .sum)
        let maxWithin = comm.allreduce(Int(r.nWithin.max() ?? 0), .max)
        var within = [Int](repeating: 0, count: maxWithin + 1)
        for k in r.nWithin.indices where k == 0 || r.bRow[k] != r.bRow[k - 1] { within[Int(r.nWithin[k])] += 1 }
        within = comm.allreduce(within, .sum)

        let meta: [(String, ResultAttribute)] = [
            ("input", .string("\(r.input):/\(r.table)")),
            ("catalogue", .string(b.path)),
            ("catalogue_id", .string(b.idName)),
            ("radius_arcsec", .double(r.radius)),
            ("match", .string(r.mode.rawValue)),
            ("min_within", .int(r.minWithin)),
            ("where", .string(r.whereText ?? "")),
            ("rows_read", .int(r.rowsRead)),
            ("rows_selected", .int(r.rowsSelected)),
            ("rows_skipped_nan_position", .int(r.skippedPosition)),
            ("catalogue_rows_read", .int(b.rowsRead)),
            ("catalogue_rows_selected", .int(b.rowsSelected)),
            ("catalogue_rows_skipped_nan_position", .int(b.skippedPosition)),
            ("catalogue_rows_matched", .int(r.bMatched)),
            ("matches", .int(r.matches)),
        ]
        try ParallelResultFile.write(prefix: context.output, group: "crossmatch", columns: columns, parameters: context.parameters,
                                     meta: meta, communicator: comm,
                                     alsoWrite: { try figure(r, sepCounts: sepCounts, within: within).write(path: context.path(".svg")) })
    }

    /// B's id under its own name, unless that is one of the other columns' (a B table's
    /// `source_id`): then `b_` + the name.
    static func idColumnName(_ name: String) -> String {
        ["source_id", "sep", "n_within"].contains(name) ? "b_" + name : name
    }

    static func figure(_ r: CrossmatchResult, sepCounts: [Int], within: [Int]) -> Figure {
        var f = Figure(columns: 2, panelWidth: 460, panelHeight: 340,
                       title: "\(r.catalogue.path) × \(r.input), \(r.mode.rawValue) within \(String(format: "%.6g", r.radius))″")
        let w = r.radius / Double(bins)
        var p = Panel(title: "Separations of the output rows", x: Axis("sep [arcsec]"), y: Axis("rows per bin"), legend: false)
        p.add(x: (0..<bins).map { (Double($0) + 0.5) * w }, y: sepCounts.map(Double.init), label: "rows", style: .steps)
        f.add(p)
        var q = Panel(title: "Catalogue rows by n_within", x: Axis("n_within"), y: Axis("catalogue rows"), legend: false)
        q.add(x: within.indices.dropFirst().map(Double.init), y: within.dropFirst().map(Double.init), label: "rows", style: .bars)
        f.add(q)
        return f
    }

    static func summary(_ r: CrossmatchResult, in context: JobContext) -> String {
        var lines = [String(format: "crossmatch: %d catalogue rows (%d read, %d skipped: NaN position) against %d of %d table rows",
                            r.catalogue.count, r.catalogue.rowsRead, r.catalogue.skippedPosition, r.rowsSelected - r.skippedPosition, r.rowsRead)]
        if r.skippedPosition > 0 { lines.append("  \(r.skippedPosition) table rows with a NaN position skipped") }
        lines.append(String(format: "  %d matches within %.6g arcsec; %d catalogue rows matched (%.3g%%), %d output rows (%@%@)",
                            r.matches, r.radius, r.bMatched, r.catalogue.count > 0 ? 100 * Double(r.bMatched) / Double(r.catalogue.count) : 0,
                            r.rowsOut, r.mode.rawValue, r.minWithin > 1 ? ", n_within ≥ \(r.minWithin)" : ""))
        lines.append(String(format: "  %.2f s (search and sort %.2f s), %.3g table rows/s", r.seconds, r.searchSeconds,
                            Clock.rate(r.rowsRead, seconds: r.seconds)))
        lines.append("  → \(context.path(".h5")), \(context.path(".ecsv")), \(context.path(".svg"))")
        return lines.joined(separator: "\n")
    }
}
