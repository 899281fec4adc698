// Repack: Gaia eCSV files → one HDF5 table, in parallel.
//
//   pass 1  each rank parses the files assigned to it (balanced by size) into a binary spool
//   agree   per-file summaries are exchanged (allgather): row counts, source_id ranges, schemas,
//           ragged-array totals, string widths. Every rank derives the same global file order
//           (ascending source_id, verified), the same row/element offsets and the same layout.
//   pass 2  the file is created collectively (MPI-IO) under a temporary name; in rounds, each
//           rank writes one spooled batch into every column with collective hyperslab writes;
//           row counts are checked; rank 0 renames the file into place.
// Any rank's error is agreed on (CollectiveError) and ends the run on every rank with nothing at
// the final name.
import Foundation
import GaiaFormat
import HDF5
import MPI

public struct RepackOptions: Sendable {
    public var inputs: [String]
    public var output: String
    public var table: String?
    public var columns: [String]?
    public var fixedLengths: [String: Int] = [:]
    public var batchRows = 4096
    public var spoolMemoryBytes = 1 << 30
    public var overwrite = false
    /// Byte alignment of large datasets in the output (file-system stripe size; 1 MiB default).
    public var alignment = 1 << 20
    public var progressInterval = 5.0

    public init(inputs: [String], output: String) {
        self.inputs = inputs
        self.output = output
    }
}

public struct RepackSummary: Sendable {
    public var table: String
    public var files: Int
    public var rows: Int
    public var columns: Int
    public var compressedBytes: Int
    public var uncompressedBytes: Int
    public var outputBytes: Int
    public var seconds: Double
    public var parseSeconds: Double
    public var writeSeconds: Double
    public var nullCounts: [(column: String, nulls: Int)]
    public var duplicateSourceIDs: Int
    public var unsortedFiles: [String]
    public var spilledBytes: Int
    public var ranks: Int
    /// Columns kept that the known table does not declare (an archive query's `dist`), in
    /// column order; empty for an unknown table (`--table my_table`).
    public var extraColumns: [String]
}

/// What one rank learned about one input file in pass 1.
struct FileSummary: Codable {
    var index: Int
    var rows = 0
    var minID: Int64?
    var maxID: Int64?
    var wasSorted = true
    var duplicates = 0
    var columns: [ColumnLayout] = []
    var tableName: String?
    /// Known tables whose columns this file contains, none more specifically (no table then).
    var ambiguousTables: [String] = []
    var meta: [[String]] = []
    /// Per column: total ragged elements (0 for others).
    var raggedTotals: [Int] = []
    /// Per column: the smallest ragged column index with identical per-row lengths in this file.
    var leaders: [Int] = []
    var stringWidths: [Int] = []
    var nulls: [Int] = []
    var compressed = 0
    var uncompressed = 0
}

