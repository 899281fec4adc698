// Outputs of `gw-vsh`:
//   PREFIX.h5 / PREFIX.ecsv   one row per quantity: name, value, error, unit, description
//                             (sample counts, fit statistics, rotation and glide in equatorial
//                             and Galactic axes with amplitude and direction, every coefficient,
//                             per-degree powers, Ω_GW estimates and limits); the HDF5 file also
//                             holds the coefficient vector, its covariance and per-degree arrays
//   PREFIX_clipped.h5/.ecsv   the clipped sources (source_id order) with their X
//   PREFIX.svg                VSHPlot
// Units: µas/yr for proper motions and coefficients ("uas/yr"), (µas/yr)² for powers.
import Foundation
import GaiaFormat
import GaiaIO
import GWAstrometry

public enum VSHOutputs {
    public static let conventions = "VSH of Mignard & Klioner 2012 (A&A 547, A59): V = sum_l [t_l0 T_l0 + s_l0 S_l0 + "
        + "2 sum_{m>0} (t^R T^R - t^I T^I + s^R S^R - s^I S^I)]; t_l_m_re/_im are t^R_lm/t^I_lm; rotation omega = "
        + "(-t^R_11, t^I_11, t_10 / sqrt(2)) / sqrt(4 pi/3), glide g likewise from s_1m; Galactic axes by the Hipparcos matrix A_G'; "
        + "power P_l = sum_{m=-l..l} |c_lm|^2; Omega_GW = <mu^2>_l / (f_l H0^2), f_l = 24(2l+1)/((l-1) l^2 (l+1)^2 (l+2)), f_2 = 5/6. "
        + "See Docs/gw-vsh.md."

    struct Rows {
        var name: [String] = [], value: [Double] = [], error: [Double] = [], unit: [String] = [], description: [String] = []
        mutating func add(_ n: String, _ v: Double, _ e: Double, _ u: String, _ d: String) {
            name.append(n); value.append(v); error.append(e); unit.append(u); description.append(d)
        }
        mutating func add(_ n: String, _ v: Double, u: String = "", d: String) { add(n, v, .nan, u, d) }
        var columns: [ECSVOutputColumn] {
            [ECSVOutputColumn("name", .string(name), description: "Quantity"),
             ECSVOutputColumn("value", .float64(value), description: "Value (unit in column 'unit')"),
             ECSVOutputColumn("error", .float64(error), description: "Standard error (NaN: not applicable)"),
             ECSVOutputColumn("unit", .string(unit), description: "Unit of value and error"),
             ECSVOutputColumn("description", .string(description), description: "What the quantity is")]
        }
    }

    static let pm = "uas/yr", pm2 = "(uas/yr)^2"

