// The astrometric GW subcommands and their `gaiamine run` jobs. One struct per subcommand;
// what they share is at the top: the source selection (--filter/--source-ids on the command
// line, the `selection:` section of a parameter file) and the output checks.
//   gw-vsh           VSH fit: rotation, glide, per-degree power, Ω_GW limit (GWJob/VSHRun.swift)
//   gw-correlation   all-pairs correlation, astrometric Hellings–Downs fit (GWJob/CorrelationRun.swift)
//   gw-planewave     plane-wave F-statistic on epoch astrometry (GWJob/PlaneWaveRun.swift)
import ArgumentParser
import Foundation
import GaiaIO
import GWAstrometry
import GWJob
import MPI

// MARK: - shared by the GW subcommands

/// --filter and --source-ids, for every GW subcommand (`@OptionGroup var selection: GWSelectionOptions`).
struct GWSelectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Column filter, repeatable, all must hold: 'astrometric_params_solved == 31', "
        + "'17 <= phot_g_mean_mag < 20', 'in_qso_candidates == true', 'bp_rp is not null'. Null fails comparisons.",
        valueName: "expr"))
    var filter: [String] = []

    @Option(name: .long, help: ArgumentHelp("Keep only the source_ids listed in this file (one per line, or a CSV/ECSV column named source_id).",
                                            valueName: "file"))
    var sourceIds: String?

    func selection() throws -> SourceSelection {
        do { return try SourceSelection(filterTexts: filter, sourceIDFile: sourceIds) } catch { throw ValidationError("\(error)") }
    }

    /// The `selection:` section as YAML lines (for the resolved parameters).
    var yaml: String {
        let f = filter.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ", ")
        return "selection:\n  filters: [\(f)]\n  source_id_file: \(sourceIds ?? "~")"
    }
}

/// The `selection:` section of a parameter file: `filters` (list of expressions) and
/// `source_id_file`.
func gwSelection(_ p: ParameterFile, file: String) throws -> SourceSelection {
    let filters = try p.stringList("selection.filters", default: [])
    let list = try p.optionalString("selection.source_id_file")
    do { return try SourceSelection(filterTexts: filters, sourceIDFile: list) } catch {
        throw ParameterError(file: file, key: "selection.filters", "\(error)")
    }
}

