// One light curve (one source, one band) and its preparation for the generalised Lomb–Scargle
// periodogram of Zechmeister & Kürster (2009, A&A 496, 577; "ZK09" below).

/// Clean observations of one source in one band: finite times, values and positive errors.
/// (The driver drops null/NaN/rejected transits and counts them before building this.)
public struct LightCurve: Sendable {
    /// Observation times in days (Gaia: BJD(TCB) − 2455197.5), any order.
    public var time: [Double]
    /// Magnitudes or fluxes.
    public var value: [Double]
    /// 1σ uncertainties of `value`, > 0.
    public var error: [Double]

    public init(time: [Double], value: [Double], error: [Double]) {
        precondition(time.count == value.count && time.count == error.count, "light-curve arrays differ in length")
        self.time = time
        self.value = value
        self.error = error
    }

    public var count: Int { time.count }

    /// max(t) − min(t), the baseline T that sets the default frequency grid.
    public var timeSpan: Double {
        guard let lo = time.min(), let hi = time.max() else { return 0 }
        return hi - lo
    }
}

/// A light curve ready for every engine: the quantities of ZK09 eqs. (8)–(9).
///
/// * times referred to the curve's own epoch t₀ = (min t + max t)/2, so that ω·t stays small
///   and float64 phases keep ~1e-12 rad accuracy at 25 d⁻¹ over a 1000-day baseline;
/// * normalised weights wᵢ = σᵢ⁻² / Σσ⁻² (ZK09 eq. 9), so Σw = 1;
/// * values centred on their weighted mean (astropy `center_data=True`), so Y = Σ w y = 0 and
///   the floating mean of ZK09 enters only through the C, S terms;
/// * YY = Σ w y² (ZK09 eq. 10 with Y = 0), the χ² of the constant model per unit weight.
///
/// Power in the "standard" normalisation is p = 1 − χ²(f)/χ²₀ (ZK09 eq. 4), identical to astropy's
/// `LombScargle(t, y, dy, fit_mean=True, center_data=True, normalization='standard')`.
public struct PreparedCurve: Sendable {
    public let count: Int
    /// Reference epoch t₀ subtracted from the times (days).
    public let epoch: Double
    public let timeSpan: Double
    /// t − t₀ (days).
    public let time: [Double]
    /// Normalised weights, Σ w = 1.
    public let weight: [Double]
    /// y − Σ w y.
    public let value: [Double]
    /// w·(y − ȳ), precomputed for the Y·C and Y·S sums.
    public let weightedValue: [Double]
    /// Weighted mean of the raw values (the constant model).
    public let mean: Double
    /// Σ w (y − ȳ)².
    public let yy: Double
    /// Weighted variance of the times, Σ w t² − (Σ w t)²: Baluev's (2008) effective baseline.
    public let timeVariance: Double

    public init(_ curve: LightCurve) {
        let n = curve.count
        count = n
        let lo = curve.time.min() ?? 0
        let hi = curve.time.max() ?? 0
        epoch = 0.5 * (lo + hi)
        timeSpan = hi - lo
        var w = [Double](repeating: 0, count: n)
        var total = 0.0
        for i in 0..<n {
            w[i] = 1 / (curve.error[i] * curve.error[i])
            total += w[i]
        }
        var ybar = 0.0
        for i in 0..<n {
            w[i] /= total
            ybar += w[i] * curve.value[i]
        }
        var t = [Double](repeating: 0, count: n)
        var y = [Double](repeating: 0, count: n)
        var wy = [Double](repeating: 0, count: n)
        var yy = 0.0, tbar = 0.0, tt = 0.0
        for i in 0..<n {
            t[i] = curve.time[i] - epoch
            y[i] = curve.value[i] - ybar
            wy[i] = w[i] * y[i]
            yy += wy[i] * y[i]
            tbar += w[i] * t[i]
            tt += w[i] * t[i] * t[i]
        }
        time = t
        weight = w
        value = y
        weightedValue = wy
        mean = ybar
        self.yy = yy
        timeVariance = tt - tbar * tbar
    }
}
