// Vector spherical harmonics (VSH) of degree 1 and 2 for proper-motion fields, following
// Mignard & Klioner 2012, A&A 547, A59 ("Analysis of astrometric catalogues with vector
// spherical harmonics"; MK12 below).
//
// With u = (cos δ cos α, cos δ sin α, sin δ), e_α = (−sin α, cos α, 0) and
// e_δ = (−sin δ cos α, −sin δ sin α, cos δ):
//   Y_lm(α, δ) = K_lm P_l^m(sin δ) e^{imα}   (orthonormal, Condon–Shortley phase)
//   T_lm = [∂Y_lm/∂δ e_α − (1/cos δ) ∂Y_lm/∂α e_δ] / √(l(l+1))       (MK12 Eq. 10, "toroidal", magnetic, B)
//   S_lm = [(1/cos δ) ∂Y_lm/∂α e_α + ∂Y_lm/∂δ e_δ] / √(l(l+1))       (MK12 Eq. 11, "spheroidal", electric, E)
// A real field is (MK12 Eq. 30)
//   V = Σ_l [ t_l0 T_l0 + s_l0 S_l0 + 2 Σ_{m=1}^{l} (t^R_lm T^R_lm − t^I_lm T^I_lm + s^R_lm S^R_lm − s^I_lm S^I_lm) ]
// with t_lm = t^R_lm + i t^I_lm and T^R, T^I the real and imaginary parts of T_lm.
// Degree 1 (MK12 Eqs. 72–76): a rigid rotation V = ω × u has t_10 = √(8π/3) ω_z,
// t^R_11 = −√(4π/3) ω_x, t^I_11 = +√(4π/3) ω_y; a glide V = g − (g·u) u has the same relations
// between s_1m and g. Explicitly
//   rotation: μ_α* = −ω_x sin δ cos α − ω_y sin δ sin α + ω_z cos δ,  μ_δ = ω_x sin α − ω_y cos α
//   glide:    μ_α* = −g_x sin α + g_y cos α,  μ_δ = −g_x sin δ cos α − g_y sin δ sin α + g_z cos δ
// Degree 2 is the quadrupole a stochastic gravitational-wave background produces (Gwinn et al.
// 1997, ApJ 485, 87; Book & Flanagan 2011, PRD 83, 024024), with equal E (s_2m) and B (t_2m) power.

import Numerics

public enum VSH {
    /// (α, δ components) of T_lm and S_lm for l ∈ {1, 2}, 0 ≤ m ≤ l, as complex numbers
    /// (re, im): returns (Tα, Tδ, Sα, Sδ).
    public static func basis(l: Int, m: Int, raRad a: Double, decRad d: Double)
        -> (ta: (Double, Double), td: (Double, Double), sa: (Double, Double), sd: (Double, Double)) {
        let sd = DetMath.sin(d), cd = DetMath.cos(d)
        let pi = Double.pi
        var k = 0.0, dp = 0.0, q = 0.0  // K_lm, dP/dδ, P/cos δ (m ≥ 1)
        switch (l, m) {
        case (1, 0): k = (3 / (4 * pi)).squareRoot(); dp = cd
        case (1, 1): k = -(3 / (8 * pi)).squareRoot(); dp = -sd; q = 1
        case (2, 0): k = (5 / (16 * pi)).squareRoot(); dp = 6 * sd * cd
        case (2, 1): k = -(15 / (8 * pi)).squareRoot(); dp = cd * cd - sd * sd; q = sd
        case (2, 2): k = (15 / (32 * pi)).squareRoot(); dp = -2 * sd * cd; q = cd
        default: preconditionFailure("VSH.basis supports l = 1, 2")
        }
        let norm = 1 / Double(l * (l + 1)).squareRoot()
        let ce = DetMath.cos(Double(m) * a), se = DetMath.sin(Double(m) * a)  // e^{imα}
        let mm = Double(m)
        // ∂Y/∂δ = K dP e^{imα};  (1/cos δ) ∂Y/∂α = K q · i m e^{imα} = K q m (−sin, cos)
        let dYd = (norm * k * dp * ce, norm * k * dp * se)
        let dYa = (-norm * k * q * mm * se, norm * k * q * mm * ce)
        return (ta: dYd, td: (-dYa.0, -dYa.1), sa: dYa, sd: dYd)
    }

    /// The real degree-2 coefficients, µas/yr.
    public struct Quadrupole: Sendable, Equatable {
        /// s_20, t_20 (real), and s_2m, t_2m for m = 1, 2 as (re, im).
        public var s20: Double, t20: Double
        public var s21: (Double, Double), t21: (Double, Double)
        public var s22: (Double, Double), t22: (Double, Double)

