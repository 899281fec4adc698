// The `astrometric-solution` job: options declared once, and its steps for the runner. Case file:
// Inputs/astrometric_solution_dr4.yaml. Science and outputs: Docs/astrometric-solution.md.
import Astrometry
import GaiaJob

public struct AstrometrySolutionOptions: JobOptions, Sendable {
    public var input = ""
    /// Table in the file (nil: epoch_astrometry, else the file's only table).
    public var table: String? = nil
    /// gaiasupdate's `5p_single_source` or `6p_constrained_colour` (the DR4-like configuration).
    public var model: AstrometricModel = .fiveParameter
    /// gaiasupdate's compute_excess_noise: fit the excess noise with AGIS downweighting instead
    /// of adding the AGIS value (agis_source_excess_noise) to every variance.
    public var fitExcessNoise = false
    /// Also write PREFIX_residuals.h5/.ecsv: per-CCD post-fit residuals and weights per input row.
    public var residuals = false
    /// Sources per collective read round (memory ∝ block_sources × transits × CCDs).
    public var blockSources = 4096
    public var progressInterval = 10.0
    public init() {}

    public var solverOptions: SolverOptions {
        var s = SolverOptions()
        s.model = model
        s.fitExcessNoise = fitExcessNoise
        s.keepResiduals = residuals
        return s
    }
}

public enum AstrometrySolutionCase: Job {
    public typealias Options = AstrometrySolutionOptions
    public static let name = "astrometric-solution"
    public static let abstract = "Per-source astrometric solutions from Gaia epoch astrometry, as ESA's gaiasupdate computes them."
    public static let discussion = """
        For every source of a repacked epoch_astrometry table (one row per field-of-view transit, per-CCD \
        arrays, a per-source index; Docs/data-format.md) the along-scan centroids are solved for the 5 \
        astrometric parameters (ra_offset, dec_offset, parallax, pmra, pmdec) or, with --model \
        6p-constrained-colour, 6 (plus a pseudocolour update with gaiasupdate's Gaussian prior) by ESA \
        gaiasupdate's AGIS-like solver: the same observation selection, reference epoch J2017.5 TCB, \
        weights and (with --fit-excess-noise) excess-noise estimation and outlier downweighting. --where \
        selects sources by an expression over source_id and the scalar columns of each source's first \
        transit row. Sources are split over ranks by transit count, never split; results do not depend \
        on the number of ranks. Outputs PREFIX.h5 + PREFIX.ecsv (one row per source), PREFIX.svg and, \
        with --residuals, PREFIX_residuals.h5/.ecsv (one row per input row). See Docs/astrometric-solution.md.
        """
    public static let inputHelp = "Repacked epoch_astrometry HDF5 file (rows = transits, with source_index)."
    public static var outputSuffixes: [String] { AstrometrySolutionOutputs.suffixes }

    public static let options: [JobOption<Options>] = [
        .optional("/table", \.table, valueName: "name", help: "Table in the file (default: epoch_astrometry, else its only table)."),
        .choice("model", \.model, help: "Astrometric model: 5p (gaiasupdate 5p_single_source) or 6p-constrained-colour (6p_constrained_colour, DR4-like)."),
        .value("fit_excess_noise", \.fitExcessNoise,
               help: "Fit the excess noise (AGIS iteration with outlier downweighting) instead of using agis_source_excess_noise."),
        .value("residuals", \.residuals, help: "Also write PREFIX_residuals.h5/.ecsv: post-fit residuals and weights per CCD, aligned with the input rows."),
        .value("block_sources", \.blockSources, help: "Sources per collective read round.",
               check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> AstrometrySolutionResult {
        try AstrometrySolutionRun.run(o, in: context)
    }

    /// Collective: every rank writes its own sources' rows (ParallelResultFile).
    public static func write(_ r: AstrometrySolutionResult, options o: Options, in context: JobContext) throws {
        try AstrometrySolutionOutputs.write(r, context: context)
    }

    public static func summary(_ r: AstrometrySolutionResult, options o: Options, in context: JobContext) -> String {
        AstrometrySolutionOutputs.summary(r, prefix: context.output)
    }
}
