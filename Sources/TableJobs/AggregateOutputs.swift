// Outputs of `aggregate`:
//   PREFIX.h5 / PREFIX.ecsv  group `aggregate`: one row per non-empty group in key order — the key
//                            column (named as in --by; absent for none), n_rows (rows passing
//                            --where in the group), and <value>_<stat> (count as int64); units
//                            from the value's column when the value is a bare column
//   PREFIX.h5 maps/          for --by NAME=healpix(L), L ≤ 10: full-sky NESTED maps of length
//                            12·4^L, one per result column and n_rows (NaN, or 0 for n_rows, where
//                            a pixel has no rows), attributes ORDERING=NESTED, NSIDE,
//                            INDXSCHM=IMPLICIT, COORDSYS=C — what healpy's read_map returns
//   PREFIX.svg               the --map column: a Mollweide map with a colour bar for healpix
//                            keys, else the column and n_rows against the key
// Rank 0 holds every row (GroupedStatistics gathers them there); the other ranks take part in
// the collective write with none.
import Aggregates
import Foundation
import GaiaFormat
import GaiaIO
import GaiaJob
import Numerics
import Plot

enum AggregateOutputs {
    static func write(_ r: AggregateResult, in context: JobContext) throws {
        let g = r.grouped
        var columns: [ECSVOutputColumn] = []
        if let key = r.key {
            columns.append(ECSVOutputColumn(key.name, .int64(g.keys), description: "Group key: \(key.text)"))
        }
        columns.append(ECSVOutputColumn("n_rows", .int64(g.rows), description: "Rows of the group passing the selection"
                                        + (r.whereText.map { " (\($0))" } ?? "")))
        for (v, value) in r.values.enumerated() {
            for (s, stat) in r.stats.enumerated() {
                let x = g.statistics.isEmpty ? [] : g.statistics[v][s]
                let name = "\(value.name)_\(stat.name)"
                let description = "\(describe(stat)) of \(value.text) (NaN values skipped)"
                if stat == .count {
                    columns.append(ECSVOutputColumn(name, .int64(x.map { Int64($0) }), description: description))
                } else {
                    columns.append(ECSVOutputColumn(name, .float64(x), unit: unit(of: stat, r.valueUnits[v]), description: description))
                }
            }
        }
        let maps = r.healpixLevel.flatMap { $0 <= AggregateRun.maximumMapLevel ? $0 : nil }
            .map { healpixMaps(r, columns: columns, level: $0, owner: context.communicator.isRoot) } ?? []
        let meta: [(String, ResultAttribute)] = [
            ("input", .string("\(r.input):/\(r.table)")),
            ("by", .string(r.key.map { "\($0.name) = \($0.text)" } ?? "none")),
            ("values", .strings(r.values.map { "\($0.name) = \($0.text)" })),
            ("stats", .strings(r.stats.map(\.name))),
            ("where", .string(r.whereText ?? "")),
            ("method", .string(r.grouped.method)),
            ("rows_read", .int(r.rowsRead)),
            ("rows_selected", .int(r.rowsSelected)),
            ("rows_null_key", .int(r.rowsNullKey)),
            ("groups", .int(r.groups)),
        ]
        try ParallelResultFile.write(prefix: context.output, group: "aggregate", columns: columns, arrays: maps,
                                     parameters: context.parameters, meta: meta, communicator: context.communicator,
                                     alsoWrite: { try figure(r, columns: columns)?.write(path: context.path(".svg")) })
    }

    static func summary(_ r: AggregateResult, in context: JobContext) -> String {
        var lines = [String(format: "aggregate: %d rows read, %d selected, %d groups (method %@)",
                            r.rowsRead, r.rowsSelected, r.groups, r.grouped.method)]
        if r.rowsNullKey > 0 { lines.append("  \(r.rowsNullKey) selected rows have a null key (\(r.key?.text ?? "")) and are in no group") }
        if let l = r.healpixLevel, l > AggregateRun.maximumMapLevel {
            lines.append("  healpix(\(l)): no full-sky maps above level \(AggregateRun.maximumMapLevel); the table lists every non-empty pixel")
        }
        lines.append(String(format: "  %.2f s (read %.2f s, statistics %.2f s), %.3g rows/s", r.seconds, r.readSeconds,
                            r.statisticsSeconds, Clock.rate(r.rowsRead, seconds: r.seconds)))
        lines.append("  → \(context.path(".h5")), \(context.path(".ecsv"))" + (r.groups == 0 || r.key == nil ? "" : ", \(context.path(".svg"))"))
        return lines.joined(separator: "\n")
    }

