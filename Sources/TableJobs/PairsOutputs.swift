// Outputs of `pairs`:
//   PREFIX.h5 / PREFIX.ecsv            group `pairs`: source_id_a < source_id_b, sep (arcsec), the
//                                      --columns; sorted by (source_id_a, source_id_b), each rank
//                                      writing its block of the globally sorted table
//   PREFIX_shifted.h5 / .ecsv          with --shifted: the pairs between the selection (a) and its
//                                      shifted copy (b), same columns and order
//   PREFIX.svg                         separations of the pairs against the shifted-copy pairs
//                                      (chance alignments), and Δµ against θ
import Foundation
import GaiaFormat
import GaiaIO
import GaiaJob
import MPI
import Plot

enum PairsOutputs {
    static func write(_ r: PairsResult, in context: JobContext) throws {
        let comm = context.communicator
        let histogram = PairFigure.histograms(r, comm)
        let sample = PairFigure.sample(r.pairs, comm)
        if let s = r.shifted {
            try table(s, r, prefix: context.output + "_shifted", shifted: true, context: context)
        }
        do {
            try table(r.pairs, r, prefix: context.output, shifted: false, context: context) {
                try PairFigure.figure(r, histogram: histogram, sample: sample)?.write(path: context.path(".svg"))
            }
        } catch {
            if r.shifted != nil && comm.isRoot { unlink(context.output + "_shifted.h5"); unlink(context.output + "_shifted.ecsv") }
            throw error
        }
    }

    static func table(_ t: PairTable, _ r: PairsResult, prefix: String, shifted: Bool, context: JobContext,
                      alsoWrite: () throws -> Void = {}) throws {
        let comm = context.communicator
        var columns = [
            ECSVOutputColumn("source_id_a", .int64(t.a), description: shifted ? "source_id of the row of the selection"
                                                                               : "source_id of the pair's first row (the smaller)"),
            ECSVOutputColumn("source_id_b", .int64(t.b), description: shifted ? "source_id of the row of the shifted copy"
                                                                               : "source_id of the pair's second row"),
            ECSVOutputColumn("sep", .float64(t.sep), unit: "arcsec", description: "Angular separation (atan2 of |a×b| and a·b)"),
        ]
        // An integer column with a null anywhere becomes float64 with NaN (agreed over ranks).
        let anyNull = comm.allreduce(t.columns.map { Int32($0.null.contains(true) ? 1 : 0) }, .max)
        for (j, c) in t.columns.enumerated() {
            let description = "\(r.columnTexts[j]) (a, b: the pair's rows; sep in arcsec)"
            let values: ECSVOutputColumn.Values
            switch c.values {
            case .float(let v): values = .float64(v)
            case .int(let v): values = anyNull[j] != 0 ? .float64(zip(v, c.null).map { $1 ? .nan : Double($0) }) : .int64(v)
            case .bool(let v): values = .bool(zip(v, c.null).map { $0 && !$1 })
            }
            columns.append(ECSVOutputColumn(r.columnNames[j], values, description: description))
        }
        let meta: [(String, ResultAttribute)] = [
            ("input", .string("\(r.input):/\(r.table)")),
            ("radius", .string(r.radiusText)),
            ("radius_unit", .string("arcsec")),
            ("where", .string(r.whereText ?? "")),
            ("pair_where", .string(r.pairWhere ?? "")),
            ("shifted_deg", .double(shifted ? r.shiftDeg ?? 0 : 0)),
            ("rows_read", .int(r.rowsRead)),
            ("rows_selected", .int(r.rowsSelected)),
            ("rows_skipped_nan_position", .int(r.skippedPosition)),
            ("rows_skipped_nan_radius", .int(r.skippedRadius)),
            ("candidate_pairs_tested", .int(t.candidates)),
            ("pairs_found", .int(t.found)),
            ("pairs_kept", .int(t.kept)),
            ("halo_radius_arcsec", .double(t.haloRadius)),
            ("large_radius_rows", .int(t.largeRows)),
            ("halo_rows", .int(t.haloRows)),
        ]
        try ParallelResultFile.write(prefix: prefix, group: "pairs", columns: columns, parameters: context.parameters,
                                     meta: meta, communicator: comm, alsoWrite: alsoWrite)
    }

    static func summary(_ r: PairsResult, in context: JobContext) -> String {
        var lines = [String(format: "pairs: %d rows read, %d selected, %d pairs found, %d kept", r.rowsRead, r.rowsSelected,
                            r.pairs.found, r.pairs.kept)]
        if r.skippedPosition + r.skippedRadius > 0 {
            lines.append("  skipped: \(r.skippedPosition) rows with a NaN position, \(r.skippedRadius) with a NaN radius")
        }
        if let s = r.shifted, let deg = r.shiftDeg {
            let rate = r.pairs.kept > 0 ? Double(s.kept) / Double(r.pairs.kept) : .nan
            lines.append(String(format: "  shifted copy (%.6g°): %d pairs kept — chance-alignment estimate %.3g of the pairs", deg, s.kept, rate))
        }
        lines.append(String(format: "  halo radius %.6g arcsec, %d rows above it broadcast, %d halo rows received, %d candidate pairs tested",
                            r.pairs.haloRadius, r.pairs.largeRows, r.pairs.haloRows, r.pairs.candidates))
        lines.append(String(format: "  %.2f s (read %.2f s, search %.2f s), %.3g rows/s, %.3g pairs/s", r.seconds, r.readSeconds,
                            r.pairs.seconds, Clock.rate(r.rowsRead, seconds: r.seconds), Clock.rate(r.pairs.found, seconds: r.pairs.seconds)))
        var outputs = [context.path(".h5"), context.path(".ecsv"), context.path(".svg")]
        if r.shifted != nil { outputs += [context.output + "_shifted.h5", context.output + "_shifted.ecsv"] }
        lines.append("  → " + outputs.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
