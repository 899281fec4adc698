// The source update of one source (gaiasupdate `GaiaEpochAstrometryArchive.supdate` →
// `GaiaSourceEpochAstrometryCu9.compute_source_parameters` → `DesignEquation.solve_like_agis`):
// the fast path. One pass selects the CCD observations and writes their design rows into the
// workspace (one sin/cos per observation); the p×p normal equations are accumulated directly and
// solved by Cholesky (Numerics). gaiasupdate forms (√w X)ᵀ(√w X) and uses LU (np.linalg.solve,
// np.linalg.inv): the same quantities up to rounding; the reference port beside this one
// (AstrometricReference.swift) does it numpy's way and the tests hold the two together.

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
        select(s, model: options.model, into: &ws, rejected: &out.rejected)
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

    /// The selection and the design rows, in one pass over the transits × nCCD grid.
    static func select(_ s: SourceObservations, model: AstrometricModel, into ws: inout AstrometricWorkspace,
                       rejected: inout [Int]) {
        let nCCD = s.nCCD
        let sixP = model == .sixParameterConstrainedColour
        let perCCDColour = s.colourFactorIsPerCCD
        ws.reserve(s.transitCount * nCCD)
        ws.p = model.parameterCount
        var n = 0
        for i in 0..<s.transitCount {
            let bary = s.obsTimeBaryCorr[i]
            let f = s.parallaxFactorAL[i]
            for k in 0..<nCCD {
                let j = i * nCCD + k
                let colour = sixP ? s.colourFactorAL[perCCDColour ? j : i] : 0
                let tcb = s.obsTimeTCB[j], angle = s.scanPosAngle[j]
                let value = s.centroidPosAL[j], error = s.centroidPosErrorAL[j]
                let reason: ObservationRejection?
                if tcb == Int64.min { reason = .timeNull }
                else if s.usedByAGISAL[j] != 1 { reason = .notUsedByAGIS }
                else if bary.isNaN { reason = .baryCorrNull }
                else if angle.isNaN { reason = .scanAngleNull }
                else if value.isNaN || f.isNaN || colour.isNaN { reason = .valueNull }
                else if error.isNaN { reason = .errorNull }
                else { reason = nil }
                if let reason { rejected[reason.rawValue] += 1; continue }

                let t = AstrometricTime.relativeYears(obsTimeTCB: tcb, baryCorrNs: bary)
                let theta = angle * AstrometricDesign.radiansPerDegree
                let sn = sin(theta), cs = cos(theta)
                let o = n * 6
                ws.x[o] = sn
                ws.x[o + 1] = cs
                ws.x[o + 2] = f
                ws.x[o + 3] = sn * t
                ws.x[o + 4] = cs * t
                ws.x[o + 5] = colour * AstrometricDesign.colourFactorScale
                ws.h[n] = value
                ws.v[n] = error * error
                ws.position[n] = Int32(truncatingIfNeeded: j)
                n += 1
            }
        }
        ws.n = n
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
