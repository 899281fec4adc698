// Gaia-like synthetic epoch astrometry for the tests: field-of-view transits over 66 months
// centred near J2017.5, nine AF CCDs 4.86 s apart after the SM element (never used by AGIS, as in
// the DR4 product), float32 columns rounded to float32, per-transit scan angle, parallax factor,
// barycentric correction and colour factor. Abscissae follow the model of AstrometricDesign with a
// planted truth plus Gaussian noise σ (and optionally an excess noise and gross outliers).

import Astrometry
import Foundation

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Box–Muller.
    mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

struct SyntheticSpec {
    var transits = 70
    var truth: [Double] = [0.3, -0.2, 2.5, -4.1, 7.3, 0]
    var sigmaRange: ClosedRange<Double> = 0.1...0.6
    var noise = true
    var extraNoise = 0.0
    var agisExcessNoise = 0.08
    var perCCDColour = false
    var colourScale = 0.01
    /// Fractions of CCD observations made null / unused / gross outliers (10–40 σ).
    var nullFraction = 0.0
    var unusedFraction = 0.0
    var outlierFraction = 0.0
}

func float32(_ x: Double) -> Double { Double(Float(x)) }

/// One source; `truth` in the model's parameter order (the 6th used only when its design column
/// is non-zero: a 5p fit of it is what the colour factor biases).
func syntheticSource(id: Int64, _ spec: SyntheticSpec, _ rng: inout SplitMix64) -> SourceObservations {
    let nCCD = 10, T = spec.transits
    var s = SourceObservations(sourceID: id, nCCD: nCCD, transitCount: T)
    let nsPerYear = 365.25 * 86400 * 1e9
    var times = (0..<T).map { _ in -2.9 + 5.5 * rng.uniform() }
    times.sort()
    for i in 0..<T {
        let bary = float32((rng.uniform() * 2 - 1) * 4.9e11)
        let f = float32(rng.uniform() * 2 - 1)
        let angle = rng.uniform() * 360 - 180
        let transitColour = float32(spec.colourScale * rng.gaussian())
        s.obsTimeBaryCorr.append(bary)
        s.parallaxFactorAL.append(f)
        if !spec.perCCDColour { s.colourFactorAL.append(transitColour) }
        let start = Int64((times[i] + 7.5) * nsPerYear)
        for k in 0..<nCCD {
            let tcb = start + Int64(k) * 4_860_000_000 + Int64(rng.uniform() * 1000)
            let theta = angle + 1e-5 * Double(k)
            let colour = spec.perCCDColour ? float32(transitColour + 0.001 * rng.gaussian()) : transitColour
            if spec.perCCDColour { s.colourFactorAL.append(colour) }
            let sigma = float32(spec.sigmaRange.lowerBound + (spec.sigmaRange.upperBound - spec.sigmaRange.lowerBound) * rng.uniform())
            let t = AstrometricTime.relativeYears(obsTimeTCB: tcb, baryCorrNs: bary)
            var row = [Double](repeating: 0, count: 6)
            AstrometricDesign.row(scanAngleDeg: theta, years: t, parallaxFactor: f, colourFactor: colour, into: &row)
            var w = 0.0
            for a in 0..<6 { w += row[a] * spec.truth[a] }
            if spec.noise { w += (sigma * sigma + spec.extraNoise * spec.extraNoise).squareRoot() * rng.gaussian() }
            if rng.uniform() < spec.outlierFraction { w += (rng.uniform() < 0.5 ? -1 : 1) * sigma * (10 + 30 * rng.uniform()) }
            s.obsTimeTCB.append(tcb)
            s.scanPosAngle.append(theta)
            s.centroidPosAL.append(w)
            s.centroidPosErrorAL.append(sigma)
            s.usedByAGISAL.append(k == 0 ? 0 : (rng.uniform() < spec.unusedFraction ? (rng.uniform() < 0.5 ? 0 : -1) : 1))
        }
    }
    s.agisSourceExcessNoise = spec.agisExcessNoise
    if spec.nullFraction > 0 {
        for j in 0..<(T * nCCD) where rng.uniform() < spec.nullFraction {
            switch Int(rng.uniform() * 5) {
            case 0: s.obsTimeTCB[j] = Int64.min
            case 1: s.scanPosAngle[j] = .nan
            case 2: s.centroidPosAL[j] = .nan
            case 3: s.centroidPosErrorAL[j] = .nan
            default: s.obsTimeBaryCorr[j / nCCD] = .nan
            }
        }
    }
    return s
}
