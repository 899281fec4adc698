// The engines that turn a prepared curve and a frequency grid into periodogram power.
// Three implementations sit behind one protocol (as astropy's LombScargle and nifty-ls put
// their methods behind one call): the exact reference here, the direct SIMD engine
// (DirectEngine.swift) and the NUFFT/FFTW engine (FFTEngine.swift). `Periodogram` picks one
// per curve with `CostModel`.

/// Computes the standard-normalised K-harmonic GLS power on a grid.
/// Engines are classes because the fast ones keep scratch buffers (and FFTW plans) between
/// curves; an engine instance belongs to one thread.
public protocol PowerEngine: AnyObject {
    var kind: EngineKind { get }
    func power(_ curve: PreparedCurve, grid: FrequencyGrid, nterms: Int) -> [Double]
}

public enum EngineKind: String, Sendable, CaseIterable {
    /// Exact trigonometric sums and a least-squares solve per frequency (slow, obviously correct).
    case reference
    /// Phase-rotation recurrence over the grid, SIMD over frequencies: cost ∝ N·Nf.
    case direct
    /// Non-uniform FFT (exponential-of-semicircle spreading + FFTW): cost ∝ Nf·log Nf + N.
    case fft
}

/// The definition: `FourierFit` at every frequency. O(N·Nf·K²) with libm sin/cos, so only for
/// tests and small grids.
public final class ReferenceEngine: PowerEngine {
    public let kind = EngineKind.reference
    public init() {}

    public func power(_ curve: PreparedCurve, grid: FrequencyGrid, nterms: Int) -> [Double] {
        (0..<grid.count).map { FourierFit(curve, frequency: grid.frequency($0), nterms: nterms).power }
    }
}