/// On rank 0: the output directory exists and is writable, and no output is overwritten
/// unless asked. Collective (the answer is agreed).
func gwCheckOutputs(prefix: String, suffixes: [String], overwrite: Bool, comm: Communicator) throws {
    try comm.collectively {
        guard comm.isRoot else { return }
        let dir = (prefix as NSString).deletingLastPathComponent
        let d = dir.isEmpty ? "." : dir
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
            throw GWJobError("output directory \(d) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: d) else { throw GWJobError("output directory \(d) is not writable") }
        if !overwrite {
            for s in suffixes where FileManager.default.fileExists(atPath: prefix + s) {
                throw GWJobError("\(prefix)\(s) exists; pass --overwrite to replace it")
            }
        }
    }
}

// MARK: - gw-vsh

struct GWVSHSettings {
    var options: VSHJobOptions
    var output: String
    var overwrite: Bool
    var resolvedParameters: String
    static let outputSuffixes = VSHOutputs.suffixes
}

struct GWVSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gw-vsh",
        abstract: "Fit vector spherical harmonics to proper motions: rotation, glide, per-degree power, Ω_GW upper limit.",
        discussion: """
        Weighted least squares with each source's 2×2 covariance (pmra_error, pmdec_error, pmra_pmdec_corr; the \
        correlation is 0 when absent or null), degrees 1…--lmax in the conventions of Mignard & Klioner (2012), \
        iterative clipping of sources with X > κ·median(X). Results do not depend on the number of ranks. \
        Outputs PREFIX.h5/.ecsv (name, value, error, unit), PREFIX_clipped.h5/.ecsv, PREFIX.svg. See Docs/gw-vsh.md.
        """)

    @Argument(help: "Repacked gaia_source HDF5 file.")
    var file: String

    @Option(name: .long, help: "Table in the file (default: its only table).")
    var table: String?

    @OptionGroup var selection: GWSelectionOptions

    @Option(name: .long, help: "Largest VSH degree (1…\(VSHLayout.maximumDegree)).")
    var lmax = 4

    @Option(name: .long, help: "Clipping factor κ: drop sources with X > κ·median(X) and refit; 0 disables clipping.")
    var clip = 5.0

    @Option(name: .long, help: "Most fits made while clipping.")
    var maxIterations = 20

    @Option(name: .long, help: "Hubble constant for Ω_GW, km/s/Mpc.")
    var h0 = 70.0

    @Option(name: .long, help: "Rows per fixed block (reads and exact partial sums; results depend on it only at rounding level).")
    var blockRows = 16384

    @Option(name: .long, help: "Output prefix: PREFIX.h5, PREFIX.ecsv, PREFIX.svg, PREFIX_clipped.{h5,ecsv}.")
    var out: String

    @Flag(name: .long, help: "Replace existing outputs.")
    var overwrite = false

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    func validate() throws {
        guard lmax >= 1 && lmax <= VSHLayout.maximumDegree else {
            throw ValidationError("--lmax must be between 1 and \(VSHLayout.maximumDegree), got \(lmax)")
        }
        guard clip >= 0 && clip.isFinite else { throw ValidationError("--clip must be ≥ 0 (0 disables clipping), got \(clip)") }
        guard maxIterations >= 1 else { throw ValidationError("--max-iterations must be ≥ 1") }
        guard h0 > 0 && h0.isFinite else { throw ValidationError("--h0 must be positive") }
        guard blockRows > 0 else { throw ValidationError("--block-rows must be positive") }
        _ = try selection.selection()
    }

    func settings() throws -> GWVSHSettings {
        var o = VSHJobOptions(input: file)
        o.table = table
        o.selection = try selection.selection()
        o.fit = VSHFitOptions(lmax: lmax, kappa: clip, maxIterations: maxIterations)
        o.h0 = h0
        o.blockRows = blockRows
        o.progressInterval = progressInterval
        let yaml = """
        job: gw-vsh
        input: \(file)
        table: \(table ?? "~")
        output: \(out)
        overwrite: \(overwrite)
        progress_interval: \(progressInterval)
        \(selection.yaml)
        gw_vsh:
          lmax: \(lmax)
          clip: \(clip)
          max_iterations: \(maxIterations)
          h0: \(h0)
          block_rows: \(blockRows)
        """
        return GWVSHSettings(options: o, output: out, overwrite: overwrite, resolvedParameters: yaml)
    }

    func run() throws {
        let s = try settings()
        runParallel { comm in try runGWVSH(s, comm: comm) }
    }
}

/// The `gw-vsh` job of a parameter file (Inputs/gw_vsh_qso.yaml).
func gwVSHSettings(_ p: ParameterFile, file: String) throws -> GWVSHSettings {
    var o = VSHJobOptions(input: try p.string("input"))
    o.table = try p.optionalString("table")
    let output = try p.string("output")
    let overwrite = try p.bool("overwrite", default: false)
    o.progressInterval = try p.double("progress_interval", default: 5)
    o.selection = try gwSelection(p, file: file)
    let lmax = try p.int("gw_vsh.lmax", default: 4)
    let clip = try p.double("gw_vsh.clip", default: 5)
    let iterations = try p.int("gw_vsh.max_iterations", default: 20)
    o.h0 = try p.double("gw_vsh.h0", default: 70)
    o.blockRows = try p.int("gw_vsh.block_rows", default: 16384)
    if lmax < 1 || lmax > VSHLayout.maximumDegree {
        throw ParameterError(file: file, key: "gw_vsh.lmax", "must be between 1 and \(VSHLayout.maximumDegree), got \(lmax)")
    }
    if !(clip >= 0 && clip.isFinite) { throw ParameterError(file: file, key: "gw_vsh.clip", "must be ≥ 0 (0 disables clipping), got \(clip)") }
    if iterations < 1 { throw ParameterError(file: file, key: "gw_vsh.max_iterations", "must be ≥ 1, got \(iterations)") }
    if !(o.h0 > 0 && o.h0.isFinite) { throw ParameterError(file: file, key: "gw_vsh.h0", "must be positive, got \(o.h0)") }
    if o.blockRows <= 0 { throw ParameterError(file: file, key: "gw_vsh.block_rows", "must be positive, got \(o.blockRows)") }
    o.fit = VSHFitOptions(lmax: lmax, kappa: clip, maxIterations: iterations)
    return GWVSHSettings(options: o, output: output, overwrite: overwrite, resolvedParameters: "")
}

