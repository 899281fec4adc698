// False-alarm probability of the highest peak, Baluev (2008, MNRAS 385, 1279): the "alias-free"
// approximation, eq. (6) with Table 1, for the standard-normalised GLS power (d = 2 extra
// parameters over a constant). The same formula as astropy's
// `false_alarm_probability(..., method='baluev')`, which tests compare against.

import Foundation

public enum BaluevFAP {
    /// FAP of power `z` found anywhere on frequencies up to `fmax` (d⁻¹), for a curve of N
    /// points whose weighted time variance is `timeVariance` (days²).
    ///   FAP_single(z) = (1 − z)^((N−3)/2)                       (Baluev 2008, Table 1, "z₁" row)
    ///   τ(z) = γ(N−1) · W · (1 − z)^((N−4)/2) · √(½(N−1) z),   W = f_max · √(4π·D_t)
    ///   γ(N) = √(2/N) · Γ(N/2)/Γ((N−1)/2)
    ///   FAP ≈ 1 − (1 − FAP_single)·e^(−τ)                      (Baluev 2008, eq. 6)
    /// evaluated as −expm1(−τ) + FAP_single·e^(−τ) to keep small probabilities accurate.
    public static func probability(power z: Double, count n: Int, fmax: Double, timeVariance: Double) -> Double {
        guard n > 3, z.isFinite else { return .nan }
        if z <= 0 { return 1 }
        if z >= 1 { return 0 }
        let nh = Double(n - 1), nk = Double(n - 3)
        let single = pow(1 - z, 0.5 * nk)
        let w = fmax * (4 * Double.pi * timeVariance).squareRoot()
        let tau = gamma(nh) * w * pow(1 - z, 0.5 * (nk - 1)) * (0.5 * nh * z).squareRoot()
        let fap = -expm1(-tau) + single * exp(-tau)
        return min(max(fap, 0), 1)
    }

    /// γ(N) = √(2/N)·exp(lnΓ(N/2) − lnΓ((N−1)/2)) (astropy `_gamma`).
    static func gamma(_ n: Double) -> Double {
        (2 / n).squareRoot() * exp(lgamma(0.5 * n) - lgamma(0.5 * (n - 1)))
    }
}