public enum Repack {
    public static func run(_ o: RepackOptions, communicator comm: Communicator,
                           log: (String) -> Void = { print($0) }) throws -> RepackSummary {
        let t0 = ProgressReporter.now()
        let partial = o.output + ".partial"
        // ---- checks before any work ------------------------------------------------------------
        try comm.collectively {
            guard !o.inputs.isEmpty else { throw FormatError(file: "-", "no input files given") }
            if comm.isRoot {
                if FileManager.default.fileExists(atPath: o.output) && !o.overwrite {
                    throw FormatError(file: o.output, "output exists; pass --overwrite to replace it")
                }
                for p in o.inputs where !FileManager.default.isReadableFile(atPath: p) {
                    throw FormatError(file: p, "input file does not exist or cannot be read")
                }
            }
        }
        let sizes = o.inputs.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
        let mine = FileAssignment.bySize(sizes, ranks: comm.size)[comm.rank]
        let myBytes = mine.reduce(0) { $0 + sizes[$1] }

        // ---- pass 1: parse into the spool -------------------------------------------------------
        let spool = BatchSpool(memoryBudget: o.spoolMemoryBytes, scratchPath: o.output + ".spool.\(comm.rank)")
        defer { spool.removeScratch() }
        var summaries: [FileSummary] = []
        var batchesOfFile: [Int: [BatchInfo]] = [:]
        let progress = ProgressReporter(label: "repack pass 1 (rank 0 share)", unit: "rows", enabled: comm.isRoot,
                                        interval: o.progressInterval)
        try comm.collectively {
            var doneBytes = 0
            var rowsSoFar = 0
            for f in mine {
                let (s, idx) = try parse(file: f, o, spool: spool) { rows, compressed in
                    progress.update(fraction: Double(doneBytes + compressed) / Double(max(myBytes, 1)),
                                    count: rowsSoFar + rows, detail: "file \(f + 1)/\(o.inputs.count)")
                }
                doneBytes += sizes[f]
                rowsSoFar += s.rows
                summaries.append(s)
                batchesOfFile[f] = idx
            }
        }
        let tParsed = ProgressReporter.now()

        // ---- agree: global order, offsets, layout ------------------------------------------------
        let encoded = try JSONEncoder().encode(summaries)
        let all = comm.allgather(string: String(decoding: encoded, as: UTF8.self))
        var files: [FileSummary] = []
        for s in all { files += try JSONDecoder().decode([FileSummary].self, from: Data(s.utf8)) }
        files.sort { $0.index < $1.index }
        let plan = try comm.collectively { try Plan(files: files, inputs: o.inputs, table: o.table) }
        let totalRows = plan.totalRows
        log(comm.isRoot ? "repack: \(o.inputs.count) file(s), \(totalRows) rows of \(plan.table), \(plan.columns.count) columns; parsed in \(ProgressReporter.duration(tParsed - t0)) on \(comm.size) rank(s)" : "")
        if comm.isRoot && !plan.extraColumns.isEmpty { log(Self.extraColumnsNote(plan)) }

        // ---- pass 2: create and write collectively --------------------------------------------
        let created = comm.broadcast(string: Provenance(ranks: comm.size).created)
        var prov = Provenance(ranks: comm.size)
        prov.created = created
        let writeProgress = ProgressReporter(label: "repack pass 2 (write)", unit: "batches", enabled: comm.isRoot,
                                             interval: o.progressInterval)
        var written = 0
        do {
            if comm.isRoot { unlink(partial) }
            comm.barrier()
            let h5 = try H5File.create(path: partial, communicator: comm, alignment: o.alignment)
            try prov.write(to: h5)
            try h5.setAttribute("input_files", plan.order.map { o.inputs[$0] })
            try h5.setAttribute("input_rows", plan.order.map { Int64(files[$0].rows) })
            try h5.setAttribute("input_bytes", plan.order.map { Int64(sizes[$0]) })
            try h5.setAttribute("tables", [plan.table])
            // My work items: (spool batch, first global row, first element per ragged group).
            var work: [WorkItem] = []
            for f in mine {
                var row = plan.rowStart[f]!
                var elements = plan.elementStart[f]!
                for b in batchesOfFile[f] ?? [] {
                    work.append(WorkItem(batch: b.index, row: row, elements: elements))
                    row += b.rows
                    for (leader, _) in elements { elements[leader]! += b.raggedElements[leader] }
                }
            }
            // Group and dataset handles live only inside this call: a parallel HDF5 file
            // closes only when none of its objects is open (H5F_CLOSE_SEMI).
            written = try writeTable(h5, plan: plan, work: work, spool: spool, comm: comm, progress: writeProgress)
            try h5.close()
        } catch {
            // An HDF5 failure inside collective I/O cannot be agreed on safely: end every rank.
            if comm.isRoot { unlink(partial) }
            comm.abort(message: "writing \(partial): \(error)")
        }
        let writtenTotal = comm.allreduce(written, .sum)
        let tWritten = ProgressReporter.now()
        try comm.collectively {
            if comm.isRoot {
                defer { if FileManager.default.fileExists(atPath: partial) { unlink(partial) } }
                guard writtenTotal == totalRows else {
                    throw FormatError(file: o.output, "rows in (\(totalRows)) ≠ rows written (\(writtenTotal)); output removed")
                }
                try verify(path: partial, table: plan.table, rows: totalRows, columns: plan.columns)
                if rename(partial, o.output) != 0 {
                    throw FormatError(file: o.output, "cannot rename \(partial): \(String(cString: strerror(errno)))")
                }
            }
        }
        let outSize = (try? FileManager.default.attributesOfItem(atPath: o.output)[.size] as? Int) ?? 0
        let spilled = comm.allreduce(spool.spilledBytes, .sum)
        var nulls: [(String, Int)] = []
        for (k, c) in plan.columns.enumerated() {
            let n = files.reduce(0) { $0 + ($1.nulls.count > k ? $1.nulls[k] : 0) }
            if n > 0 { nulls.append((c.name, n)) }
        }
        return RepackSummary(table: plan.table, files: files.count, rows: totalRows, columns: plan.columns.count,
                             compressedBytes: sizes.reduce(0, +),
                             uncompressedBytes: files.reduce(0) { $0 + $1.uncompressed },
                             outputBytes: outSize, seconds: tWritten - t0, parseSeconds: tParsed - t0,
                             writeSeconds: tWritten - tParsed, nullCounts: nulls,
                             duplicateSourceIDs: files.reduce(0) { $0 + $1.duplicates },
                             unsortedFiles: files.filter { !$0.wasSorted }.map { o.inputs[$0.index] },
                             spilledBytes: spilled, ranks: comm.size, extraColumns: plan.extraColumns)
    }