    static func rows(_ r: VSHJobResult) -> Rows {
        var t = Rows()
        let sol = r.solution, o = r.options, c = r.counts, out = r.outcome
        t.add("rows_read", Double(c.rows), d: "Rows of the input table")
        t.add("sources_selected", Double(c.selected), d: "Rows passing the selection with a proper motion")
        if o.selection.sourceIDFile != nil { t.add("dropped_not_listed", Double(c.notListed), d: "Rows not in the source_id list") }
        if let w = c.whereText { t.add("dropped_where", Double(c.failedWhere), d: "Rows failing --where '\(w)'") }
        for (k, f) in o.selection.filters.enumerated() {
            t.add("dropped_filter_\(k + 1)", Double(c.failedFilter[k]), d: "Rows failing filter '\(f.text)'")
        }
        t.add("dropped_null_pm", Double(c.nullProperMotion), d: "Selected rows without pmra/pmdec")
        t.add("correlation_null_as_zero", Double(c.correlationNull),
              d: r.correlationColumn ? "Sources whose null pmra_pmdec_corr was taken as 0" : "No pmra_pmdec_corr column: 0 for every source")
        t.add("sources_fitted", Double(sol.sources), d: "Sources in the final fit")
        t.add("sources_clipped", Double(out.sourcesClipped), d: "Sources clipped (X > kappa * median X) in the final fit")
        t.add("iterations", Double(out.iterations.count), d: "Fits made (1 + clipping iterations)")
        t.add("converged", out.converged ? 1 : 0, d: "1 if the clipped set stopped changing")
        t.add("lmax", Double(sol.layout.lmax), d: "Largest VSH degree fitted")
        t.add("kappa", o.fit.kappa, d: "Clipping factor kappa (0: no clipping)")
        t.add("median_x", out.medianX, d: "Median normalised residual X = sqrt(r' C^-1 r) over all selected sources")
        t.add("chi2", sol.chi2, d: "Sum of r' C^-1 r over the fitted sources")
        t.add("dof", Double(sol.degreesOfFreedom), d: "Degrees of freedom 2 n - K")
        t.add("unit_weight_error", (sol.chi2 / Double(max(sol.degreesOfFreedom, 1))).squareRoot(), d: "sqrt(chi2 / dof)")
        t.add("h0", o.h0, u: "km/s/Mpc", d: "Hubble constant used for Omega_GW")
        for (label, v) in [("rotation", sol.rotation), ("glide", sol.glide)] {
            let what = label == "rotation" ? "Rotation vector omega (from t_1m)" : "Glide vector g (from s_1m)"
            for (i, ax) in ["x", "y", "z"].enumerated() {
                t.add("\(label)_\(ax)", v.value[i], v.error(i), pm, "\(what), equatorial (ICRS) \(ax) component")
            }
            let g = v.galactic
            for (i, ax) in ["x", "y", "z"].enumerated() {
                t.add("\(label)_gal_\(ax)", g.value[i], g.error(i), pm, "\(what), Galactic \(ax) component")
            }
            let amp = v.amplitude, dir = v.direction, gdir = g.direction
            t.add("\(label)_amplitude", amp.value, amp.error, pm, "|\(label)|")
            t.add("\(label)_ra", dir.lon, dir.lonCosLatError, "deg", "Direction of the \(label) vector: right ascension (error: in ra*cos(dec))")
            t.add("\(label)_dec", dir.lat, dir.latError, "deg", "Direction of the \(label) vector: declination")
            t.add("\(label)_l", gdir.lon, gdir.lonCosLatError, "deg", "Direction of the \(label) vector: Galactic longitude (error: in l*cos(b))")
            t.add("\(label)_b", gdir.lat, gdir.latError, "deg", "Direction of the \(label) vector: Galactic latitude")
        }
        for (k, term) in sol.layout.terms.enumerated() {
            let part = term.m == 0 ? "" : (term.part == .real ? ", real part" : ", imaginary part")
            t.add(term.name, sol.coefficients[k], sol.error(k), pm,
                  "\(term.kind == .toroidal ? "Toroidal" : "Spheroidal") VSH coefficient \(term.kind.rawValue)_\(term.l)\(term.m)\(part) (MK12)")
        }
        for p in r.powers {
            let k = p.kind.rawValue
            let what = p.kind == .toroidal ? "toroidal" : "spheroidal"
            t.add("power_\(k)_\(p.l)", p.power, p.error, pm2, "Power of the \(what) degree-\(p.l) coefficients, sum_m |\(k)_\(p.l)m|^2")
            t.add("noise_bias_\(k)_\(p.l)", p.noiseBias, .nan, pm2, "Expected power of noise alone, tr(D Sigma) (subtract for the debiased power)")
            t.add("chi2_\(k)_\(p.l)", p.chi2, .nan, "", "c' Sigma^-1 c of the \(what) degree-\(p.l) coefficients (\(p.dof) dof under no signal)")
            t.add("z_\(k)_\(p.l)", p.z, .nan, "", "Wilson-Hilferty normal equivalent of chi2_\(k)_\(p.l)")
        }
        func omegaRows(_ tag: String, _ res: GWBackgroundLimit.Result, _ what: String) {
            t.add("omega_gw_estimate_\(tag)", res.estimate, res.estimateError, "", "Unbiased estimate of Omega_GW from \(what) (noise-only error)")
            t.add("omega_gw_ul95_\(tag)", res.upperLimit, .nan, "", "95% upper limit on Omega_GW from \(what) (Neyman, Monte Carlo)")
            t.add("omega_gw_expected_ul95_\(tag)", res.expectedUpperLimit, .nan, "", "95% upper limit expected from noise alone, \(what)")
        }
        if let q = r.omegaQuadrupole {
            let l2 = (r.powers.filter { $0.l == 2 }.map(\.debiased).reduce(0, +)) / (4 * Double.pi)
            t.add("mean_square_pm_l2", l2, .nan, pm2, "Debiased mean square of the degree-2 field over the sphere, (P_2^T + P_2^S - bias)/(4 pi)")
            omegaRows("l2", q, "the l = 2 power (quadrupole fraction 5/6)")
            for res in r.omegaPerDegree where res.degrees != [2] {
                let l = res.degrees[0]
                t.add("omega_gw_ul95_l\(l)", res.upperLimit, .nan, "", "95% upper limit on Omega_GW from the l = \(l) power alone (fraction f_\(l))")
            }
        }
        if let cmb = r.omegaCombined {
            omegaRows("combined", cmb, "degrees \(cmb.degrees.first!)-\(cmb.degrees.last!) (inverse-variance weighted)")
        }
        return t
    }

