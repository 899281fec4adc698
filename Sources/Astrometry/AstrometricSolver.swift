// The source update of one source (gaiasupdate `GaiaEpochAstrometryArchive.supdate` →
// `GaiaSourceEpochAstrometryCu9.compute_source_parameters` → `DesignEquation.solve_like_agis`):
// the fast path. One pass selects the CCD observations and writes their design columns into the
// workspace (ObservationSelection.swift, one sin/cos per transit); the p×p normal equations are
// accumulated directly (AstrometricWorkspace.swift) and solved by Cholesky (Numerics).
// gaiasupdate forms (√w X)ᵀ(√w X) and uses LU (np.linalg.solve, np.linalg.inv): the same
// quantities up to rounding; the reference port beside this one (AstrometricReference.swift)
// does it numpy's way and the tests hold the two together.

import Foundation
import Numerics

public enum AstrometricSolver {
    /// The fast path.
    public static func solve(_ s: SourceObservations, options: SolverOptions) throws -> AstrometricSolution {
        var workspace = AstrometricWorkspace()
        return try solve(s, options: options, workspace: &workspace)
    }

    /// The fast path with a caller-owned workspace (reuse it across sources: no allocation but
    /// the result's arrays).
    public static func solve(_ s: SourceObservations, options: SolverOptions,
                             workspace ws: inout AstrometricWorkspace) throws -> AstrometricSolution {
        try validate(s, model: options.model)
        var out = AstrometricSolution(sourceID: s.sourceID, model: options.model)
        ws.load(s, model: options.model, rejected: &out.rejected)
        guard ws.n > 0 else { throw AstrometricSolverError.noObservations(sourceID: s.sourceID) }
        guard ws.n >= ws.p else { throw AstrometricSolverError.singular(sourceID: s.sourceID) }

        // Default: one solve with the AGIS excess variance added to every σ² (`total_variance`
        // passed to solve_like_agis). fitExcessNoise: the robust estimate decides it.
        var esv: Double
        if options.fitExcessNoise {
            do {
                let estimate = try ws.robustEstimate()
                esv = estimate.variance
                out.excessNoise = estimate.noise
                out.excessNoiseSignificance = estimate.significance
            } catch { throw AstrometricSolverError.singular(sourceID: s.sourceID) }
        } else {
            for i in 0..<ws.n { ws.d[i] = 1 }
            esv = AstrometricDesign.agisExcessVariance(s.agisSourceExcessNoise)
            out.excessNoise = s.agisSourceExcessNoise
        }
        do { try ws.solveNormals(excessVariance: esv) } catch {
            throw AstrometricSolverError.singular(sourceID: s.sourceID)
        }
        ws.computeResiduals()
        finish(&out, ws, esv: esv)
        if options.keepResiduals { scatterResiduals(&out, ws, esv: esv, count: s.transitCount * s.nCCD) }
        return out
    }

    /// Array lengths against transitCount × nCCD (the job reports the error with the file).
    static func validate(_ s: SourceObservations, model: AstrometricModel) throws {
        let m = s.transitCount * s.nCCD
        func check(_ name: String, _ count: Int, _ expected: Int) throws {
            guard count == expected else {
                throw AstrometricSolverError.invalidInput(
                    sourceID: s.sourceID, reason: "\(name) has \(count) values, expected \(expected)")
            }
        }
        try check("obs_time_tcb", s.obsTimeTCB.count, m)
        try check("centroid_pos_al", s.centroidPosAL.count, m)
        try check("centroid_pos_error_al", s.centroidPosErrorAL.count, m)
        try check("scan_pos_angle", s.scanPosAngle.count, m)
        try check("used_by_agis_al", s.usedByAGISAL.count, m)
        try check("obs_time_bary_corr", s.obsTimeBaryCorr.count, s.transitCount)
        try check("parallax_factor_al", s.parallaxFactorAL.count, s.transitCount)
        let c = s.colourFactorAL.count
        if model == .sixParameterConstrainedColour && c != s.transitCount && c != m {
            throw AstrometricSolverError.invalidInput(
                sourceID: s.sourceID, reason: "colour_factor_al has \(c) values, expected \(s.transitCount) or \(m)")
        }
    }

    /// Covariance, errors, correlation, counts and χ² from the last solve.
    static func finish(_ out: inout AstrometricSolution, _ ws: AstrometricWorkspace, esv: Double) {
        let p = ws.p
        out.parameters = Array(ws.beta[0..<p])
        let l = Array(ws.factor[0..<(p * p)])
        out.covariance = Cholesky.inverse(factor: l, n: p)
        out.errors = (0..<p).map { out.covariance[$0 * p + $0].squareRoot() }
        out.correlation = correlation(out.covariance, p: p)
        var outliers = 0, chi2 = 0.0
        for i in 0..<ws.n {
            if ws.d[i] < AGISRules.downweightLimit { outliers += 1; continue }
            chi2 += ws.r[i] * ws.r[i] / ws.v[i]
        }
        out.nOutliers = outliers
        out.nObs = ws.n - outliers
        out.chi2 = chi2
    }

    /// C_ij / √(C_ii C_jj), exactly 1 on the diagonal.
    static func correlation(_ c: [Double], p: Int) -> [Double] {
        var out = [Double](repeating: 0, count: p * p)
        for a in 0..<p {
            for b in 0..<p {
                out[a * p + b] = a == b ? 1 : c[a * p + b] / (c[a * p + a] * c[b * p + b]).squareRoot()
            }
        }
        return out
    }

    /// Residuals and weights back onto the transits × nCCD grid.
    static func scatterResiduals(_ out: inout AstrometricSolution, _ ws: AstrometricWorkspace, esv: Double, count: Int) {
        out.residuals = [Double](repeating: .nan, count: count)
        out.weights = [Double](repeating: 0, count: count)
        for i in 0..<ws.n {
            let j = Int(ws.position[i])
            out.residuals[j] = ws.r[i]
            out.weights[j] = ws.d[i] / (ws.v[i] + esv)
        }
    }
}
