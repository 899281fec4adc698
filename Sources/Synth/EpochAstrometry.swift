// Synthetic `epoch_astrometry`: DR4-like per-transit along-scan (AL) astrometry of every source,
// with an optional continuous plane gravitational wave injected into all of them. The table
// (Docs/data-format.md) has one row per source and ragged per-transit arrays, with the Gaia DR4
// DataLink column names aggregated to one value per field-of-view transit.
//
// Per source:
//  * position: uniform on the sky (the reference position ra, dec at ref_epoch = J2017.5);
//  * the true astrometric offsets from that reference, so that removing the 5-parameter fit
//    matters: Δα* and Δδ ~ N(0, 3 mas), ϖ = 0.1 mas + Exp(1 mas), µα* and µδ ~ N(0, 6 mas/yr);
//  * G from a power law 11–20.7 (counts ∝ 10^{0.35 G}) and a per-transit AL standard error
//    σ = √(0.04² + (0.1·10^{0.2(G−15)})² (1 + 10^{0.4(G−20)})) mas (a calibration floor, photon
//    noise, background-limited at the faint end: illustrative, not a DPAC model), times
//    exp(0.12 N(0,1)) per transit, rounded to float32 as written;
//  * transits from the simplified nominal scanning law (ScanningLaw.swift) over the DR4 span
//    (TCB days 1666.4–3671.0 since JD 2455197.5, 2014-07-25 to 2020-01-20), 8 % lost (gaps);
//  * per transit, with ψ the scan position angle (north through east), τ = (t − J2017.5) in
//    Julian years and f_ϖ the AL parallax factor (the design of the DR4 source update,
//    ESA gaiasupdate `epoch_astrometry.py`; Lindegren et al. 2012, A&A 538, A78):
//        w = sin ψ (Δα* + µα* τ) + cos ψ (Δδ + µδ τ) + f_ϖ ϖ + ŵ(ψ)·δn_GW(t) + σ ε,  ε ~ N(0, 1),
//    every quantity computed from the values as written (ψ float64, f_ϖ and σ float32, t in ns);
//  * 0.4 % outliers (5–50 σ off, used_by_agis_al = False) and 0.1 % missing abscissae (NaN, False).
//
// The plane wave, from the sky direction q̂ (the GW source; it propagates along p̂ = −q̂), in the
// distant-source limit (the "pulsar term" of the star dropped), Book & Flanagan 2011, PRD 83,
// 024024, Eq. (5) with p̂ = −q̂ (also Pyne et al. 1996, ApJ 465, 566; Moore et al. 2017, PRL 119,
// 261102, Eq. 1):
//        δn = (n̂ − q̂) / (2 (1 − q̂·n̂)) · h_jk n^j n^k − ½ h_ij n^j,
//        h_ij(t) = h₊(t) e⁺_ij + h×(t) e×_ij,  h_A(t) = A_A cos(2π f τ + φ_A),
//        e⁺ = m̂m̂ − l̂l̂,  e× = m̂l̂ + l̂m̂,  m̂ = (sin α_q, −cos α_q, 0),
//        l̂ = (−sin δ_q cos α_q, −sin δ_q sin α_q, cos δ_q)
// (the pulsar-timing polarisation basis, e.g. Sesana & Vecchio 2010, PRD 81, 104008). This is an
// independent implementation of what GWAstrometry/PlaneWave.swift computes for the search.
// The truth records, per source and in total, the squared signal-to-noise ratio left after the
// 5-parameter fit, ρ² = Σ (s − X β̂)²/σ²: at the injected frequency and direction the
// F-statistic has E[2F] = 4 + ρ² (non-central χ²₄).

import GaiaFormat
import Numerics

/// A continuous plane gravitational wave to inject.
public struct PlaneWaveInjection: Sendable, Equatable {
    /// Frequency, nHz.
    public var frequencyNHz: Double
    /// Direction of the GW source on the sky (ICRS, degrees).
    public var raDeg: Double
    public var decDeg: Double
    /// Strain amplitudes (dimensionless) and phases (rad) at the reference epoch J2017.5.
    public var hPlus: Double
    public var hCross: Double
    public var phasePlus: Double
    public var phaseCross: Double

