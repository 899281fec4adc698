// Synthetic `xp_continuous_mean_spectrum`: Gaia BP/RP mean spectra as 55 basis-function
// coefficients per band (`--release dr4`: 51 BP and 55 RP, the DR4 basis sizes per GaiaXPy's
// maintainers), with errors, packed correlation matrices and fit statistics, in the
// exact layout of the DR3 bulk files (Carrasco et al. 2021, A&A 652, A86; De Angeli et al. 2023,
// A&A 674, A2; Montegriffo et al. 2023, A&A 674, A3).
//
// What makes it realistic (numbers compared with the DR3 rows of 18 Sco, Proxima Cen and the
// sources in the fixtures):
//  * seven spectral-type templates (B … late M) per band: coefficient 0 dominates, coefficient 1
//    runs from −0.55 (hot) to +0.24 (BP) / +0.48 (RP) (cool) relative to it, 2–3 are ~0.01–0.15,
//    higher ones ~10^-2 decaying to ~5·10^-4, with type-specific signs; each source adds colour-dependent and
//    random intrinsic variation;
//  * G from 10 to 17.65 (the DR3 XP limit) with counts rising toward faint, d log N/dG = 0.35;
//    BP/RP fluxes from the colour (G − RP = 0.665 c − 0.083 c², c = BP − RP), coefficient 0 ≈
//    0.128·F_BP and 0.094·F_RP (e⁻/s): G = 17.5 gives BP c₀ ≈ 100 like the first row of
//    XpContinuousMeanSpectrum_000000-003111;
//  * errors: σ₀ = √(3 c₀/N + (6·10⁻⁴ c₀)² + 0.05²) for N measurements (photon noise plus a
//    calibration floor), times the DR3 error profile over the index (flat, then falling to ~5 %
//    at index 54 — DR3 errors *decrease* with index; BP index 7 is raised as in the real data),
//    with 12 % scatter;
//  * correlations: realistic random matrices (see CorrelationFactor), the coefficients' noise is
//    drawn from exactly that covariance;
//  * N = 60 samples per transit × 15–120 transits, a few tenths of a percent to 2 % rejected,
//    dof = N − 55, χ² = dof·s², s ≈ 1 (larger for bright sources), n_relevant_bases = number of
//    coefficients with |c|/σ > 3, relative_shrinking = ‖c_relevant‖/‖c‖;
//  * a fraction of sources without BP or RP (every BP resp. RP column null);
//  * planted twins: copies of template sources (optionally at another brightness) perturbed by
//    noise from the sum of both covariances, with their exact Mahalanobis D² in the truth.

import GaiaFormat
import Numerics

/// Which release's basis sizes to write.
public enum XPRelease: String, Sendable, CaseIterable {
    case dr3, dr4

    /// Coefficients per band: DR3 55 and 55; DR4 51 BP and 55 RP. The DR4 BP band uses the first
    /// 51 elements of the same template shapes, error profile and correlation model.
    public func basisSize(bp: Bool) -> Int { self == .dr4 && bp ? 51 : XPSynth.n }

    /// The RELEASE of the header.
    public var headerRelease: String { self == .dr3 ? "Gaia DR3" : "Gaia DR4 (synthetic)" }
}

public struct XPOptions: Sendable {
    public var common: SynthOptions
    /// Number of planted twins (each a copy of a different template source).
    public var twins: Int
    /// Fraction of sources with one band missing (70 % of them BP, 30 % RP).
    public var missingFraction: Double
    /// Basis sizes of `release` (default DR3).
    public var release: XPRelease

    public init(common: SynthOptions, twins: Int = 4, missingFraction: Double = 0.01, release: XPRelease = .dr3) {
        self.common = common
        self.twins = twins
        self.missingFraction = missingFraction
        self.release = release
    }
}

