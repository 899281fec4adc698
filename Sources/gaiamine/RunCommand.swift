import ArgumentParser
import Foundation
import GaiaIO
import MPI
import XPSearch
import XPSearchJob

/// `gaiamine run CASE.yaml`: one science case per parameter file (Inputs/). As in SWIFT, every
/// parameter is read from the file, unknown keys are errors, and the resolved set (defaults
/// included) is echoed and stored in the outputs.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a science case from a YAML parameter file (see Inputs/).",
        discussion: "The key `job` selects the kernel: xp-search, periodogram, gw-vsh, gw-planewave or gw-correlation. Paths are relative to the working directory.")

    @Argument(help: "Parameter file.")
    var parameterFile: String

    /// The job a parameter file describes, with its settings.
    enum Job {
        case xpSearch(XPSearchSettings)
        case periodogram(PeriodogramSettings)
        case gwVSH(GWVSHSettings)
        case gwPlaneWave(GWPlaneWaveSettings)
        case gwCorrelation(GWCorrelationSettings)
    }

    func run() throws {
        var job: Job
        do {
            let p = try ParameterFile(path: parameterFile)
            switch try p.choice("job", default: "xp-search", allowed: ["xp-search", "periodogram", "gw-vsh", "gw-planewave", "gw-correlation"]) {
            case "periodogram": job = .periodogram(try periodogramSettings(p, file: parameterFile))
            case "gw-vsh": job = .gwVSH(try gwVSHSettings(p, file: parameterFile))
            case "gw-planewave": job = .gwPlaneWave(try gwPlaneWaveSettings(p, file: parameterFile))
            case "gw-correlation": job = .gwCorrelation(try gwCorrelationSettings(p, file: parameterFile))
            default: job = .xpSearch(try xpSearchSettings(p))
            }
            try p.checkAllUsed()
            switch job {
            case .xpSearch(var s): s.resolvedParameters = p.resolvedYAML(); job = .xpSearch(s)
            case .periodogram(var s): s.resolvedParameters = p.resolvedYAML(); job = .periodogram(s)
            case .gwVSH(var s): s.resolvedParameters = p.resolvedYAML(); job = .gwVSH(s)
            case .gwPlaneWave(var s): s.resolvedParameters = p.resolvedYAML(); job = .gwPlaneWave(s)
            case .gwCorrelation(var s): s.resolvedParameters = p.resolvedYAML(); job = .gwCorrelation(s)
            }
        } catch {
            eprint("error: \(error)")
            throw ExitCode(1)
        }
        switch job {
        case .xpSearch(let s): runParallel { comm in try runXPSearch(s, comm: comm) }
        case .periodogram(let s): runParallel { comm in try runPeriodogram(s, comm: comm) }
        case .gwVSH(let s): runParallel { comm in try runGWVSH(s, comm: comm) }
        case .gwPlaneWave(let s): runParallel { comm in try runGWPlaneWave(s, comm: comm) }
        case .gwCorrelation(let s): runParallel { comm in try runGWCorrelation(s, comm: comm) }
        }
    }

    func xpSearchSettings(_ p: ParameterFile) throws -> XPSearchSettings {
        var o = XPSearchJobOptions(input: try p.string("input"))
        let output = try p.string("output")
        let overwrite = try p.bool("overwrite", default: false)
        o.progressInterval = try p.double("progress_interval", default: 5)
        o.templateFiles = try p.stringList("xp_search.template_files", default: [])
        o.templateSourceIDs = try p.int64List("xp_search.template_source_ids", default: [])
        o.k = try p.int("xp_search.k", default: 100)
        o.search.bands = try parseBands(try p.stringList("xp_search.bands", default: ["bp", "rp"]).joined(separator: ","))
        o.search.scaling = ErrorScaling(rawValue: try p.choice("xp_search.error_scaling", default: "none",
                                                               allowed: ["none", "standard-deviation"]))!
        o.search.scaleFit = try p.choice("xp_search.scale", default: "none", allowed: ["none", "fit"]) == "fit"
        o.rankBy = XPRanking(rawValue: try p.choice("xp_search.rank_by", default: "p-value", allowed: XPRanking.allCases.map(\.rawValue)))!
        o.kernel = try p.choice("xp_search.kernel", default: "batched", allowed: ["batched", "reference"])
        o.prune = try p.bool("xp_search.prune", default: true)
        o.includeSelf = try p.bool("xp_search.include_self", default: false)
        o.blockRows = try p.int("xp_search.block_rows", default: 2048)
        o.gapRows = try p.int("xp_search.gap_rows", default: 0)
        if o.k <= 0 { throw ParameterError(file: parameterFile, key: "xp_search.k", "must be positive, got \(o.k)") }
        if o.blockRows <= 0 { throw ParameterError(file: parameterFile, key: "xp_search.block_rows", "must be positive, got \(o.blockRows)") }
        if o.gapRows < 0 { throw ParameterError(file: parameterFile, key: "xp_search.gap_rows", "must be 0 or more, got \(o.gapRows)") }
        if o.templateFiles.isEmpty && o.templateSourceIDs.isEmpty {
            throw ParameterError(file: parameterFile, key: "xp_search", "give xp_search.template_files or xp_search.template_source_ids")
        }
        return XPSearchSettings(options: o, output: output, overwrite: overwrite, resolvedParameters: "")
    }
}
