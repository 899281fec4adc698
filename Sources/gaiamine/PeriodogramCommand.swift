// `gaiamine periodogram FILE.h5 …` and the `periodogram` job of `gaiamine run CASE.yaml`: both
// build the same PeriodogramJobOptions and resolved-parameter YAML, then run `runPeriodogram`.
import ArgumentParser
import Foundation
import GaiaIO
import MPI
import Periodogram
import PeriodogramJob

struct PeriodogramSettings {
    var options: PeriodogramJobOptions
    var output: String
    var overwrite: Bool
    var resolvedParameters: String
}

struct PeriodogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "periodogram",
        abstract: "Generalised Lomb–Scargle periodograms of every light curve of a repacked epoch_photometry file.",
        discussion: """
        Per source and band: best frequency/period, power (standard normalisation), peak-to-peak amplitude, the \
        --peaks strongest separated peaks and the Baluev (2008) false-alarm probability of the best one. Transits \
        with null/NaN time, value or error, non-positive error or a set variability_flag_<band>_reject are dropped \
        and counted; curves with fewer than --min-obs transits left are skipped and counted. Rows are split over \
        ranks by modelled cost; the outputs do not depend on the number of ranks. See Docs/cli.md.
        """)

    @Argument(help: "Repacked epoch_photometry HDF5 file.")
    var file: String

    @Option(name: .long, help: "Bands, comma-separated: g,bp,rp or a subset (outputs keep the order g, bp, rp).")
    var bands = "g,bp,rp"

    @Option(name: .long, help: "mag (σ = 2.5/ln10 / flux_over_error) | flux (e⁻/s with flux_error).")
    var quantity = "mag"

    @Option(name: .long, help: "per-curve (fmin = 1/T, step 1/(oversampling·T)) | common (--fmin … --fmax, step --df).")
    var grid = "per-curve"

    @Option(name: .long, help: "Lowest frequency (1/d). Default: 1/T per curve, or --df for the common grid.")
    var fmin: Double?

    @Option(name: .long, help: "Highest frequency (1/d).")
    var fmax = 25.0

    @Option(name: .long, help: "Grid points per peak width 1/T (per-curve grid).")
    var oversampling = 10.0

    @Option(name: .long, help: "Frequency step of the common grid (1/d); required with --grid common.")
    var df: Double?

    @Option(name: .long, help: "Fourier terms of the model: 1 (Lomb–Scargle), 2 or 3.")
    var nterms = 1

    @Option(name: .long, help: "Separated peaks reported per curve.")
    var peaks = 5

    @Option(name: .long, help: "Minimum separation of reported peaks, in units of 1/T.")
    var peakSeparation = 1.0

    @Option(name: .long, help: "Write only rows whose FAP ≤ this (NaN FAPs, nterms > 1, are all written).")
    var fapMax = 1.0

    @Option(name: .long, help: "Fewest valid transits for a curve to be analysed.")
    var minObs = 10

    @Option(name: .long, help: "auto | direct | fft | reference.")
    var engine = "auto"

    @Option(name: .long, help: "source_id[,source_id…]: also store these sources' full periodograms in PREFIX.h5.")
    var dumpPeriodogram: String?

    @Option(name: .long, help: "Most significant curves shown in PREFIX.svg (0: no figure).")
    var plotSources = 6

    @Option(name: .long, help: "Rows per collective read.")
    var chunkRows = 4096

    @Option(name: .long, help: "Output prefix: PREFIX.h5, PREFIX.ecsv, PREFIX.svg.")
    var out: String

    @Flag(name: .long, help: "Replace existing outputs.")
    var overwrite = false

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    /// Every value is checked before MPI starts (so a bad flag is reported once, not per rank).
    func validate() throws { _ = try settings() }

    func settings() throws -> PeriodogramSettings {
        var o = PeriodogramJobOptions(input: file)
        o.bands = try parsePhotometryBands(bands.split(separator: ",", omittingEmptySubsequences: false).map(String.init), flag: "--bands")
        guard let q = Quantity(rawValue: quantity) else { throw ValidationError("--quantity: mag or flux, got '\(quantity)'") }
        o.quantity = q
        guard let g = GridChoice(rawValue: grid) else { throw ValidationError("--grid: per-curve or common, got '\(grid)'") }
        o.grid = g
        o.fmin = fmin
        o.fmax = fmax
        o.oversampling = oversampling
        o.df = df
        o.nterms = nterms
        o.peaks = peaks
        o.peakSeparation = peakSeparation
        o.fapMax = fapMax
        o.minObs = minObs
        guard let e = EngineChoice(rawValue: engine) else {
            throw ValidationError("--engine: one of \(EngineChoice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(engine)'")
        }
        o.engine = e
        o.dumpSourceIDs = try parseSourceIDs(dumpPeriodogram ?? "", flag: "--dump-periodogram")
        o.plotSources = plotSources
        o.chunkRows = chunkRows
        o.progressInterval = progressInterval
        if let p = o.problems().first { throw ValidationError("--\(p.key.replacingOccurrences(of: "_", with: "-")): \(p.message)") }
        return PeriodogramSettings(options: o, output: out, overwrite: overwrite,
                                   resolvedParameters: periodogramYAML(o, output: out, overwrite: overwrite))
    }

    func run() throws {
        let s = try settings()
        runParallel { comm in try runPeriodogram(s, comm: comm) }
    }
}