    public init(frequencyNHz: Double, raDeg: Double, decDeg: Double, hPlus: Double, hCross: Double,
                phasePlus: Double = 0, phaseCross: Double = 0) {
        self.frequencyNHz = frequencyNHz
        self.raDeg = raDeg
        self.decDeg = decDeg
        self.hPlus = hPlus
        self.hCross = hCross
        self.phasePlus = phasePlus
        self.phaseCross = phaseCross
    }

    /// Cycles per Julian year.
    public var frequencyPerYear: Double { frequencyNHz * 1e-9 * 86400 * 365.25 }

    /// (A₊ cos φ₊, −A₊ sin φ₊, A× cos φ×, −A× sin φ×): h_A(τ) = a_c cos ωτ + a_s sin ωτ.
    public var linearAmplitudes: [Double] {
        [hPlus * DetMath.cos(phasePlus), -hPlus * DetMath.sin(phasePlus),
         hCross * DetMath.cos(phaseCross), -hCross * DetMath.sin(phaseCross)]
    }

    func validate() throws {
        guard frequencyNHz.isFinite && frequencyNHz > 0 else { throw SynthError("--gw-frequency must be a positive number of nHz") }
        guard raDeg.isFinite, decDeg.isFinite, abs(decDeg) <= 90 else { throw SynthError("--gw-direction: ra,dec in degrees with |dec| ≤ 90") }
        guard hPlus.isFinite, hCross.isFinite, phasePlus.isFinite, phaseCross.isFinite else {
            throw SynthError("--gw-hplus, --gw-hcross and the phases must be finite")
        }
    }
}

public struct EpochAstrometryOptions: Sendable {
    public var common: SynthOptions
    /// The injected wave; nil: noise and astrometry only.
    public var wave: PlaneWaveInjection?

    public init(common: SynthOptions, wave: PlaneWaveInjection? = nil) {
        self.common = common
        self.wave = wave
    }
}

public enum EpochAstrometrySynth {
    /// A made-up solution_id (no DR4 value is public).
    public static let solutionID: Int64 = 4_500_000_000_000_000_017
    /// DR4 span, TCB days since JD 2455197.5 (2014-07-25 to 2020-01-20).
    public static let spanStart = 1666.4
    public static let spanEnd = 3671.0
    /// DR4 reference epoch J2017.5 (Julian year, TCB) and the same in days since JD 2455197.5.
    public static let referenceEpochYear = 2017.5
    public static let referenceEpochDays = (2017.5 - 2010.0) * 365.25
    public static let masPerRadian = 180 / Double.pi * 3_600_000
    public static let nanosecondsPerDay = 86_400e9

