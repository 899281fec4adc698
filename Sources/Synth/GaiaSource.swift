// Synthetic `gaia_source`: isotropic QSO-like sources whose proper motions are noise plus
// optional injected large-scale fields with known truth: a rigid rotation ω, a glide g and a
// degree-2 VSH (quadrupole) field such as a stochastic gravitational-wave background produces
// (see VSH.swift for the conventions, Mignard & Klioner 2012, A&A 547, A59).
//
// Realism: positions uniform on the sphere; G in 17–21 with counts ∝ 10^(0.45 G); parallax 0 +
// noise; uncertainties as DR3 5-parameter solutions (Lindegren et al. 2021, A&A 649, A2,
// Table 4: σ_pm ≈ 0.07 / 0.5 / 1.4 mas/yr at G = 17 / 20 / 21, σ_ϖ 0.07 / 0.5 / 1.3 mas, σ_pos
// 0.05 / 0.4 / 1.0 mas), 0.2-dex scatter over the sky, 6-parameter solutions (30 %, 20 % larger
// errors); the noise of (ra, dec, parallax, pmra, pmdec) is drawn from the written 5×5
// correlation matrix; photometry with DR3 zero points and mean-flux errors; a few faint sources
// without BP/RP (null); Galactic and ecliptic coordinates from the written ra/dec.
// Planted wide binaries and lensed images of quasars (PlantedPairs.swift) take part of the rows;
// their truth is in gaia_source_pairs_truth.ecsv (PlantedTruth.swift).

import GaiaFormat
import Numerics

public struct GaiaSourceOptions: Sendable {
    public var common: SynthOptions
    /// Rigid rotation vector ω (x, y, z) in µas/yr (ICRS axes).
    public var rotation: (Double, Double, Double)
    /// Glide vector g (x, y, z) in µas/yr.
    public var glide: (Double, Double, Double)
    /// Amplitude a of the degree-2 field in µas/yr: every complex VSH coefficient has E|c|² = a².
    public var gwAmplitude: Double
    /// Planted wide binaries per source (each takes 2 rows); 0: none.
    public var binaryFraction: Double
    /// Quasars with lensed images per source (each gets 1–3 image rows); 0: none.
    public var lensedFraction: Double

    /// Defaults: a few hundred planted pairs at 50 000 sources.
    public static let defaultBinaryFraction = 0.005, defaultLensedFraction = 0.003

    public init(common: SynthOptions, rotation: (Double, Double, Double) = (0, 0, 0),
                glide: (Double, Double, Double) = (0, 0, 0), gwAmplitude: Double = 0,
                binaryFraction: Double = defaultBinaryFraction, lensedFraction: Double = defaultLensedFraction) {
        self.common = common
        self.rotation = rotation
        self.glide = glide
        self.gwAmplitude = gwAmplitude
        self.binaryFraction = binaryFraction
        self.lensedFraction = lensedFraction
    }
}

public enum GaiaSourceSynth {
    public static let solutionID: Int64 = 1636148068921376768  // DR3 gaia_source
    public static let zeroPointG = 25.6874, zeroPointBP = 25.3385, zeroPointRP = 24.7479

    /// The 51 of the 152 DR3 gaia_source columns that synth writes (astrometry with errors and
    /// correlations, photometry, positions: what the GW kernels read), in DR3 order; the
    /// declarations come from KnownTables. `GaiaSourceGenerator.writeRow` writes them in this order.
    public static let columnNames = [
        "solution_id", "designation", "source_id", "random_index", "ref_epoch", "ra", "ra_error", "dec", "dec_error",
        "parallax", "parallax_error", "parallax_over_error", "pm", "pmra", "pmra_error", "pmdec", "pmdec_error",
        "ra_dec_corr", "ra_parallax_corr", "ra_pmra_corr", "ra_pmdec_corr", "dec_parallax_corr", "dec_pmra_corr",
        "dec_pmdec_corr", "parallax_pmra_corr", "parallax_pmdec_corr", "pmra_pmdec_corr", "astrometric_n_obs_al",
        "astrometric_n_good_obs_al", "astrometric_excess_noise", "astrometric_params_solved",
        "astrometric_primary_flag", "visibility_periods_used", "ruwe", "phot_g_n_obs", "phot_g_mean_flux",
        "phot_g_mean_flux_error", "phot_g_mean_flux_over_error", "phot_g_mean_mag", "phot_bp_mean_flux",
        "phot_bp_mean_flux_error", "phot_bp_mean_mag", "phot_rp_mean_flux", "phot_rp_mean_flux_error",
        "phot_rp_mean_mag", "bp_rp", "l", "b", "ecl_lon", "ecl_lat", "in_qso_candidates",
    ]

