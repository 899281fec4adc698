// One synthetic source's epoch astrometry, CCD by CCD, as the DR4 DataLink product carries it.
//
// Per source (drawn from its own random stream, so the output does not depend on --files/--threads):
//  * true parameters relative to the reference position at J2017.5: Δα*, Δδ ~ N(0, 3 mas),
//    ϖ = 0.1 mas + Exp(1 mas), µα*, µδ ~ N(0, 6 mas/yr); 30 % of the sources get a pseudocolour
//    offset δν ~ N(0, 0.2e-3 nm⁻¹) seen through colour_factor_al ~ N(0, 1) per transit (the others
//    colour_factor_al = 0, as in ESA's fixture); nu_eff_used_in_astrometry ~ U(1.24, 1.72) µm⁻¹;
//  * G from a power law 11–20.7 and a CCD AL standard error σ = √(0.04² + (0.1·10^{0.2(G−15)})²
//    (1 + 10^{0.4(G−20)})) mas (illustrative, not a DPAC model), × exp(0.12 N(0,1)) per CCD,
//    × 1.4 on the SM (as in the fixture, where the SM errors exceed the AF ones); ipd_error_al
//    = σ_CCD × U(0.55, 0.8);
//  * 20 % of the sources carry an excess noise ε ~ U(0.05, 0.5) mas, added to the noise and written
//    as agis_source_excess_noise (the others 0); 15 % carry planted outliers: 3 % of their used AF
//    CCDs shifted by ±U(5, 20) √(σ² + ε²), still used_by_agis_al (so a robust solver must find them).
//
// Per transit (ScanningLaw.swift; 8 % of the transits lost) and CCD k (SM = 0, AF1–AF9 = 1…9):
//  * times: SM at the transit time, AF1 11.872 s later in the preceding and 7.017 s later in the
//    following field of view (SM1 vs SM2), then 4.8567 s per AF CCD — the spacings of ESA's fixture
//    (obs_time_tcb differences); obs_time_tcb in integer ns since 2010-01-01T00:00 TCB;
//  * the scan direction at each CCD's own time (the spin axis precesses, so scan_pos_angle drifts
//    by arcseconds across the transit, as in the fixture); ψ north through east;
//  * obs_time_bary_corr = b·n̂ (1 AU light time 499.004783836156 s; the Rømer delay,
//    Lindegren et al. 2012 §3.2, and the sign gaiasupdate's `fr = −bary/1e9/499.00…` undoes);
//    parallax_factor_al = −ŵ·b/1 AU at the AF5 CCD (one per transit, as in the product);
//  * centroid_pos_al = the design row of the astrometric kernel (AstrometricDesign.row at
//    AstrometricTime.relativeYears of the values as written: one model for synth and solver)
//    · (Δα*, Δδ, ϖ, µα*, µδ, δν) + the wave's ŵ·δn (mas) + N(0, σ² + ε²) [+ outlier];
//  * flags and use as in the fixture: SM ccd_proc_flags 832, used_by_agis_al false; AF1 8192
//    (9024 in 11 %, 8720 in 3 %); other AFs 0 (832 in 19 %, rarely 848/576/528/512/64);
//    used_by_agis_ac false everywhere (1-D windows). Unused AF CCDs: AF9 window truncated in 4 %
//    (NaN centroid and errors), 1 % rejected by AGIS with a value (flag 832/512), 0.2 % with no data
//    and a null obs_time_tcb, 1 % of the transits with no AF data at all; 0.5 % of the transits
//    with a null obs_time_bary_corr (the solver then drops the whole transit).

import Astrometry
import Numerics

struct SimulatedTransit {
    var baryCorr: Float?
    var parallaxFactor: Float = 0, colourFactor: Float = 0
    var time = [Int64?](repeating: nil, count: 10)
    var value = [Double](repeating: .nan, count: 10)
    var error = [Float](repeating: .nan, count: 10), ipdError = [Float](repeating: .nan, count: 10)
    var angle = [Double](repeating: .nan, count: 10)
    var used = [Bool](repeating: false, count: 10)
    var flags = [Int64?](repeating: 0, count: 10)
}

struct SimulatedSource {
    var gMag = 0.0, sigma = 0.0
    /// Δα*, Δδ (mas), ϖ (mas), µα*, µδ (mas/yr), δν (nm⁻¹).
    var parameters = [Double](repeating: 0, count: 6)
    var excessNoise: Float = 0, nuEff: Float = 0
    var transits: [SimulatedTransit] = []
    /// CCD observations the solver keeps (used_by_agis_al, bary correction present), planted outliers among them.
    var ccdUsed = 0, outliers = 0
    var snr2 = 0.0, snr2Unfitted = 0.0
}

