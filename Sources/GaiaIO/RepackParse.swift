// Repack pass 1: one file parsed into the spool, with the summary the ranks exchange (rows,
// source_id range and order, ragged totals and groups, string widths, nulls). See Repack.swift.
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
}

extension Repack {
    static func parse(file f: Int, _ o: RepackOptions, spool: BatchSpool,
                      progress: (Int, Int) -> Void) throws -> (FileSummary, [BatchInfo]) {
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
        if let idCol, !s.wasSorted {
            // Archive exports need not be sorted: sort this file's rows (stable) in memory.
            (indices, s.duplicates) = try sortInMemory(indices, idColumn: idCol, spool: spool, path: path)
        }
        return (s, indices)
    }

    /// Replaces a file's spooled batches by one batch of its rows in ascending source_id order
    /// (stable); the batch and the number of duplicate source_ids. The batches must be in memory.
    private static func sortInMemory(_ indices: [BatchInfo], idColumn idCol: Int, spool: BatchSpool,
                                     path: String) throws -> ([BatchInfo], Int) {
        guard indices.allSatisfy({ spool.isInMemory($0.index) }) else {
            throw FormatError(file: path, "rows are not in ascending source_id order and the file is larger than the spool memory budget; raise --spool-memory or sort the file")
        }
        let whole = BatchOps.concatenate(try indices.map { try spool.batch($0.index) })
        let ids = whole.columns[idCol].values(Int64.self)
        let order = ids.indices.sorted { ids[$0] != ids[$1] ? ids[$0] < ids[$1] : $0 < $1 }
        let sorted = BatchOps.permute(whole, order: order)
        for i in indices { spool.replace(i.index, with: ColumnBatch(columns: [], rowCount: 0, firstLine: 0)) }
        // Duplicates are kept and reported; count them in sorted order.
        let duplicates = zip(order.dropFirst(), order).filter { ids[$0.0] == ids[$0.1] }.count
        return ([BatchInfo(index: try spool.append(sorted), batch: sorted)], duplicates)
    }
}
