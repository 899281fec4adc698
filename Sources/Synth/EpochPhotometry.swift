// Synthetic `epoch_photometry`: Gaia DR3 light curves (G transit averages, BP and RP per-CCD
// fluxes, flags) with injected periodic signals of known period, amplitude and phase.
//
// What makes it realistic (compared with the five DR3 rows of EpochPhotometry_cdn_5sources):
//  * times in TCB days − 2455197.5 over the DR3 span 1666.4–2701.0 d, clumped by the scanning
//    law: groups of 1–3 visits 18–32 d apart, groups 100–170 d apart (scaled per source, like
//    the ecliptic-latitude dependence of the number of scans), each visit 1–3 spins of exactly
//    6 h, each spin a preceding/following field-of-view pair 106.5 min apart (basic angle
//    106.5°); 20–70 transits per source, median ~35–40;
//  * BP/RP observing times 27.2 s / 34.7 s after the G transit time, as in DR3;
//  * transit_id = (OBMT in units of 25 ns)·16 + FOV·8 + CCD row, with OBMT zero at TCB
//    1396.85 d (the slope 0.64 id/ns and zero point of the DR3 sample);
//  * fluxes in e⁻/s with the DR3 zero points (G 25.6874, BP 25.3385, RP 24.7479), mag =
//    ZP − 2.5 log10(flux); per-transit errors: photon noise + background + calibration floor
//    (G: √(F/40 + 5² + (1.2·10⁻³F)²), BP/RP: √(F/4.4 + 15²|17² + (3·10⁻³F)²));
//  * flags like DR3: sm_reject nearly always, AF9 unavailable on 1 transit in 7 (the CCD row with
//    the wave-front sensor), g_transit_n_obs = 9 − unavailable AF CCDs, BP+RP unavailable or
//    rejected together (values NaN), noisy outliers with large errors flagged by variability,
//    rare transits without G (n_obs 0–1, all G values NaN), rare `null` transit_id and
//    g_transit_flux as in the DR3 sample;
//  * signals on a fraction of the sources: sinusoids (period log-uniform 0.1–50 d) and RRab
//    (0.45–0.8 d, amplitude from the Bailey relation, an 8-harmonic Fourier series of a
//    sawtooth with a 15 % rise), bluer bands with larger amplitudes.

import GaiaFormat
import Numerics

public struct EpochOptions: Sendable {
    public var common: SynthOptions
    /// Fraction of sources with an injected periodic signal.
    public var variableFraction: Double

    public init(common: SynthOptions, variableFraction: Double = 0.2) {
        self.common = common
        self.variableFraction = variableFraction
    }
}

public enum EpochSynth {
    public static let solutionID: Int64 = 375316653866487564  // as in the DR3 sample
    public static let zeroPointG = 25.6874
    public static let zeroPointBP = 25.3385
    public static let zeroPointRP = 24.7479
    /// DR3 epoch photometry span, TCB days − 2455197.5.
    public static let spanStart = 1666.4
    public static let spanEnd = 2701.0
    /// Reference epoch of the injected signals' phases (TCB days − 2455197.5).
    public static let referenceEpoch = 2200.0
    public static let spinPeriod = 0.25  // d
    public static let fovDelay = 106.5 / 1440  // d
    public static let obmtZero = 1396.85  // d

    public enum Kind: String, Sendable { case constant, sinusoid, rrab }

    /// The injected signal: m(t) = m₀ + A·(g(θ) − ḡ), θ = frac((t − T₀)/P + φ), g of unit
    /// peak-to-peak (sinusoid: ½ sin 2πθ; RRab: the sawtooth series), A = peak-to-peak in G.
    public struct Signal: Sendable {
        public var kind: Kind
        public var period: Double
        public var amplitudeG: Double
        public var phase: Double
        public var bpFactor: Double
        public var rpFactor: Double

