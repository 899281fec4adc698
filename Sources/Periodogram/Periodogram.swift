// One entry point for a light curve's periodogram search: choose an engine by cost, compute the
// power on the grid, then the best frequency, separated peaks, amplitude and false-alarm
// probability. The parallel driver (PeriodogramJob) calls only this.

public enum EngineChoice: String, Sendable, CaseIterable {
    /// Per curve, the engine with the lower modelled cost (`CostModel`).
    case auto
    case reference, direct, fft
}

public struct PeriodogramOptions: Sendable {
    /// Fourier terms of the model (astropy `nterms`), 1–3.
    public var nterms: Int = 1
    /// Separated peaks to report.
    public var peaks: Int = 5
    /// Minimum distance between reported peaks, in units of the curve's resolution 1/T.
    public var peakSeparation: Double = 1
    public var engine: EngineChoice = .auto

    public init(nterms: Int = 1, peaks: Int = 5, peakSeparation: Double = 1, engine: EngineChoice = .auto) {
        self.nterms = nterms
        self.peaks = peaks
        self.peakSeparation = peakSeparation
        self.engine = engine
    }
}

public struct PeriodogramResult: Sendable {
    public var nObs: Int
    /// max t − min t (days).
    public var timeSpan: Double
    /// The curve's reference epoch t₀ (days, same scale as the input times).
    public var epoch: Double
    /// Weighted mean of the values.
    public var mean: Double
    /// Frequency of the highest power (d⁻¹).
    public var frequency: Double
    public var power: Double
    /// Baluev (2008) false-alarm probability of `power` on this grid; NaN for nterms > 1 (no
    /// such closed form in Baluev 2008, nor in astropy).
    public var fap: Double
    /// Peak-to-peak amplitude of the best-fit model at `frequency` (units of the values).
    public var amplitude: Double
    /// Best-fit model coefficients at `frequency` (constant, a₁, b₁, …; see FourierFit).
    public var coefficients: [Double]
    /// The strongest separated peaks, strongest first (the first is `frequency`).
    public var peakFrequencies: [Double]
    public var peakPowers: [Double]
    public var engine: EngineKind

    public var period: Double { 1 / frequency }
}

/// Which engine is cheaper for a curve of n points on `count` frequencies.
public enum CostModel {
    public static func engine(n: Int, count: Int, nterms: Int) -> EngineKind {
        DirectEngine.estimatedSeconds(n: n, count: count, nterms: nterms)
            <= FFTEngine.estimatedSeconds(n: n, count: count, nterms: nterms) ? .direct : .fft
    }

    /// Modelled seconds with the engine `engine(…)` would choose (used to balance ranks).
    public static func seconds(n: Int, count: Int, nterms: Int) -> Double {
        min(DirectEngine.estimatedSeconds(n: n, count: count, nterms: nterms),
            FFTEngine.estimatedSeconds(n: n, count: count, nterms: nterms))
    }
}

/// The dispatcher. Holds one instance of each engine (scratch buffers, FFTW plans), so one
/// `Periodogram` per thread/rank, reused for every curve.
public final class Periodogram {
    public let options: PeriodogramOptions
    private let reference = ReferenceEngine()
    private let direct = DirectEngine()
    private lazy var fft = FFTEngine()
    /// Curves analysed per engine.
    public private(set) var engineCounts: [EngineKind: Int] = [:]

    public init(options: PeriodogramOptions) {
        precondition((1...3).contains(options.nterms), "nterms must be 1, 2 or 3")
        self.options = options
    }

    public func engine(for curve: PreparedCurve, grid: FrequencyGrid) -> PowerEngine {
        switch options.engine {
        case .reference: return reference
        case .direct: return direct
        case .fft: return fft
        case .auto:
            return CostModel.engine(n: curve.count, count: grid.count, nterms: options.nterms) == .direct ? direct : fft
        }
    }

    /// The power on the grid (standard normalisation).
    public func power(_ curve: PreparedCurve, grid: FrequencyGrid) -> (power: [Double], engine: EngineKind) {
        let e = engine(for: curve, grid: grid)
        engineCounts[e.kind, default: 0] += 1
        return (e.power(curve, grid: grid, nterms: options.nterms), e.kind)
    }

    /// Full analysis of one curve. `keepPower` also returns the power array.
    public func analyse(_ lightCurve: LightCurve, grid: FrequencyGrid) -> (result: PeriodogramResult, power: [Double]) {
        let curve = PreparedCurve(lightCurve)
        let (power, kind) = self.power(curve, grid: grid)
        return (summarise(curve, grid: grid, power: power, engine: kind), power)
    }

    /// Best peak, separated peaks, amplitude and FAP from a computed power array.
    public func summarise(_ curve: PreparedCurve, grid: FrequencyGrid, power: [Double], engine: EngineKind) -> PeriodogramResult {
        var best = 0
        for k in 1..<max(1, power.count) where power[k] > power[best] { best = k }
        let separation = max(1, Int((options.peakSeparation / (curve.timeSpan * grid.step)).rounded()))
        let peaks = separatedPeaks(power, count: options.peaks, separation: separation)
        let f = grid.frequency(best)
        let fit = FourierFit(curve, frequency: f, nterms: options.nterms)
        let fap = options.nterms == 1
            ? BaluevFAP.probability(power: power[best], count: curve.count, fmax: grid.fmax, timeVariance: curve.timeVariance)
            : .nan
        return PeriodogramResult(
            nObs: curve.count, timeSpan: curve.timeSpan, epoch: curve.epoch, mean: curve.mean,
            frequency: f, power: power[best], fap: fap, amplitude: fit.peakToPeak,
            coefficients: fit.coefficients,
            peakFrequencies: peaks.map(grid.frequency), peakPowers: peaks.map { power[$0] }, engine: engine)
    }
}