/// One spectral band of one source, as written.
public struct XPBand: Sendable {
    public var coefficients: [Double]  // n (55; DR4 BP 51), written as float64
    public var errors: [Float]  // n, float32
    public var correlations: [Float]  // n(n−1)/2, float32, tril_indices(n, -1) order
    public var nMeasurements: Int
    public var nRejected: Int
    public var standardDeviation: Float
    public var chiSquared: Float
    public var nRelevantBases: Int
    public var relativeShrinking: Float
    public var degreesOfFreedom: Int { nMeasurements - coefficients.count }

    /// Σ = diag(σ) C diag(σ) from the written (float32) values.
    public func covariance() -> [Double] {
        let n = coefficients.count
        let c = SymmetricPacking.unpack(correlations.map { Double($0) }, n: n)
        return LinearAlgebra.covariance(sigma: errors.map { Double($0) }, correlation: c, n: n)
    }
}

/// One source: truth and written values.
public struct XPSource: Sendable {
    public var type: Int
    public var gMag: Double
    public var bpRp: Double
    public var bp: XPBand?
    public var rp: XPBand?
}

public enum XPSynth {
    /// DR3's basis size; the template shapes and error profile are defined on it (DR4 BP uses the
    /// first 51).
    public static let n = 55
    public static let solutionID: Int64 = 4545469030156206081  // as in the DR3 CDN file
    public static let bpBasisFunctionID = 56
    public static let rpBasisFunctionID = 57

    /// Spectral-type templates.
    public struct Template: Sendable {
        public var name: String
        public var weight: Double
        public var bpRp: Double
        public var bpRpScatter: Double
        public var bp: [Double]
        public var rp: [Double]
    }

    public static let templates: [Template] = {
        // name, weight, BP−RP, scatter, BP s1…s3, RP s1…s3
        let anchors: [(String, Double, Double, Double, [Double], [Double])] = [
            ("B", 0.03, -0.10, 0.08, [-0.55, 0.150, -0.070], [-0.34, -0.056, -0.023]),
            ("A", 0.08, 0.15, 0.08, [-0.45, 0.100, -0.040], [-0.28, -0.040, -0.015]),
            ("F", 0.20, 0.55, 0.08, [-0.28, 0.030, 0.000], [-0.20, -0.020, -0.008]),
            ("G", 0.27, 0.82, 0.07, [-0.18, 0.007, 0.009], [-0.16, -0.014, -0.005]),
            ("K", 0.27, 1.20, 0.15, [-0.05, -0.020, 0.020], [-0.05, -0.020, -0.010]),
            ("M0-M3", 0.12, 2.00, 0.25, [0.10, 0.050, 0.060], [0.20, -0.030, -0.020]),
            ("M4-M9", 0.03, 3.20, 0.35, [0.24, 0.120, 0.100], [0.48, -0.033, -0.030]),
        ]
        return anchors.enumerated().map { (k, a) in
            // Higher coefficients: fixed (seed-independent) type-specific values decaying with index.
            var rng = Xoshiro256(seed: 0x7E3D_1A7E_0000 + UInt64(k))
            func shape(_ first: [Double], decay: Double) -> [Double] {
                var s = [Double](repeating: 0, count: n)
                s[0] = 1
                for i in 1...3 { s[i] = first[i - 1] }
                for i in 4..<n { s[i] = rng.normal() * (0.008 * DetMath.exp(-Double(i - 4) / decay) + 0.0005) }
                return s
            }
            return Template(name: a.0, weight: a.1, bpRp: a.2, bpRpScatter: a.3,
                            bp: shape(a.4, decay: 8), rp: shape(a.5, decay: 6))
        }
    }()

    /// Relative coefficient-error profile over the index, as in DR3: ~flat, then falling.
    static let errorProfile: [Double] = (0..<n).map { i in
        let x = Double(i)
        if i <= 45 { return 1 - 0.6 * DetMath.exp(1.5 * DetMath.log(max(x, 1e-9) / 45)) }
        return 0.4 - 0.35 * (x - 45) / 9
    }

