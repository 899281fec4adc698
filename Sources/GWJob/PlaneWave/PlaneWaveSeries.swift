// From one source's CCD observations to the along-scan series the F-statistic takes, through the
// Astrometry kernel (gaiasupdate's source update, Docs/astrometric-solution.md): its 5-parameter
// solution decides which CCD observations count (used_by_agis_al, nulls: ObservationRejection)
// and their variance σ² + ε² (ε: the AGIS excess noise of the product, or with `robust` the
// excess noise the kernel fits), and with `robust` its outliers (downweight < 0.2, gaiasupdate's
// index_keep) are left out. A source with a non-zero colour_factor_al is solved with the
// 6-parameter constrained-colour model and its fitted pseudocolour term −1000·colour·δν̂ taken off
// the values: the remainder's 5-parameter residual is then exactly the 6-parameter residual (the
// joint fit's residual is orthogonal to the 5 columns), so the data side of the F-statistic is
// right; the templates are projected on the 5 columns only, which makes M slightly larger than
// the 6-parameter one (2F slightly conservative; the colour column is nearly orthogonal to a GW
// template). The time is the kernel's (AstrometricTime.relativeYears: Julian years
// from J2017.5 TCB, barycentric correction included), so the search and the solution share one
// clock and one selection; PlaneWaveSource then removes the same weighted 5-parameter fit.
import Astrometry
import GWAstrometry

struct PlaneWaveSeries {
    let robust: Bool
    var workspace = AstrometricWorkspace()

    init(robust: Bool) { self.robust = robust }

    /// The series of `s` at (ra, dec), or nil (counted under `skipped`) when the kernel finds no
    /// usable observation or a singular design.
    mutating func series(_ s: SourceObservations, raDeg: Double, decDeg: Double, counts: inout PlaneWaveCounts) throws -> AlongScanSeries? {
        counts.transits += s.transitCount
        counts.observations += s.transitCount * s.nCCD
        let colour = s.colourFactorAL.contains { $0 != 0 && $0.isFinite }
        let model: AstrometricModel = colour ? .sixParameterConstrainedColour : .fiveParameter
        let solution: AstrometricSolution
        do {
            solution = try AstrometricSolver.solve(s, options: SolverOptions(model: model, fitExcessNoise: robust, keepResiduals: true),
                                                   workspace: &workspace)
        } catch AstrometricSolverError.noObservations {
            counts.skipped[SourceSkip.noObservations.rawValue] += 1
            return nil
        } catch AstrometricSolverError.singular {
            counts.skipped[SourceSkip.degenerateDesign.rawValue] += 1
            return nil
        }
        for (k, n) in solution.rejected.enumerated() { counts.rejected[k] += n }
        let eps = solution.excessNoise.isFinite ? solution.excessNoise : 0
        let pseudocolour = colour ? solution.parameters[5] : 0
        if colour { counts.sourcesColour += 1 }
        var out = AlongScanSeries(sourceID: s.sourceID, raDeg: raDeg, decDeg: decDeg)
        for j in 0..<s.transitCount {
            for k in 0..<s.nCCD {
                let i = j * s.nCCD + k, w = solution.weights[i]
                guard w > 0 else { continue }
                counts.selected += 1
                let sigma = s.centroidPosErrorAL[i]
                let variance = sigma * sigma + eps * eps
                // The weight is downweight / variance; the robust solution's outliers are dropped,
                // the others keep their full weight (so 2F stays χ²₄ under Gaussian noise).
                if robust && w * variance < AGISRules.downweightLimit {
                    counts.outliers += 1
                    continue
                }
                let tau = AstrometricTime.relativeYears(obsTimeTCB: s.obsTimeTCB[i], baryCorrNs: s.obsTimeBaryCorr[j])
                let cf = colour ? (s.colourFactorIsPerCCD ? s.colourFactorAL[i] : s.colourFactorAL[j]) : 0
                let value = s.centroidPosAL[i] - (colour ? AstrometricDesign.colourFactorScale * cf * pseudocolour : 0)
                out.append(tau: tau, psi: s.scanPosAngle[i] * AstrometricDesign.radiansPerDegree, parallaxFactor: s.parallaxFactorAL[j],
                           value: value, sigma: variance.squareRoot())
            }
        }
        return out
    }
}