    /// The output files, by suffix of the prefix.
    public static let suffixes = [".h5", ".ecsv", ".svg", "_clipped.h5", "_clipped.ecsv"]

    /// Writes every output (each file atomically); if one fails, none of the set is left behind.
    public static func write(_ r: VSHJobResult, prefix: String, parameters: String) throws {
        do {
            try writeAll(r, prefix: prefix, parameters: parameters)
        } catch {
            for s in suffixes { unlink(prefix + s) }
            throw error
        }
    }

    static func writeAll(_ r: VSHJobResult, prefix: String, parameters: String) throws {
        let sol = r.solution
        let k = sol.count, lmax = sol.layout.lmax
        func perDegree(_ kind: VSHKind, _ f: (VSHDegreePower) -> Double) -> [Double] { r.powers.filter { $0.kind == kind }.map(f) }
        let arrays = [
            ResultArray(name: "coefficients", values: sol.coefficients, shape: [k], unit: pm,
                        description: "VSH coefficients in the order of meta coefficient_names"),
            ResultArray(name: "coefficient_errors", values: (0..<k).map(sol.error), shape: [k], unit: pm, description: "Standard errors"),
            ResultArray(name: "covariance", values: sol.covariance, shape: [k, k], unit: pm2, description: "Covariance of the coefficients (N^-1)"),
            ResultArray(name: "degree", values: (1...lmax).map(Double.init), shape: [lmax], description: "VSH degree l of the per-degree arrays"),
            ResultArray(name: "power_toroidal", values: perDegree(.toroidal, \.power), shape: [lmax], unit: pm2, description: "P_l^T"),
            ResultArray(name: "power_spheroidal", values: perDegree(.spheroidal, \.power), shape: [lmax], unit: pm2, description: "P_l^S"),
            ResultArray(name: "noise_bias_toroidal", values: perDegree(.toroidal, \.noiseBias), shape: [lmax], unit: pm2, description: "tr(D Sigma_l^T)"),
            ResultArray(name: "noise_bias_spheroidal", values: perDegree(.spheroidal, \.noiseBias), shape: [lmax], unit: pm2, description: "tr(D Sigma_l^S)"),
            ResultArray(name: "power_error_toroidal", values: perDegree(.toroidal, \.error), shape: [lmax], unit: pm2, description: "Standard error of P_l^T"),
            ResultArray(name: "power_error_spheroidal", values: perDegree(.spheroidal, \.error), shape: [lmax], unit: pm2, description: "Standard error of P_l^S"),
            ResultArray(name: "x_histogram", values: r.histogram.map(Double.init), shape: [r.histogram.count],
                        description: "Sources per bin of X (bins of \(VSHPlot.histogramWidth) from 0; last bin open)"),
        ]
        let s = r.statistics
        let meta: [(String, String)] = [
            ("input", r.options.input),
            ("selection", r.options.selection.summary),
            ("coefficient_names", sol.layout.terms.map(\.name).joined(separator: ",")),
            ("conventions", conventions),
            ("block_rows", "\(r.options.blockRows)"),
            ("seconds", String(format: "%.3f", s.seconds)),
            ("kernel_seconds", String(format: "%.3f", s.kernelSeconds)),
            ("mpi_ranks", "\(s.ranks)"),
        ]
        try ResultFile.write(prefix: prefix, group: "gw_vsh", columns: rows(r).columns, arrays: arrays, parameters: parameters, meta: meta)
        let c = r.clipped
        let clippedColumns = [
            ECSVOutputColumn("source_id", .int64(c.map(\.sourceID)), description: "Gaia source_id"),
            ECSVOutputColumn("ra", .float64(c.map(\.raDeg)), unit: "deg", description: "Right ascension"),
            ECSVOutputColumn("dec", .float64(c.map(\.decDeg)), unit: "deg", description: "Declination"),
            ECSVOutputColumn("pmra", .float64(c.map(\.pmra)), unit: "uas / yr", description: "Proper motion in ra*cos(dec)"),
            ECSVOutputColumn("pmdec", .float64(c.map(\.pmdec)), unit: "uas / yr", description: "Proper motion in dec"),
            ECSVOutputColumn("x", .float64(c.map(\.x)), description: "Normalised residual X = sqrt(r' C^-1 r) against the final fit"),
        ]
        try ResultFile.write(prefix: prefix + "_clipped", group: "gw_vsh_clipped", columns: clippedColumns, parameters: parameters,
                             meta: [("input", r.options.input), ("kappa", "\(r.options.fit.kappa)"),
                                    ("median_x", "\(r.outcome.medianX)")])
        try VSHPlot.write(r, path: prefix + ".svg")
    }

