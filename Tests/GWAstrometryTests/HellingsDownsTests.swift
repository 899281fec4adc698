// The astrometric Hellings–Downs curve (closed form, series, plane-wave Monte Carlo), its bin
// averages, the amplitude fit, the upper limit, the Ω_GW mapping and the χ² tail.
import Foundation
import XCTest
@testable import GWAstrometry

final class HellingsDownsTests: XCTestCase {
    func rad(_ d: Double) -> Double { d * Double.pi / 180 }

    /// H(0) = 1, H(180°) = 0, zero at 57.11°, minimum −0.4423 at 99.7°, smooth near both ends.
    func testShape() {
        XCTAssertEqual(HellingsDowns.value(thetaRad: 0), 1)
        XCTAssertEqual(HellingsDowns.value(thetaRad: 1e-8), 1, accuracy: 1e-14)
        XCTAssertEqual(HellingsDowns.value(thetaRad: Double.pi), 0, accuracy: 1e-15)
        XCTAssertEqual(HellingsDowns.value(thetaRad: Double.pi - 1e-7), 0, accuracy: 1e-12)
        // Zero by bisection.
        var lo = rad(30), hi = rad(80)
        for _ in 0..<100 {
            let m = (lo + hi) / 2
            if HellingsDowns.value(thetaRad: m) > 0 { lo = m } else { hi = m }
        }
        XCTAssertEqual(lo * 180 / Double.pi, 57.11, accuracy: 0.005)
        // Minimum by golden-section search.
        var a = rad(80), b = rad(120)
        let g = (5.0.squareRoot() - 1) / 2
        for _ in 0..<200 {
            let c = b - g * (b - a), d = a + g * (b - a)
            if HellingsDowns.value(thetaRad: c) < HellingsDowns.value(thetaRad: d) { b = d } else { a = c }
        }
        XCTAssertEqual(a * 180 / Double.pi, 99.7, accuracy: 0.05)
        XCTAssertEqual(HellingsDowns.value(thetaRad: a), -0.4423, accuracy: 5e-5)
        // Continuity across the ln x / (1 − x) branch switch at x = 1/2 (Θ = 90°).
        XCTAssertEqual(HellingsDowns.value(thetaRad: rad(90).nextDown), HellingsDowns.value(thetaRad: rad(90).nextUp), accuracy: 1e-14)
    }

    /// H = Σ a_l G_l (the degree series), Σ a_l = 1, a_2 = 5/6, a_3 = 7/60.
    func testSeries() {
        XCTAssertEqual(HellingsDowns.degreeWeight(2), 5.0 / 6.0, accuracy: 1e-15)
        XCTAssertEqual(HellingsDowns.degreeWeight(3), 7.0 / 60.0, accuracy: 1e-15)
        let total = (2...20000).reduce(0.0) { $0 + HellingsDowns.degreeWeight($1) }
        XCTAssertEqual(total, 1, accuracy: 1e-12)
        for l in [2, 3, 7, 40] { XCTAssertEqual(HellingsDowns.degreeShape(l, cos: 1), 1, accuracy: 1e-12) }
        for d in stride(from: 0.5, through: 179.5, by: 7.0) {
            XCTAssertEqual(HellingsDowns.series(thetaRad: rad(d), lmax: 600), HellingsDowns.value(thetaRad: rad(d)), accuracy: 2e-9, "Θ = \(d)°")
        }
    }

