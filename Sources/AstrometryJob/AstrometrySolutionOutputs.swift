// Outputs of `astrometric-solution`, written collectively (ParallelResultFile: each rank its own
// sources' rows at the prefix sum of the row counts, temporary names renamed when complete):
//   PREFIX.h5 / PREFIX.ecsv  group `solutions`, one row per source (input order): the fit, its
//                formal errors and correlations (Gaia's <a>_<b>_corr naming), counts; units and
//                descriptions per column; parameters, model, counts, provenance as attributes.
//   PREFIX_residuals.h5/.ecsv (with --residuals) group `residuals`, one row per input row (aligned
//                with the repacked table): source_id, residual_al and weight_al per CCD.
//   PREFIX.svg   histograms of √(χ²/dof) and parallax/σ (AstrometrySolutionPlot).
import Astrometry
import Foundation
import GaiaFormat
import GaiaIO
import GaiaJob

public enum AstrometrySolutionOutputs {
    public static let suffixes = [".h5", ".ecsv", ".svg", "_residuals.h5", "_residuals.ecsv"]

    /// Gaia's short names of the parameters in the correlation columns (ra_dec_corr, …).
    static let shortNames = ["ra", "dec", "parallax", "pmra", "pmdec", "pseudocolour"]
    static let parameterNames = ["ra_offset", "dec_offset", "parallax", "pmra", "pmdec", "pseudocolour"]
    static let units = ["mas", "mas", "mas", "mas / yr", "mas / yr", "1 / nm"]
    static let descriptions = [
        "Offset Δα* = Δα cos δ of the position at the reference epoch J2017.5 (TCB) from the reference position of the centroids",
        "Offset Δδ of the position at J2017.5 (TCB) from the reference position of the centroids",
        "Parallax",
        "Proper motion in right ascension, µα* = µα cos δ",
        "Proper motion in declination",
        "Pseudocolour update (6p-constrained-colour only; gaiasupdate's unit 1/nm = 1000 µm⁻¹, prior σ 0.085e-3 /nm; NaN for 5p)",
    ]
    /// (a, b) with a < b in Gaia's order: ra_dec, ra_parallax, …, pmdec_pseudocolour.
    static let correlationPairs: [(Int, Int)] = (0..<6).flatMap { a in ((a + 1)..<6).map { (a, $0) } }

    static func columns(_ r: AstrometrySolutionResult) -> [ECSVOutputColumn] {
        let v = r.rows, model = r.options.model.rawValue
        var c: [ECSVOutputColumn] = [
            ECSVOutputColumn("source_id", .int64(v.sourceID), description: "Gaia source identifier"),
            ECSVOutputColumn("model", .string(v.sourceID.map { _ in model }), description: "Astrometric model: 5p (gaiasupdate 5p_single_source) or 6p-constrained-colour"),
            ECSVOutputColumn("status", .string(v.status), description: "ok, or why there is no solution: no_observations, singular, failed"),
            ECSVOutputColumn("n_transits", .int32(v.nTransits), description: "Field-of-view transits (input rows) of the source"),
            ECSVOutputColumn("n_obs_al", .int32(v.nObs), description: "CCD observations used in the solution, outliers excluded (gaiasupdate n_measurements)"),
            ECSVOutputColumn("n_outliers_al", .int32(v.nOutliers), description: "CCD observations downweighted below AGIS's limit (gaiasupdate n_outliers)"),
            ECSVOutputColumn("chi2_al", .float64(v.chi2), description: "χ² of the along-scan residuals of the kept observations (gaiasupdate solution_statistic.chi2)"),
            ECSVOutputColumn("excess_noise", .float64(v.excessNoise), unit: "mas",
                             description: "Excess source noise: fitted (fit_excess_noise) or the AGIS value applied (agis_source_excess_noise)"),
            ECSVOutputColumn("excess_noise_sig", .float64(v.significance), description: "Significance of the fitted excess noise (NaN when not fitted)"),
        ]
        for k in 0..<6 {
            c.append(ECSVOutputColumn(parameterNames[k], .float64(v.parameters[k]), unit: units[k], description: descriptions[k]))
        }
        for k in 0..<6 {
            c.append(ECSVOutputColumn(parameterNames[k] + "_error", .float64(v.errors[k]), unit: units[k],
                                      description: "Formal standard error of \(parameterNames[k]): √diag(N⁻¹) (gaiasupdate parameters_formal_uncertainty)"))
        }
        for (k, (a, b)) in correlationPairs.enumerated() {
            c.append(ECSVOutputColumn("\(shortNames[a])_\(shortNames[b])_corr", .float64(v.correlations[k]),
                                      description: "Correlation of \(parameterNames[a]) and \(parameterNames[b]) (from N⁻¹)"))
        }
        return c
    }

