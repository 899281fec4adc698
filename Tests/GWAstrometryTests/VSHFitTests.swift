// The VSH fit: fast normal equations vs the dense-QR reference, noise-free recovery of rotation,
// glide and a quadrupole, clipping of planted outliers (and nothing else), order independence
// of the blocked exact sums, Galactic axes, powers and their noise bias.
import Foundation
import XCTest
@testable import GWAstrometry
import Numerics

/// A deterministic sample: isotropic positions, G-like error spread, correlated errors, an
/// optional field and noise.
struct Sample {
    var rng: GWRandom
    init(seed: UInt64) { rng = GWRandom(seed: seed) }

    mutating func make(_ n: Int, noise: Bool = true, field: (Double, Double) -> (Double, Double) = { _, _ in (0, 0) }) -> ProperMotions {
        var d = ProperMotions()
        for i in 0..<n {
            let a = 2 * Double.pi * rng.uniform(), dec = asin(2 * rng.uniform() - 1)
            let sa = 100 * exp(0.5 * rng.normal()), sd = 100 * exp(0.5 * rng.normal())
            let rho = 0.8 * (2 * rng.uniform() - 1)
            let (fa, fd) = field(a, dec)
            var ua = fa, ud = fd
            if noise {
                let z1 = rng.normal(), z2 = rng.normal()
                ua += sa * z1
                ud += sd * (rho * z1 + (1 - rho * rho).squareRoot() * z2)
            }
            d.append(sourceID: Int64(i + 1), row: i, ra: a, dec: dec, pmra: ua, pmdec: ud, pmraError: sa, pmdecError: sd, correlation: rho)
        }
        return d
    }
}

/// Splits data into fixed blocks.
func blocks(_ d: ProperMotions, size: Int) -> [ProperMotionBlock] {
    stride(from: 0, to: d.count, by: size).enumerated().map { b, s in
        ProperMotionBlock(index: b, data: d.subset(Array(s..<min(s + size, d.count))))
    }
}

final class VSHFitTests: XCTestCase {
    func testFastNormalEquationsMatchQRReference() throws {
        var s = Sample(seed: 1)
        let d = s.make(700)
        for lmax in [1, 3, 5] {
            var ne = VSHNormalEquations(layout: VSHLayout(lmax: lmax))
            var basis = VSHBasis(lmax: lmax)
            ne.add(d, indices: Array(0..<d.count), basis: &basis)
            let fast = try VSHSolution(ne)
            let ref = try VSHReferenceFit.solve(d, indices: Array(0..<d.count), lmax: lmax)
            for k in 0..<fast.count {
                XCTAssertEqual(fast.coefficients[k], ref.coefficients[k], accuracy: 1e-9 * ref.error(k), "lmax \(lmax) \(fast.layout.terms[k])")
                for j in 0..<fast.count {
                    XCTAssertEqual(fast.covariance(j, k), ref.covariance(j, k), accuracy: 1e-9 * ref.error(j) * ref.error(k))
                }
            }
            XCTAssertEqual(fast.chi2, ref.chi2, accuracy: 1e-8 * ref.chi2)
            XCTAssertEqual(fast.degreesOfFreedom, 2 * 700 - fast.count)
        }
    }

    func testNoiseFreeRotationGlideAndQuadrupole() throws {
        let w = [3.0, -5.0, 7.0], g = [-2.0, 4.0, 1.5]
        var q = [Double](repeating: 0, count: VSHLayout(lmax: 4).count)
        let layout = VSHLayout(lmax: 4)
        for j in layout.degreeRange(2) { q[j] = Double(j % 7) - 3 }
        var basis = VSHBasis(lmax: 4)
        var s = Sample(seed: 2)
        let d = s.make(800, noise: false) { a, dec in
            let sa = sin(a), ca = cos(a), sd = sin(dec), cd = cos(dec)
            let rot = (-w[0] * sd * ca - w[1] * sd * sa + w[2] * cd, w[0] * sa - w[1] * ca)
            let gl = (-g[0] * sa + g[1] * ca, -g[0] * sd * ca - g[1] * sd * sa + g[2] * cd)
            let quad = basis.field(coefficients: q, raRad: a, decRad: dec)
            return (rot.0 + gl.0 + quad.0, rot.1 + gl.1 + quad.1)
        }
        let out = try VSHClippedFit.run(blocks: blocks(d, size: 64), options: VSHFitOptions(lmax: 4, kappa: 0), reduction: SingleProcess())
        let sol = out.solution
        for i in 0..<3 {
            XCTAssertEqual(sol.rotation.value[i], w[i], accuracy: 1e-10)
            XCTAssertEqual(sol.glide.value[i], g[i], accuracy: 1e-10)
        }
        for j in layout.degreeRange(2) { XCTAssertEqual(sol.coefficients[j], q[j], accuracy: 1e-10) }
        for l in 3...4 { for j in layout.degreeRange(l) { XCTAssertEqual(sol.coefficients[j], 0, accuracy: 1e-10) } }
    }

