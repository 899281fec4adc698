// The proper-motion sample every GW job reads: a repacked `gaia_source` table (or any table with
// Gaia's column names), a selection (SourceSelection.swift: column filters, a source_id list),
// and per block of rows the selected sources as `ProperMotions` in radians and µas/yr.
//
// Columns: source_id, ra, dec (deg), pmra (= μ_α cos δ), pmdec, pmra_error, pmdec_error
// (mas/yr) are required; pmra_pmdec_corr is optional — absent, or null in a row, it is taken as
// 0 and said so (a note at open; the count of null rows in `SelectionCounts`). Filter columns
// may be any numeric or boolean column of the table.
//
// Which rows are kept, in this order (a dropped row is counted under the first reason):
//   1. source_id in the list (when a list is given)                   → notListed
//   2. the `--where` expression true (null/NaN is not true)           → failedWhere
//   3. every filter true (comparisons with null are false, as in SQL) → failedFilter[k]
//   4. pmra and pmdec not null (2-parameter solutions have none)      → nullProperMotion
// Kept rows must then be valid, or the job stops with an error naming file, row, source_id and
// column: ra in [0, 360], dec in [−90, 90], errors finite and > 0, |pmra_pmdec_corr| < 1.
//
// Parallel reading: `blocks(rows:blockRows:ranks:rank:)` cuts the table into fixed blocks of
// `blockRows` rows — the same blocks whatever the number of ranks — and gives each rank a
// contiguous run of them; `readBlocks` reads a rank's blocks with collective MPI-IO (every rank
// makes the same number of calls) and agrees on errors after each block, so bad input on one
// rank stops every rank cleanly.

import Foundation
import GaiaIO
import GWAstrometry
import MPI

/// Rows seen and why rows were dropped (see the file header for the order of the reasons).
public struct SelectionCounts: Sendable, Equatable {
    public var rows = 0
    public var notListed = 0
    /// The `--where` expression (nil: none) and the rows it was the first to reject.
    public var whereText: String?
    public var failedWhere = 0
    /// Per filter, rows it was the first to reject.
    public var failedFilter: [Int]
    public var nullProperMotion = 0
    public var selected = 0
    /// Selected rows whose pmra_pmdec_corr was null (taken as 0).
    public var correlationNull = 0

    public init(filters: Int, where whereText: String? = nil) {
        failedFilter = [Int](repeating: 0, count: filters)
        self.whereText = whereText
    }

    var asArray: [Int] { [rows, notListed, nullProperMotion, selected, correlationNull, failedWhere] + failedFilter }

    /// The totals over all ranks.
    public func summed(_ comm: Communicator) -> SelectionCounts {
        let v = comm.allreduce(asArray, .sum)
        var s = SelectionCounts(filters: failedFilter.count, where: whereText)
        s.rows = v[0]; s.notListed = v[1]; s.nullProperMotion = v[2]; s.selected = v[3]; s.correlationNull = v[4]
        s.failedWhere = v[5]
        s.failedFilter = Array(v[6...])
        return s
    }

    /// One log line of `job`: rows read, selected, and how many each reason dropped.
    func describe(selection: SourceSelection, job: String) -> String {
        var s = "\(job): \(rows) rows read, \(selected) selected"
        if selection.sourceIDFile != nil { s += "; \(notListed) not in the source_id list" }
        if let w = whereText { s += "; \(failedWhere) failed --where '\(w)'" }
        for (f, n) in zip(selection.filters, failedFilter) { s += "; \(n) failed '\(f.text)'" }
        s += "; \(nullProperMotion) without proper motion"
        return s
    }
}

public final class ProperMotionSample {
    public static let requiredColumns = ["source_id", "ra", "dec", "pmra", "pmdec", "pmra_error", "pmdec_error"]
    public static let correlationColumn = "pmra_pmdec_corr"

    public let path: String
    public let table: GaiaTable
    public let selection: SourceSelection
    /// The run's `--where`, compiled against the table (nil: none).
    public let rowSelection: TableSelection?
    /// False when the table has no pmra_pmdec_corr column (then ρ = 0 for every source).
    public let hasCorrelation: Bool
    /// This rank's counts so far (sum them with `counts.summed(comm)`).
    public private(set) var counts: SelectionCounts
    private let listed: [Int64]?
    private let kinds: [String: NumericColumn]

    public var rowCount: Int { table.rowCount }