    /// Plane-wave Monte Carlo: random isotropic, unpolarised waves; deflection of Book & Flanagan
    /// (2011, PRD 83, 024024) in the distant-source limit,
    ///   δn = (n + p) h_jk n^j n^k / (2 (1 + p·n)) − ½ h·n   (p: propagation direction);
    /// the ∥/⊥ correlations in the parallel-transported frame follow ⟨|δn|²⟩/2 · H(Θ), the cross
    /// correlation vanishes, and ⟨|δn|²⟩ = ⟨h_ij h_ij⟩/12 (hence ⟨|μ|²⟩ = H0² Ω_GW).
    func testPlaneWaveMonteCarlo() {
        var rng = PairTestRandom(seed: 31)
        let waves = 60000
        let angles = [0.0, 20, 45, 57.11, 75, 99.7, 130, 160, 180]
        var par = [Double](repeating: 0, count: angles.count), perp = par, crossTerm = par
        var parSq = par, perpSq = par
        var dn2 = 0.0, hh = 0.0
        let n1 = SIMD3(0.0, 0, 1)
        let n2s = angles.map { SIMD3(sin(rad($0)), 0, cos(rad($0))) }
        // Frames: e∥(1) = x̂ (towards n2 along the meridian y = 0), e∥(2) = (cos Θ, 0, −sin Θ)
        // (onwards), e⊥ = ŷ × … = the same ±ŷ at both (sign irrelevant for ⊥⊥ products).
        for _ in 0..<waves {
            var p = SIMD3(rng.normal(), rng.normal(), rng.normal())
            p /= p.lengthSquaredPT.squareRoot()
            var a = PairVector.cross(p, SIMD3(rng.normal(), rng.normal(), rng.normal()))
            a /= a.lengthSquaredPT.squareRoot()
            let b = PairVector.cross(p, a)
            let hp = rng.normal(), hx = rng.normal()
            func h(_ v: SIMD3<Double>) -> SIMD3<Double> {  // h·v, h = hp(aa − bb) + hx(ab + ba)
                hp * (PairVector.dot(a, v) * a - PairVector.dot(b, v) * b) + hx * (PairVector.dot(b, v) * a + PairVector.dot(a, v) * b)
            }
            hh += 2 * (hp * hp + hx * hx)  // e⁺:e⁺ = e×:e× = 2, e⁺:e× = 0
            func deflection(_ n: SIMD3<Double>) -> SIMD3<Double> {
                let hn = h(n)
                return (n + p) * (PairVector.dot(n, hn) / (2 * (1 + PairVector.dot(p, n)))) - 0.5 * hn
            }
            let d1 = deflection(n1)
            dn2 += d1.lengthSquaredPT
            for (k, n2) in n2s.enumerated() {
                let t = rad(angles[k])
                let d2 = deflection(n2)
                let x1 = d1.x, x2 = d2.x * cos(t) - d2.z * sin(t)
                let y1 = d1.y, y2 = d2.y
                par[k] += x1 * x2; perp[k] += y1 * y2; crossTerm[k] += x1 * y2
                parSq[k] += (x1 * x2) * (x1 * x2); perpSq[k] += (y1 * y2) * (y1 * y2)
            }
        }
        let m = Double(waves)
        let c0 = dn2 / m / 2
        for k in angles.indices {
            let h = HellingsDowns.value(thetaRad: rad(angles[k]))
            let sp = ((parSq[k] / m - pow(par[k] / m, 2)) / m).squareRoot()
            let sq = ((perpSq[k] / m - pow(perp[k] / m, 2)) / m).squareRoot()
            XCTAssertEqual(par[k] / m, c0 * h, accuracy: 4.5 * sp + 1e-3 * c0, "∥ at \(angles[k])°")
            XCTAssertEqual(perp[k] / m, c0 * h, accuracy: 4.5 * sq + 1e-3 * c0, "⊥ at \(angles[k])°")
            XCTAssertEqual(crossTerm[k] / m, 0, accuracy: 4.5 * max(sp, sq) + 1e-3 * c0, "∥⊥ at \(angles[k])°")
        }
        let meanHH = hh / m
        XCTAssertEqual(dn2 / m / meanHH, 1.0 / 12.0, accuracy: 0.012 / 12)
    }

