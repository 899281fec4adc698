// Per-degree power of a VSH fit and its significance.
//
// Power of degree l (MK12 Sect. 5, power of a VSH degree; c_{l,−m} = (−1)^m c*_lm):
//   P_l^T = Σ_{m=−l}^{l} |t_lm|² = t_l0² + 2 Σ_{m≥1} [(t^R_lm)² + (t^I_lm)²],  P_l^S likewise,
// so with D = diag(1 for m = 0, 2 for re/im) and the coefficients c_l of one kind and degree,
// P = c_lᵀ D c_l. Estimated from noisy c_l with covariance Σ_l, E[P̂] = P + tr(D Σ_l): the noise
// bias, subtracted in the debiased power. Error (Gaussian quadratic form):
//   Var(P̂) = 2 tr((D Σ_l)²) + 4 c_lᵀ D Σ_l D c_l  with c_l the true coefficients;
// since E[ĉᵀDΣDĉ] = cᵀDΣDc + tr((DΣ)²), the estimate uses ĉᵀDΣDĉ − tr((DΣ)²) (≥ 0).
// Significance: χ²_l = c_lᵀ Σ_l⁻¹ c_l with 2l+1 degrees of freedom under "no signal", and its
// normal equivalent Z_l by the Wilson & Hilferty (1931, PNAS 17, 684) cube-root transform
//   Z = [(χ²/ν)^{1/3} − (1 − 2/(9ν))] / √(2/(9ν)),
// the test MK12 Sect. 5.3 applies to VSH degrees.
// The mean square of the degree-l field over the sphere is ⟨|V_l|²⟩ = (P_l^T + P_l^S)/(4π)
// (orthonormal harmonics: ∫|V_l|² dΩ = Σ_m |t_lm|² + |s_lm|²).

import Foundation
import Numerics

public struct VSHDegreePower: Sendable {
    public var l: Int
    public var kind: VSHKind
    /// P̂ = c_lᵀ D c_l, (coefficient unit)².
    public var power: Double
    /// tr(D Σ_l): the expected power of pure noise.
    public var noiseBias: Double
    public var error: Double
    public var chi2: Double
    public var dof: Int
    public var z: Double
    public var debiased: Double { power - noiseBias }
}

extension VSHSolution {
    /// The toroidal and spheroidal power of degree l.
    public func degreePower(_ l: Int, _ kind: VSHKind) -> VSHDegreePower {
        let idx = Array(layout.range(kind, degree: l))
        let c = idx.map { coefficients[$0] }
        let d = idx.map { layout.terms[$0].powerWeight }
        let s = covariance(of: idx)
        let n = idx.count
        var p = 0.0, bias = 0.0, tr2 = 0.0, quad = 0.0
        for a in 0..<n {
            p += d[a] * c[a] * c[a]
            bias += d[a] * s[a * n + a]
            for b in 0..<n {
                tr2 += d[a] * s[a * n + b] * d[b] * s[b * n + a]
                quad += d[a] * c[a] * s[a * n + b] * d[b] * c[b]
            }
        }
        let chi2 = Cholesky.inverseQuadraticForm(s, n: n, c, pivot: .above(0))
        return VSHDegreePower(l: l, kind: kind, power: p, noiseBias: bias, error: (2 * tr2 + 4 * max(quad - tr2, 0)).squareRoot(),
                              chi2: chi2, dof: n, z: Self.wilsonHilferty(chi2, dof: n))
    }

    /// Z of a χ² value with ν degrees of freedom (Wilson & Hilferty 1931).
    public static func wilsonHilferty(_ chi2: Double, dof: Int) -> Double {
        let nu = Double(dof)
        let v = 2 / (9 * nu)
        return (cbrt(max(chi2, 0) / nu) - (1 - v)) / v.squareRoot()
    }

    /// Every degree's toroidal and spheroidal power.
    public var powers: [VSHDegreePower] {
        (1...layout.lmax).flatMap { [degreePower($0, .toroidal), degreePower($0, .spheroidal)] }
    }
}