    /// The degree-2 coefficients drawn for a seed and amplitude (same as the generator draws).
    public static func quadrupole(seed: UInt64, amplitude: Double) -> VSH.Quadrupole {
        var rng = Xoshiro256(seed: seed, stream: SynthTable.gaiaSource.stream, index: 0x6A7E)
        return VSH.Quadrupole.random(amplitude: amplitude, rng: &rng)
    }

    public static func generate(_ o: GaiaSourceOptions) throws -> SynthResult {
        let common = o.common
        try common.validate()
        guard o.gwAmplitude >= 0 && o.gwAmplitude.isFinite else { throw SynthError("--gw-amplitude must be ≥ 0") }
        for (name, f) in [("--binary-fraction", o.binaryFraction), ("--lensed-fraction", o.lensedFraction)] {
            guard f >= 0 && f <= 0.1 else { throw SynthError("\(name) must be in 0…0.1, got \(f)") }
        }
        let table = SynthTable.gaiaSource
        let known = table.knownTable.selecting(columnNames)
        let (plan, base) = try PlantedPlan.make(
            seed: common.seed, sources: common.sources, binaryFraction: o.binaryFraction, lensedFraction: o.lensedFraction
        ) { SkyLayout.drawPositions(count: $0, seed: common.seed, stream: table.stream, distribution: .isotropic) }
        let (sources, files) = SkyLayout.assemble(positions: base + plan.positions, files: common.files, prefix: known.filePrefix)
        // random_index: a random permutation of 0..<N.
        var perm = Array(0..<sources.count)
        var prng = Xoshiro256(seed: common.seed, stream: table.stream, index: 0x9E7)
        if perm.count > 1 {
            for i in stride(from: perm.count - 1, to: 0, by: -1) { perm.swapAt(i, prng.below(i + 1)) }
        }
        let quad = quadrupole(seed: common.seed, amplitude: o.gwAmplitude)
        let gen = GaiaSourceGenerator(seed: common.seed, sources: sources, randomIndex: perm, rotation: o.rotation,
                                      glide: o.glide, quadrupole: quad, plan: plan)
        let header = CDNHeader.render(table: known, description: syntheticDescription(
            table: table, seed: common.seed,
            extra: "\(plan.baseCount + plan.images) QSO-like sources (\(plan.images) of them lensed images), "
                + "\(2 * plan.binaries) wide-binary stars; injected proper-motion fields and planted pairs are listed in the truth files."))
        let written = try FileWriter(options: common, header: header).write(files: files) { i, buf in
            gen.writeRow(sortedIndex: i, into: &buf)
        }
        let truthJSONPath = common.outDirectory + "/\(table.rawValue)_truth.json"
        let truthECSVPath = common.outDirectory + "/\(table.rawValue)_truth.ecsv"
        let pairsPath = common.outDirectory + "/\(table.rawValue)_pairs_truth.ecsv"
        let pairs = PlantedTruth(plan: plan, sources: sources)
        try writeTextFile(truthJSONPath, truthJSON(o, quad: quad, sources: sources, files: files, paths: written.paths,
                                                   planted: pairs.json(o, fileName: "\(table.rawValue)_pairs_truth.ecsv")))
        try gen.writeTruthECSV(truthECSVPath, records: written.truth)
        try pairs.writeECSV(pairsPath, seed: common.seed)
        return SynthResult(table: table, files: written.paths, sourcesPerFile: files.map(\.count),
                           truthJSON: truthJSONPath, truthECSV: truthECSVPath, sources: sources.count,
                           uncompressedBytes: written.raw, compressedBytes: written.compressed, pairsTruth: pairsPath)
    }

