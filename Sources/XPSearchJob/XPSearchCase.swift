// The `xp-search` job: options declared once, and its steps for the runner. Case files:
// Inputs/xp_solar_twins.yaml, Inputs/xp_proxima_twins.yaml. Science: Docs/xp-search.md.
import GaiaJob
import XPSearch

/// `scale`: compare absolute spectra, or shapes with one fitted flux scale per source.
public enum ScaleChoice: String, CaseIterable, Sendable { case none, fit }
/// `kernel`: the fast batched scorer, or the slow obviously-correct reference.
public enum KernelChoice: String, CaseIterable, Sendable { case batched, reference }

extension XPSearchJobOptions: JobOptions {
    public init() { self.init(input: "") }

    public var scale: ScaleChoice {
        get { search.scaleFit ? .fit : .none }
        set { search.scaleFit = newValue == .fit }
    }
    public var kernelChoice: KernelChoice {
        get { KernelChoice(rawValue: kernel) ?? .batched }
        set { kernel = newValue.rawValue }
    }

    public func problems() -> [OptionProblem] {
        templateFiles.isEmpty && templateSourceIDs.isEmpty
            ? [OptionProblem(key: "template_files/template_source_ids", message: "give at least one template (a file or a source_id)")]
            : []
    }
}

public enum XPSearchCase: Job {
    public typealias Options = XPSearchJobOptions
    public static let name = "xp-search"
    public static let abstract = "Find the spectra most similar to templates: Mahalanobis top-k over every BP/RP spectrum."
    public static let discussion = """
        D²_b = (c_t − c_i)ᵀ (Σ_t + Σ_i)⁻¹ (c_t − c_i) per band, summed over the bands; dof = the basis size n_b per band (from the data: DR3 55, DR4 BP 51 / RP 55); \
        p-value from the χ² upper tail. Σ = diag(s) R diag(s), s = coefficient errors (error_scaling none) \
        or errors / standard deviation (standard-deviation, the GaiaXPy convention). Run `gaiamine xp-index` \
        once on the file for the exact pruning index. See Docs/xp-search.md.
        """
    public static let inputHelp = "Repacked xp_continuous_mean_spectrum HDF5 file."

    public static let options: [JobOption<Options>] = [
        .list("template_source_ids", \.templateSourceIDs, flag: "--template-source-id", valueName: "source_id",
              help: "Template: a source_id in the file (repeatable)."),
        .list("template_files", \.templateFiles, flag: "--template-file", split: false, valueName: "file",
              help: "Template(s): an XP ECSV/CSV file, every row a template (repeatable)."),
        .value("k", \.k, help: "Matches kept per template.", check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
        .choices("bands", \.search.bands, what: "band", help: "Bands compared: bp,rp | bp | rp."),
        .choice("error_scaling", \.search.scaling,
                help: "none (Σ from the coefficient errors) | standard-deviation (GaiaXPy's errors/σ)."),
        .choice("scale", \.scale, help: "none (absolute) | fit (shape only: fit a flux scale per source)."),
        .choice("kernel", \.kernelChoice, help: "batched (fast) | reference (slow, obviously correct)."),
        .choice("rank_by", \.rankBy, help: "Order of the matches: p-value (highest χ² tail probability first, comparable "
                + "across 1- and 2-band sources) | chi2 (smallest χ² first)."),
        .invertedFlag("prune", \.prune, help: "Use the exact pruning index of the file (xp-index); --no-prune: full scan."),
        .value("include_self", \.includeSelf, help: "Keep each template's own source_id among its matches."),
        .value("block_rows", \.blockRows, help: "Rows per block read.", check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
        .value("gap_rows", \.gapRows,
               help: "Pruned scan: candidate rows at most this far apart are read as one range (tune to the file system).",
               check: { $0 >= 0 ? nil : "must be 0 or more, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> XPSearchResult {
        try XPSearchJob.run(o, communicator: context.communicator, log: context.log, selection: context.selection(for:))
    }

    /// Written by rank 0 (the global top-k is identical on every rank).
    public static func write(_ r: XPSearchResult, options o: Options, in context: JobContext) throws {
        try context.onRoot { try XPOutputs.write(r, prefix: context.output, options: o, parameters: context.parameters) }
    }

    public static func summary(_ r: XPSearchResult, options o: Options, in context: JobContext) -> String {
        XPOutputs.summary(r, prefix: context.output)
    }
}
