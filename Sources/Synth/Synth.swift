// Synth: deterministic synthetic Gaia DR3 tables with known truth, in the exact format of the
// DR3 bulk download (CDN) files, for tests, demos and benchmarks.
//
//   XPSynth.generate(XPOptions)                     xp_continuous_mean_spectrum + planted twins
//   EpochSynth.generate(EpochOptions)               epoch_photometry + injected periodic signals
//   GaiaSourceSynth.generate(GaiaSourceOptions)     gaia_source (QSO-like) + rotation, glide, GW field,
//                                                   planted wide binaries and lensed images (PlantedPairs)
//   EpochAstrometrySynth.generate(EpochAstrometryOptions)  epoch_astrometry (DR4-like) + plane GW
//   Synth.generate(table:...)                       the same by table name (the CLI's entry point)
//
// Every generator writes `<Prefix>_<hp8start>-<hp8end>.csv.gz` files into the output directory
// plus `<table>_truth.json` (run-level truth) and `<table>_truth.ecsv` (one row per source).
// The output is a pure function of the options except `threads` and `level` (which changes only
// the compression): same seed, same bytes, on every machine.
// That rests on Numerics' DetMath (elementary functions from IEEE +, −, ×, ÷, √ only) and on
// the plain-IEEE Cholesky and nested HEALPix there.

public enum Synth {
    /// Generates a table with default table-specific options.
    public static func generate(table: SynthTable, options: SynthOptions) throws -> SynthResult {
        switch table {
        case .xpContinuousMeanSpectrum: return try XPSynth.generate(XPOptions(common: options))
        case .epochPhotometry: return try EpochSynth.generate(EpochOptions(common: options))
        case .gaiaSource: return try GaiaSourceSynth.generate(GaiaSourceOptions(common: options))
        case .epochAstrometry: return try EpochAstrometrySynth.generate(EpochAstrometryOptions(common: options))
        }
    }
}