    // MARK: generation

    public static func generate(_ o: XPOptions) throws -> SynthResult {
        let common = o.common
        try common.validate()
        guard o.missingFraction >= 0 && o.missingFraction <= 1 else { throw SynthError("--missing-fraction must be in 0…1") }
        guard o.twins >= 0 else { throw SynthError("--twins must be ≥ 0") }
        let table = SynthTable.xpContinuousMeanSpectrum
        let known = table.knownTable
        let (sources, files) = SkyLayout.place(count: common.sources, files: common.files,
                                               prefix: known.filePrefix, seed: common.seed, stream: table.stream,
                                               distribution: .galactic(halo: 0.35, scaleDeg: 12))
        let plan = makePlan(o, sources: sources)
        let gen = XPGenerator(seed: common.seed, sources: sources, plan: plan, release: o.release)
        let sizes = o.release == .dr3 ? "" : " Basis sizes of Gaia DR4: \(o.release.basisSize(bp: true)) BP and \(o.release.basisSize(bp: false)) RP coefficients."
        let header = CDNHeader.render(table: known, description: syntheticDescription(
            table: table, seed: common.seed,
            extra: "\(common.sources) sources, \(plan.twins.count) planted twins, missing-band fraction \(o.missingFraction)." + sizes),
            release: o.release.headerRelease)
        let written = try FileWriter(options: common, header: header).write(files: files) { i, buf in
            gen.writeRow(sortedIndex: i, into: &buf)
        }
        // Truth.
        let twinTruth = plan.twins.map { gen.twinTruth($0) }
        let truthJSONPath = common.outDirectory + "/\(table.rawValue)_truth.json"
        let truthECSVPath = common.outDirectory + "/\(table.rawValue)_truth.ecsv"
        try writeTextFile(truthJSONPath, truthJSON(o, plan: plan, twins: twinTruth, sources: sources, files: files,
                                                   paths: written.paths))
        try gen.writeTruthECSV(truthECSVPath, records: written.truth)
        return SynthResult(table: table, files: written.paths, sourcesPerFile: files.map(\.count),
                           truthJSON: truthJSONPath, truthECSV: truthECSVPath, sources: sources.count,
                           uncompressedBytes: written.raw, compressedBytes: written.compressed)
    }

    /// A planted twin: source `twin` is a copy of source `template` (sorted indices).
    public struct Twin: Sendable {
        public var template: Int
        public var twin: Int
        /// Twin flux / template flux.
        public var fluxScale: Double
        /// Multiplier of the perturbation's standard deviation (1: drawn from Σ_t + Σ_i/s²).
        public var noiseScale: Double
    }

    public enum Missing: Sendable { case none, bp, rp }

    struct Plan: Sendable {
        var missing: [Missing]
        var twins: [Twin]
        /// sorted index of a twin (resp. template) → number of its twin pair
        var twinOf: [Int: Int]
        var templateOf: [Int: Int]
    }