    /// The note naming the columns beyond the known table (all of them: the user asked for "which").
    static func extraColumnsNote(_ plan: Plan) -> String {
        "repack: note: \(plan.extraColumns.count) column(s) are not among GaiaMine's \(plan.table) columns and are kept as the header declares them: \(plan.extraColumns.joined(separator: ", "))"
    }

    /// A spooled batch: its index, rows, and elements per column (ragged columns).
    struct BatchInfo {
        var index: Int
        var rows: Int
        var raggedElements: [Int]
        init(index: Int, batch: ColumnBatch) {
            self.index = index
            rows = batch.rowCount
            raggedElements = batch.columns.map { $0.schema.shape == .variable ? $0.lengths.reduce(0) { $0 + Int($1) } : 0 }
        }
    }

    struct WorkItem {
        var batch: Int
        var row: Int
        var elements: [Int: Int]
    }

    private static func writeTable(_ h5: H5File, plan: Plan, work: [WorkItem], spool: BatchSpool, comm: Communicator,
                                   progress: ProgressReporter) throws -> Int {
        let (_, datasets, offsets) = try TableLayout.create(in: h5, table: plan.table, columns: plan.columns,
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
        return written
    }

    // MARK: pass 1

    private static func parse(file f: Int, _ o: RepackOptions, spool: BatchSpool,
                              progress: (Int, Int) -> Void) throws -> (FileSummary, [BatchInfo]) {
        let path = o.inputs[f]
        var opts = ReaderOptions()
        opts.columns = o.columns
        opts.fixedLengths = o.fixedLengths
        opts.tableName = o.table
        let reader = try ECSVReader(path: path, options: opts)
        let schema = reader.schema
        var s = FileSummary(index: f)
        s.columns = schema.columns.map { ColumnLayout($0) }
        s.tableName = schema.tableName
        s.ambiguousTables = schema.ambiguousTables
        s.meta = schema.meta.map { [$0.key, $0.value] }
        let n = schema.columns.count
        s.raggedTotals = [Int](repeating: 0, count: n)
        s.stringWidths = [Int](repeating: 0, count: n)
        s.nulls = [Int](repeating: 0, count: n)
        let ragged = schema.columns.indices.filter { schema.columns[$0].shape == .variable }
        // equal[i][j]: ragged columns i and j have had identical lengths in every row so far.
        var leaders = [Int](repeating: -1, count: n)
        for j in ragged { leaders[j] = ragged.first! }
        var candidates: [Int: [Int]] = [:]  // j → ragged columns i < j still equal to j
        for (p, j) in ragged.enumerated() { candidates[j] = Array(ragged[..<p]) }
        let idCol = schema.index(of: "source_id")
        var lastID: Int64?
        var indices: [BatchInfo] = []
        while let b = try reader.readBatch(maxRows: o.batchRows) {
            s.rows += b.rowCount
            for (k, c) in b.columns.enumerated() {
                s.nulls[k] += c.nullCount
                if c.schema.shape == .variable {
                    s.raggedTotals[k] += c.lengths.reduce(0) { $0 + Int($1) }
                }
                if c.schema.element == .string, let m = c.lengths.max() { s.stringWidths[k] = max(s.stringWidths[k], Int(m)) }
            }
            for j in ragged {
                candidates[j] = candidates[j]!.filter { b.columns[$0].lengths == b.columns[j].lengths }
            }
            if let idCol, b.columns[idCol].schema.element == .int64 {
                b.columns[idCol].withValues(Int64.self) { ids in
                    for id in ids {
                        if let l = lastID {
                            if id < l { s.wasSorted = false }
                            if id == l { s.duplicates += 1 }
                        }
                        lastID = id
                        s.minID = min(s.minID ?? id, id)
                        s.maxID = max(s.maxID ?? id, id)
                    }
                }
            }
            indices.append(BatchInfo(index: try spool.append(b), batch: b))
            progress(s.rows, reader.compressedBytesRead)
        }
        if s.rows > 0 { for j in ragged { leaders[j] = candidates[j]!.first ?? j } }
        s.leaders = leaders
        s.compressed = reader.compressedBytesRead
        s.uncompressed = reader.uncompressedBytesRead
        if let idCol {
            if !s.wasSorted {
                // Archive exports need not be sorted: sort this file's rows (stable) in memory.
                guard indices.allSatisfy({ spool.isInMemory($0.index) }) else {
                    throw FormatError(file: path, "rows are not in ascending source_id order and the file is larger than the spool memory budget; raise --spool-memory or sort the file")
                }
                let whole = BatchOps.concatenate(try indices.map { try spool.batch($0.index) })
                let ids = whole.columns[idCol].values(Int64.self)
                let order = ids.indices.sorted { ids[$0] != ids[$1] ? ids[$0] < ids[$1] : $0 < $1 }
                let sorted = BatchOps.permute(whole, order: order)
                for i in indices { spool.replace(i.index, with: ColumnBatch(columns: [], rowCount: 0, firstLine: 0)) }
                indices = [BatchInfo(index: try spool.append(sorted), batch: sorted)]
                // Duplicates are kept and reported; count them in sorted order.
                s.duplicates = zip(order.dropFirst(), order).filter { ids[$0.0] == ids[$0.1] }.count
            }
        }
        return (s, indices)
    }

    // MARK: pass 2

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
    private static func verify(path: String, table: String, rows: Int, columns: [ColumnLayout]) throws {
        let f = try H5File.open(path: path)
        let g = try f.openGroup(table)
        for c in columns {
            let d = try g.openDataset(c.name)
            if c.shape != .variable && d.rowCount != rows {
                throw FormatError(file: path, "dataset \(table)/\(c.name) has \(d.rowCount) rows, expected \(rows)")
            }
        }
        try f.close()
    }
}

/// The global plan every rank derives identically from the gathered file summaries.
struct Plan {
    var table: String
    var columns: [ColumnLayout]
    var meta: [TableSchema.MetaEntry]
    /// Columns the known table `table` does not declare (empty if the table is not a known one).
    var extraColumns: [String]
    var order: [Int]
    var rowStart: [Int: Int] = [:]
    var elementStart: [Int: [Int: Int]] = [:]
    var raggedTotals: [Int: Int] = [:]
    var totalRows = 0

