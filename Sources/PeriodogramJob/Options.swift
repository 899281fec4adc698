// What a periodogram run is asked to do, shared by the command line and the parameter file
// (`periodogram:` section), and the checks of those values. Problems are reported by key
// (`fmax`, `min_obs`, …) so each front end can name them its own way (`--min-obs`,
// `periodogram.min_obs`).
import GaiaJob
import LightCurves
import Periodogram

public enum GridChoice: String, CaseIterable, Sendable {
    /// Each curve its own grid: f_min = 1/T (or `fmin`), Δf = 1/(oversampling·T), up to f_max.
    case perCurve = "per-curve"
    /// One grid for every curve: `fmin` (default `df`) to `fmax` in steps of `df`.
    case common
}

public struct PeriodogramJobOptions: JobOptions, Sendable {
    public var input: String
    public var bands: [PhotometryBand] = [.g, .bp, .rp]
    public var quantity: Quantity = .mag
    public var grid: GridChoice = .perCurve
    /// Lowest frequency (d⁻¹); nil: 1/T per curve (per-curve grid) or `df` (common grid).
    public var fmin: Double?
    public var fmax = 25.0
    public var oversampling = 10.0
    /// Step of the common grid (d⁻¹); required with `grid: common`, not allowed otherwise.
    public var df: Double?
    public var nterms = 1
    public var peaks = 5
    /// Minimum separation of reported peaks, in units of the curve's resolution 1/T.
    public var peakSeparation = 1.0
    /// Rows whose best-peak FAP exceeds this are not written (NaN FAPs, nterms > 1, are kept).
    public var fapMax = 1.0
    public var minObs = 10
    public var engine: EngineChoice = .auto
    /// Sources whose full periodograms are stored in PREFIX.h5.
    public var dumpSourceIDs: [Int64] = []
    /// Light curves shown in PREFIX.svg (0: no figure).
    public var plotSources = 6
    /// Rows per collective read (bounds memory: ~chunk_rows × transits × bands × 25 bytes).
    public var chunkRows = 4096
    public var progressInterval = 5.0

    public init(input: String) { self.input = input }
    public init() { self.init(input: "") }

    /// Largest grid accepted (a power array of 8 bytes per frequency, per curve in flight).
    public static let maxFrequencies = 20_000_000

    /// Every problem with the values, as (parameter key, message).
    public func problems() -> [OptionProblem] {
        var p: [(String, String)] = []
        func positive(_ key: String, _ v: Double) { if !(v.isFinite && v > 0) { p.append((key, "must be a positive number, got \(v)")) } }
        positive("fmax", fmax)
        if let f = fmin {
            if !(f.isFinite && f > 0) { p.append(("fmin", "must be a positive number, got \(f)")) }
            else if fmax.isFinite && f >= fmax { p.append(("fmin", "must be below fmax (\(fmax)), got \(f)")) }
        }
        positive("oversampling", oversampling)
        switch grid {
        case .perCurve:
            if df != nil { p.append(("df", "applies only to the common grid (grid: common)")) }
        case .common:
            if let d = df {
                positive("df", d)
                let lo = fmin ?? d
                if d.isFinite && d > 0 && fmax.isFinite && lo < fmax && (fmax - lo) / d + 1 > Double(Self.maxFrequencies) {
                    p.append(("df", "the common grid would have \(Int((fmax - lo) / d) + 1) frequencies, more than \(Self.maxFrequencies): raise df or lower fmax"))
                }
            } else {
                p.append(("df", "the common grid needs its step df (1/d)"))
            }
        }
        if !(1...3).contains(nterms) { p.append(("nterms", "must be 1, 2 or 3 (Fourier terms of the model), got \(nterms)")) }
        if !(1...100).contains(peaks) { p.append(("peaks", "must be 1 to 100, got \(peaks)")) }
        positive("peak_separation", peakSeparation)
        if !(fapMax >= 0 && fapMax <= 1) { p.append(("fap_max", "must be a probability in [0, 1], got \(fapMax)")) }
        let fewest = 2 * max(1, nterms) + 2
        if minObs < fewest { p.append(("min_obs", "must be at least \(fewest) (2·nterms + 2: the fit and its FAP need degrees of freedom), got \(minObs)")) }
        if bands.isEmpty { p.append(("bands", "give at least one of g, bp, rp")) }
        if Set(bands).count != bands.count { p.append(("bands", "a band is named twice")) }
        if !(0...50).contains(plotSources) { p.append(("plot_sources", "must be 0 to 50, got \(plotSources)")) }
        if chunkRows <= 0 { p.append(("chunk_rows", "must be positive, got \(chunkRows)")) }
        positive("progress_interval", progressInterval)
        return p.map { OptionProblem(key: $0.0, message: $0.1) }
    }

    /// The frequency grid rule these options describe.
    var gridSpec: GridSpec {
        GridSpec(choice: grid, fmin: fmin, fmax: fmax, oversampling: oversampling,
                 common: grid == .common ? df.flatMap { FrequencyGrid.common(fmin: fmin ?? $0, fmax: fmax, step: $0) } : nil)
    }
}

/// Turns a curve's time span into its frequency grid.
struct GridSpec: Sendable {
    let choice: GridChoice
    let fmin: Double?
    let fmax: Double
    let oversampling: Double
    let common: FrequencyGrid?

    /// nil: the span is too short for any period (T·f_max < 1). Throws if the grid is too large.
    /// `place` names the curve in the message ("FILE row R (source_id S) band B").
    func grid(timeSpan t: Double, at place: @autoclosure () -> String) throws -> FrequencyGrid? {
        guard t.isFinite, t * fmax >= 1 else { return nil }
        if let common { return common }
        let count = ((fmax - (fmin ?? 1 / t)) * oversampling * t).rounded(.down) + 1
        guard count <= Double(PeriodogramJobOptions.maxFrequencies) else {
            throw PeriodogramJobError("\(place()): a time span of \(t) d gives a grid of \(Int(count)) frequencies, "
                                      + "more than \(PeriodogramJobOptions.maxFrequencies): lower fmax or oversampling")
        }
        return FrequencyGrid.perCurve(timeSpan: t, fmax: fmax, oversampling: oversampling, fmin: fmin)
    }
}

public struct PeriodogramJobError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
