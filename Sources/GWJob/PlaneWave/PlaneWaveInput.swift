// Reading a repacked `epoch_astrometry` table (Docs/data-format.md) for the plane-wave search:
// the columns, blocks of rows' ragged arrays, and the cleaning that turns a row into the
// AlongScanSeries the kernel takes — counting every transit it drops, by reason, and refusing
// values that cannot be right with an error naming file, row, source_id, column and transit.
//
// Per transit the search uses obs_time_tcb (TCB ns since JD 2455197.5; int64, or float64 ns),
// centroid_pos_al and centroid_pos_error_al (mas), scan_pos_angle (deg, north through east) and
// parallax_factor_al; used_by_agis_al is optional (absent: every transit counts as used).
// τ = (t − J2017.5)/365.25 d, J2017.5 = 2739.375 d after JD 2455197.5 (the GW phase reference).
import Foundation
import GaiaIO
import GWAstrometry

enum AstrometryColumns {
    static let table = "epoch_astrometry"
    static let time = "obs_time_tcb", value = "centroid_pos_al", error = "centroid_pos_error_al"
    static let angle = "scan_pos_angle", parallaxFactor = "parallax_factor_al", used = "used_by_agis_al"
    static let perTransit = [time, value, error, angle, parallaxFactor]
    /// J2017.5 in TCB days since JD 2455197.5.
    static let referenceDays = 2739.375
    static let nanosecondsPerDay = 86_400e9
}

/// Why a transit was not used. Counted once, under the first reason that applies.
public enum TransitDrop: Int, CaseIterable, Sendable {
    case notUsedByAGIS, timeNull, valueNull, errorNull, angleNull, parallaxFactorNull

    public var key: String {
        ["not_used_by_agis", "time_null", "value_null", "error_null", "angle_null", "parallax_factor_null"][rawValue]
    }
    public var text: String {
        ["used_by_agis_al False", "obs_time_tcb null", "centroid_pos_al null/NaN", "centroid_pos_error_al null/NaN",
         "scan_pos_angle null/NaN", "parallax_factor_al null/NaN"][rawValue]
    }
}

/// Why a source was not used.
public enum SourceSkip: Int, CaseIterable, Sendable {
    case tooFewTransits, degenerateDesign

    public var key: String { ["too_few_transits", "degenerate_design"][rawValue] }
    public var text: String { ["fewer than min_transits usable transits", "5-parameter design singular"][rawValue] }
}

public struct PlaneWaveCounts: Sendable {
    public var rows = 0
    public var sourcesUsed = 0
    public var skipped = [Int](repeating: 0, count: SourceSkip.allCases.count)
    public var transitsTotal = 0
    /// Transits that passed cleaning, and those of the sources the search used.
    public var transitsUsed = 0
    public var transitsSearched = 0
    public var dropped = [Int](repeating: 0, count: TransitDrop.allCases.count)

    public init() {}

    /// All counts in one array, to be summed over ranks in one reduction.
    var packed: [Int] { [rows, sourcesUsed, transitsTotal, transitsUsed, transitsSearched] + skipped + dropped }
    init(packed p: [Int]) {
        (rows, sourcesUsed, transitsTotal, transitsUsed, transitsSearched) = (p[0], p[1], p[2], p[3], p[4])
        skipped = Array(p[5..<(5 + skipped.count)])
        dropped = Array(p[(5 + skipped.count)...])
    }
}

/// A ragged numeric column of any float, int64 or bool (int8) storage, read as Double with nulls
/// as NaN.
struct RaggedColumn {
    enum Kind { case float64, float32, int64, int8 }
    let kind: Kind
    let fill: Int64?

