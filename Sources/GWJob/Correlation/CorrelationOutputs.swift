// Outputs of the all-pairs correlation: PREFIX.h5 and PREFIX.ecsv (one row per separation bin;
// the fit, Ω_GW and the run in the metadata) and PREFIX.svg (CorrelationPlot). Written by rank 0
// after the reduction; each file appears only when complete, and a failure removes the set.
import Foundation
import GaiaFormat
import GaiaIO
import GWAstrometry

public enum CorrelationOutputs {
    static let corrUnit = "uas2 / yr2"
    public static let suffixes = [".h5", ".ecsv", ".svg"]

    /// What the amplitude and Ω_GW mean (stored with the results).
    public static let normalisation = "corr_par and corr_perp estimate <mu_i,par mu_j,par> and <mu_i,perp mu_j,perp> in the frame "
        + "parallel-transported along the great circle through each pair (par: along it, perp: across it), as weighted means "
        + "sum(w P)/sum(w) over the pairs of a bin. Model: A H(Theta), H = 1 - 7x - 6 x^2 ln x / (1 - x), x = sin^2(Theta/2), "
        + "normalised to H(0) = 1 (astrometric Hellings-Downs curve of Book & Flanagan 2011, PRD 83, 024024), so "
        + "A = <mu_par^2> = <mu_perp^2> = <|mu|^2>/2 and Omega_GW = 2 A / H0^2 (<|mu|^2> = H0^2 Omega_GW). "
        + "Upper limit: flat prior on A >= 0, Gaussian likelihood; errors under the null hypothesis (bins independent)."

    public static func columns(_ r: CorrelationResult) -> [ECSVOutputColumn] {
        let b = r.bins
        let h = b.map { HellingsDowns.binAverage(loDeg: $0.thetaMinDeg, hiDeg: $0.thetaMaxDeg) }
        let weightUnit = r.options.weighting == .uniform ? "" : "yr4 / uas4"
        let scatter = r.options.errors == .scatter
        return [
            ECSVOutputColumn("theta_min", .float64(b.map(\.thetaMinDeg)), unit: "deg", description: "Lower edge of the separation bin (included)"),
            ECSVOutputColumn("theta_max", .float64(b.map(\.thetaMaxDeg)), unit: "deg", description: "Upper edge of the separation bin (excluded, except 180 deg)"),
            ECSVOutputColumn("n_pairs", .int64(b.map { Int64($0.pairs) }), description: "Source pairs in the bin"),
            ECSVOutputColumn("sum_weights", .float64(b.map(\.sumWeights)), unit: weightUnit,
                             description: "Sum of the pair weights w_i w_j (w = 1/(sigma^2 + sigma_extra^2), sigma^2 = (pmra_error^2 + pmdec_error^2)/2; or 1)"),
            ECSVOutputColumn("n_eff", .float64(b.map(\.effectivePairs)), description: "Effective number of pairs (sum w)^2 / sum w^2"),
            ECSVOutputColumn("corr_par", .float64(b.map(\.parallel)), unit: corrUnit,
                             description: "Weighted mean of mu_i,par mu_j,par (components along the great circle, parallel-transported frame)"),
            ECSVOutputColumn("corr_perp", .float64(b.map(\.perpendicular)), unit: corrUnit,
                             description: "Weighted mean of mu_i,perp mu_j,perp (components across the great circle)"),
            ECSVOutputColumn("corr_par_error", .float64(b.map { scatter ? $0.parallelError : $0.modelError }), unit: corrUnit,
                             description: scatter ? "Standard error of corr_par from the scatter of the pair products (sandwich variance)"
                                                  : "Standard error of corr_par from the quoted errors, 1/sqrt(sum w)"),
            ECSVOutputColumn("corr_perp_error", .float64(b.map { scatter ? $0.perpendicularError : $0.modelError }), unit: corrUnit,
                             description: scatter ? "Standard error of corr_perp from the scatter of the pair products (sandwich variance)"
                                                  : "Standard error of corr_perp from the quoted errors, 1/sqrt(sum w)"),
            ECSVOutputColumn("corr_par_perp_covariance", .float64(b.map { scatter ? $0.covariance : 0 }), unit: "uas4 / yr4",
                             description: "Covariance of corr_par and corr_perp (from the scatter; 0 with model errors)"),
            ECSVOutputColumn("corr_error_model", .float64(b.map(\.modelError)), unit: corrUnit,
                             description: "1/sqrt(sum w): the standard error if the quoted proper-motion errors are right (inverse-variance weights)"),
            ECSVOutputColumn("hd_curve", .float64(h), description: "H(Theta) averaged over the bin for isotropic pairs (density ~ sin Theta)"),
            ECSVOutputColumn("hd_fit", .float64(h.map { $0 * r.fit.amplitude }), unit: corrUnit, description: "Fitted model A * hd_curve"),
        ]
    }