    public static func generate(_ o: EpochAstrometryOptions) throws -> SynthResult {
        let common = o.common
        try common.validate()
        try o.wave?.validate()
        let table = SynthTable.epochAstrometry
        let known = table.knownTable
        let (sources, files) = SkyLayout.place(count: common.sources, files: common.files, prefix: known.filePrefix,
                                               seed: common.seed, stream: table.stream, distribution: .isotropic)
        let gen = EpochAstrometryGenerator(seed: common.seed, sources: sources, wave: o.wave)
        let waveText = o.wave.map { w in
            "A plane gravitational wave is injected (f = \(GaiaNumber.float64(w.frequencyNHz)) nHz from ra = "
                + "\(GaiaNumber.float64(w.raDeg)), dec = \(GaiaNumber.float64(w.decDeg)) deg)."
        } ?? "No gravitational wave is injected."
        let header = CDNHeader.render(table: known, description: syntheticDescription(
            table: table, seed: common.seed,
            extra: "\(common.sources) sources with per-transit along-scan astrometry (a DR4-like layout; no Gaia release has this "
                + "table in this form). \(waveText)"), release: "Gaia DR4 (synthetic)")
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

    /// The unit vector of (ra, dec) and the local east and north unit vectors there.
    static func frame(raDeg: Double, decDeg: Double) -> (n: Vec, east: Vec, north: Vec) {
        let a = raDeg * Double.pi / 180, d = decDeg * Double.pi / 180
        let ca = DetMath.cos(a), sa = DetMath.sin(a), cd = DetMath.cos(d), sd = DetMath.sin(d)
        return ((cd * ca, cd * sa, sd), (-sa, ca, 0), (-sd * ca, -sd * sa, cd))
    }

    typealias Vec = (Double, Double, Double)

    /// Deflection (rad) of a star at n for unit strain in polarisation e = m̂m̂ − l̂l̂ (plus) or
    /// m̂l̂ + l̂m̂ (cross) of a wave from q̂ (see the file header).
    static func deflection(star n: Vec, source q: Vec, m: Vec, l: Vec, cross: Bool) -> Vec {
        let mn = m.0 * n.0 + m.1 * n.1 + m.2 * n.2, ln = l.0 * n.0 + l.1 * n.1 + l.2 * n.2
        let hnn = cross ? 2 * mn * ln : mn * mn - ln * ln
        // h·n: plus m(m·n) − l(l·n); cross m(l·n) + l(m·n)
        let hn = cross ? (m.0 * ln + l.0 * mn, m.1 * ln + l.1 * mn, m.2 * ln + l.2 * mn)
                       : (m.0 * mn - l.0 * ln, m.1 * mn - l.1 * ln, m.2 * mn - l.2 * ln)
        let oneMinus = 1 - (q.0 * n.0 + q.1 * n.1 + q.2 * n.2)
        guard oneMinus > 1e-15 else { return (0, 0, 0) }  // the star at the GW source: no deflection
        let k = hnn / (2 * oneMinus)
        return (k * (n.0 - q.0) - 0.5 * hn.0, k * (n.1 - q.1) - 0.5 * hn.1, k * (n.2 - q.2) - 0.5 * hn.2)
    }
}

struct EpochAstrometryGenerator: Sendable {
    let seed: UInt64
    let sources: [PlacedSource]
    let wave: PlaneWaveInjection?

    /// One source as written, and its truth.
    struct Row {
        var gMag = 0.0, sigma = 0.0
        var astrometry = [Double](repeating: 0, count: 5)  // Δα*, Δδ (mas), ϖ (mas), µα*, µδ (mas/yr)
        var transitID: [Int64?] = []
        var timeNs: [Int64?] = []
        var value: [Double] = [], error: [Float] = [], angle: [Double] = [], parallaxFactor: [Float] = []
        var used: [Bool] = []
        var snr2 = 0.0, snr2Unfitted = 0.0
        var nUsed: Int { used.filter { $0 }.count }
    }

    struct TruthRecord: Sendable {
        var gMag: Double, sigma: Double
        var astrometry: [Double]
        var transits: Int, used: Int
        var snr2: Double, snr2Unfitted: Double
    }

