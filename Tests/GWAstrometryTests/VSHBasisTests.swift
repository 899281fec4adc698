// The VSH basis: fast recurrences vs the explicit reference, agreement with Synth's l = 1, 2
// formulas (the generator of the synthetic fields), orthonormality over the sphere by exact
// quadrature, and the layout.
import Foundation
import XCTest
@testable import GWAstrometry

final class VSHBasisTests: XCTestCase {
    /// Deterministic positions, including the poles and points near them.
    static func positions(_ n: Int) -> [(Double, Double)] {
        var out: [(Double, Double)] = [(0, .pi / 2), (1.3, -.pi / 2), (2.0, .pi / 2 - 1e-9), (4.0, -.pi / 2 + 1e-7), (0.5, 0)]
        var s: UInt64 = 12345
        func u() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / 9007199254740992.0
        }
        for _ in 0..<n { out.append((2 * .pi * u(), asin(2 * u() - 1))) }
        return out
    }

    func testFastMatchesReference() {
        for lmax in [1, 2, 5, 12] {
            var basis = VSHBasis(lmax: lmax)
            for (a, d) in Self.positions(200) {
                let fast = basis.evaluate(raRad: a, decRad: d)
                let ref = VSHReferenceBasis.evaluate(layout: basis.layout, raRad: a, decRad: d)
                for k in 0..<basis.layout.count {
                    XCTAssertEqual(fast.alpha[k], ref.alpha[k], accuracy: 1e-11, "\(basis.layout.terms[k]) α at (\(a), \(d))")
                    XCTAssertEqual(fast.delta[k], ref.delta[k], accuracy: 1e-11, "\(basis.layout.terms[k]) δ at (\(a), \(d))")
                }
            }
        }
    }

    func testHighDegreeFinite() {
        var basis = VSHBasis(lmax: VSHLayout.maximumDegree)
        for (a, d) in Self.positions(50) {
            let f = basis.evaluate(raRad: a, decRad: d)
            XCTAssertTrue(f.alpha.allSatisfy { $0.isFinite } && f.delta.allSatisfy { $0.isFinite })
        }
    }

    // MARK: Synth (Sources/Synth/VSH.swift) for l = 1, 2

    /// Sources/Synth/VSH.swift `VSH.basis`, copied verbatim in substance (the test target cannot
    /// import Synth): complex (Tα, Tδ, Sα, Sδ) of l ∈ {1, 2}.
    static func synthBasis(l: Int, m: Int, a: Double, d: Double)
        -> (ta: (Double, Double), td: (Double, Double), sa: (Double, Double), sd: (Double, Double)) {
        let sd = sin(d), cd = cos(d)
        let pi = Double.pi
        var k = 0.0, dp = 0.0, q = 0.0
        switch (l, m) {
        case (1, 0): k = (3 / (4 * pi)).squareRoot(); dp = cd
        case (1, 1): k = -(3 / (8 * pi)).squareRoot(); dp = -sd; q = 1
        case (2, 0): k = (5 / (16 * pi)).squareRoot(); dp = 6 * sd * cd
        case (2, 1): k = -(15 / (8 * pi)).squareRoot(); dp = cd * cd - sd * sd; q = sd
        case (2, 2): k = (15 / (32 * pi)).squareRoot(); dp = -2 * sd * cd; q = cd
        default: fatalError()
        }
        let norm = 1 / Double(l * (l + 1)).squareRoot()
        let ce = cos(Double(m) * a), se = sin(Double(m) * a)
        let mm = Double(m)
        let dYd = (norm * k * dp * ce, norm * k * dp * se)
        let dYa = (-norm * k * q * mm * se, norm * k * q * mm * ce)
        return (ta: dYd, td: (-dYa.0, -dYa.1), sa: dYa, sd: dYd)
    }

    func testAgreesWithSynthForDegreesOneAndTwo() {
        var basis = VSHBasis(lmax: 2)
        let layout = basis.layout
        for (a, d) in Self.positions(100) {
            let f = basis.evaluate(raRad: a, decRad: d)
            for l in 1...2 {
                for m in 0...l {
                    let s = Self.synthBasis(l: l, m: m, a: a, d: d)
                    // MK12 Eq. 30 as Synth's Quadrupole.field applies it.
                    let w = m == 0 ? 1.0 : 2.0
                    let tr = layout.index(.toroidal, l: l, m: m), sr = layout.index(.spheroidal, l: l, m: m)
                    XCTAssertEqual(f.alpha[tr], w * s.ta.0, accuracy: 1e-14)
                    XCTAssertEqual(f.delta[tr], w * s.td.0, accuracy: 1e-14)
                    XCTAssertEqual(f.alpha[sr], w * s.sa.0, accuracy: 1e-14)
                    XCTAssertEqual(f.delta[sr], w * s.sd.0, accuracy: 1e-14)
                    if m > 0 {
                        let ti = layout.index(.toroidal, l: l, m: m, part: .imaginary)
                        let si = layout.index(.spheroidal, l: l, m: m, part: .imaginary)
                        XCTAssertEqual(f.alpha[ti], -2 * s.ta.1, accuracy: 1e-14)
                        XCTAssertEqual(f.delta[ti], -2 * s.td.1, accuracy: 1e-14)
                        XCTAssertEqual(f.alpha[si], -2 * s.sa.1, accuracy: 1e-14)
                        XCTAssertEqual(f.delta[si], -2 * s.sd.1, accuracy: 1e-14)
                    }
                }
            }
        }
    }

    /// Synth's rotation and glide fields equal the degree-1 expansion with MK12 Eqs. 72–76.
    func testRotationAndGlideCoefficients() {
        var basis = VSHBasis(lmax: 1)
        let layout = basis.layout
        let w = (3.0, -5.0, 7.0), g = (-2.0, 4.0, 1.5)
        let c1 = (4 * Double.pi / 3).squareRoot(), c0 = (8 * Double.pi / 3).squareRoot()
        var x = [Double](repeating: 0, count: layout.count)
        x[layout.index(.toroidal, l: 1, m: 0)] = c0 * w.2
        x[layout.index(.toroidal, l: 1, m: 1, part: .real)] = -c1 * w.0
        x[layout.index(.toroidal, l: 1, m: 1, part: .imaginary)] = c1 * w.1
        x[layout.index(.spheroidal, l: 1, m: 0)] = c0 * g.2
        x[layout.index(.spheroidal, l: 1, m: 1, part: .real)] = -c1 * g.0
        x[layout.index(.spheroidal, l: 1, m: 1, part: .imaginary)] = c1 * g.1
        for (a, d) in Self.positions(100) {
            let f = basis.field(coefficients: x, raRad: a, decRad: d)
            let sa = sin(a), ca = cos(a), sd = sin(d), cd = cos(d)
            let rot = (-w.0 * sd * ca - w.1 * sd * sa + w.2 * cd, w.0 * sa - w.1 * ca)
            let gl = (-g.0 * sa + g.1 * ca, -g.0 * sd * ca - g.1 * sd * sa + g.2 * cd)
            XCTAssertEqual(f.0, rot.0 + gl.0, accuracy: 1e-12)
            XCTAssertEqual(f.1, rot.1 + gl.1, accuracy: 1e-12)
        }
    }

    // MARK: orthonormality

    /// Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n).
    static func gaussLegendre(_ n: Int) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for i in 1...n {
            var x = cos(Double.pi * (Double(i) - 0.25) / (Double(n) + 0.5))
            var dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = x
                for k in 2...max(n, 2) {
                    let p2 = (Double(2 * k - 1) * x * p1 - Double(k - 1) * p0) / Double(k)
                    p0 = p1; p1 = p2
                }
                if n == 1 { p1 = x; p0 = 1 }
                dp = Double(n) * (x * p1 - p0) / (x * x - 1)
                let dx = p1 / dp
                x -= dx
                if abs(dx) < 1e-16 { break }
            }
            out.append((x, 2 / ((1 - x * x) * dp * dp)))
        }
        return out
    }

    /// ∫ F_j · F_k dΩ over the sphere of the real basis functions is diag(1 for m = 0, 2 for
    /// m ≥ 1) — i.e. the complex T_lm, S_lm are orthonormal (MK12 Eq. 14). The integrand is a
    /// polynomial in sin δ times a trigonometric polynomial in α: the quadrature is exact.
    func testOrthonormalityOverTheSphere() {
        let lmax = 10
        var basis = VSHBasis(lmax: lmax)
        let k = basis.layout.count
        let nodes = Self.gaussLegendre(lmax + 3)
        let nAlpha = 2 * lmax + 4
        var gram = [Double](repeating: 0, count: k * k)
        for (x, wx) in nodes {
            let d = asin(x)
            for i in 0..<nAlpha {
                let a = 2 * Double.pi * Double(i) / Double(nAlpha)
                let f = basis.evaluate(raRad: a, decRad: d)
                let w = wx * 2 * Double.pi / Double(nAlpha)
                for p in 0..<k { for q in 0..<k { gram[p * k + q] += w * (f.alpha[p] * f.alpha[q] + f.delta[p] * f.delta[q]) } }
            }
        }
        var worst = 0.0
        for p in 0..<k {
            for q in 0..<k {
                let expect = p == q ? basis.layout.terms[p].powerWeight : 0
                worst = max(worst, abs(gram[p * k + q] - expect))
            }
        }
        XCTAssertLessThan(worst, 1e-12, "largest deviation of the Gram matrix from diag(1, 2)")
    }

    func testLayout() {
        let layout = VSHLayout(lmax: 4)
        XCTAssertEqual(layout.count, 2 * 4 * 6)
        for (i, t) in layout.terms.enumerated() {
            XCTAssertEqual(layout.index(t.kind, l: t.l, m: t.m, part: t.part), i)
            XCTAssertTrue(layout.degreeRange(t.l).contains(i))
            XCTAssertTrue(layout.range(t.kind, degree: t.l).contains(i))
        }
        XCTAssertEqual(layout.terms[0].name, "t_1_0")
        XCTAssertEqual(layout.terms[layout.index(.spheroidal, l: 2, m: 1, part: .imaginary)].name, "s_2_1_im")
        XCTAssertEqual(Set(layout.terms.map(\.name)).count, layout.count)
    }
}
