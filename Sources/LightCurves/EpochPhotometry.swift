// LightCurves: the light curves of a repacked `epoch_photometry` table (Docs/data-format.md) —
// per band, the Gaia column names, a block of rows' ragged arrays, and the cleaning that turns one
// row and band into clean (time, value, error) arrays, counting every transit it drops by reason.
// Shared by the periodogram job and any user job (it is part of GaiaMineKit), so that "the same
// cleaning as the periodogram" is the same code.
//
// Times are Gaia's: BJD(TCB) − 2455197.5 d, float64. Values are magnitudes (default) with
// σ_mag = (2.5/ln 10) / flux_over_error — the first-order error propagation of
// m = ZP − 2.5 log10 F, which is how Gaia DR3 quotes magnitude errors (Riello et al. 2021) —
// or fluxes (e⁻/s) with their flux errors.
import GaiaIO

public enum PhotometryBand: String, CaseIterable, Sendable, Comparable {
    case g, bp, rp

    /// Column order of the outputs: g, bp, rp, whatever order the user named them in.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.index < b.index }

    public var time: String { self == .g ? "g_transit_time" : "\(rawValue)_obs_time" }
    public var mag: String { self == .g ? "g_transit_mag" : "\(rawValue)_mag" }
    public var flux: String { self == .g ? "g_transit_flux" : "\(rawValue)_flux" }
    public var fluxError: String { self == .g ? "g_transit_flux_error" : "\(rawValue)_flux_error" }
    public var fluxOverError: String { self == .g ? "g_transit_flux_over_error" : "\(rawValue)_flux_over_error" }
    public var reject: String { "variability_flag_\(rawValue)_reject" }
}

public enum Quantity: String, CaseIterable, Sendable {
    case mag, flux

    public var unit: String { self == .mag ? "mag" : "electron / s" }
}

/// Why a transit was not used. A transit is counted once, under the first reason that applies
/// in this order: Gaia's own rejection first (DR3 rejects most transits it also blanks), then
/// what is missing or unusable.
public enum DropReason: Int, CaseIterable, Sendable {
    case rejected, timeNull, valueNull, errorNull, errorNotPositive

    public var key: String {
        ["rejected_flag", "time_null", "value_null", "error_null", "error_not_positive"][rawValue]
    }
    public var text: String {
        ["variability reject flag set", "time null/NaN", "value null/NaN", "error null/NaN", "error ≤ 0 or infinite"][rawValue]
    }
}

/// The columns one band needs, and how its error column is stored (float32 in DR3 files,
/// float64 after a repack that widened it).
public struct BandColumns {
    public let band: PhotometryBand
    public let quantity: Quantity
    public init(band: PhotometryBand, quantity: Quantity) {
        self.band = band
        self.quantity = quantity
    }
    public var time: String { band.time }
    public var value: String { quantity == .mag ? band.mag : band.flux }
    /// flux_over_error (magnitudes) or flux_error (fluxes).
    public var error: String { quantity == .mag ? band.fluxOverError : band.fluxError }
    public var reject: String { band.reject }
    public var all: [String] { [time, value, error, reject] }
}

/// One band's ragged arrays for a block of rows (offsets relative to the block's first value).
public struct BandBlock {
    public var time: [Double] = [], value: [Double] = [], error: [Double] = []
    public var reject: [Int8] = []
    public var offsets: [Int] = [0]
    /// The value, error and flag columns' own offsets (checked against the times').
    var otherOffsets: [(String, [Int])] = []
}

/// A block of rows: source_ids and, per requested band, the ragged arrays.
public struct EpochBlock {
    public var first: Int
    public var sourceIDs: [Int64]
    public var bands: [PhotometryBand: BandBlock]
    public var count: Int { sourceIDs.count }
}

public struct EpochReader {
    public let table: GaiaTable
    public let bands: [PhotometryBand]
    public let quantity: Quantity
    /// Columns stored as float32 (read as such and widened).
    private var float32: Set<String> = []

    /// Checks that every needed column exists and learns the float widths. Collective (it reads
    /// zero rows of each float column, identically on every rank).
    public init(table: GaiaTable, bands: [PhotometryBand], quantity: Quantity) throws {
        self.table = table
        self.bands = bands
        self.quantity = quantity
        var missing: [String] = []
        let needed = ["source_id"] + bands.flatMap { BandColumns(band: $0, quantity: quantity).all }
        for c in needed where !table.hasColumn(c) { missing.append(c) }
        guard missing.isEmpty else {
            throw LightCurveError("\(table.path):/\(table.name) has no column\(missing.count > 1 ? "s" : "") "
                                      + missing.map { "'\($0)'" }.joined(separator: ", ")
                                      + " (needed for --bands \(bands.map(\.rawValue).joined(separator: ",")) --quantity \(quantity.rawValue))")
        }
        for b in bands {
            let cols = BandColumns(band: b, quantity: quantity)
            for c in [cols.time, cols.value, cols.error] {
                guard try table.width(of: c) == 0 else {
                    throw LightCurveError("\(table.path):/\(table.name)/\(c) is not a ragged (per-transit) column")
                }
                if (try? table.readRagged(c, rows: RowRange(start: 0, count: 0), as: Double.self, collective: true)) == nil {
                    _ = try table.readRagged(c, rows: RowRange(start: 0, count: 0), as: Float.self, collective: true)
                    float32.insert(c)
                }
            }
            guard try table.width(of: cols.reject) == 0 else {
                throw LightCurveError("\(table.path):/\(table.name)/\(cols.reject) is not a ragged (per-transit) column")
            }
        }
    }