        public static func == (a: Quadrupole, b: Quadrupole) -> Bool {
            a.s20 == b.s20 && a.t20 == b.t20 && a.s21 == b.s21 && a.t21 == b.t21 && a.s22 == b.s22 && a.t22 == b.t22
        }

        public static let zero = Quadrupole(s20: 0, t20: 0, s21: (0, 0), t21: (0, 0), s22: (0, 0), t22: (0, 0))

        /// Field (μ_α*, μ_δ) in the coefficients' unit.
        public func field(raRad a: Double, decRad d: Double) -> (Double, Double) {
            var ma = 0.0, md = 0.0
            let b0 = VSH.basis(l: 2, m: 0, raRad: a, decRad: d)
            ma += t20 * b0.ta.0 + s20 * b0.sa.0
            md += t20 * b0.td.0 + s20 * b0.sd.0
            for (m, t, s) in [(1, t21, s21), (2, t22, s22)] {
                let b = VSH.basis(l: 2, m: m, raRad: a, decRad: d)
                ma += 2 * (t.0 * b.ta.0 - t.1 * b.ta.1 + s.0 * b.sa.0 - s.1 * b.sa.1)
                md += 2 * (t.0 * b.td.0 - t.1 * b.td.1 + s.0 * b.sd.0 - s.1 * b.sd.1)
            }
            return (ma, md)
        }

        /// Mean of |V|² over the sphere: (1/4π) Σ_{m=−2}^{2} (|t_2m|² + |s_2m|²).
        public var meanSquare: Double {
            let e = s20 * s20 + 2 * (s21.0 * s21.0 + s21.1 * s21.1 + s22.0 * s22.0 + s22.1 * s22.1)
            let b = t20 * t20 + 2 * (t21.0 * t21.0 + t21.1 * t21.1 + t22.0 * t22.0 + t22.1 * t22.1)
            return (e + b) / (4 * Double.pi)
        }

        /// Power of the E (s) and B (t) parts: Σ_m |coefficient|².
        public var powerE: Double { s20 * s20 + 2 * (s21.0 * s21.0 + s21.1 * s21.1 + s22.0 * s22.0 + s22.1 * s22.1) }
        public var powerB: Double { t20 * t20 + 2 * (t21.0 * t21.0 + t21.1 * t21.1 + t22.0 * t22.0 + t22.1 * t22.1) }

        /// An isotropic realisation: every complex coefficient with E|c|² = a² (real and
        /// imaginary parts N(0, a²/2) for m > 0, N(0, a²) for m = 0), E and B alike.
        public static func random(amplitude a: Double, rng: inout Xoshiro256) -> Quadrupole {
            let h = a / 2.0.squareRoot()
            return Quadrupole(s20: a * rng.normal(), t20: a * rng.normal(),
                              s21: (h * rng.normal(), h * rng.normal()), t21: (h * rng.normal(), h * rng.normal()),
                              s22: (h * rng.normal(), h * rng.normal()), t22: (h * rng.normal(), h * rng.normal()))
        }
    }

    /// Rigid rotation V = ω × u: (μ_α*, μ_δ).
    public static func rotation(_ w: (Double, Double, Double), raRad a: Double, decRad d: Double) -> (Double, Double) {
        let sa = DetMath.sin(a), ca = DetMath.cos(a), sd = DetMath.sin(d), cd = DetMath.cos(d)
        return (-w.0 * sd * ca - w.1 * sd * sa + w.2 * cd, w.0 * sa - w.1 * ca)
    }

    /// Glide V = g − (g·u) u: (μ_α*, μ_δ).
    public static func glide(_ g: (Double, Double, Double), raRad a: Double, decRad d: Double) -> (Double, Double) {
        let sa = DetMath.sin(a), ca = DetMath.cos(a), sd = DetMath.sin(d), cd = DetMath.cos(d)
        return (-g.0 * sa + g.1 * ca, -g.0 * sd * ca - g.1 * sd * sa + g.2 * cd)
    }

    /// Degree-1 VSH coefficients of a rotation (t) or glide (s) vector (MK12 Eq. 72–76):
    /// (c_10, Re c_11, Im c_11).
    public static func degree1(_ v: (Double, Double, Double)) -> (Double, Double, Double) {
        let pi = Double.pi
        return ((8 * pi / 3).squareRoot() * v.2, -(4 * pi / 3).squareRoot() * v.0, (4 * pi / 3).squareRoot() * v.1)
    }
}
