// The regular frequency grid f_k = f_min + k·Δf, k = 0 … count−1, on which every engine
// evaluates the periodogram. Regular spacing is what lets the direct engine advance phases by
// a fixed rotation and the FFT engine use a uniform transform.

public struct FrequencyGrid: Sendable, Equatable {
    /// First frequency (d⁻¹).
    public var fmin: Double
    /// Spacing (d⁻¹).
    public var step: Double
    public var count: Int

    public init(fmin: Double, step: Double, count: Int) {
        precondition(fmin > 0 && step > 0 && count > 0, "frequency grid needs fmin > 0, step > 0, count > 0")
        self.fmin = fmin
        self.step = step
        self.count = count
    }

    @inline(__always) public func frequency(_ k: Int) -> Double { fmin + Double(k) * step }

    /// f_k·t in cycles, reduced to about (−½, ½]: frac(f_min·t) + frac(k·frac(Δf·t)), each term
    /// reduced (with the exact FMA split of `fractionalCycles`) before combining, so the phase
    /// keeps ~1e-16 relative accuracy even when f·t reaches ~1e5 cycles.
    @inline(__always) func cycles(at k: Int, time t: Double) -> Double {
        var cyc = fractionalCycles(fmin, t) + fractionalCycles(Double(k), fractionalCycles(step, t))
        cyc -= cyc.rounded()
        return cyc
    }

    /// The last grid frequency (≤ the requested maximum).
    public var fmax: Double { frequency(count - 1) }

    public var frequencies: [Double] { (0..<count).map(frequency) }

    /// The grid of one curve, as in astropy's `autofrequency` and the convention:
    /// f_min = 1/T (unless given), Δf = 1/(oversampling·T), count = ⌊(f_max − f_min)/Δf⌋ + 1,
    /// where T is the curve's time span. A peak of a curve with baseline T has width ~1/T, so
    /// `oversampling` grid points sample each peak (VanderPlas 2018, ApJS 236, 16, §7.1).
    public static func perCurve(timeSpan: Double, fmax: Double, oversampling: Double,
                                fmin: Double? = nil) -> FrequencyGrid? {
        guard timeSpan > 0, timeSpan.isFinite, fmax > 0, oversampling > 0 else { return nil }
        let lo = fmin ?? 1 / timeSpan
        let step = 1 / (oversampling * timeSpan)
        guard lo > 0, lo <= fmax else { return nil }
        let count = Int(((fmax - lo) / step).rounded(.down)) + 1
        return FrequencyGrid(fmin: lo, step: step, count: count)
    }

    /// A grid shared by every curve (`grid: common`): explicit f_min, f_max and Δf.
    public static func common(fmin: Double, fmax: Double, step: Double) -> FrequencyGrid? {
        guard fmin > 0, fmax >= fmin, step > 0 else { return nil }
        return FrequencyGrid(fmin: fmin, step: step, count: Int(((fmax - fmin) / step).rounded(.down)) + 1)
    }
}