    static func makePlan(_ o: XPOptions, sources: [PlacedSource]) -> Plan {
        let count = sources.count
        var rng = Xoshiro256(seed: o.common.seed, stream: SynthTable.xpContinuousMeanSpectrum.stream, index: 0xB0B)
        var missing = [Missing](repeating: .none, count: count)
        for i in 0..<count where rng.chance(o.missingFraction) { missing[i] = rng.chance(0.7) ? .bp : .rp }
        var eligible = (0..<count).filter { missing[$0] == .none }
        // Fisher–Yates on the eligible indices, then templates and twins from the front.
        let k = min(o.twins, eligible.count / 2)
        for i in 0..<min(2 * k, eligible.count) {
            let j = i + rng.below(eligible.count - i)
            eligible.swapAt(i, j)
        }
        var twins: [Twin] = []
        var twinOf: [Int: Int] = [:], templateOf: [Int: Int] = [:]
        for j in 0..<k {
            let t = eligible[2 * j], w = eligible[2 * j + 1]
            // Even twins at the template's brightness, odd ones 0.5–2 mag brighter or fainter
            // (toward the middle of the 10–17.65 range).
            var scale = 1.0
            if j % 2 == 1 {
                let g = XPGenerator.intrinsic(seed: o.common.seed, index: sources[t].index).gMag
                let dg = rng.uniform(0.5, 2.0) * (g > 14 ? -1 : 1)  // twin magnitude − template magnitude
                scale = DetMath.exp10(-0.4 * dg)
            }
            let noise = [1.0, 0.5, 2.0, 1.0][j % 4]
            twins.append(Twin(template: t, twin: w, fluxScale: scale, noiseScale: noise))
            twinOf[w] = j
            templateOf[t] = j
        }
        return Plan(missing: missing, twins: twins, twinOf: twinOf, templateOf: templateOf)
    }

    public struct TwinTruth: Sendable {
        public var templateSourceID: Int64
        public var twinSourceID: Int64
        public var fluxScale: Double
        public var noiseScale: Double
        public var d2BP: Double
        public var d2RP: Double
        public var d2BPScaledErrors: Double
        public var d2RPScaledErrors: Double
    }

    static func truthJSON(_ o: XPOptions, plan: Plan, twins: [TwinTruth], sources: [PlacedSource], files: [SkyFile],
                          paths: [String]) -> String {
        let c = o.common
        var missBP: [Int64] = [], missRP: [Int64] = []
        for (i, m) in plan.missing.enumerated() {
            if m == .bp { missBP.append(sources[i].sourceID) }
            if m == .rp { missRP.append(sources[i].sourceID) }
        }
        let (nBP, nRP) = (o.release.basisSize(bp: true), o.release.basisSize(bp: false))
        let expectedD2 = o.release == .dr3 ? "55 k^2." : "n_b k^2 (\(nBP) BP, \(nRP) RP)."
        let packingN = o.release == .dr3 ? "55" : "n"
        let obj: JSONValue = .object([
            ("table", .string(SynthTable.xpContinuousMeanSpectrum.rawValue)),
            ("generator", .string("gaiamine synth (GaiaMine Synth); synthetic data, not Gaia data")),
            ("seed", .uint(c.seed)),
            ("release", .string(o.release.rawValue)),
            ("n_bp_coefficients", .int(o.release.basisSize(bp: true))),
            ("n_rp_coefficients", .int(o.release.basisSize(bp: false))),
            ("sources", .int(sources.count)),
            ("solution_id", .int(solutionID)),
            ("files", filesJSON(files, paths: paths, sources: sources)),
            ("missing_fraction", .double(o.missingFraction)),
            ("missing_bp_source_ids", .ints(missBP)),
            ("missing_rp_source_ids", .ints(missRP)),
            ("twins", .array(twins.map { t in
                .object([
                    ("template_source_id", .int(t.templateSourceID)),
                    ("twin_source_id", .int(t.twinSourceID)),
                    ("flux_scale", .double(t.fluxScale)),
                    ("noise_scale", .double(t.noiseScale)),
                    ("d2_bp", .double(t.d2BP)),
                    ("d2_rp", .double(t.d2RP)),
                    ("d2_bp_errors_over_standard_deviation", .double(t.d2BPScaledErrors)),
                    ("d2_rp_errors_over_standard_deviation", .double(t.d2RPScaledErrors)),
                ])
            })),
            ("twin_definition", .string(
                "twin coefficients c_i = s * (c_t + delta), s = flux_scale, delta ~ noise_scale * N(0, Sigma_t + Sigma_i / s^2), "
                    + "Sigma = diag(sigma) C diag(sigma) with sigma = *_coefficient_errors and C the unpacked *_coefficient_correlations "
                    + "of the template (t) and twin (i) rows. d2_b = dc^T (Sigma_t + Sigma_i / s^2)^-1 dc with dc = c_i / s - c_t, "
                    + "computed in float64 from the values as written, errors and correlations rounded to their declared float32 "
                    + "(parsing their decimal text as float64 instead changes D2 by ~1e-7 relative). The *_errors_over_standard_deviation "
                    + "variants use sigma = errors / standard_deviation (the GaiaXPy convention). Expected value of d2 for noise_scale k: " + expectedD2)),
            ("correlation_packing", .string("strict lower triangle row by row: numpy.tril_indices(" + packingN + ", k=-1), (1,0),(2,0),(2,1),(3,0),...")),
            ("templates", .array(templates.map { t in
                .object([
                    ("type", .string(t.name)), ("weight", .double(t.weight)), ("bp_rp", .double(t.bpRp)),
                    ("bp_shape", .doubles(t.bp)), ("rp_shape", .doubles(t.rp)),
                ])
            })),
            ("model", .string(
                "G in [10, 17.65] with density ~ 10^(0.35 G); G-RP = 0.665 c - 0.083 c^2 for c = BP-RP; F_X = 10^(0.4 (ZP_X - X)) "
                    + "with ZP_BP = 25.3385, ZP_RP = 24.7479; true coefficients = k_X F_X shape (k_BP = 0.128, k_RP = 0.094); "
                    + "observed = true + diag(sigma) W z with C = W W^T the written correlation matrix")),
        ])
        return obj.render()
    }
}

