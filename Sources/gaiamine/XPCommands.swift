import ArgumentParser
import Foundation
import GaiaIO
import MPI
import XPSearch
import XPSearchJob

struct XPIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xp-index",
        abstract: "Add the exact pruning index (λmax bounds of the XP covariances) to a repacked XP file.",
        discussion: "Run once after `repack`; `xp-search` then reads errors and correlations only for sources that can still enter the top-k.")

    @Argument(help: "Repacked xp_continuous_mean_spectrum HDF5 file (modified in place).")
    var file: String

    @Option(name: .long, help: "Rows per collective read.")
    var blockRows = 4096

    func validate() throws {
        guard blockRows > 0 else { throw ValidationError("--block-rows must be positive") }
    }

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    func run() throws {
        runParallel { comm in
            let s = try XPIndex.build(path: file, communicator: comm, blockRows: blockRows, progressInterval: progressInterval)
            rootPrint(comm, String(format: "xp-index: done: %d sources (%d without BP, %d without RP) in %.2f s on %d rank(s), %.0f sources/s",
                                   s.rows, s.missing[.bp] ?? 0, s.missing[.rp] ?? 0, s.seconds, comm.size, Double(s.rows) / max(s.seconds, 1e-9)))
        }
    }
}

/// Options shared by `xp-search` and the `xp-search` section of a parameter file.
struct XPSearchSettings {
    var options: XPSearchJobOptions
    var output: String
    var overwrite: Bool
    var resolvedParameters: String
}

struct XPSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xp-search",
        abstract: "Find the spectra most similar to templates: Mahalanobis top-k over every BP/RP spectrum.",
        discussion: """
        D²_b = (c_t − c_i)ᵀ (Σ_t + Σ_i)⁻¹ (c_t − c_i) per band, summed over --bands; dof = 55 per band;
        p-value from the χ² upper tail. Σ = diag(s) R diag(s), s = coefficient errors (--error-scaling none)
        or errors / standard deviation (standard-deviation, the GaiaXPy convention). See Docs/xp-search.md.
        """)

    @Argument(help: "Repacked xp_continuous_mean_spectrum HDF5 file.")
    var file: String

    @Option(name: .long, help: "Template: a source_id in the file (repeatable).")
    var templateSourceId: [Int64] = []

    @Option(name: .long, help: "Template(s): an XP ECSV/CSV file, every row a template (repeatable).")
    var templateFile: [String] = []

    @Option(name: .long, help: "Matches kept per template.")
    var k = 100

    @Option(name: .long, help: "Bands compared: bp,rp | bp | rp.")
    var bands = "bp,rp"

    @Option(name: .long, help: "none | standard-deviation.")
    var errorScaling = "none"

    @Option(name: .long, help: "none | fit (shape only: fit a flux scale per source).")
    var scale = "none"

    @Option(name: .long, help: "Order of the matches: p-value (highest χ² tail probability first, comparable across 1- and 2-band sources) | chi2 (smallest χ² first).")
    var rankBy = "p-value"

    @Option(name: .long, help: "Kernel: batched (fast) | reference (slow, obviously correct).")
    var kernel = "batched"

    @Flag(name: .long, help: "Full scan even if the file has a pruning index.")
    var noPrune = false

    @Flag(name: .long, help: "Keep each template's own source_id among its matches.")
    var includeSelf = false

    @Option(name: .long, help: "Rows per block read.")
    var blockRows = 2048

    @Option(name: .long, help: "Pruned scan: candidate rows at most this far apart are read as one range (tune to the file system).")
    var gapRows = 0

    @Option(name: .long, help: "Output prefix: PREFIX.h5, PREFIX.ecsv, PREFIX.svg.")
    var out: String

    @Flag(name: .long, help: "Replace existing outputs.")
    var overwrite = false

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    func validate() throws {
        guard k > 0 else { throw ValidationError("--k must be positive") }
        guard blockRows > 0 else { throw ValidationError("--block-rows must be positive") }
        guard gapRows >= 0 else { throw ValidationError("--gap-rows must be 0 or more") }
    }

    func settings() throws -> XPSearchSettings {
        var o = XPSearchJobOptions(input: file)
        o.templateSourceIDs = templateSourceId
        o.templateFiles = templateFile
        o.k = k
        o.search.bands = try parseBands(bands)
        guard let s = ErrorScaling(rawValue: errorScaling) else { throw ValidationError("--error-scaling: none or standard-deviation") }
        o.search.scaling = s
        guard ["none", "fit"].contains(scale) else { throw ValidationError("--scale: none or fit") }
        o.search.scaleFit = scale == "fit"
        guard let ranking = XPRanking(rawValue: rankBy) else { throw ValidationError("--rank-by: p-value or chi2") }
        o.rankBy = ranking
        o.kernel = kernel
        o.prune = !noPrune
        o.includeSelf = includeSelf
        o.blockRows = blockRows
        o.gapRows = gapRows
        o.progressInterval = progressInterval
        let yaml = """
        job: xp-search
        input: \(file)
        output: \(out)
        xp_search:
          template_source_ids: [\(templateSourceId.map(String.init).joined(separator: ", "))]
          template_files: [\(templateFile.joined(separator: ", "))]
          k: \(k)
          bands: [\(o.search.bands.map(\.rawValue).joined(separator: ", "))]
          error_scaling: \(errorScaling)
          scale: \(scale)
          rank_by: \(rankBy)
          kernel: \(kernel)
          prune: \(!noPrune)
          include_self: \(includeSelf)
          block_rows: \(blockRows)
          gap_rows: \(gapRows)
        """
        return XPSearchSettings(options: o, output: out, overwrite: overwrite, resolvedParameters: yaml)
    }

    func run() throws {
        let s = try settings()
        runParallel { comm in try runXPSearch(s, comm: comm) }
    }
}

func parseBands(_ s: String) throws -> [Band] {
    let bands = try s.split(separator: ",").map { part -> Band in
        guard let b = Band(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw ValidationError("unknown band '\(part)' (bp, rp)")
        }
        return b
    }
    guard !bands.isEmpty, Set(bands).count == bands.count else { throw ValidationError("bands: bp,rp | bp | rp") }
    return bands
}

func runXPSearch(_ s: XPSearchSettings, comm: Communicator) throws {
    try comm.collectively {
        if comm.isRoot && !s.overwrite {
            for ext in ["h5", "ecsv", "svg"] where FileManager.default.fileExists(atPath: "\(s.output).\(ext)") {
                throw XPSearchJobError("\(s.output).\(ext) exists; pass --overwrite to replace it")
            }
        }
    }
    rootPrint(comm, "xp-search: parameters\n" + s.resolvedParameters.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    let result = try XPSearchJob.run(s.options, communicator: comm) { rootPrint(comm, $0) }
    try comm.collectively {
        if comm.isRoot {
            try XPOutputs.write(result, prefix: s.output, options: s.options, parameters: s.resolvedParameters)
        }
    }
    rootPrint(comm, XPOutputs.summary(result, prefix: s.output))
}
