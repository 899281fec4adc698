// Reading a repacked `epoch_astrometry` transit table (Docs/data-format.md: one row per
// field-of-view transit, per-CCD columns N × n_ccd, the per-source index) for the plane-wave
// search: the columns, a block of whole sources (one contiguous slice of rows through the index),
// and each source as the Astrometry kernel's SourceObservations — refusing values that cannot be
// right with an error naming file, row, source_id, column and CCD.
//
// Used: obs_time_tcb (int64 ns, TCB since 2010-01-01), centroid_pos_al, centroid_pos_error_al
// (mas), scan_pos_angle (deg), used_by_agis_al (int8 0/1, −1 null), obs_time_bary_corr (ns),
// parallax_factor_al; agis_source_excess_noise (absent: 0) and colour_factor_al (per transit or per
// CCD; absent: 0) optional. Positions (the DataLink
// product has none) come from a second table with source_id, ra, dec (PlaneWavePositions.swift).
import Astrometry
import Foundation
import GaiaIO
import GWAstrometry

enum AstrometryColumns {
    static let table = "epoch_astrometry"
    static let time = "obs_time_tcb", value = "centroid_pos_al", error = "centroid_pos_error_al"
    static let angle = "scan_pos_angle", used = "used_by_agis_al"
    static let bary = "obs_time_bary_corr", parallaxFactor = "parallax_factor_al", excess = "agis_source_excess_noise"
    static let colour = "colour_factor_al"
    /// Per-CCD float columns read as Double, in AstrometryBlock.perCCD order.
    static let perCCD = [value, error, angle]
    static let perTransit = [bary, parallaxFactor]
}

/// Why a source was not searched.
public enum SourceSkip: Int, CaseIterable, Sendable {
    case noObservations, tooFewObservations, degenerateDesign

    public var key: String { ["no_observations", "too_few_observations", "degenerate_design"][rawValue] }
    public var text: String {
        ["no usable CCD observation", "fewer than min_transits usable CCD observations", "5-parameter design singular"][rawValue]
    }
}

public struct PlaneWaveCounts: Sendable {
    public var sources = 0
    public var sourcesUsed = 0
    /// Sources solved with the 6-parameter constrained-colour model (non-zero colour_factor_al).
    public var sourcesColour = 0
    public var skipped = [Int](repeating: 0, count: SourceSkip.allCases.count)
    public var transits = 0
    /// CCD observations in the rows read; kept by the kernel's selection; of those, flagged as
    /// outliers by the robust solution (downweight < 0.2); in the searched sources.
    public var observations = 0, selected = 0, outliers = 0, searched = 0
    /// Observations rejected by the selection, per ObservationRejection.
    public var rejected = [Int](repeating: 0, count: ObservationRejection.allCases.count)

    public init() {}

    /// All counts in one array, to be summed over ranks in one reduction.
    var packed: [Int] { [sources, sourcesUsed, sourcesColour, transits, observations, selected, outliers, searched] + skipped + rejected }
    init(packed p: [Int]) {
        (sources, sourcesUsed, sourcesColour, transits) = (p[0], p[1], p[2], p[3])
        (observations, selected, outliers, searched) = (p[4], p[5], p[6], p[7])
        skipped = Array(p[8..<(8 + skipped.count)])
        rejected = Array(p[(8 + skipped.count)...])
    }
}

/// The rows of a run of whole sources (index positions `sources`).
struct AstrometryBlock {
    var sources: Range<Int>
    var rows: RowRange
    var sourceIDs: [Int64] = []
    var time: [Int64] = [], used: [Int8] = []
    /// Per CCD (rows × nCCD) in AstrometryColumns.perCCD order; per transit in perTransit order.
    var perCCD: [[Double]] = [], perTransit: [[Double]] = []
    var excess: [Double]? = nil
    /// Per transit or per CCD (EpochAstrometryReader.colourWidth), nil when absent.
    var colour: [Double]? = nil
}

struct EpochAstrometryReader {
    let table: GaiaTable
    let index: SourceIndex
    let nCCD: Int
    let hasExcess: Bool
    /// colour_factor_al elements per row: 0 absent, 1 per transit, nCCD per CCD.
    let colourWidth: Int

    /// Checks the columns and reads the whole per-source index (collective: every rank).
    init(table: GaiaTable) throws {
        self.table = table
        let required = ["source_id", AstrometryColumns.time, AstrometryColumns.used] + AstrometryColumns.perCCD + AstrometryColumns.perTransit
        let missing = required.filter { !table.hasColumn($0) }
        guard missing.isEmpty else {
            throw GWJobError("\(table.path):/\(table.name) has no column\(missing.count > 1 ? "s" : "") "
                             + missing.map { "'\($0)'" }.joined(separator: ", ") + " (an epoch_astrometry transit table is needed; Docs/data-format.md)")
        }
        guard table.hasSourceIndex else {
            throw GWJobError("\(table.path):/\(table.name) has no per-source index: its rows are not transits of the DR4 layout "
                             + "(repack the epoch astrometry files with gaiamine repack; Docs/data-format.md)")
        }
        index = try table.readSourceIndex()
        nCCD = try table.width(of: AstrometryColumns.time)
        for c in [AstrometryColumns.used] + AstrometryColumns.perCCD where try table.width(of: c) != nCCD {
            throw GWJobError("\(table.path):/\(table.name)/\(c) has \(try table.width(of: c)) elements per row, "
                             + "'\(AstrometryColumns.time)' has \(nCCD): per-CCD columns must agree")
        }
        hasExcess = table.hasColumn(AstrometryColumns.excess)
        for c in AstrometryColumns.perTransit + (hasExcess ? [AstrometryColumns.excess] : []) where try table.width(of: c) != 1 {
            throw GWJobError("\(table.path):/\(table.name)/\(c) must have one value per transit")
        }
        colourWidth = table.hasColumn(AstrometryColumns.colour) ? try table.width(of: AstrometryColumns.colour) : 0
        guard [0, 1, nCCD].contains(colourWidth) else {
            throw GWJobError("\(table.path):/\(table.name)/\(AstrometryColumns.colour) has \(colourWidth) elements per row: one per transit or one per CCD (\(nCCD)) expected")
        }
    }