    static func truthJSON(_ o: GaiaSourceOptions, quad q: VSH.Quadrupole, sources: [PlacedSource], files: [SkyFile],
                          paths: [String], planted: JSONValue) -> String {
        let w = o.rotation, g = o.glide
        let t1 = VSH.degree1(w), s1 = VSH.degree1(g)
        let obj: JSONValue = .object([
            ("table", .string(SynthTable.gaiaSource.rawValue)),
            ("generator", .string("gaiamine synth (GaiaMine Synth); synthetic data, not Gaia data")),
            ("seed", .uint(o.common.seed)),
            ("sources", .int(sources.count)),
            ("solution_id", .int(solutionID)),
            ("files", filesJSON(files, paths: paths, sources: sources)),
            ("unit", .string("uas/yr (micro-arcseconds per year); the files' pmra/pmdec are in mas/yr")),
            ("rotation", .doubles([w.0, w.1, w.2])),
            ("glide", .doubles([g.0, g.1, g.2])),
            ("gw_amplitude", .double(o.gwAmplitude)),
            ("vsh_degree1", .object([
                ("t10", .double(t1.0)), ("t11_re", .double(t1.1)), ("t11_im", .double(t1.2)),
                ("s10", .double(s1.0)), ("s11_re", .double(s1.1)), ("s11_im", .double(s1.2)),
            ])),
            ("vsh_degree2", .object([
                ("s20", .double(q.s20)), ("s21_re", .double(q.s21.0)), ("s21_im", .double(q.s21.1)),
                ("s22_re", .double(q.s22.0)), ("s22_im", .double(q.s22.1)),
                ("t20", .double(q.t20)), ("t21_re", .double(q.t21.0)), ("t21_im", .double(q.t21.1)),
                ("t22_re", .double(q.t22.0)), ("t22_im", .double(q.t22.1)),
            ])),
            ("degree2_power_e", .double(q.powerE)),
            ("degree2_power_b", .double(q.powerB)),
            ("degree2_rms", .double(q.meanSquare.squareRoot())),
            ("conventions", .string(
                "Mignard & Klioner 2012, A&A 547, A59: V = sum_l [t_l0 T_l0 + s_l0 S_l0 + 2 sum_{m>0} (t^R T^R - t^I T^I + s^R S^R - s^I S^I)], "
                    + "T_lm = (dY/ddelta e_alpha - (1/cos delta) dY/dalpha e_delta)/sqrt(l(l+1)), S_lm = ((1/cos delta) dY/dalpha e_alpha + "
                    + "dY/ddelta e_delta)/sqrt(l(l+1)), Y_lm orthonormal with the Condon-Shortley phase. Rotation: V = omega x u "
                    + "(pmra* = -wx sin(dec) cos(ra) - wy sin(dec) sin(ra) + wz cos(dec), pmdec = wx sin(ra) - wy cos(ra)); "
                    + "glide: V = g - (g.u) u. degree-1 coefficients: t10 = sqrt(8 pi/3) wz, t11 = -sqrt(4 pi/3) wx + i sqrt(4 pi/3) wy "
                    + "(s likewise from g). Degree 2: each complex coefficient drawn with E|c|^2 = gw_amplitude^2 (E and B alike); "
                    + "degree2_rms = sqrt(mean over the sphere of |V_2|^2) = sqrt((power_e + power_b) / 4 pi). "
                    + "pmra (= pmra*, includes cos dec) and pmdec in the files = (signal + noise) / 1000; parallax = noise (true 0); "
                    + "planted wide-binary stars add their orbital motion (pairs truth) and their true parallax.")),
            ("noise_model", .string(
                "5-parameter noise N(0, diag(sigma) C diag(sigma)) with C the written correlations; sigma from G: "
                    + "log-linear through pm 0.07/0.5/1.4 mas/yr, parallax 0.07/0.5/1.3 mas, position 0.05/0.4/1.0 mas at G = 17/20/21, "
                    + "times a per-source factor 10^(N(0, 0.2)), 6-parameter solutions (astrometric_params_solved = 95) x 1.2")),
            ("planted", planted),
        ])
        return obj.render()
    }
}

/// σ of (ra, dec, parallax, pmra, pmdec) in mas and mas/yr, and whether the solution is 6-parameter.
struct AstrometricErrors: Sendable {
    var sig: [Double]
    var six: Bool
}