enum CCDLayout {
    static let count = 10
    /// Seconds from the SM to AF1 in the preceding / following field of view, and between AFs.
    static let smToAF1 = [11.872, 7.017]
    static let afSpacing = 4.8567
    /// 1 AU light time (s), the constant gaiasupdate uses.
    static let auLightSeconds = 499.004783836156

    static func offsetSeconds(ccd k: Int, fov: Int) -> Double {
        k == 0 ? 0 : smToAF1[fov] + Double(k - 1) * afSpacing
    }
}

extension EpochAstrometryGenerator {
    func simulate(sortedIndex i: Int) -> SimulatedSource {
        let src = sources[i]
        var rng = Xoshiro256(seed: seed, stream: SynthTable.epochAstrometry.stream, index: UInt64(src.index))
        var r = SimulatedSource()
        r.gMag = rng.powerLawMagnitude(11, 20.7, slope: 0.35)
        let phot = 0.1 * DetMath.exp10(0.2 * (r.gMag - 15))
        r.sigma = (0.04 * 0.04 + phot * phot * (1 + DetMath.exp10(0.4 * (r.gMag - 20)))).squareRoot()
        r.parameters = [rng.normal(0, 3), rng.normal(0, 3), 0.1 - DetMath.log(1 - rng.uniform()), rng.normal(0, 6), rng.normal(0, 6), 0]
        let hasColour = rng.chance(0.3)
        if hasColour { r.parameters[5] = rng.normal(0, 0.2e-3) }
        r.nuEff = Float(rng.uniform(1.24, 1.72) * 1e-3)
        if rng.chance(0.2) { r.excessNoise = Float(rng.uniform(0.05, 0.5)) }
        let outlierRate = rng.chance(0.15) ? 0.03 : 0
        let eps = Double(r.excessNoise)
        let (n, east, north) = EpochAstrometrySynth.frame(raDeg: src.raDeg, decDeg: src.decDeg)
        let wave = WaveAtStar(wave, star: n)
        var design: [[Double]] = [], signal: [Double] = [], weights: [Double] = []
        var row = [Double](repeating: 0, count: 6)
        let scanLaw = ScanningLaw.transits(of: n, start: EpochAstrometrySynth.spanStart, end: EpochAstrometrySynth.spanEnd, rng: &rng)
        for tr in scanLaw {
            if rng.chance(0.08) { continue }  // gaps, dead time
            var t = SimulatedTransit()
            let mid = tr.time + CCDLayout.offsetSeconds(ccd: 5, fov: tr.fov) / 86400
            let b = ScanningLaw.position(mid)
            let bary = Float(ScanningLaw.dot(b, n) * CCDLayout.auLightSeconds * 1e9)
            t.baryCorr = rng.chance(0.005) ? nil : bary
            let wMid = ScanningLaw.scanDirection(ScanningLaw.spinAxis(mid), n)
            t.parallaxFactor = Float(-ScanningLaw.dot(wMid, b))
            t.colourFactor = hasColour ? Float(rng.normal()) : 0
            let noAF = rng.chance(0.01)
            for k in 0..<CCDLayout.count {
                // Integer ns: the transit's time plus the exact CCD offset (no rounding through days).
                let ns = Int64((tr.time * EpochAstrometrySynth.nanosecondsPerDay).rounded())
                    + Int64((CCDLayout.offsetSeconds(ccd: k, fov: tr.fov) * 1e9).rounded())
                let tk = Double(ns) / EpochAstrometrySynth.nanosecondsPerDay
                let w = ScanningLaw.scanDirection(ScanningLaw.spinAxis(tk), n)
                let psiDeg = DetMath.atan2(ScanningLaw.dot(w, east), ScanningLaw.dot(w, north)) * 180 / Double.pi
                let sigma = Float(r.sigma * DetMath.exp(0.12 * rng.normal()) * (k == 0 ? 1.4 : 1))
                let years = AstrometricTime.relativeYears(obsTimeTCB: ns, baryCorrNs: Double(bary))
                AstrometricDesign.row(scanAngleDeg: psiDeg, years: years, parallaxFactor: Double(t.parallaxFactor),
                                      colourFactor: Double(t.colourFactor), into: &row)
                var model = 0.0
                for p in 0..<6 { model += row[p] * r.parameters[p] }
                let s = wave.signalMas(years: years, psiDeg: psiDeg, east: east, north: north)
                let total = (Double(sigma) * Double(sigma) + eps * eps).squareRoot()
                t.time[k] = ns
                t.angle[k] = psiDeg
                t.value[k] = model + s + total * rng.normal()
                t.error[k] = sigma
                t.ipdError[k] = Float(Double(sigma) * rng.uniform(0.55, 0.8))
                t.flags[k] = Self.flag(ccd: k, rng: &rng)
                t.used[k] = k > 0
                if k > 0 && (noAF || (k == 9 && rng.chance(0.04)) || rng.chance(0.002)) {
                    t.value[k] = .nan; t.error[k] = .nan; t.ipdError[k] = .nan; t.used[k] = false
                    if !noAF && k < 9 { t.time[k] = nil }
                } else if k > 0 && rng.chance(0.01) {
                    t.used[k] = false
                    let flag: Int64 = rng.chance(0.7) ? 832 : 512
                    if k > 1 { t.flags[k] = flag }  // AF1 keeps its 8192-family flag (fixture)
                }
                guard t.used[k] else { continue }
                let solved = t.baryCorr != nil  // what gaiasupdate's selection keeps
                if outlierRate > 0 && rng.chance(outlierRate) {
                    t.value[k] += (rng.chance(0.5) ? 1 : -1) * total * rng.uniform(5, 20)
                    if solved { r.outliers += 1 }
                }
                if solved {
                    r.ccdUsed += 1
                    design.append(Array(row[0..<5])); signal.append(s); weights.append(1 / (total * total))
                }
            }
            r.transits.append(t)
        }
        (r.snr2, r.snr2Unfitted) = EpochAstrometryGenerator.signalToNoise(design: design, signal: signal, weights: weights)
        return r
    }