    /// Bin averages (Gauss–Legendre in cos Θ) against a fine midpoint rule in Θ with sin Θ weight.
    func testBinAverage() {
        for (lo, hi) in [(0.0, 5.0), (0.0, 180.0), (55.0, 60.0), (95.0, 100.0), (175.0, 180.0), (10.0, 170.0)] {
            var num = 0.0, den = 0.0
            let m = 200_000
            for k in 0..<m {
                let t = rad(lo + (hi - lo) * (Double(k) + 0.5) / Double(m))
                num += HellingsDowns.value(thetaRad: t) * sin(t)
                den += sin(t)
            }
            XCTAssertEqual(HellingsDowns.binAverage(loDeg: lo, hiDeg: hi), num / den, accuracy: 1e-9, "[\(lo), \(hi)]")
        }
        // Over the whole sphere: ½∫G_l dc = −(−1)^l/(l(l+1)) (∫P_l = 0, and (1 − c)P_l integrates
        // by parts), so the mean of H is −Σ a_l (−1)^l/(l(l+1)).
        let mean = (2...4000).reduce(0.0) { $0 - HellingsDowns.degreeWeight($1) * ($1 % 2 == 0 ? 1 : -1) / Double($1 * ($1 + 1)) }
        XCTAssertEqual(HellingsDowns.binAverage(loDeg: 0, hiDeg: 180), mean, accuracy: 1e-9)
    }

    static func bins(amplitude a: Double, errors: [Double], rng: inout PairTestRandom, edges: [Double]) -> [BinnedCorrelation] {
        (0..<(edges.count - 1)).map { k in
            let h = HellingsDowns.binAverage(loDeg: edges[k], hiDeg: edges[k + 1])
            var b = BinnedCorrelation(thetaMinDeg: edges[k], thetaMaxDeg: edges[k + 1], sums: ArraySlice([Double](repeating: 0, count: 10)))
            b.parallel = a * h + errors[k] * rng.normal()
            b.perpendicular = a * h + errors[k] * rng.normal()
            b.parallelError = errors[k]
            b.perpendicularError = errors[k]
            b.covariance = 0
            b.modelError = errors[k]
            return b
        }
    }

    /// Fit: unbiased with unit pulls; χ² per degree of freedom ≈ 1; closed-form check of Â and σ_A.
    func testFit() {
        var rng = PairTestRandom(seed: 32)
        let edges = (0...36).map { Double($0) * 5 }
        let errors = (0..<36).map { 0.5 + 0.05 * Double($0 % 7) }
        var pulls: [Double] = [], chi2 = 0.0
        for _ in 0..<2000 {
            let f = HellingsDownsFit(bins: Self.bins(amplitude: 2, errors: errors, rng: &rng, edges: edges))
            pulls.append((f.amplitude - 2) / f.amplitudeError)
            chi2 += f.chi2 / Double(f.degreesOfFreedom)
            XCTAssertEqual(f.points, 72)
        }
        let mean = pulls.reduce(0, +) / Double(pulls.count)
        let sd = (pulls.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(pulls.count - 1)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.08)
        XCTAssertEqual(sd, 1, accuracy: 0.05)
        XCTAssertEqual(chi2 / 2000, 1, accuracy: 0.02)
        // Closed form for one component: Â = Σ y h/σ² / Σ h²/σ².
        let bins = Self.bins(amplitude: 1, errors: errors, rng: &rng, edges: edges)
        var num = 0.0, den = 0.0
        for b in bins {
            let h = HellingsDowns.binAverage(loDeg: b.thetaMinDeg, hiDeg: b.thetaMaxDeg)
            num += b.parallel * h / (b.parallelError * b.parallelError)
            den += h * h / (b.parallelError * b.parallelError)
        }
        let f = HellingsDownsFit(bins: bins, components: .parallel)
        XCTAssertEqual(f.amplitude, num / den, accuracy: 1e-12)
        XCTAssertEqual(f.amplitudeError, 1 / den.squareRoot(), accuracy: 1e-12)
        // A bin with a NaN value or no error is skipped.
        var broken = bins
        broken[3].parallel = .nan
        broken[5].perpendicularError = 0
        XCTAssertEqual(HellingsDownsFit(bins: broken).binsUsed, 34)
        // Correlated components: the 2×2 weighting against a direct 72-point generalised least squares.
        var corr = bins
        for k in corr.indices { corr[k].covariance = 0.3 * corr[k].parallelError * corr[k].perpendicularError }
        let g = HellingsDownsFit(bins: corr)
        var fisher = 0.0, rhs = 0.0
        for b in corr {
            let h = HellingsDowns.binAverage(loDeg: b.thetaMinDeg, hiDeg: b.thetaMaxDeg)
            let vp = b.parallelError * b.parallelError, vq = b.perpendicularError * b.perpendicularError, c = b.covariance
            let det = vp * vq - c * c
            let (i11, i22, i12) = (vq / det, vp / det, -c / det)
            fisher += h * h * (i11 + i22 + 2 * i12)
            rhs += h * (i11 * b.parallel + i12 * b.perpendicular) + h * (i12 * b.parallel + i22 * b.perpendicular)
        }
        XCTAssertEqual(g.amplitude, rhs / fisher, accuracy: 1e-12)
    }