struct GaiaSourceGenerator: Sendable {
    let seed: UInt64
    let sources: [PlacedSource]
    let randomIndex: [Int]
    let rotation: (Double, Double, Double)
    let glide: (Double, Double, Double)
    let quadrupole: VSH.Quadrupole
    let plan: PlantedPlan

    /// Interpolates log10 σ through (17, a), (20, b), (21, c), extrapolating linearly.
    static func sigma(_ g: Double, _ a: Double, _ b: Double, _ c: Double) -> Double {
        let la = DetMath.log10(a), lb = DetMath.log10(b), lc = DetMath.log10(c)
        let l = g <= 20 ? la + (lb - la) * (g - 17) / 3 : lb + (lc - lb) * (g - 20)
        return DetMath.exp10(l)
    }

    /// The injected field at a position, µas/yr.
    func signal(raDeg: Double, decDeg: Double) -> (Double, Double) {
        let a = raDeg * Double.pi / 180, d = decDeg * Double.pi / 180
        let r = VSH.rotation(rotation, raRad: a, decRad: d)
        let g = VSH.glide(glide, raRad: a, decRad: d)
        let q = quadrupole == .zero ? (0, 0) : quadrupole.field(raRad: a, decRad: d)
        return (r.0 + g.0 + q.0, r.1 + g.1 + q.1)
    }

    struct Row {
        var g: Double, bpRp: Double
        var sig: [Double]  // ra, dec (mas), parallax (mas), pmra, pmdec (mas/yr)
        var corr: [Double]  // 10, DR3 order
        var parallax: Double, pmra: Double, pmdec: Double
        var signal: (Double, Double)
        var params: Int
        var nTransits: Int
        var excessNoise: Double
        var ruwe: Double
        var primary: Bool
        var visibilityPeriods: Int
        var nObsAL: Int, nGoodAL: Int
        var gFlux: Double, gFluxError: Double
        var bp: (Double, Double)?, rp: (Double, Double)?  // flux, error
        var qso: Bool
    }

    /// A quasar's G and BP−RP: the first draws of its stream.
    static func drawPhotometry(_ rng: inout Xoshiro256) -> (g: Double, bpRp: Double) {
        let g = rng.powerLawMagnitude(17, 21, slope: 0.45)
        return (g, min(2.0, max(0.0, rng.normal(0.65, 0.25))))
    }

    /// The photometry the quasar with this draw index gets (lensed images copy its colour).
    static func quasarPhotometry(seed: UInt64, drawIndex: Int) -> (g: Double, bpRp: Double) {
        var rng = Xoshiro256(seed: seed, stream: SynthTable.gaiaSource.stream, index: UInt64(drawIndex))
        return drawPhotometry(&rng)
    }

    /// 5-parameter errors for magnitude G (as written, float32) and whether the solution is 6-parameter.
    static func drawErrors(g: Double, rng: inout Xoshiro256) -> AstrometricErrors {
        let six = rng.chance(0.3)
        let f6 = six ? 1.2 : 1.0
        let sky = DetMath.exp10(0.2 * rng.normal())
        var sig = [GaiaSourceGenerator.sigma(g, 0.05, 0.4, 1.0) * DetMath.exp(0.1 * rng.normal()),
                   GaiaSourceGenerator.sigma(g, 0.05, 0.4, 1.0) * DetMath.exp(0.1 * rng.normal()),
                   GaiaSourceGenerator.sigma(g, 0.07, 0.5, 1.3),
                   GaiaSourceGenerator.sigma(g, 0.07, 0.5, 1.4) * DetMath.exp(0.1 * rng.normal()),
                   GaiaSourceGenerator.sigma(g, 0.07, 0.5, 1.4) * DetMath.exp(0.1 * rng.normal())]
        for k in 0..<5 { sig[k] = Double(Float(sig[k] * sky * f6)) }  // as written (float32)
        return AstrometricErrors(sig: sig, six: six)
    }