func parsePhotometryBands(_ names: [String], flag: String) throws -> [PhotometryBand] {
    let bands = try names.map { part -> PhotometryBand in
        let name = part.trimmingCharacters(in: .whitespaces).lowercased()
        guard let b = PhotometryBand(rawValue: name) else { throw ValidationError("\(flag): unknown band '\(part)' (g, bp, rp)") }
        return b
    }
    guard !bands.isEmpty else { throw ValidationError("\(flag): give at least one of g, bp, rp") }
    guard Set(bands).count == bands.count else { throw ValidationError("\(flag): a band is named twice") }
    return bands
}

func parseSourceIDs(_ s: String, flag: String) throws -> [Int64] {
    try s.split(separator: ",").map { part in
        guard let v = Int64(part.trimmingCharacters(in: .whitespaces)), v >= 0 else {
            throw ValidationError("\(flag): '\(part)' is not a source_id")
        }
        return v
    }
}

/// The resolved parameters as a parameter file (`gaiamine run` reads it back to the same run).
func periodogramYAML(_ o: PeriodogramJobOptions, output: String, overwrite: Bool) -> String {
    func opt(_ v: Double?) -> String { v.map { "\($0)" } ?? "~" }
    return """
    job: periodogram
    input: \(o.input)
    output: \(output)
    overwrite: \(overwrite)
    progress_interval: \(o.progressInterval)
    periodogram:
      bands: [\(o.bands.map(\.rawValue).joined(separator: ", "))]
      quantity: \(o.quantity.rawValue)
      grid: \(o.grid.rawValue)
      fmin: \(opt(o.fmin))
      fmax: \(o.fmax)
      oversampling: \(o.oversampling)
      df: \(opt(o.df))
      nterms: \(o.nterms)
      peaks: \(o.peaks)
      peak_separation: \(o.peakSeparation)
      fap_max: \(o.fapMax)
      min_obs: \(o.minObs)
      engine: \(o.engine.rawValue)
      dump_periodogram: [\(o.dumpSourceIDs.map(String.init).joined(separator: ", "))]
      plot_sources: \(o.plotSources)
      chunk_rows: \(o.chunkRows)
    """
}

/// The `periodogram` section of a parameter file (keys as the flags, with underscores).
func periodogramSettings(_ p: ParameterFile, file: String) throws -> PeriodogramSettings {
    var o = PeriodogramJobOptions(input: try p.string("input"))
    let output = try p.string("output")
    let overwrite = try p.bool("overwrite", default: false)
    o.progressInterval = try p.double("progress_interval", default: 5)
    let s = "periodogram."
    do {
        o.bands = try parsePhotometryBands(try p.stringList(s + "bands", default: ["g", "bp", "rp"]), flag: s + "bands")
    } catch let e as ValidationError {
        throw ParameterError(file: file, key: s + "bands", e.message.replacingOccurrences(of: s + "bands: ", with: ""))
    }
    o.quantity = Quantity(rawValue: try p.choice(s + "quantity", default: "mag", allowed: Quantity.allCases.map(\.rawValue)))!
    o.grid = GridChoice(rawValue: try p.choice(s + "grid", default: "per-curve", allowed: GridChoice.allCases.map(\.rawValue)))!
    o.fmin = try p.optionalDouble(s + "fmin")
    o.fmax = try p.double(s + "fmax", default: 25)
    o.oversampling = try p.double(s + "oversampling", default: 10)
    o.df = try p.optionalDouble(s + "df")
    o.nterms = try p.int(s + "nterms", default: 1)
    o.peaks = try p.int(s + "peaks", default: 5)
    o.peakSeparation = try p.double(s + "peak_separation", default: 1)
    o.fapMax = try p.double(s + "fap_max", default: 1)
    o.minObs = try p.int(s + "min_obs", default: 10)
    o.engine = EngineChoice(rawValue: try p.choice(s + "engine", default: "auto", allowed: EngineChoice.allCases.map(\.rawValue)))!
    o.dumpSourceIDs = try p.int64List(s + "dump_periodogram", default: [])
    o.plotSources = try p.int(s + "plot_sources", default: 6)
    o.chunkRows = try p.int(s + "chunk_rows", default: 4096)
    if let problem = o.problems().first {
        throw ParameterError(file: file, key: problem.key == "progress_interval" ? problem.key : s + problem.key, problem.message)
    }
    return PeriodogramSettings(options: o, output: output, overwrite: overwrite, resolvedParameters: "")
}

func runPeriodogram(_ s: PeriodogramSettings, comm: Communicator) throws {
    try comm.collectively {
        guard comm.isRoot else { return }
        let dir = (s.output as NSString).deletingLastPathComponent
        let d = dir.isEmpty ? "." : dir
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
            throw PeriodogramJobError("output directory \(d) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: d) else { throw PeriodogramJobError("output directory \(d) is not writable") }
        let resolved = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        if resolved(s.output + ".h5") == resolved(s.options.input) {
            throw PeriodogramJobError("--out \(s.output): \(s.output).h5 would replace the input file")
        }
        if !s.overwrite {
            for ext in ["h5", "ecsv", "svg"] where FileManager.default.fileExists(atPath: "\(s.output).\(ext)") {
                throw PeriodogramJobError("\(s.output).\(ext) exists; pass --overwrite to replace it")
            }
        }
    }
    rootPrint(comm, "periodogram: parameters\n" + s.resolvedParameters.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    let result = try PeriodogramJob.run(s.options, communicator: comm) { rootPrint(comm, $0) }
    try PeriodogramOutputs.write(result, prefix: s.output, options: s.options, parameters: s.resolvedParameters,
                                 communicator: comm) { rootPrint(comm, $0) }
    // An old figure must not sit beside new tables made without one.
    if comm.isRoot && s.options.plotSources == 0 { unlink(s.output + ".svg") }
    rootPrint(comm, PeriodogramOutputs.summary(result, prefix: s.output, options: s.options))
}