    static func meta(_ r: AstrometrySolutionResult) -> [(String, ResultAttribute)] {
        let s = r.statistics, o = r.options
        return [("job", .string(AstrometrySolutionCase.name)), ("input", .string(o.input)),
                ("model", .string(o.model.rawValue)), ("fit_excess_noise", .int(o.fitExcessNoise ? 1 : 0)),
                ("reference_epoch", .string("J2017.5 TCB")), ("n_ccd", .int(r.nCCD)),
                ("reference_software", .string("ESA gaiasupdate 0.1.2, GaiaEpochAstrometryArchive.supdate")),
                ("sources", .int(s.sources)), ("sources_selected", .int(s.selected)), ("sources_solved", .int(s.solved))]
            + SolutionStatus.allCases.dropFirst().map { ("sources_\($0.key)", .int(s.failed[$0.rawValue])) }
            + [("observations", .int(s.observations)), ("observations_used", .int(s.used)), ("observations_outliers", .int(s.outliers))]
            + ObservationRejection.allCases.map { ("observations_\($0.key)", .int(s.rejected[$0.rawValue])) }
    }

    public static func write(_ r: AstrometrySolutionResult, context: JobContext) throws {
        let comm = context.communicator, prefix = context.output
        if let res = r.residualRows {
            let n = r.nCCD, rows = res.sourceID.count
            let cols = [
                ECSVOutputColumn("source_id", .int64(res.sourceID), description: "Source of the input row (rows aligned with the repacked table)"),
                ECSVOutputColumn("residual_al", .float64Arrays((0..<rows).map { Array(res.residual[($0 * n)..<(($0 + 1) * n)]) }), unit: "mas",
                                 description: "Post-fit along-scan residual per CCD (SM, AF1–AF9); NaN where the observation was not used or the source not solved"),
                ECSVOutputColumn("weight_al", .float64Arrays((0..<rows).map { Array(res.weight[($0 * n)..<(($0 + 1) * n)]) }), unit: "1 / mas2",
                                 description: "Weight of the observation in the final solve: AGIS downweight / total variance (σ² + ε²); 0 where not used, NaN where the source was not solved"),
            ]
            try ParallelResultFile.write(prefix: prefix + "_residuals", group: "residuals", columns: cols,
                                         arrayWidths: ["residual_al": n, "weight_al": n], parameters: context.parameters,
                                         meta: meta(r), communicator: comm)
        }
        do {
            try ParallelResultFile.write(prefix: prefix, group: "solutions", columns: columns(r), parameters: context.parameters,
                                         meta: meta(r), communicator: comm,
                                         alsoWrite: { try AstrometrySolutionPlot.write(r, path: prefix + ".svg") })
        } catch {
            // Nothing half-written: the residual table goes with the failed solutions table.
            if comm.isRoot { unlink(prefix + "_residuals.h5"); unlink(prefix + "_residuals.ecsv") }
            throw error
        }
    }

    public static func summary(_ r: AstrometrySolutionResult, prefix: String) -> String {
        let s = r.statistics
        var out = String(format: "astrometric-solution: done: %d of %d sources solved (%d selected) on %d rank(s) in %.2f s: %.4g sources/s",
                         s.solved, s.sources, s.selected, s.ranks, s.seconds, Clock.rate(s.selected, seconds: s.seconds))
        out += String(format: "\n  kernel    %.4g sources per CPU-second per core (%.3f CPU-s summed over ranks); reads %.2f s (slowest rank)",
                      Clock.rate(s.selected, seconds: s.kernelCPUSeconds), s.kernelCPUSeconds, s.readSeconds)
        out += "\n  unsolved  " + SolutionStatus.allCases.dropFirst().map { "\(s.failed[$0.rawValue]) \($0.text)" }.joined(separator: "; ")
        out += "\n  CCD obs   \(s.observations) in \(s.transits) transits of the selected sources: \(s.used) used, \(s.outliers) outliers; not used: "
            + ObservationRejection.allCases.map { "\(s.rejected[$0.rawValue]) \($0.key)" }.joined(separator: ", ")
            + "; \(s.inUnsolved) in unsolved sources"
        out += "\n  outputs   \(prefix).h5, \(prefix).ecsv, \(prefix).svg" + (r.residualRows != nil ? ", \(prefix)_residuals.h5, \(prefix)_residuals.ecsv" : "")
        return out
    }
}
