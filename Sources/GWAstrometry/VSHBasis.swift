// Real vector spherical harmonics (VSH) of any degree for proper-motion fields, in the
// conventions of Mignard & Klioner 2012, A&A 547, A59 (MK12), the same as Sources/Synth/VSH.swift
// (which spells out l = 1, 2 and generates the synthetic fields; the tests check the two agree).
//
// With x = sin δ, e_α = (−sin α, cos α, 0), e_δ = (−sin δ cos α, −sin δ sin α, cos δ):
//   Y_lm(α, δ) = (−1)^m P̃_lm(sin δ) e^{imα},  m ≥ 0                    (MK12 Eqs. 2–4)
// where P̃_lm = √[(2l+1)/(4π) (l−m)!/(l+m)!] P_l^m is the normalised associated Legendre function
// without the Condon–Shortley phase (the (−1)^m above puts it back), so that Y_lm is orthonormal
// on the sphere. The toroidal (magnetic, B) and spheroidal (electric, E) harmonics are
//   T_lm = [∂Y_lm/∂δ e_α − (1/cos δ) ∂Y_lm/∂α e_δ] / √(l(l+1))           (MK12 Eq. 10)
//   S_lm = [(1/cos δ) ∂Y_lm/∂α e_α + ∂Y_lm/∂δ e_δ] / √(l(l+1))           (MK12 Eq. 11)
// and a real field is expanded with complex t_lm = t^R_lm + i t^I_lm, s_lm likewise (MK12 Eq. 30):
//   V = Σ_l [ t_l0 T_l0 + s_l0 S_l0 + 2 Σ_{m=1}^{l} (t^R_lm T^R_lm − t^I_lm T^I_lm + s^R_lm S^R_lm − s^I_lm S^I_lm) ].
// The unknowns of a fit are the real numbers t_l0, s_l0, t^R_lm, t^I_lm, s^R_lm, s^I_lm (m ≥ 1):
// 2 lmax (lmax + 2) of them for degrees 1…lmax.
//
// Writing A_lm = dP̃_lm/dδ, B_lm = m P̃_lm / cos δ, F = (−1)^m / √(l(l+1)), c = cos mα, s = sin mα,
// the (α*, δ) components of the real basis function that multiplies each unknown are
//   t_l0: F (A, 0)            s_l0: F (0, A)
//   t^R:  2F (A c, B s)       s^R:  2F (−B s, A c)
//   t^I:  2F (−A s, B c)      s^I:  2F (−B c, −A s)
// (from ∂Y/∂δ = (−1)^m A e^{imα} and (1/cos δ) ∂Y/∂α = (−1)^m i B e^{imα}).
//
// Stable evaluation (all terms finite at the poles): Q̃_lm = P̃_lm / cos δ for m ≥ 1 obeys the same
// three-term recurrence in l as P̃_lm (it is linear and homogeneous), started from the sectoral
// terms; the derivative follows from (x² − 1) dP_l^m/dx = l x P_l^m − (l+m) P_{l−1}^m
// (Abramowitz & Stegun 1964, Eq. 8.5.4):
//   P̃_00 = 1/√(4π),  Q̃_11 = √(3/2) P̃_00,  Q̃_mm = √((2m+1)/(2m)) cos δ Q̃_{m−1,m−1}  (m ≥ 2)
//   P̃_lm = a_lm (x P̃_{l−1,m} − b_lm P̃_{l−2,m}),  a_lm = √((4l²−1)/(l²−m²)),
//          b_lm = √(((l−1)²−m²)/(4(l−1)²−1))   (Holmes & Featherstone 2002, J. Geod. 76, 279, Eqs. 11–12)
//   A_lm = √((2l+1)(l²−m²)/(2l−1)) Q̃_{l−1,m} − l x Q̃_lm   (m ≥ 1),   A_l0 = √(l(l+1)) cos δ Q̃_l1
// (the last from dP_l/dδ = cos δ dP_l/dx = P_l^1). Checked against the explicit reference to 1e-11 for l ≤ 12 (tests).

import Foundation

/// Which family a coefficient belongs to.
public enum VSHKind: String, Sendable, CaseIterable {
    /// t_lm: toroidal, magnetic-type, curl (a rotation is t_1m).
    case toroidal = "t"
    /// s_lm: spheroidal, electric-type, gradient (a glide is s_1m).
    case spheroidal = "s"
}

/// Real or imaginary part of a complex coefficient (m = 0 coefficients are real).
public enum VSHPart: String, Sendable {
    case real = "re"
    case imaginary = "im"
}

/// One real unknown of a VSH fit.
public struct VSHTerm: Hashable, Sendable, CustomStringConvertible {
    public let kind: VSHKind
    public let l: Int
    public let m: Int
    public let part: VSHPart

