// The binned estimator on fields with a known answer (injection–recovery):
//  * degree-2 fields: E (gradient of nᵀQn, Q symmetric traceless) and B (n × E). Averaged over
//    all pairs at separation Θ (all rotations), a degree-2 field gives (Docs/gw-correlation.md)
//      E: C∥ = (m2/2) cos 2Θ,  C⊥ = (m2/2) cos Θ;    B: the two swapped,
//    with m2 = ⟨|V|²⟩ over the sky — for any Q (Schur: the only rotation invariant of one
//    degree is its total power). A quasi-uniform (Fibonacci) sky approaches that average.
//  * noise only: every bin consistent with zero (χ² over bins), scatter errors ≈ model errors;
//  * degrees 2…6, then a background-like field (E = B at every degree with the a_l spectrum):
//    C∥ ≈ C⊥ ≈ A H(Θ) and the Hellings–Downs fit recovers the injected amplitude.
import Foundation
import XCTest
@testable import GWAstrometry

final class PairCorrelationFieldTests: XCTestCase {
    /// N points of a Fibonacci lattice on the sphere (quasi-uniform).
    static func fibonacci(_ n: Int) -> [SIMD3<Double>] {
        let golden = Double.pi * (3 - 5.0.squareRoot())
        return (0..<n).map { i in
            let z = 1 - (2 * Double(i) + 1) / Double(n)
            let r = (1 - z * z).squareRoot()
            return SIMD3(r * cos(golden * Double(i)), r * sin(golden * Double(i)), z)
        }
    }

    static func randomTraceless(_ rng: inout PairTestRandom) -> [Double] {
        var q = (0..<9).map { _ in rng.normal() }
        for r in 0..<3 { for c in 0..<r { q[r * 3 + c] = q[c * 3 + r] } }
        let t = (q[0] + q[4] + q[8]) / 3
        q[0] -= t; q[4] -= t; q[8] -= t
        return q
    }

    /// E field ∇(nᵀQn) projected on the sphere: 2(Qn − (nᵀQn) n).
    static func eField(_ q: [Double], _ n: SIMD3<Double>) -> SIMD3<Double> {
        let qn = SIMD3(q[0] * n.x + q[1] * n.y + q[2] * n.z, q[3] * n.x + q[4] * n.y + q[5] * n.z, q[6] * n.x + q[7] * n.y + q[8] * n.z)
        return 2 * (qn - PairVector.dot(n, qn) * n)
    }

    /// Isotropic averages of cos Θ and cos 2Θ over a bin (pair density ∝ sin Θ).
    static func binMeans(_ lo: Double, _ hi: Double) -> (cos: Double, cos2: Double) {
        let c1 = DegreeTrig.cosine(deg: hi), c2 = DegreeTrig.cosine(deg: lo)
        let mc = (c1 + c2) / 2
        let mc2 = (c1 * c1 + c1 * c2 + c2 * c2) / 3
        return (mc, 2 * mc2 - 1)
    }

    func testDegreeTwoEAndBFields() throws {
        var rng = PairTestRandom(seed: 21)
        // A lattice has no pairs closer than its spacing (2°) and preferred orientations for close
        // pairs, so the first bin (0°–15°) holds a pair distribution unlike an isotropic sky's and
        // is not compared (small separations are covered by PairCorrelationTests).
        let pos = Self.fibonacci(10000)
        let binning = try PairBinning.uniform(bins: 12)
        let kernel = PairCorrelationKernel(binning: binning)
        for kind in ["E", "B"] {
            let q = Self.randomTraceless(&rng)
            let v = pos.map { n -> SIMD3<Double> in
                let e = Self.eField(q, n)
                return kind == "E" ? e : PairVector.cross(n, e)
            }
            let m2 = v.reduce(0) { $0 + PairVector.dot($1, $1) } / Double(v.count)
            let sample = PairSample(positions: pos, motions: v, weight: [Double](repeating: 1, count: pos.count))
            let bins = BinnedCorrelation.bins(kernel.diagonal(sample), binning: binning)
            for b in bins.dropFirst() {
                let m = Self.binMeans(b.thetaMinDeg, b.thetaMaxDeg)
                let (par, perp) = kind == "E" ? (m.cos2, m.cos) : (m.cos, m.cos2)
                XCTAssertEqual(b.parallel, m2 / 2 * par, accuracy: 2e-3 * m2, "\(kind) ∥ bin \(b.thetaMinDeg)")
                XCTAssertEqual(b.perpendicular, m2 / 2 * perp, accuracy: 2e-3 * m2, "\(kind) ⊥ bin \(b.thetaMinDeg)")
            }
        }
    }