    public func floats(_ column: String, rows: RowRange) throws -> (values: [Double], offsets: [Int]) {
        if float32.contains(column) {
            let r = try table.readRagged(column, rows: rows, as: Float.self, collective: true)
            return (r.values.map(Double.init), r.offsets)
        }
        return try table.readRagged(column, rows: rows, as: Double.self, collective: true)
    }

    /// Only the times of `bands` (the cost pre-pass). Collective.
    public func times(_ band: PhotometryBand, rows: RowRange) throws -> (values: [Double], offsets: [Int]) {
        try floats(band.time, rows: rows)
    }

    /// Everything the periodogram needs for `rows`. Collective: every rank calls it the same
    /// number of times (an empty range is allowed). Only reads: see `check`.
    public func read(rows: RowRange) throws -> EpochBlock {
        let ids = try table.read("source_id", rows: rows, as: Int64.self, collective: true)
        var out = EpochBlock(first: rows.start, sourceIDs: ids, bands: [:])
        for b in bands {
            let cols = BandColumns(band: b, quantity: quantity)
            let t = try floats(cols.time, rows: rows)
            let v = try floats(cols.value, rows: rows)
            let e = try floats(cols.error, rows: rows)
            let f = try table.readRagged(cols.reject, rows: rows, as: Int8.self, collective: true)
            out.bands[b] = BandBlock(time: t.values, value: v.values, error: e.values, reject: f.values, offsets: t.offsets,
                                     otherOffsets: [(cols.value, v.offsets), (cols.error, e.offsets), (cols.reject, f.offsets)])
        }
        return out
    }

    /// Throws, naming file, row, source and column, if a row's arrays differ in length within a
    /// band (they share one offsets dataset in a repacked file; a hand-made file may not).
    public func check(_ block: EpochBlock) throws {
        for b in bands {
            guard let bb = block.bands[b] else { continue }
            for (name, offsets) in bb.otherOffsets where offsets != bb.offsets {
                var i = 0
                while i + 1 < offsets.count, offsets[i + 1] - offsets[i] == bb.offsets[i + 1] - bb.offsets[i] { i += 1 }
                let theirs: Int = offsets[i + 1] - offsets[i]
                let times: Int = bb.offsets[i + 1] - bb.offsets[i]
                let source = block.sourceIDs[i]
                throw LightCurveError("\(table.path):/\(table.name) row \(block.first + i) (source_id \(source)): "
                                          + "column '\(name)' has \(theirs) transits, '\(b.time)' has \(times)")
            }
        }
    }
}

/// Per-reason transit counts.
public struct TransitCounts: Sendable {
    public var total = 0
    public var used = 0
    public var dropped = [Int](repeating: 0, count: DropReason.allCases.count)

    public init() {}

    /// All counts in one array (total, used, dropped…): summed over ranks in one allreduce.
    public var packed: [Int] { [total, used] + dropped }
    public init(packed p: [Int]) {
        total = p[0]
        used = p[1]
        dropped = Array(p[2...])
    }

    public static func += (a: inout TransitCounts, b: TransitCounts) {
        a.total += b.total
        a.used += b.used
        for i in a.dropped.indices { a.dropped[i] += b.dropped[i] }
    }
}

/// One light curve after cleaning: the transits that survive, in file order.
public struct CleanCurve: Sendable {
    /// Gaia time, BJD(TCB) − 2455197.5 d.
    public var time: [Double]
    /// Magnitude or flux.
    public var value: [Double]
    /// 1σ error of `value`, finite and > 0.
    public var error: [Double]
    public var count: Int { time.count }
}

/// Row `i` of the block in band `b`, cleaned: the transits that survive (in file order) and the
/// count of the ones dropped, by reason.
public func cleanCurve(_ block: BandBlock, row i: Int, quantity: Quantity, counts: inout TransitCounts) -> CleanCurve {
    // σ_m = (2.5 / ln 10) · σ_F / F.
    let magErrorScale = 2.5 / 2.302585092994046
    var t: [Double] = [], y: [Double] = [], e: [Double] = []
    let lo = block.offsets[i], hi = block.offsets[i + 1]
    t.reserveCapacity(hi - lo); y.reserveCapacity(hi - lo); e.reserveCapacity(hi - lo)
    for k in lo..<hi {
        counts.total += 1
        let reason: DropReason?
        let err = quantity == .mag ? magErrorScale / block.error[k] : block.error[k]
        if block.reject[k] == 1 { reason = .rejected }  // −1 (null) and 0: not rejected
        else if !block.time[k].isFinite { reason = .timeNull }
        else if !block.value[k].isFinite { reason = .valueNull }
        else if block.error[k].isNaN { reason = .errorNull }
        else if !(err.isFinite && err > 0) { reason = .errorNotPositive }
        else { reason = nil }
        if let r = reason {
            counts.dropped[r.rawValue] += 1
            continue
        }
        counts.used += 1
        t.append(block.time[k]); y.append(block.value[k]); e.append(err)
    }
    return CleanCurve(time: t, value: y, error: e)
}

/// A problem with an epoch_photometry table (missing column, inconsistent arrays).
public struct LightCurveError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
