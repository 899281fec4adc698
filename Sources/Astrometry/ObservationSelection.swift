// The fast path's selection and design rows: one pass over a source's transits × nCCD grid that
// applies gaiasupdate's filters (ObservationRejection, in its order) and writes the selected
// observations' design columns, abscissae and variances into the workspace.
//
// sin θ and cos θ: gaiasupdate evaluates np.sin/np.cos of np.deg2rad(θ) for every CCD. The CCDs of
// one transit differ in θ by ~1e-5°, so we evaluate sin and cos once per transit at a = θ₀·π/180
// and reach the other CCDs' a' = θ·π/180 by the angle-addition formulas with δ = a' − a (exact:
// both are rounded products of nearby numbers), sin δ and 1 − cos δ by their Taylor series to
// δ⁵ and δ⁴ (truncation < 1e-21 for |δ| ≤ 1e-3 rad). The result differs from libm's sin/cos of a'
// by about one unit in the last place, not more; a CCD further than 1e-3 rad from the transit's
// base angle gets its own sin/cos (and becomes the base).

import Foundation

extension AstrometricWorkspace {
    mutating func load(_ s: SourceObservations, model: AstrometricModel, rejected: inout [Int]) {
        let nCCD = s.nCCD
        let sixP = model == .sixParameterConstrainedColour
        let perCCDColour = s.colourFactorIsPerCCD
        reserve(s.transitCount * nCCD)
        p = model.parameterCount
        let stride = self.stride
        var m = 0
        x.withUnsafeMutableBufferPointer { xb in
        h.withUnsafeMutableBufferPointer { hb in
        v.withUnsafeMutableBufferPointer { vb in
        position.withUnsafeMutableBufferPointer { pos in
            let x0 = xb.baseAddress!, x1 = x0 + stride, x2 = x1 + stride
            let x3 = x2 + stride, x4 = x3 + stride, x5 = x4 + stride
            for i in 0..<s.transitCount {
                let bary = s.obsTimeBaryCorr[i]
                let f = s.parallaxFactorAL[i]
                var base = Double.nan, sinBase = 0.0, cosBase = 1.0
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
                    let a = angle * AstrometricDesign.radiansPerDegree
                    let delta = a - base
                    let sn: Double, cs: Double
                    if abs(delta) <= 1e-3 {
                        let d2 = delta * delta
                        let sinDelta = delta - delta * d2 * (1.0 / 6 - d2 * (1.0 / 120))
                        let oneMinusCos = d2 * (0.5 - d2 * (1.0 / 24))
                        sn = sinBase + (cosBase * sinDelta - sinBase * oneMinusCos)
                        cs = cosBase - (sinBase * sinDelta + cosBase * oneMinusCos)
                    } else {
                        base = a
                        sinBase = sin(a)
                        cosBase = cos(a)
                        sn = sinBase
                        cs = cosBase
                    }
                    x0[m] = sn
                    x1[m] = cs
                    x2[m] = f
                    x3[m] = sn * t
                    x4[m] = cs * t
                    x5[m] = colour * AstrometricDesign.colourFactorScale
                    hb[m] = value
                    vb[m] = error * error
                    pos[m] = Int32(truncatingIfNeeded: j)
                    m += 1
                }
            }
        } } } }
        n = m
        pad()
    }
}
