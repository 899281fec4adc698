// Repack pass 1: one file parsed into the spool, with the summary the ranks exchange (rows,
// source_id range and order, ragged totals and groups, string widths, nulls; for a transit table
// n_ccd and its number of sources). See Repack.swift and TransitRows.swift.
import Foundation
import GaiaFormat

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
    /// A transit table (TransitRows.swift): CCDs per transit (nil when the file has no rows).
    var isTransitTable = false
    var nCCD: Int?
    /// A transit table: distinct source_ids, i.e. entries of the per-source index.
    var sources = 0
}

extension Repack {
    /// Parses file `f` into the spool: its summary, its spooled batches (in (source_id, transit
    /// time) order for a transit table, else in source_id order) and, for a transit table, its
    /// part of the per-source index.
    static func parse(file f: Int, _ o: RepackOptions, spool: BatchSpool,
                      progress: (Int, Int) -> Void) throws -> (FileSummary, [BatchInfo], TransitRows.Runs?) {
        let path = o.inputs[f]
        var opts = ReaderOptions()
        opts.columns = o.columns
        opts.fixedLengths = o.fixedLengths
        opts.tableName = o.table
        let reader = try TableFiles.open(path: path, options: opts)  // ECSV/CSV text or FITS
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
        let transit = try TransitColumns(schema.columns, table: o.table ?? schema.tableName, path: path)
        s.isTransitTable = transit != nil
        var runs = TransitRows.Runs()
        // A transit table's arrays become fixed N × n_ccd: none is ragged.
        let ragged = transit != nil ? [] : schema.columns.indices.filter { schema.columns[$0].shape == .variable }
        // equal[i][j]: ragged columns i and j have had identical lengths in every row so far.
        var leaders = [Int](repeating: -1, count: n)
        for j in ragged { leaders[j] = ragged.first! }
        var candidates: [Int: [Int]] = [:]  // j → ragged columns i < j still equal to j
        for (p, j) in ragged.enumerated() { candidates[j] = Array(ragged[..<p]) }
        let idCol = schema.index(of: "source_id") ?? transit?.sourceID
        var lastID: Int64?
        var lastTime = Int64.min
        var indices: [BatchInfo] = []
        while var b = try reader.readBatch(maxRows: o.batchRows) {
            if let transit { try TransitRows.fixArrays(&b, columns: transit, nCCD: &s.nCCD, path: path) }
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
            if let transit {
                let times = b.columns[transit.obsTime].values(Int64.self)
                let n = s.nCCD!
                b.columns[transit.sourceID].withValues(Int64.self) { ids in
                    times.withUnsafeBufferPointer { tp in
                        for (r, id) in ids.enumerated() {
                            let t = TransitRows.transitTime(tp, row: r, nCCD: n)
                            if let l = lastID {
                                if (id, t) < (l, lastTime) { s.wasSorted = false }
                                if id == l && t == lastTime { s.duplicates += 1 }  // a repeated transit
                            }
                            lastID = id
                            lastTime = t
                            runs.add(id)
                            s.minID = min(s.minID ?? id, id)
                            s.maxID = max(s.maxID ?? id, id)
                        }
                    }
                }
            } else if let idCol, b.columns[idCol].schema.element == .int64 {
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
        if let n = s.nCCD {
            for k in s.columns.indices where s.columns[k].shape.isArray { s.columns[k].shape = .fixed(n) }
        }
        if let idCol, !s.wasSorted {
            // Archive exports need not be sorted: sort this file's rows (stable) in memory.
            let key = transit.map { (column: $0.obsTime, nCCD: s.nCCD!) }
            (indices, s.duplicates, runs) = try sortInMemory(indices, idColumn: idCol, transit: key, spool: spool, path: path)
        }
        s.sources = runs.sourceIDs.count
        return (s, indices, transit != nil ? runs : nil)
    }

    /// Replaces a file's spooled batches by one batch of its rows in ascending source_id order
    /// (stable; a transit table: by (source_id, transit time)); the batch, the number of
    /// duplicates (source_ids; a transit table: repeated (source_id, time) pairs) and the runs of
    /// equal source_ids. The batches must be in memory.
    private static func sortInMemory(_ indices: [BatchInfo], idColumn idCol: Int, transit: (column: Int, nCCD: Int)?,
                                     spool: BatchSpool, path: String) throws -> ([BatchInfo], Int, TransitRows.Runs) {
        guard indices.allSatisfy({ spool.isInMemory($0.index) }) else {
            let order = transit == nil ? "ascending source_id order" : "(source_id, transit time) order"
            throw FormatError(file: path, "rows are not in \(order) and the file is larger than the spool memory budget; raise --spool-memory or sort the file")
        }
        let whole = BatchOps.concatenate(try indices.map { try spool.batch($0.index) })
        let ids = whole.columns[idCol].values(Int64.self)
        let times = transit.map { TransitRows.transitTimes(whole.columns[$0.column].values(Int64.self), nCCD: $0.nCCD) }
            ?? [Int64](repeating: 0, count: ids.count)
        let order = TransitRows.order(ids: ids, times: times)
        let sorted = BatchOps.permute(whole, order: order)
        for i in indices { spool.replace(i.index, with: ColumnBatch(columns: [], rowCount: 0, firstLine: 0)) }
        // Duplicates are kept and reported; count them in sorted order.
        let duplicates = zip(order.dropFirst(), order).filter { ids[$0.0] == ids[$0.1] && times[$0.0] == times[$0.1] }.count
        var runs = TransitRows.Runs()
        for r in order { runs.add(ids[r]) }
        return ([BatchInfo(index: try spool.append(sorted), batch: sorted)], duplicates, runs)
    }
}