    public static func summary(_ r: VSHJobResult, prefix: String) -> String {
        let sol = r.solution, s = r.statistics, o = r.outcome
        func vec(_ name: String, _ v: Vector3Estimate) -> String {
            let a = v.amplitude, d = v.direction, g = v.galactic
            return String(format: "  %@ (%6.3f, %6.3f, %6.3f) ± (%.3f, %.3f, %.3f) µas/yr, |%@| = %.3f ± %.3f toward (α, δ) = (%.1f°, %+.1f°);"
                + " Galactic (%6.3f, %6.3f, %6.3f)", name, v.value[0], v.value[1], v.value[2], v.error(0), v.error(1), v.error(2),
                String(name.prefix(1)), a.value, a.error, d.lon, d.lat, g.value[0], g.value[1], g.value[2])
        }
        let dof = sol.degreesOfFreedom
        var out = String(format: "gw-vsh: done: %d sources fitted (%d clipped of %d selected, %d iteration(s)%@), lmax %d, χ²/dof %.4f",
                         sol.sources, o.sourcesClipped, r.counts.selected, o.iterations.count, o.converged ? "" : ", NOT converged",
                         sol.layout.lmax, sol.chi2 / Double(max(dof, 1)))
        out += "\n" + vec("rotation ω", sol.rotation)
        out += "\n" + vec("glide    g", sol.glide)
        for l in 1...sol.layout.lmax {
            let t = r.powers.first { $0.l == l && $0.kind == .toroidal }!, p = r.powers.first { $0.l == l && $0.kind == .spheroidal }!
            out += String(format: "\n  l = %2d: P^T %.4g (bias %.3g, Z %+.1f)  P^S %.4g (bias %.3g, Z %+.1f)  (µas/yr)²",
                          l, t.power, t.noiseBias, t.z, p.power, p.noiseBias, p.z)
        }
        if let q = r.omegaQuadrupole {
            out += String(format: "\n  Ω_GW (H0 = %g): l = 2: %.3g ± %.3g, 95%% upper limit %.3g (expected %.3g)", r.options.h0, q.estimate,
                          q.estimateError, q.upperLimit, q.expectedUpperLimit)
            if let c = r.omegaCombined, c.degrees.count > 1 {
                out += String(format: "; l = 2–%d: %.3g ± %.3g, limit %.3g (expected %.3g)", c.degrees.last!, c.estimate, c.estimateError,
                              c.upperLimit, c.expectedUpperLimit)
            }
        }
        let perCore = Clock.rate(s.sourceIterations, seconds: s.kernelSeconds)
        out += String(format: "\n  time      %.2f s on %d rank(s) (read %.2f s): %.0f sources/s, fit kernel %.0f sources/s/core (%d source-iterations in %.2f core-s)",
                      s.seconds, s.ranks, s.readSeconds, Clock.rate(r.counts.selected, seconds: s.seconds), perCore, s.sourceIterations, s.kernelSeconds)
        out += "\n  outputs   \(prefix).h5, \(prefix).ecsv, \(prefix).svg, \(prefix)_clipped.h5, \(prefix)_clipped.ecsv"
        return out
    }
}
