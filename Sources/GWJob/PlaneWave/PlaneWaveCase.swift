// The `gw-planewave` job: options declared once, and its steps for the runner. Case file:
// Inputs/gw_planewave.yaml. Science: Docs/gw-planewave.md.
import GaiaJob
import GWAstrometry

public enum GWPlaneWaveCase: Job {
    public typealias Options = PlaneWaveJobOptions
    public static let name = "gw-planewave"
    public static let abstract = "Search per-transit along-scan astrometry for a continuous plane gravitational wave (F-statistic)."
    public static let discussion = """
        Per source the CCD observations and their variances are those of the Astrometry kernel's \
        5-parameter solution (gaiasupdate's selection; with robust, its fitted excess noise and without its outliers); \
        the 5-parameter astrometric solution is removed (templates are projected the same way), \
        then 2F = xᵀM⁻¹x is computed on a grid of frequencies × HEALPix directions (direction = to the GW \
        source); 2F ~ χ²₄ under Gaussian noise. Input: a repacked epoch_astrometry transit table (Docs/data-format.md) \
        and a table of the sources' positions (source_id, ra, dec: a repacked gaia_source). \
        Results do not depend on the number of ranks. Outputs PREFIX.h5 (candidates + full 2F grid and sums), \
        PREFIX.ecsv (candidates), PREFIX.svg. See Docs/gw-planewave.md.
        """
    public static let inputHelp = "Repacked epoch_astrometry HDF5 file."
    public static var outputSuffixes: [String] { PlaneWaveOutputs.suffixes }

    public static let options: [JobOption<Options>] = [
        .optional("/table", \.table, valueName: "name", help: "Table in the file (default: epoch_astrometry, else its only table)."),
        .value("positions", \.positions, valueName: "file",
               help: "HDF5 table with source_id, ra, dec sorted by source_id (a repacked gaia_source; synth writes GaiaSource_*.csv.gz)."),
        .optional("positions_table", \.positionsTable, valueName: "name", help: "Table in the positions file (default: gaia_source, else its only table)."),
        .invertedFlag("robust", \.robust,
                      help: "Fit the excess noise and drop the solution's outliers (gaiasupdate compute_excess_noise=True); false: AGIS excess noise, all observations."),
        .value("f_min", \.fMin, valueName: "nHz", help: "Lowest grid frequency, nHz (31.69 nHz = 1/yr)."),
        .value("f_max", \.fMax, valueName: "nHz", help: "Highest grid frequency, nHz."),
        .value("df", \.df, valueName: "nHz", help: "Frequency step, nHz (1/T ≈ 5.8 nHz for the DR4 span)."),
        .value("nside", \.nside, help: "HEALPix nside of the sky grid (power of two)."),
        .value("min_transits", \.minTransits, help: "Skip sources with fewer usable CCD observations (≥ 6)."),
        .value("candidates", \.candidates, help: "Candidates reported (peaks of the sky-maximised spectrum)."),
        .value("separation", \.separation, valueName: "nHz",
               help: "Candidates are more than this apart in frequency, nHz (≈ 1/T: one peak's main lobe)."),
        .value("block_sources", \.blockSources,
               help: "Sources per fixed block (exact partial sums; results depend on it only at rounding level)."),
        .value("chunk_rows", \.chunkRows, help: "Rows per collective read."),
        .optional("truth", \.truth, valueName: "file",
                  help: "epoch_astrometry_truth.json of a synthetic set: report how the injection was recovered."),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> PlaneWaveResult {
        try PlaneWaveJob.run(o, communicator: context.communicator, log: context.log, selection: context.selection(for:))
    }

    /// Written by rank 0 (the reduced grid and candidates are identical on every rank).
    public static func write(_ r: PlaneWaveResult, options o: Options, in context: JobContext) throws {
        try context.onRoot { try PlaneWaveOutputs.write(r, prefix: context.output, parameters: context.parameters) }
    }

    public static func summary(_ r: PlaneWaveResult, options o: Options, in context: JobContext) -> String {
        PlaneWaveOutputs.summary(r, prefix: context.output)
    }
}
