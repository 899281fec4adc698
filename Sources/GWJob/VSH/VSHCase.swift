// The `gw-vsh` job: options declared once, and its steps for the runner. Case file:
// Inputs/gw_vsh_qso.yaml. Science: Docs/gw-vsh.md.
import GaiaIO
import GaiaJob
import GWAstrometry

extension VSHJobOptions: SelectsSources {}

public enum GWVSHCase: Job {
    public typealias Options = VSHJobOptions
    public static let name = "gw-vsh"
    public static let abstract = "Fit vector spherical harmonics to proper motions: rotation, glide, per-degree power, Ω_GW upper limit."
    public static let discussion = """
        Weighted least squares with each source's 2×2 covariance (pmra_error, pmdec_error, pmra_pmdec_corr; the \
        correlation is 0 when absent or null), degrees 1…lmax in the conventions of Mignard & Klioner (2012), \
        iterative clipping of sources with X > κ·median(X). Results do not depend on the number of ranks. \
        Outputs PREFIX.h5/.ecsv (name, value, error, unit), PREFIX_clipped.h5/.ecsv, PREFIX.svg. See Docs/gw-vsh.md.
        """
    public static let inputHelp = "Repacked gaia_source HDF5 file."
    public static var outputSuffixes: [String] { VSHOutputs.suffixes }

    public static let options: [JobOption<Options>] = [
        .table, .filters, .sourceIDFile,
        .value("lmax", \.fit.lmax, help: "Largest VSH degree (1…\(VSHLayout.maximumDegree)).",
               check: { (1...VSHLayout.maximumDegree).contains($0) ? nil : "must be between 1 and \(VSHLayout.maximumDegree), got \($0)" }),
        .value("clip", \.fit.kappa, help: "Clipping factor κ: drop sources with X > κ·median(X) and refit; 0 disables clipping.",
               check: { $0 >= 0 && $0.isFinite ? nil : "must be ≥ 0 (0 disables clipping), got \($0)" }),
        .value("max_iterations", \.fit.maxIterations, help: "Most fits made while clipping.",
               check: { $0 >= 1 ? nil : "must be ≥ 1, got \($0)" }),
        .value("h0", \.h0, help: "Hubble constant for Ω_GW, km/s/Mpc.", check: GWChecks.positive),
        .value("block_rows", \.blockRows,
               help: "Rows per fixed block (reads and exact partial sums; results depend on it only at rounding level).",
               check: GWChecks.positive),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> VSHJobResult {
        try VSHJob.run(o, communicator: context.communicator, log: context.log, selection: context.selection(for:))
    }

    /// Written by rank 0 (the results are small and identical on every rank).
    public static func write(_ r: VSHJobResult, options o: Options, in context: JobContext) throws {
        try context.onRoot { try VSHOutputs.write(r, prefix: context.output, parameters: context.parameters) }
    }

    public static func summary(_ r: VSHJobResult, options o: Options, in context: JobContext) -> String {
        VSHOutputs.summary(r, prefix: context.output)
    }
}