func runGWVSH(_ s: GWVSHSettings, comm: Communicator) throws {
    try gwCheckOutputs(prefix: s.output, suffixes: GWVSHSettings.outputSuffixes, overwrite: s.overwrite, comm: comm)
    rootPrint(comm, "gw-vsh: parameters\n" + s.resolvedParameters.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    let result = try VSHJob.run(s.options, communicator: comm) { rootPrint(comm, $0) }
    try comm.collectively {
        if comm.isRoot { try VSHOutputs.write(result, prefix: s.output, parameters: s.resolvedParameters) }
    }
    rootPrint(comm, VSHOutputs.summary(result, prefix: s.output))
}

// MARK: - gw-correlation (all-pairs correlation; GWJob/CorrelationRun.swift)

struct GWCorrelationSettings {
    var options: CorrelationJobOptions
    var output: String
    var overwrite: Bool
    var resolvedParameters: String
    static let outputSuffixes = CorrelationOutputs.suffixes
}

struct GWCorrelationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gw-correlation",
        abstract: "All-pairs proper-motion correlations in separation bins and the astrometric Hellings–Downs fit (Ω_GW).",
        discussion: """
        For every pair of selected sources: the products of the proper-motion components along (∥) and across (⊥) the \
        great circle through both (parallel-transported frame), weighted w_i w_j (w = 1/(σ² + σ_extra²)), averaged per \
        separation bin; errors from the scatter of the products (or 1/√Σw); fit of A·H(Θ), H the astrometric \
        Hellings–Downs curve normalised to H(0) = 1, so Ω_GW = 2A/H0². All N(N−1)/2 pairs, ring-exchanged blocks; \
        results identical for any number of ranks. Outputs PREFIX.h5/.ecsv (one row per bin), PREFIX.svg. \
        See Docs/gw-correlation.md.
        """)

    @Argument(help: "Repacked gaia_source HDF5 file.")
    var file: String

    @Option(name: .long, help: "Table in the file (default: its only table).")
    var table: String?

    @OptionGroup var selection: GWSelectionOptions

    @Option(name: .long, help: "Number of equal separation bins.")
    var bins = 36

    @Option(name: .long, help: "Smallest separation, deg.")
    var thetaMin = 0.0

    @Option(name: .long, help: "Largest separation, deg.")
    var thetaMax = 180.0

    @Option(name: .long, help: "Pair weights: inverse-variance (w_i w_j) | uniform.")
    var weights = "inverse-variance"

    @Option(name: .long, help: "Added in quadrature to every proper-motion error, µas/yr (inverse-variance weights).")
    var sigmaExtra = 0.0

    @Option(name: .long, help: "Errors of the binned correlations used by the fit: scatter | model.")
    var errors = "scatter"

    @Option(name: .long, help: "Components fitted: both | parallel | perpendicular.")
    var components = "both"

    @Option(name: .long, help: "Hubble constant for Ω_GW, km/s/Mpc.")
    var h0 = 70.0

    @Option(name: .long, help: "Confidence of the upper limit.")
    var confidence = 0.95

    @Option(name: .long, help: "Sources per fixed block (summation order; identical results on any number of ranks).")
    var blockSources = 2048

    @Option(name: .long, help: "Rows per read block (I/O only).")
    var readBlockRows = 65536

    @Option(name: .long, help: "Output prefix: PREFIX.h5, PREFIX.ecsv, PREFIX.svg.")
    var out: String

    @Flag(name: .long, help: "Replace existing outputs.")
    var overwrite = false

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    func validate() throws {
        guard bins >= 1 else { throw ValidationError("--bins must be at least 1, got \(bins)") }
        guard thetaMin >= 0 && thetaMax <= 180 && thetaMin < thetaMax else {
            throw ValidationError("--theta-min/--theta-max: need 0 ≤ min < max ≤ 180, got \(thetaMin), \(thetaMax)")
        }
        guard CorrelationWeighting(rawValue: weights) != nil else { throw ValidationError("--weights: inverse-variance or uniform") }
        guard sigmaExtra >= 0 && sigmaExtra.isFinite else { throw ValidationError("--sigma-extra must be ≥ 0") }
        guard CorrelationErrors(rawValue: errors) != nil else { throw ValidationError("--errors: scatter or model") }
        guard HellingsDownsComponents(rawValue: components) != nil else { throw ValidationError("--components: both, parallel or perpendicular") }
        guard h0 > 0 && h0.isFinite else { throw ValidationError("--h0 must be positive") }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be in (0, 1)") }
        guard blockSources > 0 else { throw ValidationError("--block-sources must be positive") }
        guard readBlockRows > 0 else { throw ValidationError("--read-block-rows must be positive") }
        do { _ = try PairBinning.uniform(bins: bins, minDeg: thetaMin, maxDeg: thetaMax) } catch { throw ValidationError("\(error)") }
        _ = try selection.selection()
    }

    func settings() throws -> GWCorrelationSettings {
        var o = CorrelationJobOptions(input: file)
        o.table = table
        o.selection = try selection.selection()
        o.bins = bins
        o.thetaMinDeg = thetaMin
        o.thetaMaxDeg = thetaMax
        o.weighting = CorrelationWeighting(rawValue: weights)!
        o.sigmaExtra = sigmaExtra
        o.errors = CorrelationErrors(rawValue: errors)!
        o.components = HellingsDownsComponents(rawValue: components)!
        o.h0 = h0
        o.confidence = confidence
        o.blockSources = blockSources
        o.readBlockRows = readBlockRows
        o.progressInterval = progressInterval
        let yaml = """
        job: gw-correlation
        input: \(file)
        table: \(table ?? "~")
        output: \(out)
        overwrite: \(overwrite)
        progress_interval: \(progressInterval)
        \(selection.yaml)
        gw_correlation:
          bins: \(bins)
          theta_min: \(thetaMin)
          theta_max: \(thetaMax)
          weights: \(weights)
          sigma_extra: \(sigmaExtra)
          errors: \(errors)
          components: \(components)
          h0: \(h0)
          confidence: \(confidence)
          block_sources: \(blockSources)
          read_block_rows: \(readBlockRows)
        """
        return GWCorrelationSettings(options: o, output: out, overwrite: overwrite, resolvedParameters: yaml)
    }

    func run() throws {
        let s = try settings()
        runParallel { comm in try runGWCorrelation(s, comm: comm) }
    }
}

