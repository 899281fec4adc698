// Repack pass 2: the table's datasets created in the partial file and written collectively, one
// spooled batch per rank and round; the finished file verified. See Repack.swift.
import Foundation
import GaiaFormat
import HDF5
import MPI

extension Repack {
    static func writeTable(_ h5: H5File, plan: Plan, work: [WorkItem], runs: [(file: Int, runs: TransitRows.Runs)],
                           spool: BatchSpool, comm: Communicator, progress: ProgressReporter) throws -> Int {
        let (group, datasets, offsets) = try TableLayout.create(in: h5, table: plan.table, columns: plan.columns,
                                                             rows: plan.totalRows, raggedTotals: plan.raggedTotals,
                                                             meta: plan.meta, extraColumns: plan.extraColumns)
        var written = 0
        let rounds = comm.allreduce(work.count, .max)
        for r in 0..<rounds {
            let item = r < work.count ? work[r] : nil
            let batch = try item.map { try spool.batch($0.batch) }
            try writeRound(batch: batch, row: item?.row ?? 0, elements: item?.elements ?? [:],
                           columns: plan.columns, datasets: datasets, offsets: offsets)
            written += batch?.rowCount ?? 0
            progress.update(fraction: Double(r + 1) / Double(rounds), count: r + 1)
        }
        // The closing entry (index N) of every offsets dataset, written by rank 0.
        for (leader, d) in offsets.sorted(by: { $0.key < $1.key }) {
            var end = Int64(plan.raggedTotals[leader] ?? 0)
            try d.write(rows: plan.totalRows, count: comm.isRoot ? 1 : 0, from: &end, collective: true)
        }
        if plan.isTransitTable { try writeSourceIndex(group, plan: plan, runs: runs, comm: comm) }
        return written
    }

    private static func writeRound(batch: ColumnBatch?, row: Int, elements: [Int: Int], columns: [ColumnLayout],
                                   datasets: [Dataset], offsets: [Int: Dataset]) throws {
        let rows = batch?.rowCount ?? 0
        for (k, c) in columns.enumerated() {
            let data = batch?.columns[k]
            let memory = data.map { ColumnLayout.h5Element($0.schema.element, stringWidth: c.stringWidth) }
            switch c.shape {
            case .scalar where c.element == .string:
                var padded = [UInt8](repeating: 0, count: max(rows * c.stringWidth, 1))
                if let data {
                    var src = 0
                    for r in 0..<rows {
                        let n = Int(data.lengths[r])
                        for i in 0..<n { padded[r * c.stringWidth + i] = data.bytes[src + i] }
                        src += n
                    }
                }
                try padded.withUnsafeBytes { try datasets[k].write(rows: row, count: rows, from: $0.baseAddress, collective: true) }
            case _ where c.shape != .variable && data != nil && data!.schema.element != c.element && c.element.isInteger:
                // Widened integer (e.g. int8 in CDN files, int16 in archive exports): convert here
                // so that nulls become the wider type's fill value, not a sign-extended small one.
                let values = Self.widenedIntegers(data!, to: c.element)
                try values.withUnsafeBytes {
                    try datasets[k].write(rows: row, count: rows, from: $0.baseAddress, collective: true, memoryElement: .int64)
                }
            case .scalar, .fixed:
                try (data?.bytes ?? []).withUnsafeBytes {
                    try datasets[k].write(rows: row, count: rows, from: $0.baseAddress, collective: true, memoryElement: memory)
                }
            case .variable:
                let leader = c.offsetsLeader ?? k
                let start = elements[leader] ?? 0
                let count = data?.elementCount ?? 0
                try (data?.bytes ?? []).withUnsafeBytes {
                    try datasets[k].write(rows: start, count: count, from: $0.baseAddress, collective: true, memoryElement: memory)
                }
                if leader == k, let od = offsets[k] {
                    var offs = [Int64](repeating: 0, count: rows)
                    var running = Int64(start)
                    for r in 0..<rows {
                        offs[r] = running
                        running += Int64(data!.lengths[r])
                    }
                    try offs.withUnsafeBytes { try od.write(rows: row, count: rows, from: $0.baseAddress, collective: true) }
                }
            }
        }
    }

    static func widenedIntegers(_ d: ColumnData, to target: ElementType) -> [Int64] {
        let fromFill = d.schema.element.fillValue
        func map<T: BinaryInteger>(_ t: T.Type, _ layoutFill: Int64) -> [Int64] {
            d.withValues(T.self) { $0.map { Int64($0) == fromFill ? layoutFill : Int64($0) } }
        }
        let fill = target.fillValue ?? Int64.min
        switch d.schema.element {
        case .int8: return map(Int8.self, fill)
        case .int16: return map(Int16.self, fill)
        case .int32: return map(Int32.self, fill)
        default: return d.values(Int64.self)
        }
    }

    /// Rank 0 re-opens the finished file serially and checks every dataset has its row count.
    static func verify(path: String, table: String, rows: Int, columns: [ColumnLayout], sources: Int?) throws {
        let f = try H5File.open(path: path)
        let g = try f.openGroup(table)
        for c in columns {
            let d = try g.openDataset(c.name)
            if c.shape != .variable && d.rowCount != rows {
                throw FormatError(file: path, "dataset \(table)/\(c.name) has \(d.rowCount) rows, expected \(rows)")
            }
        }
        if let sources {
            let ig = try g.openGroup(SourceIndex.groupName)
            for name in SourceIndex.datasetNames where try ig.openDataset(name).rowCount != sources {
                throw FormatError(file: path, "dataset \(table)/\(SourceIndex.groupName)/\(name) does not have \(sources) rows")
            }
        }
        try f.close()
    }
}
