// Synthetic `epoch_astrometry` in the shape of the Gaia DR4 DataLink EPOCH_ASTROMETRY product
// (Docs/data-format.md; the fixture ../shared/fixtures/dr4_epoch_astrometry): one row per
// field-of-view transit, per-CCD values as 10-element arrays (SM, AF1–AF9), files
// `EpochAstrometry_<hp8>-<hp8>.csv.gz` in the DR3 bulk style (comma-delimited, arrays quoted),
// rows sorted by (source_id, time). An optional continuous plane gravitational wave is injected
// into every CCD observation. What is simulated per source and transit: EpochAstrometrySource.swift;
// the rows and the truth: EpochAstrometryTruth.swift.
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
// independent implementation of what GWAstrometry/PlaneWave.swift computes for the search; τ is
// the relative time of the astrometric design (AstrometricTime.relativeYears: Julian years from
// J2017.5 TCB, barycentric correction included), so injection and search share one clock.
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
            extra: "\(common.sources) sources, one row per field-of-view transit with per-CCD arrays (SM, AF1-AF9), in the "
                + "shape of the Gaia DR4 DataLink EPOCH_ASTROMETRY product. \(waveText) The sources' positions are in "
                + "the GaiaSource_*.csv.gz files beside these."), release: "Gaia DR4 (synthetic)")
        let written = try FileWriter(options: common, header: header).write(files: files) { i, buf in
            gen.writeRows(sortedIndex: i, into: &buf)
        }
        let positions = try writePositions(common: common, files: files, sources: sources)
        let truthJSONPath = common.outDirectory + "/\(table.rawValue)_truth.json"
        let truthECSVPath = common.outDirectory + "/\(table.rawValue)_truth.ecsv"
        try writeTextFile(truthJSONPath, gen.truthJSON(files: files, paths: written.paths, records: written.truth,
                                                       positionFiles: positions))
        try gen.writeTruthECSV(truthECSVPath, records: written.truth)
        return SynthResult(table: table, files: written.paths, sourcesPerFile: files.map(\.count),
                           truthJSON: truthJSONPath, truthECSV: truthECSVPath, sources: sources.count,
                           uncompressedBytes: written.raw, compressedBytes: written.compressed)
    }

    /// The DataLink product has no position: a user joins gaia_source. So the positions of the
    /// synthetic sources are written as a gaia_source column selection (solution_id, source_id,
    /// ra, dec, ref_epoch) in files `GaiaSource_<hp8>-<hp8>.csv.gz` covering the same ranges.
    static func writePositions(common: SynthOptions, files: [SkyFile], sources: [PlacedSource]) throws -> [String] {
        let known = KnownTables.table(named: "gaia_source")!.selecting(["solution_id", "source_id", "ra", "dec", "ref_epoch"])
        let header = CDNHeader.render(table: known, description: syntheticDescription(
            table: .epochAstrometry, seed: common.seed,
            extra: "The reference positions (ICRS, J2017.5) of the synthetic epoch_astrometry sources."),
            release: "Gaia DR4 (synthetic)")
        let renamed = files.map { f -> SkyFile in
            var g = f
            g.name = "GaiaSource" + f.name.drop(while: { $0 != "_" })
            return g
        }
        let out = try FileWriter(options: common, header: header).write(files: renamed) { i, b in
            let s = sources[i]
            b.int(solutionID); b.comma(); b.int(s.sourceID); b.comma()
            b.float64(s.raDeg); b.comma(); b.float64(s.decDeg); b.comma()
            b.float64(referenceEpochYear); b.newline()
            return 0
        }
        return out.paths
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