    static func describe(_ s: Statistic) -> String {
        switch s {
        case .count: return "Number of non-NaN values"
        case .mean: return "Mean"
        case .std: return "Standard deviation (ddof 1)"
        case .skew: return "Skewness, bias-corrected (pandas Series.skew)"
        case .kurtosis: return "Excess kurtosis, bias-corrected (pandas Series.kurt)"
        case .min: return "Minimum"
        case .max: return "Maximum"
        case .median: return "Median"
        case .mad: return "Median absolute deviation from the median (unscaled)"
        case .percentile(let p): return "Percentile \(p) (numpy, linear interpolation)"
        }
    }

    static func unit(of s: Statistic, _ valueUnit: String) -> String? {
        switch s {
        case .count, .skew, .kurtosis: return nil
        default: return valueUnit.isEmpty ? nil : valueUnit
        }
    }

    /// Full-sky maps of every result column (owner: rank 0, which holds the rows).
    static func healpixMaps(_ r: AggregateResult, columns: [ECSVOutputColumn], level: Int, owner: Bool) -> [DistributedArray] {
        let npix = Int(HEALPix.pixelCount(order: level))
        let attributes: [(String, ResultAttribute)] = [("ORDERING", .string("NESTED")), ("NSIDE", .int(1 << level)),
                                                       ("INDXSCHM", .string("IMPLICIT")), ("COORDSYS", .string("C"))]
        let keys = r.grouped.keys
        return columns.dropFirst().map { c in
            var map = [Double](repeating: c.name == "n_rows" ? 0 : .nan, count: owner ? npix : 0)
            if owner {
                switch c.values {
                case .int64(let v): for (i, k) in keys.enumerated() { map[Int(k)] = Double(v[i]) }
                case .float64(let v): for (i, k) in keys.enumerated() { map[Int(k)] = v[i] }
                default: break
                }
            }
            return DistributedArray(path: "maps/\(c.name)", shape: [npix], owner: 0, values: map, unit: c.unit ?? "",
                                    description: "\(c.description ?? c.name): HEALPix NESTED map, NSIDE \(1 << level)"
                                        + (c.name == "n_rows" ? " (0 where empty)" : " (NaN where empty)"),
                                    attributes: attributes)
        }
    }

    /// The --map column: on the sky for healpix keys, else against the key; nil for --by none.
    static func figure(_ r: AggregateResult, columns: [ECSVOutputColumn]) -> Figure? {
        guard let key = r.key, !r.grouped.keys.isEmpty,
              let c = columns.first(where: { $0.name == r.mapColumn }) else { return nil }
        let y: [Double]
        switch c.values {
        case .int64(let v): y = v.map(Double.init)
        case .float64(let v): y = v
        default: return nil
        }
        let label = c.name + (c.unit.map { " [\($0)]" } ?? "")
        let title = "\(c.name) per \(key.name) = \(key.text)"
        // The selection goes in the figure's title line (shortened: the full text is in PREFIX.yaml).
        let selection = r.whereText.map { w in "where " + (w.count > 100 ? String(w.prefix(97)) + "…" : w) }
        if let level = r.healpixLevel {
            var byPixel: [Int64: Double] = [:]
            for (i, k) in r.grouped.keys.enumerated() { byPixel[k] = y[i] }
            var f = Figure(columns: 1, panelWidth: 900, panelHeight: 560, title: selection)
            f.add(MapPanel(title: title + " (\(byPixel.count) of \(HEALPix.pixelCount(order: level)) pixels)", unit: label) { lon, lat in
                byPixel[HEALPix.ang2pixNested(order: level, raDeg: lon, decDeg: lat)] ?? .nan
            })
            return f
        }
        let x = r.grouped.keys.map(Double.init)
        var f = Figure(columns: 1, panelWidth: 760, panelHeight: 360, title: selection)
        f.add(Panel(title: title, x: Axis(key.name), y: Axis(label), series: [Series(x: x, y: y, label: c.name, style: .lineAndPoints)], legend: false))
        f.add(Panel(title: "Rows per group", x: Axis(key.name), y: Axis("n_rows"),
                    series: [Series(x: x, y: r.grouped.rows.map(Double.init), label: "n_rows", style: .bars)], legend: false))
        return f
    }
}