    /// Everything for the sources at index positions `sources`. Collective: every rank calls it
    /// the same number of times.
    func read(sources: Range<Int>) throws -> AstrometryBlock {
        let rows = index.rows(of: sources)
        var b = AstrometryBlock(sources: sources, rows: rows)
        b.sourceIDs = try table.read("source_id", rows: rows, as: Int64.self, collective: true)
        b.time = try table.read(AstrometryColumns.time, rows: rows, as: Int64.self, collective: true)
        b.used = try table.read(AstrometryColumns.used, rows: rows, as: Int8.self, collective: true)
        b.perCCD = try AstrometryColumns.perCCD.map { try Self.doubles(table, $0, rows) }
        b.perTransit = try AstrometryColumns.perTransit.map { try Self.doubles(table, $0, rows) }
        if hasExcess { b.excess = try Self.doubles(table, AstrometryColumns.excess, rows) }
        if colourWidth > 0 { b.colour = try Self.doubles(table, AstrometryColumns.colour, rows) }
        return b
    }

    /// The block against the index: source_id of every row, transits in time order (a file
    /// written by hand may break either). Not collective: call it where errors are agreed on.
    func check(_ b: AstrometryBlock) throws {
        try index.checkSlice(sourceIDs: b.sourceIDs, sources: b.sources, file: table.path)
        try index.checkTransitOrder(obsTimeTCB: b.time, nCCD: nCCD, sources: b.sources, file: table.path)
    }

    /// A float column as Double (float64 or float32 storage; NaN = null).
    static func doubles(_ t: GaiaTable, _ c: String, _ rows: RowRange) throws -> [Double] {
        if let v = try? t.read(c, rows: rows, as: Double.self, collective: true) { return v }
        if let v = try? t.read(c, rows: rows, as: Float.self, collective: true) { return v.map(Double.init) }
        throw GWJobError("\(t.path):/\(t.name)/\(c) is not a float32 or float64 column")
    }

    /// Source `i` (index position) of the block as the kernel's input. Throws, naming file, row,
    /// source_id, column and CCD, for values no measurement can have.
    func observations(_ b: AstrometryBlock, source i: Int) throws -> SourceObservations {
        let first = Int(index.firstRows[i]) - b.rows.start, n = Int(index.rowCounts[i]), id = index.sourceIDs[i]
        func bad(_ row: Int, _ column: String, _ why: String, ccd: Int? = nil) -> GWJobError {
            GWJobError("\(table.path):/\(table.name) row \(b.rows.start + row) (source_id \(id)), column '\(column)'"
                       + (ccd.map { ", CCD \($0)" } ?? "") + ": \(why)")
        }
        var s = SourceObservations(sourceID: id, nCCD: nCCD, transitCount: n)
        let lo = first * nCCD, hi = (first + n) * nCCD
        s.obsTimeTCB = Array(b.time[lo..<hi])
        s.usedByAGISAL = Array(b.used[lo..<hi])
        s.centroidPosAL = Array(b.perCCD[0][lo..<hi])
        s.centroidPosErrorAL = Array(b.perCCD[1][lo..<hi])
        s.scanPosAngle = Array(b.perCCD[2][lo..<hi])
        s.obsTimeBaryCorr = Array(b.perTransit[0][first..<(first + n)])
        s.parallaxFactorAL = Array(b.perTransit[1][first..<(first + n)])
        if let c = b.colour {
            s.colourFactorAL = Array(c[(first * colourWidth)..<((first + n) * colourWidth)])
        } else {
            s.colourFactorAL = [Double](repeating: 0, count: n)
        }
        let eps = b.excess?[first] ?? 0
        s.agisSourceExcessNoise = eps.isNaN ? 0 : eps
        for j in 0..<n {
            let f = s.parallaxFactorAL[j]
            guard !f.isFinite || abs(f) <= 1.1 else { throw bad(first + j, AstrometryColumns.parallaxFactor, "\(f): |parallax factor| must be ≤ 1.1 (AU)") }
            for k in 0..<nCCD where s.usedByAGISAL[j * nCCD + k] == 1 {
                let e = s.centroidPosErrorAL[j * nCCD + k], psi = s.scanPosAngle[j * nCCD + k]
                guard e.isNaN || (e > 0 && e.isFinite) else { throw bad(first + j, AstrometryColumns.error, "\(e) is not a positive standard error", ccd: k) }
                guard !psi.isFinite || abs(psi) <= 360 else { throw bad(first + j, AstrometryColumns.angle, "\(psi) deg is not an angle in [−360, 360]", ccd: k) }
            }
        }
        guard s.agisSourceExcessNoise >= 0, s.agisSourceExcessNoise.isFinite else {
            throw bad(first, AstrometryColumns.excess, "\(s.agisSourceExcessNoise) is not an excess noise ≥ 0 mas")
        }
        return s
    }
}