    /// "t_1_0", "s_2_1_re", "t_3_2_im": the name used in outputs.
    public var name: String {
        m == 0 ? "\(kind.rawValue)_\(l)_0" : "\(kind.rawValue)_\(l)_\(m)_\(part.rawValue)"
    }

    public var description: String { name }

    /// Weight of the coefficient in the degree power Σ_{m=−l}^{l} |c_lm|²: 1 for m = 0, 2 for the
    /// real and imaginary parts of m ≥ 1 (c_{l,−m} = (−1)^m c*_lm; MK12 Eq. 29).
    public var powerWeight: Double { m == 0 ? 1 : 2 }
}

/// The order of the unknowns: by degree, within a degree first the 2l+1 toroidal then the 2l+1
/// spheroidal ones, each as m = 0, (1, re), (1, im), (2, re), … Degree l starts at 2(l² − 1).
public struct VSHLayout: Sendable, Equatable {
    public let lmax: Int
    public let terms: [VSHTerm]
    /// Largest degree accepted. The recurrences are stable well beyond it, but the normal matrix has (2 lmax (lmax+2))² elements, each summed exactly across
    /// blocks (ExactSum, 70 words per element): lmax 20 means 880 unknowns, ≈ 0.2 GB of exact
    /// accumulator and ≈ 0.8 M multiply–adds per source.
    public static let maximumDegree = 20

    public init(lmax: Int) {
        precondition(lmax >= 1 && lmax <= VSHLayout.maximumDegree, "lmax must be in 1…\(VSHLayout.maximumDegree)")
        self.lmax = lmax
        var t: [VSHTerm] = []
        for l in 1...lmax {
            for kind in [VSHKind.toroidal, .spheroidal] {
                t.append(VSHTerm(kind: kind, l: l, m: 0, part: .real))
                for m in stride(from: 1, through: l, by: 1) {
                    t.append(VSHTerm(kind: kind, l: l, m: m, part: .real))
                    t.append(VSHTerm(kind: kind, l: l, m: m, part: .imaginary))
                }
            }
        }
        terms = t
    }

    /// Number of real unknowns, 2 lmax (lmax + 2).
    public var count: Int { terms.count }

    /// Index of the first unknown of degree l.
    public static func degreeStart(_ l: Int) -> Int { 2 * (l * l - 1) }

    /// Indices of the unknowns of degree l (toroidal then spheroidal).
    public func degreeRange(_ l: Int) -> Range<Int> { Self.degreeStart(l)..<Self.degreeStart(l + 1) }

    /// Indices of the toroidal or spheroidal unknowns of degree l.
    public func range(_ kind: VSHKind, degree l: Int) -> Range<Int> {
        let s = Self.degreeStart(l) + (kind == .toroidal ? 0 : 2 * l + 1)
        return s..<(s + 2 * l + 1)
    }

    /// Index of one unknown.
    public func index(_ kind: VSHKind, l: Int, m: Int, part: VSHPart = .real) -> Int {
        precondition(l >= 1 && l <= lmax && m >= 0 && m <= l && (m > 0 || part == .real))
        return range(kind, degree: l).lowerBound + (m == 0 ? 0 : 2 * m - 1 + (part == .imaginary ? 1 : 0))
    }
}

/// Fast evaluation of all real basis functions at one position (the recurrences above). Holds
/// its workspace: make one per thread.
public struct VSHBasis {
    public let layout: VSHLayout
    private let lmax: Int
    /// Recurrence constants, index l * (lmax + 1) + m.
    private let a: [Double], b: [Double], dq: [Double]
    private let sectoral: [Double]  // √((2m+1)/(2m))
    private let degreeFactor: [Double]  // 1/√(l(l+1))
    private var q: [Double]  // Q̃_lm = P̃_lm / cos δ (m ≥ 1), index l * (lmax + 1) + m

    public init(lmax: Int) {
        layout = VSHLayout(lmax: lmax)
        self.lmax = lmax
        let n = (lmax + 2) * (lmax + 1)
        var a = [Double](repeating: 0, count: n), b = a, dq = a
        for l in 0...lmax {
            for m in 0...l {
                let ll = Double(l), mm = Double(m)
                if l >= m + 2 || (l == m + 1) {
                    a[l * (lmax + 1) + m] = ((4 * ll * ll - 1) / (ll * ll - mm * mm)).squareRoot()
                    b[l * (lmax + 1) + m] = l >= m + 2 ? (((ll - 1) * (ll - 1) - mm * mm) / (4 * (ll - 1) * (ll - 1) - 1)).squareRoot() : 0
                }
                if l >= 1 { dq[l * (lmax + 1) + m] = ((2 * ll + 1) * (ll * ll - mm * mm) / (2 * ll - 1)).squareRoot() }
            }
        }
        self.a = a
        self.b = b
        self.dq = dq
        var sect = [Double](repeating: 0, count: lmax + 1), deg = sect
        for l in 1...lmax {
            let d = Double(l)
            sect[l] = ((2 * d + 1) / (2 * d)).squareRoot()
            deg[l] = 1 / (d * (d + 1)).squareRoot()
        }
        sectoral = sect
        degreeFactor = deg
        q = [Double](repeating: 0, count: n)
    }

