// The `gw-correlation` job: options declared once, and its steps for the runner. Case file:
// Inputs/gw_correlation_qso.yaml. Science: Docs/gw-correlation.md.
import GaiaIO
import GaiaJob
import GWAstrometry

extension CorrelationJobOptions: SelectsSources {
    public func problems() -> [OptionProblem] {
        var p: [OptionProblem] = []
        if !(thetaMinDeg >= 0 && thetaMaxDeg <= 180 && thetaMinDeg < thetaMaxDeg) {
            p.append(OptionProblem(key: "theta_min/theta_max",
                                   message: "need 0 ≤ theta_min < theta_max ≤ 180, got \(thetaMinDeg), \(thetaMaxDeg)"))
        } else if bins >= 1 {
            do { _ = try binning() } catch { p.append(OptionProblem(key: "bins", message: "\(error)")) }
        }
        return p
    }
}

public enum GWCorrelationCase: Job {
    public typealias Options = CorrelationJobOptions
    public static let name = "gw-correlation"
    public static let abstract = "All-pairs proper-motion correlations in separation bins and the astrometric Hellings–Downs fit (Ω_GW)."
    public static let discussion = """
        For every pair of selected sources: the products of the proper-motion components along (∥) and across (⊥) the \
        great circle through both (parallel-transported frame), weighted w_i w_j (w = 1/(σ² + σ_extra²)), averaged per \
        separation bin; errors from the scatter of the products (or 1/√Σw); fit of A·H(Θ), H the astrometric \
        Hellings–Downs curve normalised to H(0) = 1, so Ω_GW = 2A/H0². All N(N−1)/2 pairs, ring-exchanged blocks; \
        results identical for any number of ranks. Outputs PREFIX.h5/.ecsv (one row per bin), PREFIX.svg. \
        See Docs/gw-correlation.md.
        """
    public static let inputHelp = "Repacked gaia_source HDF5 file."
    public static var outputSuffixes: [String] { CorrelationOutputs.suffixes }

    public static let options: [JobOption<Options>] = [
        .table, .filters, .sourceIDFile,
        .value("bins", \.bins, help: "Number of equal separation bins.", check: { $0 >= 1 ? nil : "must be at least 1, got \($0)" }),
        .value("theta_min", \.thetaMinDeg, valueName: "deg", help: "Smallest separation, deg."),
        .value("theta_max", \.thetaMaxDeg, valueName: "deg", help: "Largest separation, deg."),
        .choice("weights", \.weighting, help: "Pair weights: inverse-variance (w_i w_j, w = 1/(σ² + σ_extra²)) | uniform."),
        .value("sigma_extra", \.sigmaExtra, help: "Added in quadrature to every proper-motion error, µas/yr (inverse-variance weights).",
               check: GWChecks.nonNegative),
        .choice("errors", \.errors, help: "Errors of the binned correlations used by the fit: scatter | model."),
        .choice("components", \.components, help: "Components fitted: both | parallel | perpendicular."),
        .value("h0", \.h0, help: "Hubble constant for Ω_GW, km/s/Mpc.", check: GWChecks.positive),
        .value("confidence", \.confidence, help: "Confidence of the upper limit.",
               check: { $0 > 0 && $0 < 1 ? nil : "must be in (0, 1), got \($0)" }),
        .value("block_sources", \.blockSources,
               help: "Sources per fixed block (summation order; identical results on any number of ranks).", check: GWChecks.positive),
        .value("read_block_rows", \.readBlockRows, help: "Rows per read block (I/O only).", check: GWChecks.positive),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> CorrelationResult {
        try CorrelationJob.run(o, communicator: context.communicator, log: context.log, selection: context.selection(for:))
    }

    /// Written by rank 0 (one row per bin, identical on every rank).
    public static func write(_ r: CorrelationResult, options o: Options, in context: JobContext) throws {
        try context.onRoot { try CorrelationOutputs.write(r, prefix: context.output, parameters: context.parameters) }
    }

    public static func summary(_ r: CorrelationResult, options o: Options, in context: JobContext) -> String {
        CorrelationOutputs.summary(r, prefix: context.output)
    }
}