        /// Magnitude offset from the mean at time t, for an amplitude factor (1 for G).
        public func deltaMag(_ t: Double, factor: Double = 1) -> Double {
            if kind == .constant { return 0 }
            let theta = DetMath.frac((t - EpochSynth.referenceEpoch) / period + phase)
            return amplitudeG * factor * EpochSynth.shape(kind, theta)
        }

        /// A time of maximum light (minimum magnitude) within the DR3 span.
        public var epochOfMaximum: Double {
            if kind == .constant { return .nan }
            let thetaMax = kind == .rrab ? EpochSynth.rrabMaxPhase : 0.75
            // θ(t) = thetaMax ⇔ t = T₀ + P (thetaMax − φ + k)
            var t = EpochSynth.referenceEpoch + period * (thetaMax - phase)
            let k = ((EpochSynth.spanStart - t) / period).rounded(.up)
            t += k * period
            return t
        }
    }

    /// Zero-mean shape of unit peak-to-peak.
    static func shape(_ kind: Kind, _ theta: Double) -> Double {
        switch kind {
        case .constant: return 0
        case .sinusoid: return 0.5 * DetMath.sin(2 * Double.pi * theta)
        case .rrab:
            var s = rrabA0
            for k in 0..<rrabHarmonics {
                let x = 2 * Double.pi * Double(k + 1) * theta
                s += rrabCos[k] * DetMath.cos(x) + rrabSin[k] * DetMath.sin(x)
            }
            return (s - rrabMin) / (rrabMax - rrabMin) - rrabMean
        }
    }

    // RRab template: Fourier series (8 harmonics, Lanczos σ-factors) of the magnitude sawtooth
    // that falls (brightens) linearly over θ ∈ [0, 0.15] and rises over [0.15, 1].
    static let rrabHarmonics = 8
    static let rrabRise = 0.15
    static let rrabTemplate: (a0: Double, c: [Double], s: [Double]) = {
        let grid = 8192
        var a0 = 0.0
        var c = [Double](repeating: 0, count: rrabHarmonics), s = c
        for g in 0..<grid {
            let th = (Double(g) + 0.5) / Double(grid)
            let f = th < rrabRise ? 1 - th / rrabRise : (th - rrabRise) / (1 - rrabRise)
            a0 += f
            for k in 0..<rrabHarmonics {
                let x = 2 * Double.pi * Double(k + 1) * th
                c[k] += f * DetMath.cos(x)
                s[k] += f * DetMath.sin(x)
            }
        }
        for k in 0..<rrabHarmonics {
            let m = Double(k + 1), big = Double(rrabHarmonics + 1)
            let sigma = DetMath.sin(Double.pi * m / big) / (Double.pi * m / big)
            c[k] *= 2 * sigma / Double(grid)
            s[k] *= 2 * sigma / Double(grid)
        }
        return (a0 / Double(grid), c, s)
    }()
    static let rrabA0 = rrabTemplate.a0
    static let rrabCos = rrabTemplate.c
    static let rrabSin = rrabTemplate.s
    static let rrabGrid: [Double] = (0..<4096).map { g in
        let th = Double(g) / 4096
        var v = rrabTemplate.a0
        for k in 0..<rrabHarmonics {
            let x = 2 * Double.pi * Double(k + 1) * th
            v += rrabTemplate.c[k] * DetMath.cos(x) + rrabTemplate.s[k] * DetMath.sin(x)
        }
        return v
    }
    static let rrabMin = rrabGrid.min()!
    static let rrabMax = rrabGrid.max()!
    static let rrabMean = (rrabA0 - rrabMin) / (rrabMax - rrabMin)
    static let rrabMaxPhase = Double(rrabGrid.firstIndex(of: rrabMin)!) / 4096

    // MARK: generation