    /// Writes the α* and δ components of every real basis function (layout order) at (α, δ) in
    /// radians to `alpha[0..<count]` and `delta[0..<count]`.
    public mutating func evaluate(raRad: Double, decRad: Double,
                                  alpha: UnsafeMutablePointer<Double>, delta: UnsafeMutablePointer<Double>) {
        let x = sin(decRad), c = cos(decRad)
        evaluate(sinDec: x, cosDec: c, cosRA: cos(raRad), sinRA: sin(raRad), alpha: alpha, delta: delta)
    }

    /// Same, from the sines and cosines (cos δ ≥ 0).
    public mutating func evaluate(sinDec x: Double, cosDec c: Double, cosRA: Double, sinRA: Double,
                                  alpha: UnsafeMutablePointer<Double>, delta: UnsafeMutablePointer<Double>) {
        let w = lmax + 1
        // Q̃_lm for m ≥ 1: sectoral start, then upward in l (A_l0 needs only Q̃_l1).
        let p00 = 1 / (4 * Double.pi).squareRoot()
        q.withUnsafeMutableBufferPointer { qb in
            let q = qb.baseAddress!
            var qmm = sectoral[1] * p00
            for m in 1...lmax {
                if m > 1 { qmm *= sectoral[m] * c }
                q[m * w + m] = qmm
                if m + 1 <= lmax { q[(m + 1) * w + m] = a[(m + 1) * w + m] * x * qmm }
                if m + 2 <= lmax {
                    for l in (m + 2)...lmax {
                        q[l * w + m] = a[l * w + m] * (x * q[(l - 1) * w + m] - b[l * w + m] * q[(l - 2) * w + m])
                    }
                }
            }
            // cos mα, sin mα by the angle-addition recurrence.
            var cm = 1.0, sm = 0.0
            for m in 0...lmax {
                if m > 0 {
                    let cn = cm * cosRA - sm * sinRA
                    sm = sm * cosRA + cm * sinRA
                    cm = cn
                }
                let sign: Double = m % 2 == 0 ? 1 : -1
                for l in max(m, 1)...lmax {
                    let f = sign * degreeFactor[l]
                    let ti = VSHLayout.degreeStart(l) + (m == 0 ? 0 : 2 * m - 1)
                    let si = ti + 2 * l + 1
                    if m == 0 {
                        let fa = c * q[l * w + 1]  // F·A_l0 = cos δ Q̃_l1 (F = 1/√(l(l+1)))
                        alpha[ti] = fa; delta[ti] = 0
                        alpha[si] = 0; delta[si] = fa
                    } else {
                        let Q = q[l * w + m]
                        let A = (l > m ? dq[l * w + m] * q[(l - 1) * w + m] : 0) - Double(l) * x * Q
                        let B = Double(m) * Q
                        let f2 = 2 * f
                        alpha[ti] = f2 * A * cm; delta[ti] = f2 * B * sm          // t^R
                        alpha[ti + 1] = -f2 * A * sm; delta[ti + 1] = f2 * B * cm // t^I
                        alpha[si] = -f2 * B * sm; delta[si] = f2 * A * cm         // s^R
                        alpha[si + 1] = -f2 * B * cm; delta[si + 1] = -f2 * A * sm // s^I
                    }
                }
            }
        }
    }

    /// Convenience: the components as arrays.
    public mutating func evaluate(raRad: Double, decRad: Double) -> (alpha: [Double], delta: [Double]) {
        var al = [Double](repeating: 0, count: layout.count), de = al
        al.withUnsafeMutableBufferPointer { ap in
            de.withUnsafeMutableBufferPointer { dp in evaluate(raRad: raRad, decRad: decRad, alpha: ap.baseAddress!, delta: dp.baseAddress!) }
        }
        return (al, de)
    }

    /// The field Σ_k x_k (basis function k) at (α, δ): (μ_α*, μ_δ) in the coefficients' unit.
    public mutating func field(coefficients x: [Double], raRad: Double, decRad: Double) -> (Double, Double) {
        let (al, de) = evaluate(raRad: raRad, decRad: decRad)
        var u = 0.0, v = 0.0
        for k in 0..<min(x.count, al.count) { u += x[k] * al[k]; v += x[k] * de[k] }
        return (u, v)
    }
}