func filesJSON(_ files: [SkyFile], paths: [String], sources: [PlacedSource]) -> JSONValue {
    .array(files.enumerated().map { (k, f) in
        .object([
            ("name", .string(f.name)),
            ("healpix8_start", .int(f.healpix8Start)),
            ("healpix8_end", .int(f.healpix8End)),
            ("sources", .int(f.count)),
            ("first_source_id", f.count > 0 ? .int(sources[f.first].sourceID) : .null),
            ("last_source_id", f.count > 0 ? .int(sources[f.end - 1].sourceID) : .null),
        ])
    })
}

/// Generates the rows; pure functions of (seed, source), safe to call from several threads.
struct XPGenerator: Sendable {
    let seed: UInt64
    let sources: [PlacedSource]
    let plan: XPSynth.Plan
    var release: XPRelease = .dr3

    struct Intrinsic {
        var type: Int
        var gMag: Double
        var bpRp: Double
        var rng: Xoshiro256
    }

    /// The first draws of a source's stream: type, magnitude, colour.
    static func intrinsic(seed: UInt64, index: Int) -> Intrinsic {
        var rng = Xoshiro256(seed: seed, stream: SynthTable.xpContinuousMeanSpectrum.stream, index: UInt64(index))
        let type = rng.weighted(XPSynth.templates.map(\.weight))
        let g = rng.powerLawMagnitude(10, 17.65, slope: 0.35)
        let t = XPSynth.templates[type]
        let c = t.bpRp + t.bpRpScatter * max(-2.5, min(2.5, rng.normal()))
        return Intrinsic(type: type, gMag: g, bpRp: c, rng: rng)
    }

    /// BP and RP magnitudes from G and BP − RP.
    static func bandMags(g: Double, bpRp c: Double) -> (bp: Double, rp: Double) {
        let rp = g - (0.665 * c - 0.083 * c * c)
        return (rp + c, rp)
    }

    /// The true (noise-free) coefficients of a band.
    static func trueCoefficients(_ rng: inout Xoshiro256, template: [Double], colourOffset dc: Double, c0: Double,
                                 colourSlope: Double) -> [Double] {
        var s = template
        s[1] += colourSlope * dc
        for i in 2..<template.count { s[i] += 0.05 * abs(template[i]) * rng.normal() + 0.0015 * DetMath.exp(-Double(i) / 10) * rng.normal() }
        return s.map { $0 * c0 }
    }

