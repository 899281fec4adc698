// Outputs of the periodogram search, written by all ranks together (ParallelResultFile):
//   PREFIX.h5    group `periodogram`: one row per source and band that was analysed and passed
//                the FAP cut, in table order (bands g, bp, rp); per-column units and
//                descriptions; root attributes: resolved parameters, counts (skips and drops by
//                reason, engines), conventions, provenance. With --dump-periodogram, group
//                `periodograms/<source_id>_<band>` holds `frequency` and `power` of each.
//   PREFIX.ecsv  the same table, astropy-readable (peak columns are float64[P], 2-D in astropy).
//   PREFIX.svg   the most significant curves (PeriodogramPlot).
import Foundation
import GaiaFormat
import GaiaIO
import LightCurves
import MPI
import Periodogram

public enum PeriodogramOutputs {
    public static let group = "periodogram"

    static func columns(_ rows: [CurveRow], options o: PeriodogramJobOptions) -> [ECSVOutputColumn] {
        let p = o.peaks
        func padded(_ v: [Double]) -> [Double] { Array(v.prefix(p)) + [Double](repeating: .nan, count: max(0, p - v.count)) }
        let unit = o.quantity.unit
        let what = o.quantity == .mag ? "magnitudes" : "fluxes"
        return [
            ECSVOutputColumn("source_id", .int64(rows.map(\.sourceID)), description: "Gaia DR3 source_id"),
            ECSVOutputColumn("band", .string(rows.map(\.band.rawValue)), description: "Photometric band: g, bp or rp"),
            ECSVOutputColumn("n_obs", .int32(rows.map { Int32($0.result.nObs) }),
                             description: "Transits used (after dropping null/NaN, non-positive-error and rejected ones)"),
            ECSVOutputColumn("time_span", .float64(rows.map(\.result.timeSpan)), unit: "d",
                             description: "Time span T = max t − min t of the transits used (t: BJD(TCB) − 2455197.5 d)"),
            ECSVOutputColumn("frequency", .float64(rows.map(\.result.frequency)), unit: "1 / d",
                             description: "Grid frequency of the highest periodogram power"),
            ECSVOutputColumn("period", .float64(rows.map(\.result.period)), unit: "d", description: "Best period, 1/frequency"),
            ECSVOutputColumn("power", .float64(rows.map(\.result.power)),
                             description: "Generalised Lomb-Scargle power at frequency, standard normalisation 1 - chi2(f)/chi2_0 (floating mean; astropy normalization='standard')"),
            ECSVOutputColumn("fap", .float64(rows.map(\.result.fap)),
                             description: "False-alarm probability of power over the grid up to fmax, Baluev (2008) alias-free approximation; NaN for nterms > 1"),
            ECSVOutputColumn("amplitude", .float64(rows.map(\.result.amplitude)), unit: unit,
                             description: "Peak-to-peak amplitude of the best-fit \(o.nterms)-harmonic model at frequency, in \(what)"),
            ECSVOutputColumn("peak_frequencies", .float64Arrays(rows.map { padded($0.result.peakFrequencies) }), unit: "1 / d",
                             description: "The \(p) strongest separated peaks (≥ \(o.peakSeparation)/T apart), strongest first; NaN-padded"),
            ECSVOutputColumn("peak_powers", .float64Arrays(rows.map { padded($0.result.peakPowers) }),
                             description: "Powers of peak_frequencies; NaN-padded"),
            ECSVOutputColumn("mean", .float64(rows.map(\.result.mean)), unit: unit,
                             description: "Weighted mean (weights 1/sigma^2) of the \(what) used"),
            ECSVOutputColumn("n_frequencies", .int32(rows.map { Int32(clamping: $0.nFrequencies) }),
                             description: "Frequencies in the curve's grid (the FAP accounts for the search up to fmax)"),
        ]
    }

