// `gaiamine synth <table>`: deterministic synthetic Gaia DR3 bulk-download files with known truth.
// (Registered as a subcommand by the CLI's root command; not @main.)

import ArgumentParser
import Synth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write deterministic synthetic Gaia DR3 files (bulk-download format) with known truth.",
        discussion: """
            Tables: xp_continuous_mean_spectrum, epoch_photometry, gaia_source, epoch_astrometry (DR4-like). Writes \
            <Prefix>_<start>-<end>.csv.gz files (HEALPix level-8 ranges) into --out, plus \
            <table>_truth.json and <table>_truth.ecsv (gaia_source also gaia_source_pairs_truth.ecsv: the \
            planted wide binaries and lensed images). The same options give the same bytes on every \
            machine (--threads changes only the speed, --level only the compression). Vectors with a \
            leading minus sign need '=': --rotation=-10,5,0.
            """)

    @Argument(help: "Table: xp_continuous_mean_spectrum, epoch_photometry, gaia_source or epoch_astrometry.")
    var table: String

    @Option(help: "Number of sources (rows) in all files together.")
    var sources: Int = 10000

    @Option(help: "Number of files (equal HEALPix level-8 ranges).")
    var files: Int = 1

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "zlib compression level 1-9.")
    var level: Int = 6

    @Option(help: "Files written in parallel.")
    var threads: Int = 2

    // xp_continuous_mean_spectrum
    @Option(help: "XP: number of planted twins.")
    var twins: Int = 4

    @Option(help: "XP: fraction of sources with BP or RP missing.")
    var missingFraction: Double = 0.01

    @Option(help: "XP: basis sizes of this release: dr3 (55 BP and 55 RP coefficients) or dr4 (51 BP, 55 RP; header RELEASE Gaia DR4 (synthetic)).")
    var release: String = "dr3"

    // epoch_photometry
    @Option(help: "Epoch photometry: fraction of sources with an injected periodic signal.")
    var variableFraction: Double = 0.2

    // gaia_source
    @Option(help: "gaia_source: rigid rotation vector x,y,z in µas/yr.")
    var rotation: String = "0,0,0"

    @Option(help: "gaia_source: glide vector x,y,z in µas/yr.")
    var glide: String = "0,0,0"

    @Option(help: "gaia_source: amplitude of the degree-2 (GW-like) VSH field in µas/yr.")
    var gwAmplitude: Double = 0

    @Option(help: "gaia_source: planted wide binaries per source (2 rows each, El-Badry et al. 2021 cuts); 0: none.")
    var binaryFraction: Double = GaiaSourceOptions.defaultBinaryFraction

    @Option(help: "gaia_source: quasars with 1-3 planted lensed images, per source; 0: none.")
    var lensedFraction: Double = GaiaSourceOptions.defaultLensedFraction

    // epoch_astrometry: a continuous plane gravitational wave (injected if --gw-hplus or --gw-hcross ≠ 0)
    @Option(help: "epoch_astrometry: plane-wave frequency in nHz (31.69 nHz = 1/yr).")
    var gwFrequency: Double = 60

    @Option(help: "epoch_astrometry: sky direction ra,dec (degrees) of the plane wave's source.")
    var gwDirection: String = "0,0"

    @Option(help: "epoch_astrometry: strain amplitude of the + polarisation (e.g. 3e-10).")
    var gwHplus: Double = 0

    @Option(help: "epoch_astrometry: strain amplitude of the × polarisation.")
    var gwHcross: Double = 0

    @Option(help: "epoch_astrometry: phase (rad) of the + polarisation at J2017.5.")
    var gwPhasePlus: Double = 0

    @Option(help: "epoch_astrometry: phase (rad) of the × polarisation at J2017.5.")
    var gwPhaseCross: Double = 0

    func validate() throws {
        guard SynthTable(rawValue: table) != nil else {
            throw ValidationError("unknown table '\(table)'; use one of: " + SynthTable.allCases.map(\.rawValue).joined(separator: ", "))
        }
        _ = try Self.vector(rotation, "--rotation")
        _ = try Self.vector(glide, "--glide")
        _ = try Self.direction(gwDirection)
    }

    static func direction(_ s: String) throws -> (Double, Double) {
        let parts = s.split(separator: ",").map { Double($0.trimmingCharacters(in: " ")) }
        guard parts.count == 2, let ra = parts[0], let dec = parts[1], ra.isFinite, dec.isFinite, abs(dec) <= 90 else {
            throw ValidationError("--gw-direction expects ra,dec in degrees with |dec| ≤ 90, got '\(s)'")
        }
        return (ra, dec)
    }

    static func vector(_ s: String, _ name: String) throws -> (Double, Double, Double) {
        let parts = s.split(separator: ",").map { Double($0.trimmingCharacters(in: " ")) }
        guard parts.count == 3, let x = parts[0], let y = parts[1], let z = parts[2] else {
            throw ValidationError("\(name) expects three comma-separated numbers x,y,z (µas/yr), got '\(s)'")
        }
        return (x, y, z)
    }

    func run() throws {
        let t = SynthTable(rawValue: table)!
        let common = SynthOptions(sources: sources, files: files, seed: seed, outDirectory: out,
                                  level: Int32(clamping: level), threads: threads)
        let clock = ContinuousClock()
        let start = clock.now
        let result: SynthResult
        switch t {
        case .xpContinuousMeanSpectrum:
            guard let xpRelease = XPRelease(rawValue: release.lowercased()) else {
                throw ValidationError("--release must be dr3 or dr4, got '\(release)'")
            }
            result = try XPSynth.generate(XPOptions(common: common, twins: twins, missingFraction: missingFraction,
                                                    release: xpRelease))
        case .epochPhotometry:
            result = try EpochSynth.generate(EpochOptions(common: common, variableFraction: variableFraction))
        case .gaiaSource:
            result = try GaiaSourceSynth.generate(GaiaSourceOptions(
                common: common, rotation: try Self.vector(rotation, "--rotation"),
                glide: try Self.vector(glide, "--glide"), gwAmplitude: gwAmplitude,
                binaryFraction: binaryFraction, lensedFraction: lensedFraction))
        case .epochAstrometry:
            let (ra, dec) = try Self.direction(gwDirection)
            let wave = gwHplus == 0 && gwHcross == 0 ? nil
                : PlaneWaveInjection(frequencyNHz: gwFrequency, raDeg: ra, decDeg: dec, hPlus: gwHplus, hCross: gwHcross,
                                     phasePlus: gwPhasePlus, phaseCross: gwPhaseCross)
            result = try EpochAstrometrySynth.generate(EpochAstrometryOptions(common: common, wave: wave))
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        func mb(_ b: Int) -> String {
            let v = (Double(b) / 1e6 * 10).rounded() / 10
            return "\(v) MB"
        }
        print("synth \(t.rawValue): \(result.sources) sources in \(result.files.count) files, "
              + "\(mb(result.compressedBytes)) compressed (\(mb(result.uncompressedBytes)) raw), "
              + "\((seconds * 10).rounded() / 10) s")
        print("truth: " + ([result.truthJSON, result.truthECSV] + (result.pairsTruth.map { [$0] } ?? [])).joined(separator: ", "))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in c: Character) -> String {
        var s = self[...]
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