    public static func generate(_ o: EpochOptions) throws -> SynthResult {
        let common = o.common
        try common.validate()
        guard o.variableFraction >= 0 && o.variableFraction <= 1 else { throw SynthError("--variable-fraction must be in 0…1") }
        let table = SynthTable.epochPhotometry
        let known = table.knownTable
        let (sources, files) = SkyLayout.place(count: common.sources, files: common.files, prefix: known.filePrefix,
                                               seed: common.seed, stream: table.stream,
                                               distribution: .galactic(halo: 0.35, scaleDeg: 12))
        let gen = EpochGenerator(seed: common.seed, variableFraction: o.variableFraction, sources: sources)
        let header = CDNHeader.render(table: known, description: syntheticDescription(
            table: table, seed: common.seed,
            extra: "\(common.sources) light curves, variable fraction \(o.variableFraction)."))
        let written = try FileWriter(options: common, header: header).write(files: files) { i, buf in
            gen.writeRow(sortedIndex: i, into: &buf)
        }
        let truthJSONPath = common.outDirectory + "/\(table.rawValue)_truth.json"
        let truthECSVPath = common.outDirectory + "/\(table.rawValue)_truth.ecsv"
        try writeTextFile(truthJSONPath, gen.truthJSON(files: files, paths: written.paths, records: written.truth))
        try gen.writeTruthECSV(truthECSVPath, records: written.truth)
        return SynthResult(table: table, files: written.paths, sourcesPerFile: files.map(\.count),
                           truthJSON: truthJSONPath, truthECSV: truthECSVPath, sources: sources.count,
                           uncompressedBytes: written.raw, compressedBytes: written.compressed)
    }
}

/// One light curve as written.
public struct LightCurve: Sendable {
    public var gMean: Double
    public var bpRp: Double
    public var signal: EpochSynth.Signal
    public var transitID: [Int64?]
    public var gTime: [Double]
    public var gFlux: [Double?]
    public var gFluxError: [Double]
    /// flux / error as float32; where DR3 nulls a flux it keeps this ratio, so does Synth.
    public var gFluxOverError: [Float]
    public var gMag: [Double]
    public var gNObs: [Int64?]
    public var bpTime: [Double], bpFlux: [Double], bpFluxError: [Double], bpMag: [Double]
    public var rpTime: [Double], rpFlux: [Double], rpFluxError: [Double], rpMag: [Double]
    /// The 28 flag arrays in column order (photometry_flag_noisy_data … variability_flag_rp_reject).
    public var flags: [[Bool]]
    public var count: Int { gTime.count }
}

struct EpochGenerator: Sendable {
    let seed: UInt64
    let variableFraction: Double
    let sources: [PlacedSource]

    // Flag column positions within `flags`.
    static let fNoisy = 0, fSMUnavailable = 1, fAFUnavailable = 2  // AF1 … AF9 at 2…10
    static let fBPUnavailable = 11, fRPUnavailable = 12, fSMReject = 13, fAFReject = 14  // AF1…AF9 reject at 14…22
    static let fBPReject = 23, fRPReject = 24, fVG = 25, fVBP = 26, fVRP = 27