    public static func meta(_ r: CorrelationResult) -> [(String, String)] {
        let s = r.statistics, f = r.fit, o = r.options
        func g(_ v: Double) -> String { String(format: "%.17g", v) }
        return [
            ("input", o.input),
            ("selection", o.selection.summary),
            ("sources", "\(s.sources)"),
            ("pairs_total", "\(s.pairsTotal)"),
            ("pairs_binned", "\(s.pairsBinned)"),
            ("pairs_outside_range", "\(s.pairsOutside)"),
            ("pairs_coincident", "\(s.coincident)"),
            ("pairs_antipodal", "\(s.antipodal)"),
            ("weighting", o.weighting.rawValue),
            ("sigma_extra", g(o.sigmaExtra)),
            ("fit_errors", o.errors.rawValue),
            ("fit_components", o.components.rawValue),
            ("hd_amplitude", g(f.amplitude)),
            ("hd_amplitude_error", g(f.amplitudeError)),
            ("hd_significance", g(f.significance)),
            ("hd_chi2", g(f.chi2)),
            ("hd_dof", "\(f.degreesOfFreedom)"),
            ("hd_p_value", g(f.pValue)),
            ("null_chi2", g(f.chi2Null)),
            ("null_dof", "\(f.points)"),
            ("null_p_value", g(f.pValueNull)),
            ("hd_amplitude_parallel", g(r.fitParallel.amplitude)),
            ("hd_amplitude_parallel_error", g(r.fitParallel.amplitudeError)),
            ("hd_amplitude_perpendicular", g(r.fitPerpendicular.amplitude)),
            ("hd_amplitude_perpendicular_error", g(r.fitPerpendicular.amplitudeError)),
            ("confidence", g(o.confidence)),
            ("hd_amplitude_upper_limit", g(r.upperLimit)),
            ("h0", g(o.h0)),
            ("omega_gw", g(r.omega)),
            ("omega_gw_error", g(r.omegaError)),
            ("omega_gw_upper_limit", g(r.omegaUpperLimit)),
            ("omega_gw_h2_upper_limit", g(r.omegaH2UpperLimit)),
            ("normalisation", normalisation),
            ("block_sources", "\(o.blockSources)"),
            ("blocks", "\(s.blocks)"),
            ("block_pairs", "\(s.blockPairs)"),
            ("seconds", String(format: "%.3f", s.seconds)),
            ("read_seconds", String(format: "%.3f", s.readSeconds)),
            ("transfer_seconds", String(format: "%.3f", s.transferSeconds)),
            ("kernel_cpu_seconds", String(format: "%.3f", s.kernelCPUSeconds)),
            ("kernel_wall_seconds", String(format: "%.3f", s.kernelWallSeconds)),
            ("kernel_pairs_per_core_second", String(format: "%.4g", s.kernelPairsPerCoreSecond)),
            ("pairs_per_rank_min", "\(s.pairsPerRankMin)"),
            ("pairs_per_rank_max", "\(s.pairsPerRankMax)"),
            ("mpi_ranks", "\(s.ranks)"),
        ]
    }

    /// Writes PREFIX.h5, PREFIX.ecsv, PREFIX.svg; if one fails none of the set is left behind.
    public static func write(_ r: CorrelationResult, prefix: String, parameters: String) throws {
        do {
            let q = PairSums.quantities
            let arrays = [
                ResultArray(name: "bin_edges", values: r.binning.edgesDeg, shape: [r.binning.edgesDeg.count], unit: "deg",
                            description: "Separation bin edges"),
                ResultArray(name: "pair_sums", values: r.sums.values, shape: [r.binning.count, q],
                            description: "Per bin, the exact sums over pairs of: n, w, w P_par, w P_perp, w^2, w^2 P_par, w^2 P_perp, "
                                + "w^2 P_par^2, w^2 P_perp^2, w^2 P_par P_perp (P in uas2/yr2; w the pair weight)"),
            ]
            try ResultFile.write(prefix: prefix, group: "gw_correlation", columns: columns(r), arrays: arrays, parameters: parameters,
                                 meta: meta(r))
            try CorrelationPlot.write(r, path: prefix + ".svg")
        } catch {
            for s in suffixes { unlink(prefix + s) }
            throw error
        }
    }

    public static func summary(_ r: CorrelationResult, prefix: String) -> String {
        let s = r.statistics, f = r.fit
        var out = String(format: "gw-correlation: done: %d sources, %lld pairs (= N(N−1)/2) in %d bins on %d rank(s) in %.2f s",
                         s.sources, Int64(s.pairsTotal), r.binning.count, s.ranks, s.seconds)
        if s.pairsOutside > 0 { out += String(format: "; %lld pairs outside the separation range", Int64(s.pairsOutside)) }
        if s.coincident + s.antipodal > 0 {
            out += "\n  warning: \(s.coincident) exactly coincident and \(s.antipodal) exactly antipodal pair(s) (great circle undefined: "
                + "products averaged over all great circles through the pair)"
        }
        out += String(format: "\n  kernel    %.3g pairs/s per core (%.2f core-seconds CPU, %.2f wall); read %.2f s, ring transfers %.2f s; pairs per rank %lld–%lld",
                      s.kernelPairsPerCoreSecond, s.kernelCPUSeconds, s.kernelWallSeconds, s.readSeconds, s.transferSeconds,
                      Int64(s.pairsPerRankMin), Int64(s.pairsPerRankMax))
        out += String(format: "\n  HD fit    A = %.4g ± %.4g µas²/yr² (%.2fσ; %@ errors, %@), χ² %.1f / %d dof (p = %.3g); A = 0: χ² %.1f / %d (p = %.3g)",
                      f.amplitude, f.amplitudeError, f.significance, r.options.errors.rawValue, r.options.components.rawValue,
                      f.chi2, f.degreesOfFreedom, f.pValue, f.chi2Null, f.points, f.pValueNull)
        out += String(format: "\n            parallel only %.4g ± %.4g, perpendicular only %.4g ± %.4g µas²/yr²",
                      r.fitParallel.amplitude, r.fitParallel.amplitudeError, r.fitPerpendicular.amplitude, r.fitPerpendicular.amplitudeError)
        out += String(format: "\n  Ω_GW      %.4g ± %.4g (H0 = %g km/s/Mpc); %g%% upper limit %.4g (Ω_GW h² < %.4g)",
                      r.omega, r.omegaError, r.options.h0, 100 * r.options.confidence, r.omegaUpperLimit, r.omegaH2UpperLimit)
        out += "\n  outputs   \(prefix).h5, \(prefix).ecsv, \(prefix).svg"
        return out
    }
}