    /// Run counts and conventions; identical on every rank (reduced values).
    static func meta(_ s: PeriodogramStatistics, options o: PeriodogramJobOptions, dumps: [String]) -> [(String, ResultAttribute)] {
        var m: [(String, ResultAttribute)] = [
            ("input", .string(o.input)),
            ("table", .string(PeriodogramJob.table)),
            ("bands", .strings(s.bands.map(\.rawValue))),
            ("quantity", .string(o.quantity.rawValue)),
            ("time_scale", .string("BJD(TCB) - 2455197.5 d, as in Gaia DR3 epoch photometry")),
            ("value_errors", .string(o.quantity == .mag ? "sigma_mag = 2.5/ln(10) / flux_over_error" : "flux_error")),
            ("grid", .string(o.grid == .perCurve
                ? "per curve: fmin = \(o.fmin.map { "\($0) 1/d" } ?? "1/T"), step 1/(\(o.oversampling)·T), up to fmax = \(o.fmax) 1/d"
                : "common: fmin = \(o.fmin ?? o.df ?? 0) 1/d, step \(o.df ?? 0) 1/d, up to fmax = \(o.fmax) 1/d")),
            ("power_normalization", .string("standard: 1 - chi2(f)/chi2_0 (Zechmeister & Kuerster 2009)")),
            ("fap_method", .string(o.nterms == 1 ? "Baluev (2008) alias-free approximation" : "none for nterms > 1 (fap = NaN)")),
            ("fap_max", .double(o.fapMax)),
            ("fap_filter", .string(o.nterms == 1 ? "rows with fap > fap_max are not written (counted in rows_above_fap_max)"
                                                 : "inactive: fap is NaN for nterms > 1, every analysed curve is written")),
            ("sources", .int(s.rows)),
            ("curves", .int(s.curves)),
            ("curves_analysed", .int(s.analysed)),
        ]
        for r in SkipReason.allCases { m.append(("curves_skipped_" + r.key, .int(s.skipped[r.rawValue]))) }
        m += [("rows_above_fap_max", .int(s.aboveFapMax)), ("rows_written", .int(s.written)),
              ("transits_total", .int(s.transitsTotal)), ("transits_used", .int(s.transitsUsed))]
        for r in DropReason.allCases { m.append(("transits_dropped_" + r.key, .int(s.dropped[r.rawValue]))) }
        for e in EngineKind.allCases { m.append(("engine_" + e.rawValue, .int(s.engines[e] ?? 0))) }
        m += [("dumped_periodograms", .strings(dumps)),
              ("seconds", .double((s.seconds * 1000).rounded() / 1000)),
              ("kernel_seconds", .double((s.kernelSeconds * 1000).rounded() / 1000)),
              ("mpi_ranks", .int(s.ranks))]
        return m
    }