/// The slow, obviously correct evaluation used to check `VSHBasis`: P_l^m from the explicit
/// polynomial d^m P_l/dx^m (Rodrigues' formula expanded, P_l(x) = 2^{−l} Σ_k (−1)^k C(l,k)
/// C(2l−2k, l) x^{l−2k}), normalisation from factorials, and the δ-derivative of
/// cos^m δ · D_m(sin δ) by the product rule — no recurrences shared with the fast path.
/// Accurate to ~1e-12 for l ≤ 12 (the explicit sums cancel for larger l).
public enum VSHReferenceBasis {
    /// Coefficients (ascending powers of x) of d^m P_l / dx^m.
    static func legendreDerivative(l: Int, m: Int) -> [Double] {
        var coef = [Double](repeating: 0, count: l + 1)
        for k in 0...(l / 2) {
            let c = Double(k % 2 == 0 ? 1 : -1) * binomial(l, k) * binomial(2 * l - 2 * k, l) / pow(2, Double(l))
            coef[l - 2 * k] += c
        }
        for _ in 0..<m {
            var d = [Double](repeating: 0, count: max(coef.count - 1, 1))
            for i in 1..<coef.count { d[i - 1] = Double(i) * coef[i] }
            coef = coef.count > 1 ? d : [0]
        }
        return coef
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        var r = 1.0
        for i in 0..<k { r = r * Double(n - i) / Double(i + 1) }
        return r
    }

    static func factorial(_ n: Int) -> Double { n <= 1 ? 1 : (2...n).reduce(1.0) { $0 * Double($1) } }

    static func poly(_ c: [Double], _ x: Double) -> Double { c.reversed().reduce(0.0) { $0 * x + $1 } }

    /// (P̃_lm, dP̃_lm/dδ, P̃_lm / cos δ) at δ, m ≥ 0 (the last only for m ≥ 1).
    public static func legendre(l: Int, m: Int, decRad d: Double) -> (p: Double, dp: Double, overCos: Double) {
        let x = sin(d), c = cos(d)
        let n = ((2 * Double(l) + 1) / (4 * Double.pi) * factorial(l - m) / factorial(l + m)).squareRoot()
        let dm = poly(legendreDerivative(l: l, m: m), x)
        let dm1 = m + 1 <= l ? poly(legendreDerivative(l: l, m: m + 1), x) : 0
        // P_l^m = cos^m δ · D_m(sin δ); d/dδ = −m cos^{m−1} sin D_m + cos^{m+1} D_{m+1}
        let p = n * pow(c, Double(m)) * dm
        let dp = n * ((m > 0 ? -Double(m) * pow(c, Double(m - 1)) * x * dm : 0) + pow(c, Double(m + 1)) * dm1)
        let over = m > 0 ? n * pow(c, Double(m - 1)) * dm : .nan
        return (p, dp, over)
    }

    /// Complex T_lm and S_lm (α*, δ components as (re, im)) straight from MK12 Eqs. 10–11.
    public static func complexHarmonics(l: Int, m: Int, raRad a: Double, decRad d: Double)
        -> (t: (alpha: (Double, Double), delta: (Double, Double)), s: (alpha: (Double, Double), delta: (Double, Double))) {
        let leg = legendre(l: l, m: m, decRad: d)
        let sign: Double = m % 2 == 0 ? 1 : -1
        let norm = sign / Double(l * (l + 1)).squareRoot()
        let e = (cos(Double(m) * a), sin(Double(m) * a))
        // ∂Y/∂δ = (−1)^m dP̃ e^{imα};  (1/cos δ) ∂Y/∂α = (−1)^m (P̃ / cos δ) · i m e^{imα}
        let dYd = (norm * leg.dp * e.0, norm * leg.dp * e.1)
        let q = m == 0 ? 0 : leg.overCos * Double(m)
        let dYa = (-norm * q * e.1, norm * q * e.0)
        return (t: (alpha: dYd, delta: (-dYa.0, -dYa.1)), s: (alpha: dYa, delta: dYd))
    }

    /// The real basis functions (layout order), built from `complexHarmonics` and MK12 Eq. 30.
    public static func evaluate(layout: VSHLayout, raRad: Double, decRad: Double) -> (alpha: [Double], delta: [Double]) {
        var al = [Double](repeating: 0, count: layout.count), de = al
        for (k, term) in layout.terms.enumerated() {
            let h = complexHarmonics(l: term.l, m: term.m, raRad: raRad, decRad: decRad)
            let f = term.kind == .toroidal ? h.t : h.s
            if term.m == 0 {
                al[k] = f.alpha.0; de[k] = f.delta.0
            } else if term.part == .real {
                al[k] = 2 * f.alpha.0; de[k] = 2 * f.delta.0
            } else {
                al[k] = -2 * f.alpha.1; de[k] = -2 * f.delta.1
            }
        }
        return (al, de)
    }
}