    /// Errors, correlation factor and the fit statistics of one band with the given true c₀.
    static func bandNoiseModel(_ rng: inout Xoshiro256, c0: Double, gMag: Double, isBP: Bool, n: Int)
        -> (sigma: [Double], factor: CorrelationFactor, nMeas: Int, nRej: Int, sd: Double) {
        let transits = 15 + min(105, Int(-22 * DetMath.log(max(1e-12, rng.uniform()))))
        let nMeas = transits * 60 - rng.below(transits * 3 + 1)
        let nRej = Int(Double(nMeas) * rng.uniform(0.002, 0.02))
        let e0 = (3 * c0 / Double(nMeas) + (6e-4 * c0) * (6e-4 * c0) + 0.05 * 0.05).squareRoot()
        var sigma = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var e = e0 * XPSynth.errorProfile[i] * DetMath.exp(0.12 * rng.normal())
            if isBP && i == 7 { e *= 1.7 }
            sigma[i] = e
        }
        let factor = CorrelationFactor(n: n, rng: &rng, amplitude: 0.3, length: 8, floor: 0.1)
        var sd = 1 + 0.015 * rng.normal()
        if gMag < 13 { sd += 0.08 * (13 - gMag) * rng.uniform() }
        return (sigma, factor, nMeas, nRej, max(0.9, sd))
    }

    /// Assembles the written band from observed coefficients and the noise model.
    static func makeBand(coefficients c: [Double], sigma: [Double], factor: CorrelationFactor, nMeas: Int, nRej: Int,
                         sd: Double) -> XPBand {
        let corr = factor.correlation()
        let n = c.count
        var packed: [Float] = []
        packed.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n { for j in 0..<i { packed.append(Float(corr[i * n + j])) } }
        let errors = sigma.map { Float($0) }
        var relevant = 0
        var all2 = 0.0, rel2 = 0.0
        for i in 0..<n {
            all2 += c[i] * c[i]
            if abs(c[i]) > 3 * Double(errors[i]) { relevant += 1; rel2 += c[i] * c[i] }
        }
        let sdF = Float(sd)
        let dof = nMeas - n
        return XPBand(coefficients: c, errors: errors, correlations: packed, nMeasurements: nMeas, nRejected: nRej,
                      standardDeviation: sdF, chiSquared: Float(Double(dof) * Double(sdF) * Double(sdF)),
                      nRelevantBases: max(1, relevant), relativeShrinking: Float((rel2 / all2).squareRoot()))
    }

    /// A regular source (also the templates of twins).
    static func regular(seed: UInt64, index: Int, missing: XPSynth.Missing, release: XPRelease) -> XPSource {
        var s = intrinsic(seed: seed, index: index)
        let t = XPSynth.templates[s.type]
        let dc = s.bpRp - t.bpRp
        let mags = bandMags(g: s.gMag, bpRp: s.bpRp)
        var out = XPSource(type: s.type, gMag: s.gMag, bpRp: s.bpRp, bp: nil, rp: nil)
        for isBP in [true, false] {
            let c0 = isBP ? 0.128 * DetMath.exp10(0.4 * (25.3385 - mags.bp)) : 0.094 * DetMath.exp10(0.4 * (24.7479 - mags.rp))
            let n = release.basisSize(bp: isBP)
            var c = trueCoefficients(&s.rng, template: Array((isBP ? t.bp : t.rp).prefix(n)), colourOffset: dc, c0: c0,
                                     colourSlope: isBP ? 0.3 : 0.25)
            let model = bandNoiseModel(&s.rng, c0: c0, gMag: s.gMag, isBP: isBP, n: n)
            var z = [Double](repeating: 0, count: n)
            for i in 0..<n { z[i] = s.rng.normal() }
            let noise = model.factor.apply(z)
            for i in 0..<n { c[i] += model.sigma[i] * noise[i] }
            if (isBP && missing == .bp) || (!isBP && missing == .rp) { continue }
            let band = makeBand(coefficients: c, sigma: model.sigma, factor: model.factor, nMeas: model.nMeas,
                                nRej: model.nRej, sd: model.sd)
            if isBP { out.bp = band } else { out.rp = band }
        }
        return out
    }

    /// A twin of `template`, with its own noise model, perturbed from the template's written
    /// coefficients by noise with covariance noiseScale²·(Σ_t + Σ_i/s²).
    static func twin(seed: UInt64, index: Int, template: XPSource, scale s: Double, noiseScale: Double) -> XPSource {
        var rng = Xoshiro256(seed: seed, stream: SynthTable.xpContinuousMeanSpectrum.stream ^ 0x7717, index: UInt64(index))
        let g = template.gMag - 2.5 * DetMath.log10(s)
        var out = XPSource(type: template.type, gMag: g, bpRp: template.bpRp, bp: nil, rp: nil)
        for isBP in [true, false] {
            let tb = (isBP ? template.bp : template.rp)!
            let c0 = s * abs(tb.coefficients[0])
            let n = tb.coefficients.count
            let model = bandNoiseModel(&rng, c0: c0, gMag: g, isBP: isBP, n: n)
            // Σ_i of the twin from its written values.
            let proto = makeBand(coefficients: tb.coefficients, sigma: model.sigma, factor: model.factor,
                                 nMeas: model.nMeas, nRej: model.nRej, sd: model.sd)
            let sumCov = combinedCovariance(template: tb, twin: proto, scale: s)
            guard let l = try? Cholesky.factor(sumCov, n: n) else { fatalError("twin covariance not positive definite") }
            var z = [Double](repeating: 0, count: n)
            for i in 0..<n { z[i] = rng.normal() }
            let d = Cholesky.lowerTimes(l, n: n, z)
            let c = (0..<n).map { s * (tb.coefficients[$0] + noiseScale * d[$0]) }
            let band = makeBand(coefficients: c, sigma: model.sigma, factor: model.factor, nMeas: model.nMeas,
                                nRej: model.nRej, sd: model.sd)
            if isBP { out.bp = band } else { out.rp = band }
        }
        return out
    }

    /// Σ_t + Σ_i / s², from written values.
    static func combinedCovariance(template: XPBand, twin: XPBand, scale s: Double) -> [Double] {
        let a = template.covariance(), b = twin.covariance()
        let n = template.coefficients.count
        return (0..<(n * n)).map { a[$0] + b[$0] / (s * s) }
    }

    func source(sortedIndex i: Int) -> XPSource {
        if let j = plan.twinOf[i] {
            let tw = plan.twins[j]
            let t = XPGenerator.regular(seed: seed, index: sources[tw.template].index, missing: .none, release: release)
            return XPGenerator.twin(seed: seed, index: sources[i].index, template: t, scale: tw.fluxScale,
                                    noiseScale: tw.noiseScale)
        }
        return XPGenerator.regular(seed: seed, index: sources[i].index, missing: plan.missing[i], release: release)
    }

    func twinTruth(_ tw: XPSynth.Twin) -> XPSynth.TwinTruth {
        let t = source(sortedIndex: tw.template)
        let w = source(sortedIndex: tw.twin)
        func d2(_ tb: XPBand, _ wb: XPBand, scaled: Bool) -> Double {
            // σ = errors / standard_deviation, in float64 from the float32 values: Σ scales by 1/sd².
            let st = scaled ? Double(tb.standardDeviation) : 1, sw = scaled ? Double(wb.standardDeviation) : 1
            let ca = tb.covariance(), cb = wb.covariance(), s2 = tw.fluxScale * tw.fluxScale
            let n = tb.coefficients.count
            let cov = (0..<(n * n)).map { ca[$0] / (st * st) + cb[$0] / (sw * sw) / s2 }
            let dc = (0..<n).map { wb.coefficients[$0] / tw.fluxScale - tb.coefficients[$0] }
            return Cholesky.inverseQuadraticForm(cov, n: n, dc)
        }
        return XPSynth.TwinTruth(
            templateSourceID: sources[tw.template].sourceID, twinSourceID: sources[tw.twin].sourceID,
            fluxScale: tw.fluxScale, noiseScale: tw.noiseScale,
            d2BP: d2(t.bp!, w.bp!, scaled: false), d2RP: d2(t.rp!, w.rp!, scaled: false),
            d2BPScaledErrors: d2(t.bp!, w.bp!, scaled: true), d2RPScaledErrors: d2(t.rp!, w.rp!, scaled: true))
    }

    /// Per-source truth collected while writing.
    struct TruthRecord: Sendable {
        var type: Int
        var gMag: Double
        var bpRp: Double
    }

    func writeRow(sortedIndex i: Int, into b: inout TextBuffer) -> TruthRecord {
        let s = source(sortedIndex: i)
        b.int(sources[i].sourceID); b.comma()
        b.int(XPSynth.solutionID)
        for (band, basis) in [(s.bp, XPSynth.bpBasisFunctionID), (s.rp, XPSynth.rpBasisFunctionID)] {
            guard let band else {
                for _ in 0..<12 { b.comma(); b.null() }
                continue
            }
            b.comma(); b.int(basis)
            b.comma(); b.int(band.degreesOfFreedom)
            b.comma(); b.int(band.coefficients.count)
            b.comma(); b.int(band.nMeasurements)
            b.comma(); b.int(band.nRejected)
            b.comma(); b.float32(band.standardDeviation)
            b.comma(); b.float32(band.chiSquared)
            b.comma(); b.float64Array(band.coefficients)
            b.comma(); b.float32Array(band.errors)
            b.comma(); b.float32Array(band.correlations)
            b.comma(); b.int(band.nRelevantBases)
            b.comma(); b.float32(band.relativeShrinking)
        }
        b.newline()
        return TruthRecord(type: s.type, gMag: s.gMag, bpRp: s.bpRp)
    }

    func writeTruthECSV(_ path: String, records: [TruthRecord]) throws {
        let t = PlainECSV(columns: [
            .init("source_id", "int64"),
            .init("ra", "float64", unit: "deg"),
            .init("dec", "float64", unit: "deg"),
            .init("spectral_type", "string", description: "template"),
            .init("phot_g_mean_mag", "float64", unit: "mag", description: "true G"),
            .init("bp_rp", "float64", unit: "mag", description: "true BP-RP"),
            .init("missing_band", "string", description: "none, bp or rp"),
            .init("role", "string", description: "regular, template or twin"),
            .init("twin_partner_source_id", "int64", description: "the template of a twin, the twin of a template, else 0"),
        ], meta: [("table", "xp_continuous_mean_spectrum truth"), ("seed", String(seed))])
        try writeLines(path, header: t.header(), sources.indices) { i, b in
            let p = sources[i], s = records[i]
            let role = plan.twinOf[i] != nil ? "twin" : (plan.templateOf[i] != nil ? "template" : "regular")
            var partner: Int64 = 0
            if let k = plan.twinOf[i] { partner = sources[plan.twins[k].template].sourceID }
            if let k = plan.templateOf[i] { partner = sources[plan.twins[k].twin].sourceID }
            b.int(p.sourceID); b.comma()
            b.float64(p.raDeg); b.comma()
            b.float64(p.decDeg); b.comma()
            b.string(XPSynth.templates[s.type].name); b.comma()
            b.float64(s.gMag); b.comma()
            b.float64(s.bpRp); b.comma()
            b.string(plan.missing[i] == .bp ? "bp" : (plan.missing[i] == .rp ? "rp" : "none")); b.comma()
            b.string(role); b.comma()
            b.int(partner); b.newline()
        }
    }
}