    init(table: GaiaTable, column c: String) throws {
        guard table.hasColumn(c) else { throw GWJobError("\(table.path):/\(table.name) has no column '\(c)'") }
        guard try table.width(of: c) == 0 else {
            throw GWJobError("\(table.path):/\(table.name)/\(c) is not a per-transit (ragged) column")
        }
        let empty = RowRange(start: 0, count: 0)
        if (try? table.readRagged(c, rows: empty, as: Double.self)) != nil { kind = .float64 }
        else if (try? table.readRagged(c, rows: empty, as: Float.self)) != nil { kind = .float32 }
        else if (try? table.readRagged(c, rows: empty, as: Int64.self)) != nil { kind = .int64 }
        else if (try? table.readRagged(c, rows: empty, as: Int8.self)) != nil { kind = .int8 }
        else { throw GWJobError("\(table.path):/\(table.name)/\(c) is not a numeric column") }
        fill = (try table.attribute("_FillValue", of: c)).flatMap { Int64($0) }
    }

    func read(_ t: GaiaTable, _ c: String, rows: RowRange) throws -> (values: [Double], offsets: [Int]) {
        switch kind {
        case .float64: return try t.readRagged(c, rows: rows, as: Double.self, collective: true)
        case .float32:
            let r = try t.readRagged(c, rows: rows, as: Float.self, collective: true)
            return (r.values.map(Double.init), r.offsets)
        case .int64:
            let r = try t.readRagged(c, rows: rows, as: Int64.self, collective: true)
            return (r.values.map { $0 == fill ? .nan : Double($0) }, r.offsets)
        case .int8:
            let r = try t.readRagged(c, rows: rows, as: Int8.self, collective: true)
            return (r.values.map { Int64($0) == fill ? .nan : Double($0) }, r.offsets)
        }
    }
}

/// A block of rows: per-source scalars and per-transit arrays (offsets relative to the block).
struct AstrometryBlock {
    var first: Int
    var sourceIDs: [Int64] = [], ra: [Double] = [], dec: [Double] = []
    var nTransits: [Double]? = nil
    /// Per transit, in the order of AstrometryColumns.perTransit, then used_by_agis_al (if present).
    var columns: [[Double]] = []
    var offsets: [[Int]] = []
    var count: Int { sourceIDs.count }
}

struct EpochAstrometryReader {
    let table: GaiaTable
    let kinds: [RaggedColumn]
    let hasUsedFlag: Bool
    let hasNTransits: Bool
    let names: [String]

    /// Checks the columns (collective: zero-row reads on every rank).
    init(table: GaiaTable) throws {
        self.table = table
        var missing: [String] = []
        for c in ["source_id", "ra", "dec"] + AstrometryColumns.perTransit where !table.hasColumn(c) { missing.append(c) }
        guard missing.isEmpty else {
            throw GWJobError("\(table.path):/\(table.name) has no column\(missing.count > 1 ? "s" : "") "
                             + missing.map { "'\($0)'" }.joined(separator: ", ") + " (an epoch_astrometry table is needed; Docs/data-format.md)")
        }
        hasUsedFlag = table.hasColumn(AstrometryColumns.used)
        hasNTransits = table.hasColumn("n_transits")
        names = AstrometryColumns.perTransit + (hasUsedFlag ? [AstrometryColumns.used] : [])
        kinds = try names.map { try RaggedColumn(table: table, column: $0) }
    }

    /// Per-row transit counts from the time column's offsets (the cost pre-pass). Collective.
    func transitCounts(rows: RowRange) throws -> [Int] {
        guard let off = try table.attribute("offsets", of: AstrometryColumns.time) else {
            throw GWJobError("\(table.path):/\(table.name)/\(AstrometryColumns.time) has no offsets")
        }
        let o = try table.read(off, rows: RowRange(start: rows.start, count: rows.count + (rows.count > 0 ? 1 : 0)),
                               as: Int64.self, collective: true)
        return rows.count == 0 ? [] : (0..<rows.count).map { Int(o[$0 + 1] - o[$0]) }
    }

    /// Everything for `rows`. Collective: every rank calls it the same number of times.
    func read(rows: RowRange) throws -> AstrometryBlock {
        var b = AstrometryBlock(first: rows.start)
        b.sourceIDs = try table.read("source_id", rows: rows, as: Int64.self, collective: true)
        b.ra = try Self.scalar(table, "ra", rows)
        b.dec = try Self.scalar(table, "dec", rows)
        if hasNTransits { b.nTransits = try Self.scalar(table, "n_transits", rows) }
        for (c, k) in zip(names, kinds) {
            let r = try k.read(table, c, rows: rows)
            b.columns.append(r.values)
            b.offsets.append(r.offsets)
        }
        return b
    }

