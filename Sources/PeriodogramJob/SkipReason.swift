// Why a periodogram was not computed for a source's band: counted and reported, never silent.
// (The light curves themselves and their cleaning are the LightCurves module's.)

/// Why a source's band was not analysed (counted, never silently dropped).
public enum SkipReason: Int, CaseIterable, Sendable {
    /// Fewer than `min_obs` transits left after cleaning (including none at all).
    case tooFewPoints
    /// T·f_max < 1: less than one cycle at the highest frequency in the time span, so no period
    /// can be determined (and the per-curve grid, starting at 1/T, would be empty).
    case timeSpanTooShort
    /// Every value equal: the periodogram is 0/0.
    case constantValues

    public var key: String { ["too_few_points", "time_span_too_short", "constant_values"][rawValue] }
    public var text: String {
        ["fewer than min_obs valid transits", "time span below 1/fmax", "all values equal"][rawValue]
    }
}
