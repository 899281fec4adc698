// Tables whose rows are field-of-view transits (Gaia DR4's DataLink EPOCH_ASTROMETRY product and
// its bulk equivalent): what repack does differently for them (Docs/data-format.md, "The
// epoch_astrometry table").
//
//   * every array column holds one value per CCD of the transit (SM, AF1–AF9): n_ccd elements in
//     every row, n_ccd being the first row's obs_time_tcb length. The header declares them
//     variable-length (`subtype: float64[null]`), but a fixed N × n_ccd dataset lets a job read a
//     slice of transits as one rectangular block;
//   * rows are sorted by (source_id, transit time) so that the transits of a source are one
//     contiguous, time-ordered slice, found through the per-source index (SourceIndex.swift).
//
// A table is a transit table when it has an int64 scalar `source_id` and an array `obs_time_tcb`
// (or the camelCase `sourceId` / `obsTimeTcb` of internal exports, read as they are).
import GaiaFormat

/// The columns that make a table a transit table, by index in the file's (selected) columns.
struct TransitColumns {
    var sourceID: Int
    var obsTime: Int

    static let sourceIDNames = ["source_id", "sourceId"]
    static let obsTimeNames = ["obs_time_tcb", "obsTimeTcb"]

    /// Nil when the columns do not make a transit table; an error when they make half of one
    /// (per-CCD times without source_id, or the epoch_astrometry table without either column).
    init?(_ columns: [ColumnSchema], table: String?, path: String) throws {
        let s = columns.firstIndex { Self.sourceIDNames.contains($0.name) && $0.shape == .scalar }
        let t = columns.firstIndex { Self.obsTimeNames.contains($0.name) && $0.shape.isArray }
        guard let s, let t else {
            if t != nil || table == "epoch_astrometry" {
                let missing = [s == nil ? "source_id" : nil, t == nil ? "obs_time_tcb (an array)" : nil].compactMap { $0 }
                throw FormatError(file: path, "no \(missing.joined(separator: " and no ")) column: a table whose rows are transits (epoch_astrometry) needs an int64 source_id and the per-CCD obs_time_tcb array, to sort the transits of each source and index them (with --columns, include both)")
            }
            return nil
        }
        guard columns[s].element == .int64 else {
            throw FormatError(file: path, column: columns[s].name, fieldIndex: s + 1,
                              "a transit table's source_id must be int64, the header declares \(columns[s].element.rawValue)")
        }
        guard columns[t].element == .int64 else {
            throw FormatError(file: path, column: columns[t].name, fieldIndex: t + 1,
                              "a transit table's obs_time_tcb must be int64 (ns since 2010-01-01 TCB), the header declares \(columns[t].element.rawValue)")
        }
        sourceID = s
        obsTime = t
    }
}

enum TransitRows {
    /// The time of a transit: the first non-null element of its obs_time_tcb row (null =
    /// Int64.min, the int64 fill value); a transit without any time sorts after the timed ones
    /// of its source (Int64.max).
    @inline(__always)
    static func transitTime(_ times: UnsafeBufferPointer<Int64>, row: Int, nCCD: Int) -> Int64 {
        let base = row * nCCD
        for k in 0..<nCCD where times[base + k] != Int64.min { return times[base + k] }
        return Int64.max
    }

    /// The transit time of every row of `times` (rows × nCCD).
    static func transitTimes(_ times: [Int64], nCCD: Int) -> [Int64] {
        guard nCCD > 0 else { return [] }
        return times.withUnsafeBufferPointer { p in (0..<times.count / nCCD).map { transitTime(p, row: $0, nCCD: nCCD) } }
    }

    /// Stores every array column of `b` with `nCCD` elements per row (`.fixed(nCCD)`), setting
    /// `nCCD` from the first row's obs_time_tcb when nil. A null array (no elements) becomes
    /// nCCD nulls; any other length is an error naming the file, the line and the column.
    static func fixArrays(_ b: inout ColumnBatch, columns tc: TransitColumns, nCCD: inout Int?, path: String) throws {
        if nCCD == nil {
            let first = b.columns[tc.obsTime]
            let n = first.schema.shape == .variable ? Int(first.lengths.first ?? 0) : first.schema.shape.fixedLength
            guard n > 0 else {
                throw FormatError(file: path, line: b.firstLine, column: first.schema.name,
                                  "the first row's \(first.schema.name) is null or empty: cannot tell the number of CCDs per transit (n_ccd) of this transit table")
            }
            nCCD = n
        }
        let n = nCCD!
        for k in b.columns.indices where b.columns[k].schema.shape.isArray {
            try fix(&b.columns[k], n: n, firstLine: b.firstLine, fieldIndex: k + 1, path: path)
        }
    }

    private static func fix(_ c: inout ColumnData, n: Int, firstLine: Int, fieldIndex: Int, path: String) throws {
        let name = c.schema.name
        if case .fixed(let m) = c.schema.shape {
            guard m == n else {
                throw FormatError(file: path, column: name, fieldIndex: fieldIndex,
                                  "fixed length \(m) differs from the table's n_ccd = \(n) (the first row's obs_time_tcb length)")
            }
            return
        }
        if c.lengths.allSatisfy({ $0 == Int32(n) }) {  // the normal case: no copy
            c.schema.shape = .fixed(n)
            c.lengths = []
            return
        }
        let w = c.schema.element.byteWidth
        let fill = fillBytes(c.schema.element)
        var bytes = [UInt8]()
        bytes.reserveCapacity(c.lengths.count * n * w)
        var src = 0
        for (r, len) in c.lengths.enumerated() {
            let l = Int(len)
            if l == n {
                bytes.append(contentsOf: c.bytes[src..<src + l * w])
            } else if l == 0 {
                // A null array: n null elements (it counted as one null, it now counts n).
                for _ in 0..<n { bytes.append(contentsOf: fill) }
                c.nullCount += n - 1
            } else {
                throw FormatError(file: path, line: firstLine + r, column: name, fieldIndex: fieldIndex,
                                  "array has \(l) elements, but every array of this transit table must have n_ccd = \(n) (the first row's obs_time_tcb length)")
            }
            src += l * w
        }
        c.bytes = bytes
        c.lengths = []
        c.schema.shape = .fixed(n)
    }

    /// The bytes of one null element (ColumnData's conventions: NaN, the integer fill, −1 for bool).
    static func fillBytes(_ e: ElementType) -> [UInt8] {
        switch e {
        case .float32: return withUnsafeBytes(of: Float.nan) { Array($0) }
        case .float64: return withUnsafeBytes(of: Double.nan) { Array($0) }
        default:
            let v = e.fillValue ?? 0
            return withUnsafeBytes(of: v) { Array($0.prefix(e.byteWidth)) }
        }
    }

    /// Row order of a file's rows by (source_id, transit time), stable.
    static func order(ids: [Int64], times: [Int64]) -> [Int] {
        ids.indices.sorted { (ids[$0], times[$0], $0) < (ids[$1], times[$1], $1) }
    }

    /// The runs of equal source_ids of rows in (source_id, time) order: the file's part of the
    /// per-source index (row offsets relative to the file's first row).
    struct Runs {
        var sourceIDs: [Int64] = []
        var counts: [Int64] = []

        mutating func add(_ id: Int64) {
            if let last = sourceIDs.last, last == id { counts[counts.count - 1] += 1 } else {
                sourceIDs.append(id)
                counts.append(1)
            }
        }
    }
}

extension ColumnShape {
    /// Elements per row of a fixed array (0 otherwise).
    var fixedLength: Int {
        if case .fixed(let n) = self { return n }
        return 0
    }
}