    func row(sortedIndex i: Int) -> Row {
        let src = sources[i]
        var rng = Xoshiro256(seed: seed, stream: SynthTable.epochAstrometry.stream, index: UInt64(src.index))
        var r = Row()
        r.gMag = rng.powerLawMagnitude(11, 20.7, slope: 0.35)
        let phot = 0.1 * DetMath.exp10(0.2 * (r.gMag - 15))
        r.sigma = (0.04 * 0.04 + phot * phot * (1 + DetMath.exp10(0.4 * (r.gMag - 20)))).squareRoot()
        r.astrometry = [rng.normal(0, 3), rng.normal(0, 3), 0.1 - DetMath.log(1 - rng.uniform()), rng.normal(0, 6), rng.normal(0, 6)]
        let (n, east, north) = EpochAstrometrySynth.frame(raDeg: src.raDeg, decDeg: src.decDeg)
        // The wave's deflection vectors at this star for unit h₊ and h×.
        var dPlus: EpochAstrometrySynth.Vec = (0, 0, 0), dCross: EpochAstrometrySynth.Vec = (0, 0, 0)
        var omega = 0.0
        if let w = wave {
            let (q, _, l) = EpochAstrometrySynth.frame(raDeg: w.raDeg, decDeg: w.decDeg)
            let a = w.raDeg * Double.pi / 180
            let m = (DetMath.sin(a), -DetMath.cos(a), 0.0)
            dPlus = EpochAstrometrySynth.deflection(star: n, source: q, m: m, l: l, cross: false)
            dCross = EpochAstrometrySynth.deflection(star: n, source: q, m: m, l: l, cross: true)
            omega = 2 * Double.pi * w.frequencyPerYear
        }
        let transits = ScanningLaw.transits(of: n, start: EpochAstrometrySynth.spanStart, end: EpochAstrometrySynth.spanEnd, rng: &rng)
        var design: [[Double]] = [], signal: [Double] = [], weights: [Double] = []
        for tr in transits {
            if rng.chance(0.08) { continue }  // gaps, dead time
            let ns = Int64((tr.time * EpochAstrometrySynth.nanosecondsPerDay).rounded())
            let t = Double(ns) / EpochAstrometrySynth.nanosecondsPerDay
            let obmtNs = (t - EpochSynth.obmtZero) * 86400e9
            r.transitID.append(Int64((obmtNs / 25).rounded(.down)) * 16 + Int64(tr.fov * 8 + rng.below(7)))
            r.timeNs.append(ns)
            // Scan position angle from north through east, in (−180°, 180°], as written.
            let se = tr.scan.0 * east.0 + tr.scan.1 * east.1 + tr.scan.2 * east.2
            let sn = tr.scan.0 * north.0 + tr.scan.1 * north.1 + tr.scan.2 * north.2
            let psiDeg = DetMath.atan2(se, sn) * 180 / Double.pi
            let psi = psiDeg * Double.pi / 180
            let sp = DetMath.sin(psi), cp = DetMath.cos(psi)
            let wv = (sp * east.0 + cp * north.0, sp * east.1 + cp * north.1, sp * east.2 + cp * north.2)
            let fPlx = Float(-(wv.0 * tr.position.0 + wv.1 * tr.position.1 + wv.2 * tr.position.2))
            let sigma = Float(r.sigma * DetMath.exp(0.12 * rng.normal()))
            let tau = (t - EpochAstrometrySynth.referenceEpochDays) / 365.25
            let a = r.astrometry
            let x = [sp, cp, Double(fPlx), tau * sp, tau * cp]
            var model = 0.0
            for k in 0..<5 { model += x[k] * a[k] }
            var s = 0.0
            if let w = wave {
                let hp = w.hPlus * DetMath.cos(omega * tau + w.phasePlus)
                let hc = w.hCross * DetMath.cos(omega * tau + w.phaseCross)
                let d = (hp * dPlus.0 + hc * dCross.0, hp * dPlus.1 + hc * dCross.1, hp * dPlus.2 + hc * dCross.2)
                s = (wv.0 * d.0 + wv.1 * d.1 + wv.2 * d.2) * EpochAstrometrySynth.masPerRadian
            }
            var value = model + s + Double(sigma) * rng.normal()
            var used = true
            if rng.chance(0.004) {
                let sign: Double = rng.chance(0.5) ? 1 : -1
                value += sign * Double(sigma) * rng.uniform(5, 50)
                used = false
            } else if rng.chance(0.001) {
                value = .nan
                used = false
            }
            r.value.append(value); r.error.append(sigma); r.angle.append(psiDeg); r.parallaxFactor.append(fPlx)
            r.used.append(used)
            if used {
                design.append(x); signal.append(s); weights.append(1 / (Double(sigma) * Double(sigma)))
            }
        }
        (r.snr2, r.snr2Unfitted) = EpochAstrometryGenerator.signalToNoise(design: design, signal: signal, weights: weights)
        return r
    }