    /// Noise only: bins consistent with zero, and the two error estimates agree.
    func testNoiseIsConsistentWithZero() throws {
        var rng = PairTestRandom(seed: 22)
        let n = 2500
        var ra: [Double] = [], dec: [Double] = [], pa: [Double] = [], pd: [Double] = [], w: [Double] = []
        for _ in 0..<n {
            let p = rng.sky()
            let sigma = 50 * exp(0.3 * rng.normal())  // µas/yr, a spread of errors
            ra.append(p.ra); dec.append(p.dec)
            pa.append(sigma * rng.normal()); pd.append(sigma * rng.normal())
            w.append(1 / (sigma * sigma))
        }
        let binning = try PairBinning.uniform(bins: 18)
        let sums = PairCorrelationKernel(binning: binning).diagonal(PairSample(raDeg: ra, decDeg: dec, pmra: pa, pmdec: pd, weight: w))
        let bins = BinnedCorrelation.bins(sums, binning: binning)
        XCTAssertEqual(bins.reduce(0) { $0 + $1.pairs }, n * (n - 1) / 2)
        var chi2 = 0.0
        for b in bins {
            chi2 += pow(b.parallel / b.parallelError, 2) + pow(b.perpendicular / b.perpendicularError, 2)
            XCTAssertEqual(b.parallelError / b.modelError, 1, accuracy: 0.15, "bin \(b.thetaMinDeg)")
            XCTAssertEqual(b.perpendicularError / b.modelError, 1, accuracy: 0.15, "bin \(b.thetaMinDeg)")
        }
        // 36 values: χ² within the central 99.9 % of χ²(36) (15.3 … 67.99).
        XCTAssertGreaterThan(chi2, 15.3)
        XCTAssertLessThan(chi2, 68.0)
        let fit = HellingsDownsFit(bins: bins)
        XCTAssertLessThan(abs(fit.significance), 3.3)
        XCTAssertGreaterThan(fit.pValue, 0.001)
    }