    /// A pure rotation gives only t_1m.
    func testPureRotationGivesOnlyToroidalDegreeOne() throws {
        var s = Sample(seed: 3)
        let d = s.make(500, noise: false) { a, dec in
            (-10 * sin(dec) * cos(a) + 20 * cos(dec), 10 * sin(a))
        }
        let out = try VSHClippedFit.run(blocks: blocks(d, size: 100), options: VSHFitOptions(lmax: 3, kappa: 0), reduction: SingleProcess())
        for (k, t) in out.solution.layout.terms.enumerated() where !(t.kind == .toroidal && t.l == 1) {
            XCTAssertEqual(out.solution.coefficients[k], 0, accuracy: 1e-10, "\(t)")
        }
        XCTAssertEqual(out.solution.rotation.value[0], 10, accuracy: 1e-10)
        XCTAssertEqual(out.solution.rotation.value[1], 0, accuracy: 1e-10)
        XCTAssertEqual(out.solution.rotation.value[2], 20, accuracy: 1e-10)
    }

    func testClippingRemovesPlantedOutliersAndNothingElse() throws {
        var s = Sample(seed: 4)
        var d = s.make(3000)
        let planted = [17, 404, 1234, 2999]
        for i in planted { d.pmra[i] += 30 * d.pmraError[i] }
        let out = try VSHClippedFit.run(blocks: blocks(d, size: 256), options: VSHFitOptions(lmax: 2, kappa: 5), reduction: SingleProcess())
        var clipped: [Int] = []
        for (b, c) in out.clipped.enumerated() { for (i, x) in c.enumerated() where x { clipped.append(b * 256 + i) } }
        XCTAssertEqual(clipped, planted)
        XCTAssertTrue(out.converged)
        XCTAssertEqual(out.sourcesClipped, 4)
        XCTAssertEqual(out.solution.sources, 3000 - 4)
        XCTAssertEqual(out.medianX, (2 * log(2.0)).squareRoot(), accuracy: 0.05)
        // The final fit equals a direct fit of the unclipped sources.
        let keep = (0..<d.count).filter { !planted.contains($0) }
        let ref = try VSHReferenceFit.solve(d, indices: keep, lmax: 2)
        for k in 0..<ref.count { XCTAssertEqual(out.solution.coefficients[k], ref.coefficients[k], accuracy: 1e-9 * ref.error(k)) }
    }

    /// Blocks in any order give bit-identical results (exact block sums).
    func testBlockOrderDoesNotChangeBits() throws {
        var s = Sample(seed: 5)
        let d = s.make(2000)
        let b = blocks(d, size: 128)
        let o = VSHFitOptions(lmax: 3, kappa: 3)
        let a = try VSHClippedFit.run(blocks: b, options: o, reduction: SingleProcess())
        let r = try VSHClippedFit.run(blocks: b.reversed(), options: o, reduction: SingleProcess())
        XCTAssertEqual(a.solution.coefficients, r.solution.coefficients)
        XCTAssertEqual(a.solution.covariance, r.solution.covariance)
        XCTAssertEqual(a.sourcesClipped, r.sourcesClipped)
        XCTAssertEqual(a.medianX, r.medianX)
    }

    func testGlobalMedianIsExact() throws {
        var rng = GWRandom(seed: 9)
        for n in [1, 2, 3, 10, 1001] {
            let v = (0..<n).map { _ in abs(rng.normal()) }
            let sorted = v.sorted()
            let expect = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            XCTAssertEqual(try VSHClippedFit.globalMedian(v, total: n, reduction: SingleProcess()), expect)
        }
    }