    /// Opens the table (collectively when `communicator` is given: call on every rank, inside
    /// `comm.collectively`), checks the columns and loads the source_id list. `note` receives
    /// remarks such as the missing correlation column.
    public init(path: String, table name: String? = nil, selection: SourceSelection, communicator: Communicator?,
                where select: (GaiaTable) throws -> TableSelection? = { _ in nil }, note: (String) -> Void = { _ in }) throws {
        self.path = path
        self.selection = selection
        guard FileManager.default.fileExists(atPath: path) else { throw GWJobError("\(path): no such file") }
        let t = try GaiaTable(path: path, table: name, communicator: communicator)
        do {
            let missing = Self.requiredColumns.filter { !t.hasColumn($0) }
            guard missing.isEmpty else {
                throw GWJobError("\(path):/\(t.name): missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) "
                    + "(needs \(Self.requiredColumns.joined(separator: ", ")); pmra_pmdec_corr optional)")
            }
            for f in selection.filters where !t.hasColumn(f.column) {
                throw GWJobError("filter '\(f.text)': \(path):/\(t.name) has no column '\(f.column)'")
            }
            let corr = t.hasColumn(Self.correlationColumn)
            var kinds: [String: NumericColumn] = [:]
            for c in Self.requiredColumns + (corr ? [Self.correlationColumn] : []) + selection.filters.map(\.column) where kinds[c] == nil {
                kinds[c] = try NumericColumn(table: t, column: c)
            }
            if kinds["source_id"]?.kind != .int64 { throw GWJobError("\(path):/\(t.name): source_id is not an int64 column") }
            listed = try selection.sourceIDFile.map(SourceSelection.loadSourceIDs)
            rowSelection = try select(t)
            hasCorrelation = corr
            self.kinds = kinds
        } catch {
            try? t.close()
            throw error
        }
        table = t
        counts = SelectionCounts(filters: selection.filters.count, where: rowSelection?.text)
        if !hasCorrelation { note("\(path): no pmra_pmdec_corr column: the correlation of pmra and pmdec is taken as 0 for every source") }
    }

    public func close() throws { try table.close() }

    /// Opens the sample on every rank (collective), logging its notes as `job: note: …`.
    static func open(path: String, table: String?, selection: SourceSelection, where select: (GaiaTable) throws -> TableSelection?,
                     job: String, comm: Communicator, log: (String) -> Void) throws -> ProperMotionSample {
        var notes: [String] = []
        let sample = try comm.collectively {
            try ProperMotionSample(path: path, table: table, selection: selection, communicator: comm, where: select,
                                   note: { notes.append($0) })
        }
        for n in notes { log("\(job): note: " + n) }
        return sample
    }

    /// Reads this rank's fixed blocks with progress lines, sums the selection counts over ranks
    /// and closes the table. Collective.
    func readAll(blockRows: Int, job: String, progressInterval: Double, comm: Communicator,
                 log: (String) -> Void) throws -> (blocks: [ProperMotionBlock], counts: SelectionCounts) {
        let reading = ProgressReporter(label: "\(job) read", unit: "blocks", enabled: comm.isRoot, interval: progressInterval)
        let blocks = try readBlocks(blockRows: blockRows, comm: comm) { done, total in
            reading.update(fraction: Double(done) / Double(max(total, 1)), count: done * comm.size)
        }
        let counts = self.counts.summed(comm)
        if let w = rowSelection { log("\(job): " + w.describe(comm)) }
        try comm.collectively { try close() }
        return (blocks, counts)
    }

    /// Fixed blocks of `blockRows` rows covering `rows`, and the contiguous run of them that rank
    /// `rank` of `ranks` reads: (global block index, rows). Independent of `ranks` apart from
    /// who gets which block.
    public static func blocks(rows: Int, blockRows: Int, ranks: Int, rank: Int) -> [(index: Int, rows: RowRange)] {
        precondition(blockRows > 0)
        let n = (rows + blockRows - 1) / blockRows
        let mine = RowPartition.byCount(rows: n, parts: ranks, index: rank)
        return (mine.start..<mine.end).map { b in
            (b, RowRange(start: b * blockRows, count: min(blockRows, rows - b * blockRows)))
        }
    }

    /// Reads this rank's fixed blocks (collective: every rank calls it). `progress(done, total)`
    /// after each round on every rank. Errors (bad values) are agreed on after each block.
    public func readBlocks(blockRows: Int, comm: Communicator, progress: (Int, Int) -> Void = { _, _ in }) throws -> [ProperMotionBlock] {
        let mine = Self.blocks(rows: rowCount, blockRows: blockRows, ranks: comm.size, rank: comm.rank)
        let chunks = CollectiveChunks(chunks: mine.map(\.rows), communicator: comm)
        var out: [ProperMotionBlock] = []
        out.reserveCapacity(mine.count)
        for round in chunks {
            var failure: Error? = nil
            var data = ProperMotions()
            do { data = try read(rows: round.rows, collective: true) } catch { failure = error }
            try comm.agree(failure)
            if let c = round.chunk { out.append(ProperMotionBlock(index: mine[c].index, data: data)) }
            progress(round.index + 1, chunks.rounds)
        }
        return out
    }

