// The `periodogram` job: its options, declared once (flags, case-file keys, defaults, help), and
// its three steps for the runner (Sources/GaiaJob). Case file: Inputs/periodic_variables.yaml.
import Foundation
import GaiaJob
import LightCurves
import Periodogram

public enum PeriodogramCase: Job {
    public typealias Options = PeriodogramJobOptions
    public static let name = "periodogram"
    public static let abstract = "Generalised Lomb–Scargle periodograms of every light curve of a repacked epoch_photometry file."
    public static let discussion = """
        Per source and band: best frequency/period, power (standard normalisation), peak-to-peak amplitude, the \
        --peaks strongest separated peaks and the Baluev (2008) false-alarm probability of the best one. Transits \
        with null/NaN time, value or error, non-positive error or a set variability_flag_<band>_reject are dropped \
        and counted; curves with fewer than --min-obs transits left are skipped and counted. Rows are split over \
        ranks by modelled cost; the outputs do not depend on the number of ranks. See Docs/periodogram.md.
        """
    public static let inputHelp = "Repacked epoch_photometry HDF5 file."

    public static let options: [JobOption<Options>] = [
        .choices("bands", \.bands, what: "band", help: "Bands, comma-separated: g,bp,rp or a subset (outputs keep the order g, bp, rp)."),
        .choice("quantity", \.quantity, help: "mag (σ = 2.5/ln10 / flux_over_error) | flux (e⁻/s with flux_error)."),
        .choice("grid", \.grid, help: "per-curve (fmin = 1/T, step 1/(oversampling·T)) | common (fmin … fmax, step df)."),
        .optional("fmin", \.fmin, help: "Lowest frequency (1/d). Default: 1/T per curve, or df for the common grid."),
        .value("fmax", \.fmax, help: "Highest frequency (1/d)."),
        .value("oversampling", \.oversampling, help: "Grid points per peak width 1/T (per-curve grid)."),
        .optional("df", \.df, help: "Frequency step of the common grid (1/d); required with grid: common."),
        .value("nterms", \.nterms, help: "Fourier terms of the model: 1 (Lomb–Scargle), 2 or 3."),
        .value("peaks", \.peaks, help: "Separated peaks reported per curve."),
        .value("peak_separation", \.peakSeparation, help: "Minimum separation of reported peaks, in units of 1/T."),
        .value("fap_max", \.fapMax, help: "Write only rows whose FAP ≤ this (NaN FAPs, nterms > 1, are all written)."),
        .value("min_obs", \.minObs, help: "Fewest valid transits for a curve to be analysed."),
        .choice("engine", \.engine, help: "auto (cheaper by the cost model) | direct | fft | reference (slow; tests)."),
        .list("dump_periodogram", \.dumpSourceIDs, valueName: "source_id[,…]",
              help: "Also store these sources' full periodograms in PREFIX.h5."),
        .value("plot_sources", \.plotSources, help: "Most significant curves shown in PREFIX.svg (0: no figure)."),
        .value("chunk_rows", \.chunkRows, help: "Rows per collective read."),
    ]

    public static func run(_ o: Options, in context: JobContext) throws -> PeriodogramJobResult {
        try PeriodogramJob.run(o, communicator: context.communicator, log: context.log, selection: context.selection(for:))
    }

    public static func write(_ r: PeriodogramJobResult, options o: Options, in context: JobContext) throws {
        try PeriodogramOutputs.write(r, prefix: context.output, options: o, parameters: context.parameters,
                                     communicator: context.communicator, log: context.log)
        // An old figure must not sit beside new tables made without one.
        if context.isRoot && o.plotSources == 0 { unlink(context.path(".svg")) }
    }

    public static func summary(_ r: PeriodogramJobResult, options o: Options, in context: JobContext) -> String {
        PeriodogramOutputs.summary(r, prefix: context.output, options: o)
    }
}