    /// Collective: every rank passes its own result.
    public static func write(_ r: PeriodogramJobResult, prefix: String, options o: PeriodogramJobOptions, parameters: String,
                             communicator comm: Communicator, log: (String) -> Void) throws {
        // ---- dumped periodograms: every rank learns every dump's shape and owner ---------------
        let d = r.dumps
        let ids = comm.allgatherv(d.map(\.row.sourceID))
        let band = comm.allgatherv(d.map { Int64($0.row.band.index) }).values
        let count = comm.allgatherv(d.map { Int64($0.grid.count) }).values
        let grid = comm.allgatherv(d.flatMap { [$0.grid.fmin, $0.grid.step] }).values
        let best = comm.allgatherv(d.flatMap { [$0.row.result.frequency, $0.row.result.power, $0.row.result.fap] }).values
        var arrays: [DistributedArray] = []
        var names: [String] = []
        var k = 0
        for (owner, n) in ids.counts.enumerated() {
            for i in 0..<n {
                let b = PhotometryBand.allCases[Int(band[k])]
                let name = "\(ids.values[k])_\(b.rawValue)"
                names.append(name)
                let attrs: [(String, ResultAttribute)] = [
                    ("source_id", .int(Int(ids.values[k]))), ("band", .string(b.rawValue)), ("n_frequencies", .int(Int(count[k]))),
                    ("fmin", .double(grid[2 * k])), ("df", .double(grid[2 * k + 1])),
                    ("best_frequency", .double(best[3 * k])), ("best_power", .double(best[3 * k + 1])), ("fap", .double(best[3 * k + 2])),
                ]
                let own = owner == comm.rank ? d[i] : nil
                arrays.append(DistributedArray(path: "periodograms/\(name)/frequency", shape: [Int(count[k])], owner: owner,
                                               values: own?.grid.frequencies ?? [], unit: "1 / d",
                                               description: "Frequency grid f_k = fmin + k·df", attributes: attrs))
                arrays.append(DistributedArray(path: "periodograms/\(name)/power", shape: [Int(count[k])], owner: owner,
                                               values: own?.power ?? [],
                                               description: "Generalised Lomb-Scargle power (standard normalisation) at each frequency",
                                               attributes: attrs))
                k += 1
            }
        }
        let notDumped = comm.allgather(string: r.dumpsSkipped.map { "\($0.0) \($0.1.rawValue): \($0.2)" }.joined(separator: "\n"))
            .filter { !$0.isEmpty }.joined(separator: "\n")
        if !notDumped.isEmpty { log(comm.isRoot ? "periodogram: not dumped (curve skipped):\n  " + notDumped.replacingOccurrences(of: "\n", with: "\n  ") : "") }
        // ---- figure data to rank 0 ------------------------------------------------------------------
        let entries = o.plotSources > 0 ? PeriodogramPlot.gather(r.plotCandidates, comm: comm) : []
        try ParallelResultFile.write(
            prefix: prefix, group: group, columns: columns(r.rows, options: o),
            arrayWidths: ["peak_frequencies": o.peaks, "peak_powers": o.peaks], arrays: arrays,
            parameters: parameters, meta: meta(r.statistics, options: o, dumps: names), communicator: comm,
            alsoWrite: {
                if o.plotSources > 0 { try PeriodogramPlot.write(entries, quantity: o.quantity, input: o.input, path: prefix + ".svg") }
            })
    }

    /// The end-of-run report (rank 0 prints it).
    public static func summary(_ r: PeriodogramJobResult, prefix: String, options o: PeriodogramJobOptions) -> String {
        let s = r.statistics
        let skipped = s.skipped.reduce(0, +)
        var out = String(format: "periodogram: done: %d curves (%d sources × %d band(s)) on %d rank(s) in %.2f s: %.1f curves/s, %.1f curves/s/core",
                         s.curves, s.rows, s.bands.count, s.ranks, s.seconds, Clock.rate(s.curves, seconds: s.seconds),
                         Clock.rate(s.curves, seconds: s.seconds) / Double(s.ranks))
        out += "\n  analysed  \(s.analysed); written \(s.written); above fap_max \(s.aboveFapMax)"
        out += "\n  skipped   \(skipped)" + (skipped == 0 ? "" : ": " + SkipReason.allCases.compactMap { k in
            s.skipped[k.rawValue] > 0 ? "\(s.skipped[k.rawValue]) \(k.text)" : nil }.joined(separator: ", "))
        let dropped = s.dropped.reduce(0, +)
        out += "\n  transits  \(s.transitsTotal) read, \(s.transitsUsed) used, \(dropped) dropped" + (dropped == 0 ? "" : ": "
            + DropReason.allCases.compactMap { k in s.dropped[k.rawValue] > 0 ? "\(s.dropped[k.rawValue]) \(k.text)" : nil }.joined(separator: ", "))
        let engines = EngineKind.allCases.compactMap { e in s.engines[e].map { "\(e.rawValue) \($0)" } }
        out += "\n  engines   " + (engines.isEmpty ? "none (no curve analysed)" : engines.joined(separator: ", "))
        out += String(format: "\n  kernel    %.2f core-seconds, %.1f curves/s/core; slowest rank %.2f s; modelled cost per rank: max/mean %.3f",
                      s.kernelSeconds, Clock.rate(s.analysed, seconds: s.kernelSeconds), s.kernelMax, s.costMax / max(s.costMean, 1e-300))
        out += "\n  outputs   \(prefix).h5, \(prefix).ecsv" + (o.plotSources > 0 ? ", \(prefix).svg" : "")
        return out
    }
}