    /// ρ² of the signal after a weighted 5-parameter least-squares fit, and before it.
    static func signalToNoise(design x: [[Double]], signal s: [Double], weights w: [Double]) -> (Double, Double) {
        var unfitted = 0.0
        for k in s.indices { unfitted += s[k] * s[k] * w[k] }
        guard s.count > 5, unfitted > 0 else { return (s.count > 5 ? 0 : .nan, unfitted) }
        var a = [Double](repeating: 0, count: 25), b = [Double](repeating: 0, count: 5)
        for k in s.indices {
            for i in 0..<5 {
                b[i] += x[k][i] * w[k] * s[k]
                for j in 0..<5 { a[i * 5 + j] += x[k][i] * w[k] * x[k][j] }
            }
        }
        guard let l = try? Cholesky.factor(a, n: 5) else { return (.nan, unfitted) }
        // β = A⁻¹ b via L y = b, Lᵀ β = y.
        let beta = Cholesky.solve(factor: l, n: 5, b)
        var fitted = 0.0
        for k in s.indices {
            var r = s[k]
            for i in 0..<5 { r -= x[k][i] * beta[i] }
            fitted += r * r * w[k]
        }
        return (fitted, unfitted)
    }

    func writeRow(sortedIndex i: Int, into b: inout TextBuffer) -> TruthRecord {
        let r = row(sortedIndex: i)
        let s = sources[i]
        b.int(EpochAstrometrySynth.solutionID); b.comma()
        b.int(s.sourceID); b.comma()
        b.float64(s.raDeg); b.comma()
        b.float64(s.decDeg); b.comma()
        b.float64(EpochAstrometrySynth.referenceEpochYear); b.comma()
        b.int(r.timeNs.count); b.comma()
        b.intArray(r.transitID); b.comma()
        b.intArray(r.timeNs); b.comma()
        b.float64Array(r.value); b.comma()
        b.float32Array(r.error); b.comma()
        b.float64Array(r.angle); b.comma()
        b.float32Array(r.parallaxFactor); b.comma()
        b.boolArray(r.used)
        b.newline()
        return TruthRecord(gMag: r.gMag, sigma: r.sigma, astrometry: r.astrometry, transits: r.timeNs.count, used: r.nUsed,
                           snr2: r.snr2, snr2Unfitted: r.snr2Unfitted)
    }

    func writeTruthECSV(_ path: String, records: [TruthRecord]) throws {
        let t = PlainECSV(columns: [
            .init("source_id", "int64"),
            .init("ra", "float64", unit: "deg"),
            .init("dec", "float64", unit: "deg"),
            .init("phot_g_mean_mag", "float64", unit: "mag"),
            .init("sigma_al", "float64", unit: "mas", description: "per-transit AL standard error before the per-transit scatter"),
            .init("delta_ra_cosdec", "float64", unit: "mas", description: "true offset from the reference ra at J2017.5, times cos(dec)"),
            .init("delta_dec", "float64", unit: "mas", description: "true offset from the reference dec at J2017.5"),
            .init("parallax", "float64", unit: "mas"),
            .init("pmra", "float64", unit: "mas / yr"),
            .init("pmdec", "float64", unit: "mas / yr"),
            .init("n_transits", "int64"),
            .init("n_used", "int64", description: "transits with used_by_agis_al True"),
            .init("gw_snr2", "float64", description: "squared SNR of the injected wave after the 5-parameter fit (used transits)"),
            .init("gw_snr2_unfitted", "float64", description: "squared SNR of the injected wave before the 5-parameter fit"),
        ], meta: [("table", "epoch_astrometry truth"), ("seed", String(seed))])
        try writeLines(path, header: t.header(), sources.indices) { i, b in
            let p = sources[i], r = records[i]
            func num(_ v: Double) { if v.isNaN { b.ascii("nan") } else { b.float64(v) } }
            b.int(p.sourceID); b.comma()
            b.float64(p.raDeg); b.comma()
            b.float64(p.decDeg); b.comma()
            b.float64(r.gMag); b.comma()
            b.float64(r.sigma); b.comma()
            for v in r.astrometry { b.float64(v); b.comma() }
            b.int(r.transits); b.comma()
            b.int(r.used); b.comma()
            num(r.snr2); b.comma()
            num(r.snr2Unfitted); b.newline()
        }
    }