    func lightCurve(sortedIndex i: Int) -> LightCurve {
        var rng = Xoshiro256(seed: seed, stream: SynthTable.epochPhotometry.stream, index: UInt64(sources[i].index))
        // Source: brightness, colour, signal.
        let gMean = rng.powerLawMagnitude(12, 20.5, slope: 0.3)
        var signal = EpochSynth.Signal(kind: .constant, period: .nan, amplitudeG: 0, phase: .nan, bpFactor: 1, rpFactor: 1)
        var bpRp = min(3.5, max(-0.2, rng.normal(1.0, 0.45)))
        if rng.chance(variableFraction) {
            if rng.chance(0.5) {
                let p = rng.uniform(0.45, 0.8)
                // Bailey diagram of RRab (Oosterhoff I-like): shorter period, larger amplitude.
                let a = min(1.3, max(0.3, 1.25 - 2.2 * (p - 0.45) + 0.08 * rng.normal()))
                signal = .init(kind: .rrab, period: p, amplitudeG: a, phase: rng.uniform(), bpFactor: 1.3, rpFactor: 0.8)
                bpRp = rng.uniform(0.45, 0.85)
            } else {
                let p = DetMath.exp(rng.uniform(DetMath.log(0.1), DetMath.log(50)))
                let a = DetMath.exp(rng.uniform(DetMath.log(0.02), DetMath.log(0.5)))
                signal = .init(kind: .sinusoid, period: p, amplitudeG: a, phase: rng.uniform(), bpFactor: 1.15, rpFactor: 0.87)
            }
        }
        let rp = gMean - (0.665 * bpRp - 0.083 * bpRp * bpRp)
        let bp = rp + bpRp

        // Scanning law: groups of visits, visits of spins, spins of FOV pairs.
        let scale = rng.uniform(0.55, 1.4)
        var times: [(Double, Int)] = []  // (G transit time, FOV 0 = preceding, 1 = following)
        var t = EpochSynth.spanStart + rng.uniform(0, 120 * scale)
        while t < EpochSynth.spanEnd {
            let visits = 1 + rng.weighted([0.3, 0.45, 0.25])
            var tv = t, lastVisit = t
            for _ in 0..<visits {
                lastVisit = tv
                let spins = 1 + rng.weighted([0.55, 0.35, 0.10])
                let firstFOV = rng.below(2)
                for s in 0..<spins {
                    // Crossing times shift by up to a minute with the across-scan position and
                    // the slow change of the scan direction.
                    let ts = tv + Double(s) * EpochSynth.spinPeriod + 3e-4 * rng.normal()
                    let both = rng.chance(0.85)
                    let onlyFirst = rng.chance(0.5)
                    if both || onlyFirst { times.append((ts, firstFOV)) }
                    if both || !onlyFirst { times.append((ts + EpochSynth.fovDelay + 5e-5 * rng.normal(), 1 - firstFOV)) }
                }
                tv += rng.uniform(18, 32) * scale
            }
            t = lastVisit + rng.uniform(100, 170) * scale
        }
        times.sort { $0.0 < $1.0 }
        times = times.filter { $0.0 < EpochSynth.spanEnd }
        if times.count > 70 { times.removeLast(times.count - 70) }
        while times.count < 20 {  // rare short series: add visits in the gaps
            let ts = rng.uniform(EpochSynth.spanStart, EpochSynth.spanEnd - 1)
            times.append((ts, 0)); times.append((ts + EpochSynth.fovDelay, 1))
            times.sort { $0.0 < $1.0 }
        }
        let n = times.count

        var lc = LightCurve(gMean: gMean, bpRp: bpRp, signal: signal, transitID: [], gTime: [], gFlux: [], gFluxError: [], gFluxOverError: [],
                            gMag: [], gNObs: [], bpTime: [], bpFlux: [], bpFluxError: [], bpMag: [],
                            rpTime: [], rpFlux: [], rpFluxError: [], rpMag: [],
                            flags: Array(repeating: Array(repeating: false, count: n), count: 28))
        let ZG = EpochSynth.zeroPointG, ZB = EpochSynth.zeroPointBP, ZR = EpochSynth.zeroPointRP
        for k in 0..<n {
            let (tg, fov) = times[k]
            // Transit identifier from the on-board mission time.
            let obmtNs = (tg - EpochSynth.obmtZero) * 86400e9
            let row = rng.below(7)
            var id: Int64? = Int64((obmtNs / 25).rounded(.down)) * 16 + Int64(fov * 8 + row)
            if rng.chance(0.001) { id = nil }
            lc.transitID.append(id)

            // Flags and availability.
            var nObs = 9
            for af in 0..<9 {
                let unavailable = (af == 8 && row == 3) || rng.chance(0.008)
                if unavailable {
                    lc.flags[EpochGenerator.fAFUnavailable + af][k] = true
                    nObs -= 1
                    if rng.chance(0.5) { lc.flags[EpochGenerator.fAFReject + af][k] = true }
                } else if rng.chance(0.015) {
                    lc.flags[EpochGenerator.fAFReject + af][k] = true
                }
            }
            lc.flags[EpochGenerator.fSMUnavailable][k] = rng.chance(0.005)
            lc.flags[EpochGenerator.fSMReject][k] = rng.chance(0.97)
            var gMissing = false
            if rng.chance(0.005) {  // a transit without G: (almost) every AF CCD unavailable
                gMissing = true
                nObs = rng.below(2)
                for af in 0..<9 {
                    lc.flags[EpochGenerator.fAFReject + af][k] = true
                    lc.flags[EpochGenerator.fAFUnavailable + af][k] = af >= nObs
                }
                lc.flags[EpochGenerator.fVG][k] = true
            }
            let bpRpUnavailable = rng.chance(0.02) || (gMissing && nObs == 0)
            let bpRpRejected = !bpRpUnavailable && rng.chance(0.04)
            if bpRpUnavailable {
                lc.flags[EpochGenerator.fBPUnavailable][k] = true
                lc.flags[EpochGenerator.fRPUnavailable][k] = true
            }
            let bpMissing = bpRpUnavailable || bpRpRejected
            let bpSingleReject = !bpMissing && rng.chance(0.02)
            let rpSingleReject = !bpMissing && rng.chance(0.02)
            lc.flags[EpochGenerator.fBPReject][k] = bpMissing || bpSingleReject
            lc.flags[EpochGenerator.fRPReject][k] = bpMissing || rpSingleReject
            lc.flags[EpochGenerator.fVBP][k] = bpMissing || (bpSingleReject && rng.chance(0.7))
            lc.flags[EpochGenerator.fVRP][k] = bpMissing || (rpSingleReject && rng.chance(0.7))
            lc.gNObs.append(Int64(nObs))

            // G.
            let outlier = !gMissing && rng.chance(0.03)
            let fTrue = DetMath.exp10(0.4 * (ZG - gMean - signal.deltaMag(tg)))
            var sigma = (fTrue / 40 + 25 + (1.2e-3 * fTrue) * (1.2e-3 * fTrue)).squareRoot() * DetMath.exp(0.15 * rng.normal())
            var flux = fTrue + sigma * rng.normal()
            if outlier {
                sigma *= rng.uniform(8, 40)
                flux = fTrue + 0.5 * sigma * rng.normal()
                lc.flags[EpochGenerator.fNoisy][k] = true
                lc.flags[EpochGenerator.fVG][k] = true
                lc.flags[EpochGenerator.fAFReject + rng.below(9)][k] = true
            } else if rng.chance(0.02) {
                lc.flags[EpochGenerator.fNoisy][k] = true
            }
            if gMissing {
                lc.gTime.append(.nan); lc.gFlux.append(.nan); lc.gFluxError.append(.nan); lc.gMag.append(.nan)
                lc.gFluxOverError.append(.nan)
            } else {
                lc.gTime.append(tg)
                lc.gFlux.append(rng.chance(0.001) ? nil : flux)
                lc.gFluxError.append(sigma)
                lc.gFluxOverError.append(Float(flux / sigma))
                lc.gMag.append(flux > 0 ? ZG - 2.5 * DetMath.log10(flux) : .nan)
            }

            // BP and RP (per-CCD observations a few tens of seconds after the G transit time).
            let tb = tg + 0.000315 + 2e-6 * rng.normal()
            let tr = tg + 0.0004016 + 2e-6 * rng.normal()
            for isBP in [true, false] {
                let zp = isBP ? ZB : ZR, m0 = isBP ? bp : rp, tt = isBP ? tb : tr
                let ft = DetMath.exp10(0.4 * (zp - m0 - signal.deltaMag(tt, factor: isBP ? signal.bpFactor : signal.rpFactor)))
                let bg = isBP ? 15.0 : 17.0
                let s = (ft / 4.4 + bg * bg + (3e-3 * ft) * (3e-3 * ft)).squareRoot() * DetMath.exp(0.15 * rng.normal())
                let f = ft + s * rng.normal()
                let time = bpMissing ? Double.nan : tt
                let flx = bpMissing ? Double.nan : f
                let err = bpMissing ? Double.nan : s
                let mag = bpMissing || f <= 0 ? Double.nan : zp - 2.5 * DetMath.log10(f)
                if isBP {
                    lc.bpTime.append(time); lc.bpFlux.append(flx); lc.bpFluxError.append(err); lc.bpMag.append(mag)
                } else {
                    lc.rpTime.append(time); lc.rpFlux.append(flx); lc.rpFluxError.append(err); lc.rpMag.append(mag)
                }
            }
        }
        return lc
    }