    /// The selected sources of `rows`. With `collective`, every rank must call it (possibly with
    /// an empty range); the reads all happen before any validation error is thrown.
    public func read(rows: RowRange, collective: Bool) throws -> ProperMotions {
        func col(_ c: String) throws -> [Double] { try kinds[c]!.read(table, c, rows: rows, collective: collective) }
        let ids = try table.read("source_id", rows: rows, as: Int64.self, collective: collective)
        let ra = try col("ra"), dec = try col("dec"), pmra = try col("pmra"), pmdec = try col("pmdec")
        let ea = try col("pmra_error"), ed = try col("pmdec_error")
        let rho = hasCorrelation ? try col(Self.correlationColumn) : [Double](repeating: 0, count: rows.count)
        var filterValues: [[Double]] = []
        for f in selection.filters { filterValues.append(try col(f.column)) }
        let keep = try rowSelection?.keep(rows: rows, collective: collective)
        // ---- selection and validation (no collective calls below) -------------------------
        var out = ProperMotions()
        out.reserveCapacity(rows.count)
        let degToRad = Double.pi / 180
        counts.rows += rows.count
        rowLoop: for i in 0..<rows.count {
            if let l = listed, !Self.contains(l, ids[i]) { counts.notListed += 1; continue }
            if let keep, !keep[i] { counts.failedWhere += 1; continue }
            for (k, f) in selection.filters.enumerated() where !f.accepts(filterValues[k][i]) {
                counts.failedFilter[k] += 1
                continue rowLoop
            }
            if pmra[i].isNaN || pmdec[i].isNaN { counts.nullProperMotion += 1; continue }
            let row = rows.start + i
            func bad(_ c: String, _ v: Double, _ why: String) -> GWJobError {
                GWJobError("\(path):/\(table.name): row \(row) (source_id \(ids[i])): \(c) = \(v): \(why)")
            }
            guard ra[i] >= 0 && ra[i] <= 360 else { throw bad("ra", ra[i], "must be in [0, 360] deg") }
            guard dec[i] >= -90 && dec[i] <= 90 else { throw bad("dec", dec[i], "must be in [-90, 90] deg") }
            guard pmra[i].isFinite else { throw bad("pmra", pmra[i], "must be finite") }
            guard pmdec[i].isFinite else { throw bad("pmdec", pmdec[i], "must be finite") }
            guard ea[i] > 0 && ea[i].isFinite else { throw bad("pmra_error", ea[i], "must be positive (and not null when pmra is given)") }
            guard ed[i] > 0 && ed[i].isFinite else { throw bad("pmdec_error", ed[i], "must be positive (and not null when pmdec is given)") }
            var r = rho[i]
            if r.isNaN { counts.correlationNull += 1; r = 0 }
            guard abs(r) < 1 else { throw bad(Self.correlationColumn, r, "must be in (-1, 1)") }
            counts.selected += 1
            out.append(sourceID: ids[i], row: row, ra: ra[i] * degToRad, dec: dec[i] * degToRad, pmra: pmra[i] * 1000,
                       pmdec: pmdec[i] * 1000, pmraError: ea[i] * 1000, pmdecError: ed[i] * 1000, correlation: r)
        }
        return out
    }

    static func contains(_ sorted: [Int64], _ v: Int64) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == v
    }
}

/// A numeric column of any stored type, read as Double with nulls (NaN, or an integer column's
/// `_FillValue`, e.g. −1 for booleans) as NaN.
struct NumericColumn: Equatable {
    enum Kind { case float64, float32, int64, int32, int16, int8 }
    let kind: Kind
    /// Null value of an integer column.
    let fill: Int64?

    init(table: GaiaTable, column c: String) throws {
        let empty = RowRange(start: 0, count: 0)
        // A typed zero-row read succeeds only for the stored type (floats are checked first:
        // an int64 read would also accept float64 storage of the same width).
        if (try? table.read(c, rows: empty, as: Double.self)) != nil { kind = .float64 }
        else if (try? table.read(c, rows: empty, as: Float.self)) != nil { kind = .float32 }
        else if (try? table.read(c, rows: empty, as: Int64.self)) != nil { kind = .int64 }
        else if (try? table.read(c, rows: empty, as: Int32.self)) != nil { kind = .int32 }
        else if (try? table.read(c, rows: empty, as: Int16.self)) != nil { kind = .int16 }
        else if (try? table.read(c, rows: empty, as: Int8.self)) != nil { kind = .int8 }
        else { throw GWJobError("\(table.path):/\(table.name): column '\(c)' is not numeric") }
        if try table.width(of: c) != 1 { throw GWJobError("\(table.path):/\(table.name): column '\(c)' is not a scalar column") }
        fill = (try table.attribute("_FillValue", of: c)).flatMap { Int64($0) }
    }

    func read(_ t: GaiaTable, _ c: String, rows: RowRange, collective: Bool) throws -> [Double] {
        func ints(_ v: [Int64]) -> [Double] { v.map { fill == $0 ? Double.nan : Double($0) } }
        switch kind {
        case .float64: return try t.read(c, rows: rows, as: Double.self, collective: collective)
        case .float32: return try t.read(c, rows: rows, as: Float.self, collective: collective).map(Double.init)
        case .int64: return ints(try t.read(c, rows: rows, as: Int64.self, collective: collective))
        case .int32: return ints(try t.read(c, rows: rows, as: Int32.self, collective: collective).map(Int64.init))
        case .int16: return ints(try t.read(c, rows: rows, as: Int16.self, collective: collective).map(Int64.init))
        case .int8: return ints(try t.read(c, rows: rows, as: Int8.self, collective: collective).map(Int64.init))
        }
    }
}

public struct GWJobError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