    init(files: [FileSummary], inputs: [String], table: String?) throws {
        guard let first = files.first else { throw FormatError(file: "-", "no input files") }
        // Table name: --table, else the header's TABLE meta, else recognised by the reader.
        let names = Set(files.compactMap(\.tableName))
        if let table { self.table = table } else if names.count == 1 { self.table = names.first! } else if names.isEmpty {
            if let f = files.first(where: { !$0.ambiguousTables.isEmpty }) {
                throw FormatError(file: inputs[f.index], "cannot tell which Gaia table this is: its columns contain every column of \(f.ambiguousTables.joined(separator: " and of ")); pass --table NAME")
            }
            throw FormatError(file: inputs[first.index], "cannot tell which Gaia table this is (no TABLE meta, unknown file name and columns); pass --table NAME")
        } else {
            throw FormatError(file: inputs[first.index], "inputs belong to different tables (\(names.sorted().joined(separator: ", "))); repack each table separately")
        }
        // Layout: same columns in every file; integer widths and float precision widened.
        var cols = first.columns
        for f in files.dropFirst() {
            guard f.columns.map(\.name) == cols.map(\.name) else {
                throw FormatError(file: inputs[f.index], "columns differ from \(inputs[first.index]): [\(f.columns.map(\.name).joined(separator: ","))] vs [\(cols.map(\.name).joined(separator: ","))]")
            }
            for k in cols.indices {
                let a = cols[k], b = f.columns[k]
                guard a.shape == b.shape else {
                    throw FormatError(file: inputs[f.index], column: b.name, "array shape \(b.shape) differs from \(a.shape) in \(inputs[first.index])")
                }
                guard let e = Self.widen(a.element, b.element) else {
                    throw FormatError(file: inputs[f.index], column: b.name, "datatype \(b.element.rawValue) cannot be merged with \(a.element.rawValue) declared in \(inputs[first.index])")
                }
                cols[k].element = e
            }
        }
        for k in cols.indices where cols[k].element == .string {
            cols[k].stringWidth = max(1, files.map { $0.stringWidths[k] }.max() ?? 1)
        }
        // Ragged groups: columns share offsets iff their lengths agree in every file.
        for j in cols.indices where cols[j].shape == .variable {
            cols[j].offsetsLeader = cols.indices.first { i in
                cols[i].shape == .variable && i <= j && files.allSatisfy { $0.leaders[i] == $0.leaders[j] || $0.rows == 0 }
            }
        }
        columns = cols
        extraColumns = KnownTables.table(named: self.table)?.extraColumns(in: cols.map(\.name)) ?? []
        meta = first.meta.map { TableSchema.MetaEntry(key: $0[0], value: $0[1]) }
        // Order: ascending source_id by file; ranges must not overlap.
        let hasIDs = cols.contains { $0.name == "source_id" }
        order = files.map(\.index)
        if hasIDs {
            order.sort { (files[$0].minID ?? .max, $0) < (files[$1].minID ?? .max, $1) }
            var prev: FileSummary?
            for i in order where files[i].rows > 0 {
                if let p = prev, p.maxID! >= files[i].minID! {
                    throw FormatError(file: inputs[i], "source_id range [\(files[i].minID!), \(files[i].maxID!)] overlaps [\(p.minID!), \(p.maxID!)] of \(inputs[p.index]); the output must be in ascending source_id — repack overlapping files separately")
                }
                prev = files[i]
            }
        }
        let leaders = Set(cols.compactMap(\.offsetsLeader))
        var running = [Int: Int]()
        for l in leaders { running[l] = 0 }
        for i in order {
            rowStart[i] = totalRows
            totalRows += files[i].rows
            elementStart[i] = running
            for l in leaders { running[l]! += files[i].raggedTotals[l] }
        }
        raggedTotals = running
    }

    static func widen(_ a: ElementType, _ b: ElementType) -> ElementType? {
        if a == b { return a }
        let signed: [ElementType] = [.int8, .int16, .int32, .int64]
        if let i = signed.firstIndex(of: a), let j = signed.firstIndex(of: b) { return signed[max(i, j)] }
        if Set([a, b]) == Set([.float32, .float64]) { return .float64 }
        return nil
    }
}