    struct TruthRecord: Sendable {
        var signal: EpochSynth.Signal
        var gMean: Double
        var bpRp: Double
        var transits: Int
    }

    func writeRow(sortedIndex i: Int, into b: inout TextBuffer) -> TruthRecord {
        let lc = lightCurve(sortedIndex: i)
        b.int(EpochSynth.solutionID); b.comma()
        b.int(sources[i].sourceID); b.comma()
        b.int(lc.count); b.comma()
        b.intArray(lc.transitID); b.comma()
        b.float64Array(lc.gTime); b.comma()
        b.float64Array(lc.gFlux); b.comma()
        b.float64Array(lc.gFluxError); b.comma()
        b.float32Array(lc.gFluxOverError); b.comma()
        b.float64Array(lc.gMag); b.comma()
        b.intArray(lc.gNObs)
        for (t, f, e, m) in [(lc.bpTime, lc.bpFlux, lc.bpFluxError, lc.bpMag), (lc.rpTime, lc.rpFlux, lc.rpFluxError, lc.rpMag)] {
            b.comma(); b.float64Array(t)
            b.comma(); b.float64Array(f)
            b.comma(); b.float64Array(e)
            b.comma(); b.float32Array(EpochGenerator.overError(f, e))
            b.comma(); b.float64Array(m)
        }
        for f in lc.flags { b.comma(); b.boolArray(f) }
        b.newline()
        return TruthRecord(signal: lc.signal, gMean: lc.gMean, bpRp: lc.bpRp, transits: lc.count)
    }