/// The `gw-correlation` job of a parameter file (Inputs/gw_correlation_qso.yaml).
func gwCorrelationSettings(_ p: ParameterFile, file: String) throws -> GWCorrelationSettings {
    var o = CorrelationJobOptions(input: try p.string("input"))
    o.table = try p.optionalString("table")
    let output = try p.string("output")
    let overwrite = try p.bool("overwrite", default: false)
    o.progressInterval = try p.double("progress_interval", default: 5)
    o.selection = try gwSelection(p, file: file)
    o.bins = try p.int("gw_correlation.bins", default: 36)
    o.thetaMinDeg = try p.double("gw_correlation.theta_min", default: 0)
    o.thetaMaxDeg = try p.double("gw_correlation.theta_max", default: 180)
    o.weighting = CorrelationWeighting(rawValue: try p.choice("gw_correlation.weights", default: "inverse-variance",
                                                              allowed: CorrelationWeighting.allCases.map(\.rawValue)))!
    o.sigmaExtra = try p.double("gw_correlation.sigma_extra", default: 0)
    o.errors = CorrelationErrors(rawValue: try p.choice("gw_correlation.errors", default: "scatter",
                                                        allowed: CorrelationErrors.allCases.map(\.rawValue)))!
    o.components = HellingsDownsComponents(rawValue: try p.choice("gw_correlation.components", default: "both",
                                                                  allowed: HellingsDownsComponents.allCases.map(\.rawValue)))!
    o.h0 = try p.double("gw_correlation.h0", default: 70)
    o.confidence = try p.double("gw_correlation.confidence", default: 0.95)
    o.blockSources = try p.int("gw_correlation.block_sources", default: 2048)
    o.readBlockRows = try p.int("gw_correlation.read_block_rows", default: 65536)
    if o.bins < 1 { throw ParameterError(file: file, key: "gw_correlation.bins", "must be at least 1, got \(o.bins)") }
    if !(o.thetaMinDeg >= 0 && o.thetaMaxDeg <= 180 && o.thetaMinDeg < o.thetaMaxDeg) {
        throw ParameterError(file: file, key: "gw_correlation.theta_min", "need 0 ≤ theta_min < theta_max ≤ 180, got \(o.thetaMinDeg), \(o.thetaMaxDeg)")
    }
    if !(o.sigmaExtra >= 0 && o.sigmaExtra.isFinite) { throw ParameterError(file: file, key: "gw_correlation.sigma_extra", "must be ≥ 0, got \(o.sigmaExtra)") }
    if !(o.h0 > 0 && o.h0.isFinite) { throw ParameterError(file: file, key: "gw_correlation.h0", "must be positive, got \(o.h0)") }
    if !(o.confidence > 0 && o.confidence < 1) { throw ParameterError(file: file, key: "gw_correlation.confidence", "must be in (0, 1), got \(o.confidence)") }
    if o.blockSources <= 0 { throw ParameterError(file: file, key: "gw_correlation.block_sources", "must be positive, got \(o.blockSources)") }
    if o.readBlockRows <= 0 { throw ParameterError(file: file, key: "gw_correlation.read_block_rows", "must be positive, got \(o.readBlockRows)") }
    do { _ = try o.binning() } catch { throw ParameterError(file: file, key: "gw_correlation.bins", "\(error)") }
    return GWCorrelationSettings(options: o, output: output, overwrite: overwrite, resolvedParameters: "")
}