    func truthJSON(files: [SkyFile], paths: [String], records: [TruthRecord]) -> String {
        let nTransits = records.map(\.transits).sorted()
        var snr2 = 0.0, snr2Unfitted = 0.0
        for r in records where r.snr2.isFinite { snr2 += r.snr2; snr2Unfitted += r.snr2Unfitted }
        var waveJSON: JSONValue = .null
        if let w = wave {
            let pixels: [(String, JSONValue)] = (0...6).map { order in
                (String(1 << order), .int(HEALPix.ang2pixNested(order: order, raDeg: w.raDeg, decDeg: w.decDeg)))
            }
            waveJSON = .object([
                ("frequency_nhz", .double(w.frequencyNHz)),
                ("frequency_per_year", .double(w.frequencyPerYear)),
                ("ra", .double(w.raDeg)), ("dec", .double(w.decDeg)),
                ("h_plus", .double(w.hPlus)), ("h_cross", .double(w.hCross)),
                ("phase_plus", .double(w.phasePlus)), ("phase_cross", .double(w.phaseCross)),
                ("linear_amplitudes", .doubles(w.linearAmplitudes)),
                ("healpix_nested", .object(pixels)),
                ("snr2", .double(snr2)),
                ("snr2_unfitted", .double(snr2Unfitted)),
                ("expected_2f", .double(4 + snr2)),
            ])
        }
        let abscissaModel = "centroid_pos_al = sin(psi) (dra* + pmra tau) + cos(psi) (ddec + pmdec tau) + parallax_factor_al parallax "
            + "+ w(psi).dn_GW(t) + noise; psi = scan_pos_angle (north through east), w(psi) = sin(psi) e_east + cos(psi) e_north, "
            + "tau = (t - J2017.5) in Julian years; noise N(0, centroid_pos_error_al^2); values in mas"
        let waveModel = "dn = (n - q) / (2 (1 - q.n)) h_jk n^j n^k - h_ij n^j / 2 (Book & Flanagan 2011 Eq. 5, distant-source limit, "
            + "q = direction of the GW source, propagation -q); h = h_plus(t) e_plus + h_cross(t) e_cross, "
            + "h_A(t) = A_A cos(2 pi f tau + phase_A); e_plus = m m - l l, e_cross = m l + l m, m = (sin ra_q, -cos ra_q, 0), "
            + "l = (-sin dec_q cos ra_q, -sin dec_q sin ra_q, cos dec_q); linear_amplitudes = "
            + "(A+ cos phase+, -A+ sin phase+, Ax cos phasex, -Ax sin phasex)"
        let scanning = "circular 1 AU orbit; spin axis 45 deg from the Sun, precessing once per 63.12 d; 6 h spin; fields of view "
            + "106.5 min apart; +-0.35 deg across scan; 8 % of transits lost"
        let median = nTransits.isEmpty ? 0 : nTransits[nTransits.count / 2]
        let transitStats: [(String, JSONValue)] = [("min", .int(nTransits.first ?? 0)), ("median", .int(median)),
                                                   ("max", .int(nTransits.last ?? 0)), ("total", .int(nTransits.reduce(0, +)))]
        var fields: [(String, JSONValue)] = []
        fields.append(("table", .string(SynthTable.epochAstrometry.rawValue)))
        fields.append(("generator", .string("gaiamine synth (GaiaMine Synth); synthetic data, not Gaia data")))
        fields.append(("seed", .uint(seed)))
        fields.append(("sources", .int(sources.count)))
        fields.append(("solution_id", .int(EpochAstrometrySynth.solutionID)))
        fields.append(("files", filesJSON(files, paths: paths, sources: sources)))
        fields.append(("time_span_days", .doubles([EpochAstrometrySynth.spanStart, EpochAstrometrySynth.spanEnd])))
        fields.append(("time_scale", .string("obs_time_tcb: TCB nanoseconds since 2010-01-01T00:00 TCB (JD 2455197.5)")))
        fields.append(("reference_epoch", .double(EpochAstrometrySynth.referenceEpochYear)))
        fields.append(("n_transits", .object(transitStats)))
        fields.append(("abscissa_model", .string(abscissaModel)))
        fields.append(("plane_wave_model", .string(waveModel)))
        fields.append(("scanning_law", .string(scanning)))
        fields.append(("wave", waveJSON))
        let json: JSONValue = .object(fields)
        return json.render()
    }
}