    /// flux / error rounded to float32 (NaN propagates).
    static func overError(_ f: [Double], _ e: [Double]) -> [Float] {
        (0..<f.count).map { Float(f[$0] / e[$0]) }
    }

    func writeTruthECSV(_ path: String, records: [TruthRecord]) throws {
        let t = PlainECSV(columns: [
            .init("source_id", "int64"),
            .init("ra", "float64", unit: "deg"),
            .init("dec", "float64", unit: "deg"),
            .init("type", "string", description: "constant, sinusoid or rrab"),
            .init("period", "float64", unit: "d"),
            .init("amplitude_g", "float64", unit: "mag", description: "peak-to-peak in G"),
            .init("amplitude_bp", "float64", unit: "mag"),
            .init("amplitude_rp", "float64", unit: "mag"),
            .init("phase", "float64", description: "cycles at the reference epoch"),
            .init("epoch_max_light", "float64", unit: "d", description: "TCB - 2455197.5"),
            .init("mean_g_mag", "float64", unit: "mag"),
            .init("bp_rp", "float64", unit: "mag"),
            .init("n_transits", "int64"),
        ], meta: [("table", "epoch_photometry truth"), ("seed", String(seed)),
                  ("reference_epoch", GaiaNumber.float64(EpochSynth.referenceEpoch))])
        try writeLines(path, header: t.header(), sources.indices) { i, b in
            let p = sources[i], r = records[i], s = r.signal
            func num(_ v: Double) { if v.isNaN { b.ascii("nan") } else { b.float64(v) } }
            b.int(p.sourceID); b.comma()
            b.float64(p.raDeg); b.comma()
            b.float64(p.decDeg); b.comma()
            b.string(s.kind.rawValue); b.comma()
            num(s.period); b.comma()
            b.float64(s.amplitudeG); b.comma()
            b.float64(s.amplitudeG * s.bpFactor); b.comma()
            b.float64(s.amplitudeG * s.rpFactor); b.comma()
            num(s.phase); b.comma()
            num(s.epochOfMaximum); b.comma()
            b.float64(r.gMean); b.comma()
            b.float64(r.bpRp); b.comma()
            b.int(r.transits); b.newline()
        }
    }