    func testGalacticAxes() {
        let m = Galactic.matrix
        // Orthonormal rows.
        for i in 0..<3 {
            for j in 0..<3 {
                let dot = (0..<3).reduce(0.0) { $0 + m[3 * i + $1] * m[3 * j + $1] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-12)
            }
        }
        // The north Galactic pole (α, δ) = (192.85948°, 27.12825°) is Galactic z; the Galactic
        // centre (266.40510°, −28.936175°) is Galactic x (Hipparcos Vol. 1, Sect. 1.5.3).
        func unit(_ a: Double, _ d: Double) -> [Double] {
            let ar = a * .pi / 180, dr = d * .pi / 180
            return [cos(dr) * cos(ar), cos(dr) * sin(ar), sin(dr)]
        }
        let pole = Vector3Estimate(value: unit(192.85948, 27.12825), covariance: [Double](repeating: 0, count: 9)).galactic.value
        XCTAssertEqual(pole[2], 1, accuracy: 1e-9)
        let centre = Vector3Estimate(value: unit(266.40510, -28.936175), covariance: [Double](repeating: 0, count: 9)).galactic.value
        XCTAssertEqual(centre[0], 1, accuracy: 1e-9)
    }

    func testVectorAmplitudeAndDirection() {
        let v = Vector3Estimate(value: [0, 3, 4], covariance: [1, 0, 0, 0, 4, 0, 0, 0, 9])
        XCTAssertEqual(v.amplitude.value, 5, accuracy: 1e-14)
        XCTAssertEqual(v.amplitude.error, ((9 * 4 + 16 * 9) / 25.0).squareRoot(), accuracy: 1e-14)
        let dir = v.direction
        XCTAssertEqual(dir.lon, 90, accuracy: 1e-12)
        XCTAssertEqual(dir.lat, asin(0.8) * 180 / .pi, accuracy: 1e-12)
        XCTAssertEqual(dir.lonCosLatError, 1 / 5 * 180 / .pi, accuracy: 1e-12)  // east = −x: σ_x / |v|
    }

    /// Over noise-only realisations the debiased power averages to zero and its quoted error
    /// matches the scatter.
    func testPowerNoiseBias() throws {
        var powers: [Double] = [], errors: [Double] = []
        for seed in 0..<40 {
            var s = Sample(seed: 100 + UInt64(seed))
            let d = s.make(600)
            let out = try VSHClippedFit.run(blocks: blocks(d, size: 600), options: VSHFitOptions(lmax: 2, kappa: 0), reduction: SingleProcess())
            let p = out.solution.degreePower(2, .spheroidal)
            powers.append(p.debiased)
            errors.append(p.error)
            XCTAssertEqual(p.dof, 5)
        }
        let mean = powers.reduce(0, +) / Double(powers.count)
        let sd = (powers.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(powers.count - 1)).squareRoot()
        XCTAssertLessThan(abs(mean), 3 * sd / Double(powers.count).squareRoot())
        let typical = errors.reduce(0, +) / Double(errors.count)
        XCTAssertEqual(sd / typical, 1, accuracy: 0.4)
    }

    func testSolveRefusesUnderdeterminedFit() {
        var s = Sample(seed: 6)
        let d = s.make(10)
        XCTAssertThrowsError(try VSHClippedFit.run(blocks: blocks(d, size: 10), options: VSHFitOptions(lmax: 4, kappa: 0),
                                                   reduction: SingleProcess()))
        // All sources on a small patch: degree 8 is not determined.
        var p = ProperMotions()
        for i in 0..<200 {
            p.append(sourceID: Int64(i), row: i, ra: 0.01 * Double(i % 20), dec: 0.01 * Double(i / 20), pmra: 0, pmdec: 0,
                     pmraError: 1, pmdecError: 1, correlation: 0)
        }
        XCTAssertThrowsError(try VSHClippedFit.run(blocks: [ProperMotionBlock(index: 0, data: p)], options: VSHFitOptions(lmax: 8, kappa: 0),
                                                   reduction: SingleProcess()))
    }
}
