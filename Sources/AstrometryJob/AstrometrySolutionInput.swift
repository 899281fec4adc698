// Reading a repacked transit-row `epoch_astrometry` table (Docs/data-format.md, contract C1) for
// the astrometric solutions: the columns the solver needs, found by name in the archive's
// snake_case or in the camelCase of ESA's internal exports (centroidPosAl…), checked for shape
// once, then read in blocks of whole sources (the run checks each block against the per-source
// index: SourceIndex.checkSlice / checkTransitOrder).
//
// Stored types follow the header (C1: float64/float32 floats with NaN nulls, int64 times with
// _FillValue Int64.min, bool as int8 0/1/−1); any numeric type is accepted and widened to what
// the kernel takes (SourceObservations: Double, Int64 times, Int8 flags).
import Astrometry
import GaiaIO
import GaiaJob

/// One column the solver reads: its name in the file, storage kind and per-row width.
struct SolverColumn {
    enum Kind { case float64, float32, int64, int32, int16, int8 }
    let name: String
    let kind: Kind
    let width: Int

    /// The archive (snake_case) name or its camelCase (`centroid_pos_al` → `centroidPosAl`).
    static func find(_ snake: String, in table: GaiaTable) -> String? {
        if table.hasColumn(snake) { return snake }
        let parts = snake.split(separator: "_")
        let camel = String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return table.hasColumn(camel) ? camel : nil
    }

    init(table: GaiaTable, name: String) throws {
        self.name = name
        let empty = RowRange(start: 0, count: 0)
        // A read in the wrong type fails: the first that succeeds is the stored type.
        if (try? table.read(name, rows: empty, as: Double.self)) != nil { kind = .float64 }
        else if (try? table.read(name, rows: empty, as: Float.self)) != nil { kind = .float32 }
        else if (try? table.read(name, rows: empty, as: Int64.self)) != nil { kind = .int64 }
        else if (try? table.read(name, rows: empty, as: Int32.self)) != nil { kind = .int32 }
        else if (try? table.read(name, rows: empty, as: Int16.self)) != nil { kind = .int16 }
        else if (try? table.read(name, rows: empty, as: Int8.self)) != nil { kind = .int8 }
        else { throw JobError("\(table.path):/\(table.name)/\(name) is not a numeric column") }
        width = try table.width(of: name)
        guard width > 0 else {
            throw JobError("\(table.path):/\(table.name)/\(name) is a ragged column; the transit-row layout stores per-CCD values as N × n_ccd arrays (Docs/data-format.md)")
        }
    }

    /// Rows `rows`, row-major, as Double (integer nulls: `fill` → NaN). Collective.
    func doubles(_ t: GaiaTable, _ rows: RowRange, fill: Int64?) throws -> [Double] {
        let f = fill ?? Int64.max  // no fill: Int64.max never occurs in these columns
        func null(_ v: Int64) -> Double { v == f ? .nan : Double(v) }
        switch kind {
        case .float64: return try t.read(name, rows: rows, as: Double.self, collective: true)
        case .float32: return try t.read(name, rows: rows, as: Float.self, collective: true).map(Double.init)
        case .int64: return try t.read(name, rows: rows, as: Int64.self, collective: true).map { null($0) }
        case .int32: return try t.read(name, rows: rows, as: Int32.self, collective: true).map { null(Int64($0)) }
        case .int16: return try t.read(name, rows: rows, as: Int16.self, collective: true).map { null(Int64($0)) }
        case .int8: return try t.read(name, rows: rows, as: Int8.self, collective: true).map { null(Int64($0)) }
        }
    }

    /// Rows `rows` as Int64 (times: exact beyond 2^53, so never through Double when stored as int).
    func int64s(_ t: GaiaTable, _ rows: RowRange) throws -> [Int64] {
        switch kind {
        case .int64: return try t.read(name, rows: rows, as: Int64.self, collective: true)
        case .float64, .float32:
            return try doubles(t, rows, fill: nil).map { $0.isFinite ? Int64($0) : Int64.min }
        default: return try doubles(t, rows, fill: nil).map { $0.isNaN ? Int64.min : Int64($0) }
        }
    }
}

/// The columns, by role.
struct EpochColumns {
    static let table = "epoch_astrometry"
    // Per CCD (N × n_ccd).
    let time, value, error, angle, used: SolverColumn
    // Per transit (N); colour may also be per CCD; excess noise is only needed without the fit.
    let sourceID, baryCorr, parallaxFactor: SolverColumn
    let colour, excessNoise: SolverColumn?
    let timeFill: Int64
    let usedFill: Int64
    var nCCD: Int { value.width }