func runGWCorrelation(_ s: GWCorrelationSettings, comm: Communicator) throws {
    try gwCheckOutputs(prefix: s.output, suffixes: GWCorrelationSettings.outputSuffixes, overwrite: s.overwrite, comm: comm)
    rootPrint(comm, "gw-correlation: parameters\n" + s.resolvedParameters.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    let result = try CorrelationJob.run(s.options, communicator: comm) { rootPrint(comm, $0) }
    try comm.collectively {
        if comm.isRoot { try CorrelationOutputs.write(result, prefix: s.output, parameters: s.resolvedParameters) }
    }
    rootPrint(comm, CorrelationOutputs.summary(result, prefix: s.output))
}


// MARK: - gw-planewave (plane-wave F-statistic on epoch astrometry; GWJob/PlaneWaveRun.swift)

struct GWPlaneWaveSettings {
    var options: PlaneWaveJobOptions
    var output: String
    var overwrite: Bool
    var resolvedParameters: String
}

struct GWPlaneWaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gw-planewave",
        abstract: "Search per-transit along-scan astrometry for a continuous plane gravitational wave (F-statistic).",
        discussion: """
        Per source the 5-parameter astrometric solution is removed (templates are projected the same way), \
        then 2F = xᵀM⁻¹x is computed on a grid of frequencies × HEALPix directions (direction = to the GW \
        source); 2F ~ χ²₄ under Gaussian noise. Input: a repacked epoch_astrometry table (Docs/data-format.md). \
        Results do not depend on the number of ranks. Outputs PREFIX.h5 (candidates + full 2F grid and sums), \
        PREFIX.ecsv (candidates), PREFIX.svg. See Docs/gw-planewave.md.
        """)

    @Argument(help: "Repacked epoch_astrometry HDF5 file.")
    var file: String

    @Option(name: .long, help: "Table in the file (default: epoch_astrometry, else its only table).")
    var table: String?

    @Option(name: .long, help: "Lowest grid frequency, nHz (31.69 nHz = 1/yr).")
    var fMin = 4.0

    @Option(name: .long, help: "Highest grid frequency, nHz.")
    var fMax = 130.0

    @Option(name: .long, help: "Frequency step, nHz (1/T ≈ 5.8 nHz for the DR4 span).")
    var df = 1.0

    @Option(name: .long, help: "HEALPix nside of the sky grid (power of two).")
    var nside = 8

    @Option(name: .long, help: "Skip sources with fewer usable transits (≥ 6).")
    var minTransits = 10

    @Option(name: .long, help: "Candidates reported (peaks of the sky-maximised spectrum).")
    var candidates = 20

    @Option(name: .long, help: "Candidates are more than this apart in frequency, nHz (≈ 1/T: one peak's main lobe).")
    var separation = 6.0

    @Option(name: .long, help: "Sources per fixed block (exact partial sums; results depend on it only at rounding level).")
    var blockSources = 256

    @Option(name: .long, help: "Rows per collective read.")
    var chunkRows = 4096

    @Option(name: .long, help: "epoch_astrometry_truth.json of a synthetic set: report how the injection was recovered.")
    var truth: String?

    @Option(name: .long, help: "Output prefix: PREFIX.h5, PREFIX.ecsv, PREFIX.svg.")
    var out: String

    @Flag(name: .long, help: "Replace existing outputs.")
    var overwrite = false

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    func settings() -> GWPlaneWaveSettings {
        var o = PlaneWaveJobOptions(input: file)
        o.table = table
        o.fMin = fMin; o.fMax = fMax; o.df = df; o.nside = nside
        o.minTransits = minTransits
        o.candidates = candidates
        o.separation = separation
        o.blockSources = blockSources
        o.chunkRows = chunkRows
        o.truth = truth
        o.progressInterval = progressInterval
        let yaml = """
        job: gw-planewave
        input: \(file)
        table: \(table ?? "~")
        output: \(out)
        overwrite: \(overwrite)
        progress_interval: \(progressInterval)
        gw_planewave:
          f_min: \(fMin)
          f_max: \(fMax)
          df: \(df)
          nside: \(nside)
          min_transits: \(minTransits)
          candidates: \(candidates)
          separation: \(separation)
          block_sources: \(blockSources)
          chunk_rows: \(chunkRows)
          truth: \(truth ?? "~")
        """
        return GWPlaneWaveSettings(options: o, output: out, overwrite: overwrite, resolvedParameters: yaml)
    }

    func validate() throws {
        let names = ["grid": "--f-min/--f-max/--df/--nside", "min_transits": "--min-transits", "candidates": "--candidates",
                     "separation": "--separation", "block_sources": "--block-sources", "chunk_rows": "--chunk-rows"]
        if let p = settings().options.problems().first { throw ValidationError("\(names[p.key] ?? p.key): \(p.message)") }
    }

    func run() throws {
        let s = settings()
        runParallel { comm in try runGWPlaneWave(s, comm: comm) }
    }
}