    func row(sortedIndex i: Int) -> Row {
        let p = sources[i]
        let planted = plan.row(drawIndex: p.index)
        var rng = Xoshiro256(seed: seed, stream: planted == nil ? SynthTable.gaiaSource.stream : PlantedPlan.rowStream,
                             index: UInt64(p.index))
        let g: Double, bpRp: Double, errors: AstrometricErrors
        if let pl = planted {
            (g, bpRp) = (pl.g, pl.bpRp)
            errors = pl.errors ?? GaiaSourceGenerator.drawErrors(g: g, rng: &rng)
        } else {
            (g, bpRp) = GaiaSourceGenerator.drawPhotometry(&rng)
            errors = GaiaSourceGenerator.drawErrors(g: g, rng: &rng)
        }
        let six = errors.six, sig = errors.sig
        let factor = CorrelationFactor(n: 5, rng: &rng, amplitude: 0.35, length: 2, floor: 0.1)
        let c = factor.correlation()
        // DR3 order: ra_dec, ra_parallax, ra_pmra, ra_pmdec, dec_parallax, dec_pmra, dec_pmdec,
        // parallax_pmra, parallax_pmdec, pmra_pmdec.
        let corr = [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)].map { c[$0.0 * 5 + $0.1] }
        var z = [Double](repeating: 0, count: 5)
        for k in 0..<5 { z[k] = rng.normal() }
        let noise = factor.apply(z)
        let s = signal(raDeg: p.raDeg, decDeg: p.decDeg)
        let offset = planted?.pmOffset ?? (0, 0)
        let parallax = (planted?.parallax ?? 0) + sig[2] * noise[2]
        let pmra = s.0 / 1000 + offset.0 + sig[3] * noise[3]
        let pmdec = s.1 / 1000 + offset.1 + sig[4] * noise[4]
        let nTransits = 15 + min(60, Int(-18 * DetMath.log(max(1e-12, rng.uniform()))))
        let nObs = Int(Double(nTransits) * rng.uniform(8.2, 8.9))
        let nGood = nObs - rng.below(max(1, nObs / 50))
        let excess = rng.chance(0.6) ? 0 : abs(rng.normal()) * 0.5 * sig[0]
        let ruwe = DetMath.exp(0.05 * rng.normal()) * (rng.chance(0.02) ? rng.uniform(1.2, 2.0) : 1.0)
        let primary = g < 19 && rng.chance(0.7)
        let vis = min(35, max(9, 10 + nTransits / 3 + rng.below(5)))
        let fG = DetMath.exp10(0.4 * (GaiaSourceSynth.zeroPointG - g))
        let eG = (fG / 40 + 25 + (1.2e-3 * fG) * (1.2e-3 * fG)).squareRoot() / Double(nTransits).squareRoot()
        let gFlux = fG + eG * rng.normal()
        let rpMag = g - (0.665 * bpRp - 0.083 * bpRp * bpRp)
        let bpMag = rpMag + bpRp
        var bp: (Double, Double)? = nil, rp: (Double, Double)? = nil
        let fBP = DetMath.exp10(0.4 * (GaiaSourceSynth.zeroPointBP - bpMag))
        let fRP = DetMath.exp10(0.4 * (GaiaSourceSynth.zeroPointRP - rpMag))
        let eBP = (fBP / 4.4 + 40 * 40).squareRoot() / Double(nTransits).squareRoot()
        let eRP = (fRP / 4.4 + 35 * 35).squareRoot() / Double(nTransits).squareRoot()
        let obsBP = fBP + eBP * rng.normal(), obsRP = fRP + eRP * rng.normal()
        let noBPRP = rng.chance(g > 20 ? 0.05 : 0.005)
        if !noBPRP && obsBP > 0 && obsRP > 0 { bp = (obsBP, eBP); rp = (obsRP, eRP) }
        let qsoDrawn = rng.chance(0.95)
        let qso = planted?.qso ?? qsoDrawn
        return Row(g: g, bpRp: bpRp, sig: sig, corr: corr, parallax: parallax, pmra: pmra, pmdec: pmdec, signal: s,
                   params: six ? 95 : 31, nTransits: nTransits, excessNoise: excess, ruwe: ruwe, primary: primary,
                   visibilityPeriods: vis, nObsAL: nObs, nGoodAL: nGood, gFlux: gFlux, gFluxError: eG, bp: bp, rp: rp, qso: qso)
    }

    struct TruthRecord: Sendable {
        var pmraSignal: Double
        var pmdecSignal: Double
        var gMag: Double
    }

    func writeRow(sortedIndex i: Int, into b: inout TextBuffer) -> TruthRecord {
        let p = sources[i]
        let r = row(sortedIndex: i)
        let zG = GaiaSourceSynth.zeroPointG, zB = GaiaSourceSynth.zeroPointBP, zR = GaiaSourceSynth.zeroPointRP
        b.int(GaiaSourceSynth.solutionID); b.comma()
        b.ascii("Gaia DR3 "); b.int(p.sourceID); b.comma()
        b.int(p.sourceID); b.comma()
        b.int(randomIndex[i]); b.comma()
        b.ascii("2016.0"); b.comma()
        b.float64(p.raDeg); b.comma()
        b.float32(Float(r.sig[0])); b.comma()
        b.float64(p.decDeg); b.comma()
        b.float32(Float(r.sig[1])); b.comma()
        b.float64(r.parallax); b.comma()
        b.float32(Float(r.sig[2])); b.comma()
        b.float32(Float(r.parallax / r.sig[2])); b.comma()
        b.float32(Float((r.pmra * r.pmra + r.pmdec * r.pmdec).squareRoot())); b.comma()
        b.float64(r.pmra); b.comma()
        b.float32(Float(r.sig[3])); b.comma()
        b.float64(r.pmdec); b.comma()
        b.float32(Float(r.sig[4])); b.comma()
        for c in r.corr { b.float32(Float(c)); b.comma() }
        b.int(r.nObsAL); b.comma()
        b.int(r.nGoodAL); b.comma()
        b.float32(Float(r.excessNoise)); b.comma()
        b.int(r.params); b.comma()
        b.ascii(r.primary ? "True" : "False"); b.comma()
        b.int(r.visibilityPeriods); b.comma()
        b.float32(Float(r.ruwe)); b.comma()
        b.int(Int(Double(r.nTransits) * 8.7)); b.comma()
        b.float64(r.gFlux); b.comma()
        b.float32(Float(r.gFluxError)); b.comma()
        b.float32(Float(r.gFlux / r.gFluxError)); b.comma()
        b.float32(Float(zG - 2.5 * DetMath.log10(r.gFlux))); b.comma()
        var bpMag = Double.nan, rpMag = Double.nan
        for (band, zp) in [(r.bp, zB), (r.rp, zR)] {
            if let (f, e) = band {
                let m = zp - 2.5 * DetMath.log10(f)
                if zp == zB { bpMag = m } else { rpMag = m }
                b.float64(f); b.comma(); b.float32(Float(e)); b.comma(); b.float32(Float(m)); b.comma()
            } else {
                b.null(); b.comma(); b.null(); b.comma(); b.null(); b.comma()
            }
        }
        if r.bp != nil { b.float32(Float(bpMag) - Float(rpMag)) } else { b.null() }
        b.comma()
        let gal = Coordinates.icrsToGalactic(raDeg: p.raDeg, decDeg: p.decDeg)
        let ecl = Coordinates.icrsToEcliptic(raDeg: p.raDeg, decDeg: p.decDeg)
        b.float64(gal.lDeg); b.comma()
        b.float64(gal.bDeg); b.comma()
        b.float64(ecl.lonDeg); b.comma()
        b.float64(ecl.latDeg); b.comma()
        b.ascii(r.qso ? "True" : "False")
        b.newline()
        return TruthRecord(pmraSignal: r.signal.0, pmdecSignal: r.signal.1, gMag: r.g)
    }

    func writeTruthECSV(_ path: String, records: [TruthRecord]) throws {
        let t = PlainECSV(columns: [
            .init("source_id", "int64"),
            .init("ra", "float64", unit: "deg"),
            .init("dec", "float64", unit: "deg"),
            .init("pmra_signal", "float64", unit: "uas / yr", description: "injected field, alpha* component"),
            .init("pmdec_signal", "float64", unit: "uas / yr", description: "injected field, delta component"),
            .init("phot_g_mean_mag", "float64", unit: "mag", description: "true G"),
        ], meta: [("table", "gaia_source truth"), ("seed", String(seed))])
        try writeLines(path, header: t.header(), sources.indices) { i, b in
            let p = sources[i], r = records[i]
            b.int(p.sourceID); b.comma()
            b.float64(p.raDeg); b.comma()
            b.float64(p.decDeg); b.comma()
            b.float64(r.pmraSignal); b.comma()
            b.float64(r.pmdecSignal); b.comma()
            b.float64(r.gMag); b.newline()
        }
    }
}