    func truthJSON(files: [SkyFile], paths: [String], records: [TruthRecord]) -> String {
        var variables: [JSONValue] = []
        var counts: [String: Int] = ["constant": 0, "sinusoid": 0, "rrab": 0]
        var nTransits: [Int] = []
        for (i, p) in sources.enumerated() {
            let r = records[i], s = r.signal
            counts[s.kind.rawValue, default: 0] += 1
            nTransits.append(r.transits)
            if s.kind != .constant {
                variables.append(.object([
                    ("source_id", .int(p.sourceID)), ("type", .string(s.kind.rawValue)), ("period", .double(s.period)),
                    ("amplitude_g", .double(s.amplitudeG)), ("amplitude_bp", .double(s.amplitudeG * s.bpFactor)),
                    ("amplitude_rp", .double(s.amplitudeG * s.rpFactor)), ("phase", .double(s.phase)),
                    ("epoch_max_light", .double(s.epochOfMaximum)), ("mean_g_mag", .double(r.gMean)),
                ]))
            }
        }
        let sorted = nTransits.sorted()
        let json: JSONValue = .object([
            ("table", .string(SynthTable.epochPhotometry.rawValue)),
            ("generator", .string("gaiamine synth (GaiaMine Synth); synthetic data, not Gaia data")),
            ("seed", .uint(seed)),
            ("sources", .int(sources.count)),
            ("solution_id", .int(EpochSynth.solutionID)),
            ("files", filesJSON(files, paths: paths, sources: sources)),
            ("variable_fraction", .double(variableFraction)),
            ("counts", .object([("constant", .int(counts["constant"]!)), ("sinusoid", .int(counts["sinusoid"]!)),
                                ("rrab", .int(counts["rrab"]!))])),
            ("n_transits", .object([("min", .int(sorted.first ?? 0)), ("median", .int(sorted.isEmpty ? 0 : sorted[sorted.count / 2])),
                                    ("max", .int(sorted.last ?? 0))])),
            ("time_scale", .string("g_transit_time, bp_obs_time, rp_obs_time: TCB Julian days - 2455197.5 (DR3 convention)")),
            ("reference_epoch", .double(EpochSynth.referenceEpoch)),
            ("signal_model", .string(
                "m_X(t) = m0_X + A * f_X * (g(theta) - mean(g)), theta = frac((t - reference_epoch) / period + phase); g of unit "
                    + "peak-to-peak: sinusoid g = 0.5 sin(2 pi theta); rrab g = 8-harmonic Lanczos-smoothed Fourier series of a magnitude "
                    + "sawtooth falling over theta in [0, 0.15] and rising over [0.15, 1]. A = amplitude_g (peak-to-peak mag), "
                    + "f_BP = amplitude_bp / amplitude_g, f_RP likewise; flux = 10^(0.4 (ZP - m)), ZP G/BP/RP = 25.6874/25.3385/24.7479. "
                    + "Each band is evaluated at its own observing time.")),
            ("rrab_phase_of_max_light", .double(EpochSynth.rrabMaxPhase)),
            ("variables", .array(variables)),
        ])
        return json.render()
    }
}