/// The `gw-planewave` job of a parameter file (Inputs/gw_planewave.yaml).
func gwPlaneWaveSettings(_ p: ParameterFile, file: String) throws -> GWPlaneWaveSettings {
    var o = PlaneWaveJobOptions(input: try p.string("input"))
    o.table = try p.optionalString("table")
    let output = try p.string("output")
    let overwrite = try p.bool("overwrite", default: false)
    o.progressInterval = try p.double("progress_interval", default: 5)
    o.fMin = try p.double("gw_planewave.f_min", default: o.fMin)
    o.fMax = try p.double("gw_planewave.f_max", default: o.fMax)
    o.df = try p.double("gw_planewave.df", default: o.df)
    o.nside = try p.int("gw_planewave.nside", default: o.nside)
    o.minTransits = try p.int("gw_planewave.min_transits", default: o.minTransits)
    o.candidates = try p.int("gw_planewave.candidates", default: o.candidates)
    o.separation = try p.double("gw_planewave.separation", default: o.separation)
    o.blockSources = try p.int("gw_planewave.block_sources", default: o.blockSources)
    o.chunkRows = try p.int("gw_planewave.chunk_rows", default: o.chunkRows)
    o.truth = try p.optionalString("gw_planewave.truth")
    if let problem = o.problems().first {
        let key = problem.key == "grid" ? "gw_planewave.f_min/f_max/df/nside" : "gw_planewave.\(problem.key)"
        throw ParameterError(file: file, key: key, problem.message)
    }
    return GWPlaneWaveSettings(options: o, output: output, overwrite: overwrite, resolvedParameters: "")
}

func runGWPlaneWave(_ s: GWPlaneWaveSettings, comm: Communicator) throws {
    try gwCheckOutputs(prefix: s.output, suffixes: PlaneWaveOutputs.suffixes, overwrite: s.overwrite, comm: comm)
    rootPrint(comm, "gw-planewave: parameters\n" + s.resolvedParameters.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    let result = try PlaneWaveJob.run(s.options, communicator: comm) { rootPrint(comm, $0) }
    try comm.collectively {
        if comm.isRoot { try PlaneWaveOutputs.write(result, prefix: s.output, parameters: s.resolvedParameters) }
    }
    rootPrint(comm, PlaneWaveOutputs.summary(result, prefix: s.output))
}