    /// Degree l = 2…6, E and B: for a degree-l field of sky mean square m2, averaged over all
    /// pairs at separation Θ (c = cos Θ; Docs/gw-correlation.md),
    ///   E: C∥ = m2 [P_l(c) − c P_l'(c)/(l(l+1))],  C⊥ = m2 P_l'(c)/(l(l+1));   B: swapped.
    /// Then a background-like field, E and B of every degree with mean square a_l/2 each, gives
    /// C∥ = C⊥ = ½ Σ_{l≤6} a_l G_l(c) ≈ ½ H(Θ), and the Hellings–Downs fit returns A ≈ ½.
    func testGeneralDegreesAndBackgroundLikeField() throws {
        var rng = PairTestRandom(seed: 23)
        let pos = Self.fibonacci(6000)
        let binning = try PairBinning.uniform(bins: 12)
        let kernel = PairCorrelationKernel(binning: binning)
        var background = [SIMD3<Double>](repeating: .zero, count: pos.count)
        for l in 2...6 {
            for part in ["E", "B"] {
                // A sum of three zonal fields ∇P_l(a·n) = P_l'(a·n)(a − (a·n)n) about random axes.
                var v = [SIMD3<Double>](repeating: .zero, count: pos.count)
                for _ in 0..<3 {
                    let axis = rng.rotation()(SIMD3(0, 0, 1.0))
                    let amp = rng.normal()
                    for (i, n) in pos.enumerated() {
                        let c = PairVector.dot(axis, n)
                        let g = amp * Self.legendreDerivative(l, c) * (axis - c * n)
                        v[i] += part == "E" ? g : PairVector.cross(n, g)
                    }
                }
                let m2 = v.reduce(0) { $0 + PairVector.dot($1, $1) } / Double(v.count)
                let bins = BinnedCorrelation.bins(kernel.diagonal(PairSample(positions: pos, motions: v, weight: [Double](repeating: 1, count: pos.count))),
                                                  binning: binning)
                for b in bins.dropFirst() {  // see testDegreeTwoEAndBFields for the first bin
                    let e = Self.binAverage(b.thetaMinDeg, b.thetaMaxDeg) { c in
                        let d = Self.legendreDerivative(l, c) / Double(l * (l + 1))
                        return SIMD2(Self.legendre(l, c) - c * d, d)
                    }
                    let want = part == "E" ? m2 * e : m2 * SIMD2(e.y, e.x)
                    XCTAssertEqual(b.parallel, want.x, accuracy: 3e-3 * m2, "l = \(l) \(part) ∥ bin \(b.thetaMinDeg)")
                    XCTAssertEqual(b.perpendicular, want.y, accuracy: 3e-3 * m2, "l = \(l) \(part) ⊥ bin \(b.thetaMinDeg)")
                }
                let scale = (HellingsDowns.degreeWeight(l) / 2 / m2).squareRoot()
                for i in v.indices { background[i] += scale * v[i] }
            }
        }
        let bins = BinnedCorrelation.bins(kernel.diagonal(PairSample(positions: pos, motions: background, weight: [Double](repeating: 1, count: pos.count))),
                                          binning: binning)
        for b in bins.dropFirst() {
            let g = Self.binAverage(b.thetaMinDeg, b.thetaMaxDeg) { c in
                SIMD2(repeating: (2...6).reduce(0.0) { $0 + HellingsDowns.degreeWeight($1) * HellingsDowns.degreeShape($1, cos: c) } / 2)
            }
            // Cross terms between different fields average out only approximately on 3000 points.
            XCTAssertEqual(b.parallel, g.x, accuracy: 0.01, "background ∥ bin \(b.thetaMinDeg)")
            XCTAssertEqual(b.perpendicular, g.y, accuracy: 0.01, "background ⊥ bin \(b.thetaMinDeg)")
        }
        var shaped = bins
        for k in shaped.indices {
            shaped[k].parallelError = 0.01
            shaped[k].perpendicularError = 0.01
            shaped[k].covariance = 0
        }
        XCTAssertEqual(HellingsDownsFit(bins: shaped).amplitude, 0.5, accuracy: 0.02)
    }

    /// Mean of f over cos Θ ∈ [cos hi, cos lo] (isotropic pairs), 400-point midpoint rule.
    static func binAverage(_ lo: Double, _ hi: Double, _ f: (Double) -> SIMD2<Double>) -> SIMD2<Double> {
        let c1 = DegreeTrig.cosine(deg: hi), c2 = DegreeTrig.cosine(deg: lo)
        var s = SIMD2<Double>.zero
        let m = 400
        for k in 0..<m { s += f(c1 + (c2 - c1) * (Double(k) + 0.5) / Double(m)) }
        return s / Double(m)
    }

    static func legendre(_ l: Int, _ c: Double) -> Double {
        var p0 = 1.0, p1 = c
        if l == 0 { return 1 }
        for k in stride(from: 2, through: l, by: 1) {
            let p = ((2 * Double(k) - 1) * c * p1 - (Double(k) - 1) * p0) / Double(k)
            p0 = p1; p1 = p
        }
        return p1
    }

    /// P_l'(c) by the recurrence P'_l = P'_{l−2} + (2l−1) P_{l−1}.
    static func legendreDerivative(_ l: Int, _ c: Double) -> Double {
        var p0 = 1.0, p1 = c, d0 = 0.0, d1 = 1.0
        if l == 1 { return 1 }
        var d = 0.0
        for k in 2...l {
            let kd = Double(k)
            let p = ((2 * kd - 1) * c * p1 - (kd - 1) * p0) / kd
            d = d0 + (2 * kd - 1) * p1
            p0 = p1; p1 = p; d0 = d1; d1 = d
        }
        return d
    }
}
