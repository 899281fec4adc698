// The observation equation of the source update and the scalar rules of the AGIS solver, shared by
// the fast path (AstrometricSolver.swift) and the reference port (AstrometricReference.swift).
//
// Along-scan observation equation (Lindegren et al. 2012, A&A 538, A78, §5; gaiasupdate
// `get_design_equation_parameters`):
//     w = sinθ Δα* + cosθ Δδ + f_AL ϖ + t sinθ µα* + t cosθ µδ [+ (−1000 c_AL) ν]
// θ = scan_pos_angle, f_AL = parallax_factor_al, c_AL = colour_factor_al (gaiasupdate multiplies
// it by −1e3 in `GaiaEpochAstrometryCu9.supdate`, so ν is in nm⁻¹), t = Julian years from J2017.5.
//
// Where gaiasupdate's arithmetic is float32 (pandas keeps a float32 column float32 when it is
// multiplied by a Python float, NEP 50), we round the same way, so the results agree with it to
// the last bits and not merely to float32 precision.

import Foundation

/// Relative time as gaiasupdate's `set_relative_time` computes it.
public enum AstrometricTime {
    /// astropy `u.nanosecond.to(u.year)` = 1e-9 / (365.25 · 86400) = 3.168808781402895e-17
    /// (the same double; checked with astropy 7.2).
    public static let yearsPerNanosecond = 1e-9 / (365.25 * 86400)
    /// `TCB_REFERENCE_EPOCH.jyear` (2010-01-01T00:00:00 TCB) — exactly 2010.0.
    public static let tcbReferenceJyear = 2010.0
    /// `DR4_REFERENCE_EPOCH.jyear` (J2017.5 TCB).
    public static let referenceEpochJyear = 2017.5

    /// ((2010 + obs_time_tcb·k) + bary_corr·k) − 2017.5 in gaiasupdate's operation order, k = ns→yr.
    /// obs_time_tcb is int64 (converted to double, then multiplied); obs_time_bary_corr is a
    /// float32 column, so its product with k is a float32 multiplication (k rounded to float32).
    @inlinable @inline(__always)
    public static func relativeYears(obsTimeTCB: Int64, baryCorrNs: Double) -> Double {
        let bary = Double(Float(baryCorrNs) * Float(yearsPerNanosecond))
        return ((tcbReferenceJyear + Double(obsTimeTCB) * yearsPerNanosecond) + bary) - referenceEpochJyear
    }
}

/// The AL design row.
public enum AstrometricDesign {
    /// np.deg2rad multiplies by NPY_PI/180.
    public static let radiansPerDegree = Double.pi / 180
    /// The 6p model's Gaussian prior on the pseudo-colour (`prior_strength_nm`, nm⁻¹).
    public static let pseudocolourPrior = 0.085e-3
    /// `colourFactorAl *= -1e3`.
    public static let colourFactorScale = -1e3

    /// (sinθ, cosθ, f_AL, t sinθ, t cosθ [, −1000·colour factor]) into `row[0...]`; the colour
    /// column only when `colourFactor` is given (6p).
    @inlinable
    public static func row(scanAngleDeg: Double, years: Double, parallaxFactor: Double, colourFactor: Double?,
                           into row: inout [Double]) {
        let theta = scanAngleDeg * radiansPerDegree
        let s = sin(theta), c = cos(theta)
        row[0] = s
        row[1] = c
        row[2] = parallaxFactor
        row[3] = s * years
        row[4] = c * years
        if let colourFactor { row[5] = colourFactor * colourFactorScale }
    }

    /// The AGIS excess variance gaiasupdate adds in its default mode: `agis_source_excess_noise`
    /// is read with `iloc[0]` as a numpy float32 scalar and squared in float32. NaN (no value)
    /// adds nothing.
    @inlinable
    public static func agisExcessVariance(_ noise: Double) -> Double {
        guard !noise.isNaN else { return 0 }
        let f = Float(noise)
        return Double(f * f)
    }
}

/// The scalar rules of the AGIS robust source update (gaiasupdate `solver.py`, after
/// gaia.cu3.agistools …RobustSourceUpdateCalculator; GAIA-C3-TN-LU-LL-083 P1–P4).
public enum AGISRules {
    /// `AGIS_SOLVER_OPTIONS`.
    public static let downweightLimit = 0.2
    public static let tolEsvExcess = 1e-6
    public static let maxIterExcess = 10
    public static let tolEsvRobust = 1e-6
    public static let maxIterRobust = 30
    public static let dfWeight = 1.0

    /// `decay_downweight` (Lindegren et al. 2012, eq. 66): 1 for |z| ≤ 2, the cubic for 2 < |z| < 3,
    /// exp(−|z|/3) beyond; 0 for NaN (np.piecewise leaves unmatched elements at 0).
    @inlinable
    public static func decayDownweight(_ z: Double) -> Double {
        let a = 1.77373519609519
        let b = 1.14161463726663
        let x = abs(dfWeight * z)
        if x <= 2 { return 1 }
        if x < 3 {
            let d = x - 2
            return 1 - a * (d * d) + b * pow(d, 3)
        }
        if x >= 3 { return exp(-x / 3) }
        return 0
    }

    /// `get_initial_dispersion_estimate`: half the intersextile range plus |median| of `sorted`
    /// (ascending), each quantile as np.quantile's default 'linear' method computes it.
    public static func initialDispersion(sorted: UnsafeBufferPointer<Double>) -> Double {
        let q1 = linearQuantile(sorted, 1.0 / 6)
        let q3 = linearQuantile(sorted, 3.0 / 6)
        let q5 = linearQuantile(sorted, 5.0 / 6)
        return 0.5 * (q5 - q1) + abs(q3)
    }

    /// np.quantile(a, q, method='linear') on sorted data: virtual index (n−1)·q, neighbours
    /// floor and floor+1 (both the last element at or beyond n−1), and numpy's `_lerp`, which
    /// interpolates from the upper neighbour when the weight is ≥ 0.5.
    public static func linearQuantile(_ a: UnsafeBufferPointer<Double>, _ q: Double) -> Double {
        let n = a.count
        let virtual = Double(n - 1) * q
        if virtual >= Double(n - 1) { return a[n - 1] }
        if virtual < 0 { return a[0] }
        let lo = virtual.rounded(.down)
        let gamma = virtual - lo
        let below = a[Int(lo)], above = a[Int(lo) + 1]
        let diff = above - below
        return gamma >= 0.5 ? above - diff * (1 - gamma) : below + diff * gamma
    }
}