    /// ccd_proc_flags as the fixture has them (counts over its 79 transits).
    static func flag(ccd k: Int, rng: inout Xoshiro256) -> Int64 {
        if k == 0 { return 832 }
        if k == 1 { return rng.chance(0.11) ? 9024 : rng.chance(0.03) ? 8720 : 8192 }
        if rng.chance(0.19) { return 832 }
        if rng.chance(0.03) { return [848, 576, 528, 512, 64][rng.below(5)] }
        return 0
    }
}

/// The injected wave's deflection basis at one star.
struct WaveAtStar {
    let wave: PlaneWaveInjection?
    var dPlus: EpochAstrometrySynth.Vec = (0, 0, 0), dCross: EpochAstrometrySynth.Vec = (0, 0, 0)
    var omega = 0.0

    init(_ wave: PlaneWaveInjection?, star n: EpochAstrometrySynth.Vec) {
        self.wave = wave
        guard let w = wave else { return }
        let (q, _, l) = EpochAstrometrySynth.frame(raDeg: w.raDeg, decDeg: w.decDeg)
        let a = w.raDeg * Double.pi / 180
        let m = (DetMath.sin(a), -DetMath.cos(a), 0.0)
        dPlus = EpochAstrometrySynth.deflection(star: n, source: q, m: m, l: l, cross: false)
        dCross = EpochAstrometrySynth.deflection(star: n, source: q, m: m, l: l, cross: true)
        omega = 2 * Double.pi * w.frequencyPerYear
    }

    /// ŵ(ψ)·δn(τ) in mas; ŵ = sin ψ ê + cos ψ n̂_north.
    func signalMas(years tau: Double, psiDeg: Double, east: EpochAstrometrySynth.Vec, north: EpochAstrometrySynth.Vec) -> Double {
        guard let w = wave else { return 0 }
        let psi = psiDeg * Double.pi / 180
        let sp = DetMath.sin(psi), cp = DetMath.cos(psi)
        let wv = (sp * east.0 + cp * north.0, sp * east.1 + cp * north.1, sp * east.2 + cp * north.2)
        let hp = w.hPlus * DetMath.cos(omega * tau + w.phasePlus)
        let hc = w.hCross * DetMath.cos(omega * tau + w.phaseCross)
        let d = (hp * dPlus.0 + hc * dCross.0, hp * dPlus.1 + hc * dCross.1, hp * dPlus.2 + hc * dCross.2)
        return (wv.0 * d.0 + wv.1 * d.1 + wv.2 * d.2) * EpochAstrometrySynth.masPerRadian
    }
}