    static func scalar(_ t: GaiaTable, _ c: String, _ rows: RowRange) throws -> [Double] {
        if let v = try? t.read(c, rows: rows, as: Double.self, collective: true) { return v }
        if let v = try? t.read(c, rows: rows, as: Float.self, collective: true) { return v.map(Double.init) }
        if let v = try? t.read(c, rows: rows, as: Int16.self, collective: true) { return v.map(Double.init) }
        if let v = try? t.read(c, rows: rows, as: Int32.self, collective: true) { return v.map(Double.init) }
        return try t.read(c, rows: rows, as: Int64.self, collective: true).map(Double.init)
    }

    /// Row i of the block as the kernel's series (only usable transits), counting drops. Throws,
    /// naming file, row, source_id, column and transit, for values no measurement can have.
    func series(_ b: AstrometryBlock, row i: Int, counts: inout PlaneWaveCounts) throws -> AlongScanSeries {
        let row = b.first + i, id = b.sourceIDs[i]
        func bad(_ column: String, _ why: String, transit k: Int? = nil) -> GWJobError {
            GWJobError("\(table.path):/\(table.name) row \(row) (source_id \(id)), column '\(column)'"
                       + (k.map { ", transit \($0)" } ?? "") + ": \(why)")
        }
        let ra = b.ra[i], dec = b.dec[i]
        guard ra.isFinite, ra >= 0, ra <= 360 else { throw bad("ra", "\(ra) is not a right ascension in [0, 360] deg") }
        guard dec.isFinite, abs(dec) <= 90 else { throw bad("dec", "\(dec) is not a declination in [−90, 90] deg") }
        let lo = b.offsets[0][i], hi = b.offsets[0][i + 1]
        for (c, off) in zip(names, b.offsets).dropFirst() where off[i + 1] - off[i] != hi - lo {
            throw bad(c, "\(off[i + 1] - off[i]) transits, but '\(AstrometryColumns.time)' has \(hi - lo)")
        }
        if let n = b.nTransits?[i], n.isFinite, Int(n) != hi - lo {
            throw bad("n_transits", "\(Int(n)), but the per-transit arrays have \(hi - lo) elements")
        }
        var s = AlongScanSeries(sourceID: id, raDeg: ra, decDeg: dec)
        let col = b.columns
        for j in 0..<(hi - lo) {
            counts.transitsTotal += 1
            let t = col[0][lo + j], v = col[1][lo + j], e = col[2][lo + j], psi = col[3][lo + j], f = col[4][lo + j]
            let used = hasUsedFlag ? col[5][lo + j] : 1
            let drop: TransitDrop?
            if used == 0 { drop = .notUsedByAGIS }  // null (NaN) counts as used
            else if !t.isFinite { drop = .timeNull }
            else if !v.isFinite { drop = .valueNull }
            else if e.isNaN { drop = .errorNull }
            else if !psi.isFinite { drop = .angleNull }
            else if !f.isFinite { drop = .parallaxFactorNull }
            else { drop = nil }
            if let d = drop {
                counts.dropped[d.rawValue] += 1
                continue
            }
            guard e > 0, e.isFinite else { throw bad(AstrometryColumns.error, "\(e) is not a positive standard error", transit: j) }
            guard abs(psi) <= 360 else { throw bad(AstrometryColumns.angle, "\(psi) deg is not an angle in [−360, 360]", transit: j) }
            guard abs(f) <= 1.1 else { throw bad(AstrometryColumns.parallaxFactor, "\(f): |parallax factor| must be ≤ 1.1 (AU)", transit: j) }
            counts.transitsUsed += 1
            let tau = (t / AstrometryColumns.nanosecondsPerDay - AstrometryColumns.referenceDays) / 365.25
            s.append(tau: tau, psi: psi * .pi / 180, parallaxFactor: f, value: v, sigma: e)
        }
        return s
    }
}