    init(table t: GaiaTable, options o: AstrometrySolutionOptions) throws {
        let here = "\(t.path):/\(t.name)"
        func column(_ snake: String, required: Bool = true) throws -> SolverColumn? {
            guard let n = SolverColumn.find(snake, in: t) else {
                if required { throw JobError("\(here) has no column '\(snake)' (an epoch_astrometry table of transit rows is needed; Docs/data-format.md)") }
                return nil
            }
            return try SolverColumn(table: t, name: n)
        }
        sourceID = try column("source_id")!
        value = try column("centroid_pos_al")!
        error = try column("centroid_pos_error_al")!
        angle = try column("scan_pos_angle")!
        time = try column("obs_time_tcb")!
        used = try column("used_by_agis_al")!
        baryCorr = try column("obs_time_bary_corr")!
        parallaxFactor = try column("parallax_factor_al")!
        colour = try column("colour_factor_al", required: o.model != .fiveParameter)
        excessNoise = try column("agis_source_excess_noise", required: !o.fitExcessNoise)
        for c in [error, angle, time, used] where c.width != value.width {
            throw JobError("\(here)/\(c.name): \(c.width) elements per row, but \(value.name) has \(value.width) (one per CCD)")
        }
        for c in [sourceID, baryCorr, parallaxFactor] + (excessNoise.map { [$0] } ?? []) where c.width != 1 {
            throw JobError("\(here)/\(c.name): \(c.width) elements per row; a per-transit column has one")
        }
        if let c = colour, c.width != 1 && c.width != value.width {
            throw JobError("\(here)/\(c.name): \(c.width) elements per row; colour_factor_al has one per transit or one per CCD (\(value.width))")
        }
        guard sourceID.kind == .int64 else { throw JobError("\(here)/\(sourceID.name) must be int64") }
        timeFill = (try t.attribute("_FillValue", of: time.name)).flatMap { Int64($0) } ?? Int64.min
        usedFill = (try t.attribute("_FillValue", of: used.name)).flatMap { Int64($0) } ?? -1
    }
}

/// One round's rows: a run of whole sources, every column as the kernel takes it.
struct EpochBlock {
    var rows: RowRange
    var sourceIDs: [Int64] = []
    var time: [Int64] = []
    var value: [Double] = [], error: [Double] = [], angle: [Double] = []
    var used: [Int8] = []
    var baryCorr: [Double] = [], parallaxFactor: [Double] = [], colour: [Double] = [], excessNoise: [Double] = []

    /// Reads `rows` (collective; every rank calls it each round, possibly with no rows).
    init(_ c: EpochColumns, table t: GaiaTable, rows: RowRange) throws {
        self.rows = rows
        sourceIDs = try t.read(c.sourceID.name, rows: rows, as: Int64.self, collective: true)
        time = try c.time.int64s(t, rows)
        if c.time.kind == .int64, c.timeFill != Int64.min {
            for i in time.indices where time[i] == c.timeFill { time[i] = Int64.min }
        }
        value = try c.value.doubles(t, rows, fill: nil)
        error = try c.error.doubles(t, rows, fill: nil)
        angle = try c.angle.doubles(t, rows, fill: nil)
        // 1 used, 0 not, −1 (or the column's fill) null: the kernel uses only 1.
        used = try c.used.doubles(t, rows, fill: c.usedFill).map { $0.isNaN ? -1 : ($0 != 0 ? 1 : 0) }
        baryCorr = try c.baryCorr.doubles(t, rows, fill: nil)
        parallaxFactor = try c.parallaxFactor.doubles(t, rows, fill: nil)
        colour = try c.colour?.doubles(t, rows, fill: nil) ?? []
        excessNoise = try c.excessNoise?.doubles(t, rows, fill: nil) ?? []
    }

    /// Source rows [first, first + count) as the kernel's input.
    func observations(source id: Int64, first: Int, count: Int, nCCD: Int, hasColour: Bool) -> SourceObservations {
        let k0 = first - rows.start, k1 = k0 + count
        var s = SourceObservations(sourceID: id, nCCD: nCCD, transitCount: count)
        s.obsTimeTCB = Array(time[(k0 * nCCD)..<(k1 * nCCD)])
        s.centroidPosAL = Array(value[(k0 * nCCD)..<(k1 * nCCD)])
        s.centroidPosErrorAL = Array(error[(k0 * nCCD)..<(k1 * nCCD)])
        s.scanPosAngle = Array(angle[(k0 * nCCD)..<(k1 * nCCD)])
        s.usedByAGISAL = Array(used[(k0 * nCCD)..<(k1 * nCCD)])
        s.obsTimeBaryCorr = Array(baryCorr[k0..<k1])
        s.parallaxFactorAL = Array(parallaxFactor[k0..<k1])
        if hasColour {
            let w = colour.count / max(rows.count, 1)
            s.colourFactorAL = Array(colour[(k0 * w)..<(k1 * w)])
        }
        // gaiasupdate takes the excess noise of the source's first (remaining) row.
        s.agisSourceExcessNoise = excessNoise.isEmpty ? .nan : excessNoise[k0]
        return s
    }
}