    /// Upper limit (flat prior on A ≥ 0): known quantiles and a numerical integral.
    func testUpperLimit() {
        XCTAssertEqual(HellingsDownsFit.upperLimit(estimate: 0, error: 1, confidence: 0.95), 1.959963984540054, accuracy: 1e-9)
        XCTAssertEqual(HellingsDownsFit.upperLimit(estimate: 30, error: 1, confidence: 0.95), 30 + 1.6448536269514722, accuracy: 1e-9)
        for (a, s) in [(-3.0, 1.0), (-0.5, 2.0), (1.2, 0.7)] {
            let ul = HellingsDownsFit.upperLimit(estimate: a, error: s, confidence: 0.9)
            // ∫_0^UL N / ∫_0^∞ N by the midpoint rule.
            func mass(_ x: Double) -> Double {
                let m = 200_000
                var t = 0.0
                for k in 0..<m {
                    let v = x * (Double(k) + 0.5) / Double(m)
                    t += exp(-0.5 * pow((v - a) / s, 2))
                }
                return t * x / Double(m)
            }
            XCTAssertEqual(mass(ul) / mass(a + 40 * s + 40), 0.9, accuracy: 1e-5, "Â = \(a), σ = \(s)")
        }
        XCTAssertEqual(HellingsDowns.NormalTail.inverseUpper(0.025), 1.959963984540054, accuracy: 1e-12)
        XCTAssertEqual(HellingsDowns.NormalTail.inverseUpper(1e-20), 9.262340089798408, accuracy: 1e-8)
    }

    /// H0 = 70 km/s/Mpc = 2.26854e-18 /s → 14.7664 µas/yr; Ω = 2A/H0².
    func testOmegaMapping() {
        let h70 = HellingsDowns.hubbleMicroarcsecondsPerYear(70)
        let perSecond = 70.0 / 3.0856775814913673e19
        XCTAssertEqual(perSecond, 2.26854550e-18, accuracy: 1e-25)
        XCTAssertEqual(h70, perSecond * 31_557_600 * 206_264.80624709636 * 1e6, accuracy: 1e-9)
        XCTAssertEqual(h70, 14.7664, accuracy: 1e-3)
        XCTAssertEqual(HellingsDowns.omega(amplitude: 1, hubble: 70), 2 / (h70 * h70), accuracy: 1e-15)
        // Ω h² does not depend on H0.
        let a = 3.0
        XCTAssertEqual(HellingsDowns.omega(amplitude: a, hubble: 70) * 0.49, HellingsDowns.omega(amplitude: a, hubble: 100), accuracy: 1e-14)
    }
}

extension SIMD3 where Scalar == Double {
    /// |v|² (tests only).
    var lengthSquaredPT: Double { (self * self).sum() }
}
