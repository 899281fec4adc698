// The plane-wave search: 5-parameter fit and projector, fast engine == slow reference, noise-free
// recovery (2F = ρ², â = a), 2F ~ χ²₄ under noise (KS test), exact block sums independent of
// how blocks are split and ordered (rank independence), false-alarm probabilities.

import Foundation
@testable import GWAstrometry
import Numerics
import XCTest

final class FStatisticTests: XCTestCase {
    func testFitRecoversParametersAndProjects() throws {
        var rng = PWRandom(seed: 3)
        let truth = [2.5, -1.5, 3.2, 4.0, -6.0]
        var s = PWTestData.series(&rng, transits: 60, noise: 0)
        for k in 0..<s.count {
            let x = s.design(k)
            s.value[k] = x.0 * truth[0] + x.1 * truth[1] + x.2 * truth[2] + x.3 * truth[3] + x.4 * truth[4]
        }
        let fit = try FiveParameterFit(s)
        for i in 0..<5 { XCTAssertEqual(fit.parameters[i], truth[i], accuracy: 1e-10) }
        XCTAssertLessThan(fit.chi2, 1e-18)
        // P X = 0, P² = P, r̃ ⟂_W X.
        for i in 0..<5 {
            let col = (0..<s.count).map { k -> Double in let x = s.design(k); return [x.0, x.1, x.2, x.3, x.4][i] }
            XCTAssertLessThan(fit.project(col, series: s).map(abs).max()!, 1e-12)
        }
        let v = (0..<s.count).map { _ in rng.normal() }
        let pv = fit.project(v, series: s)
        let ppv = fit.project(pv, series: s)
        for k in 0..<s.count { XCTAssertEqual(pv[k], ppv[k], accuracy: 1e-12) }
        XCTAssertThrowsError(try FiveParameterFit(PWTestData.series(&rng, transits: 5, noise: 1)))
        // One scan angle only: not a 5-parameter design.
        var flat = PWTestData.series(&rng, transits: 40, noise: 1)
        for k in 0..<flat.count { flat.sinPsi[k] = 0.6; flat.cosPsi[k] = 0.8 }
        XCTAssertThrowsError(try FiveParameterFit(flat)) { XCTAssertEqual($0 as? FitFailure, .degenerateDesign) }
    }

    /// The fast engine reproduces the slow reference at every grid point (low frequencies,
    /// padding lanes, several blocks).
    func testEngineMatchesReference() throws {
        var rng = PWRandom(seed: 4)
        let series = (0..<9).map { _ in PWTestData.series(&rng, transits: Int(rng.uniform(20, 80)), noise: 0.3) }
        let grid = try PlaneWaveGrid(fMin: 2, fMax: 130, df: 12.5, nside: 1)  // 11 frequencies, 12 directions
        let engine = PlaneWaveEngine(grid: grid)
        let sources = try series.map { try PlaneWaveSource($0) }
        engine.add(block: Array(sources[0..<4]))
        engine.add(block: Array(sources[4...]))
        let fast = engine.sums.values()
        let ref = FStatisticReference.sums(sources: series, grid: grid)
        var worst = 0.0
        for i in 0..<grid.frequencyCount {
            for j in 0..<grid.directionCount {
                func at(_ c: Int, _ a: [Double]) -> Double { a[(i * 14 + c) * grid.directionCount + j] }
                let diag = (0..<4).map { at(FStatisticComponent.m($0, $0), ref) }
                for a in 0..<4 {
                    // x_a against √M_aa (its standard deviation), M_ab against √(M_aa M_bb).
                    worst = max(worst, abs(at(a, fast) - at(a, ref)) / diag[a].squareRoot())
                    for b in a..<4 {
                        let c = FStatisticComponent.m(a, b)
                        worst = max(worst, abs(at(c, fast) - at(c, ref)) / (diag[a] * diag[b]).squareRoot())
                    }
                }
            }
        }
        XCTAssertLessThan(worst, 1e-9)
    }

    /// A noise-free injected wave at a grid point: 2F = ρ² = aᵀMa and â = a.
    func testNoiseFreeRecovery() throws {
        var rng = PWRandom(seed: 5)
        let grid = try PlaneWaveGrid(fMin: 40, fMax: 60, df: 5, nside: 2)
        let fi = 2, dj = 17
        let basis = PlaneWaveBasis(raDeg: grid.directions[dj].raDeg, decDeg: grid.directions[dj].decDeg)
        let omega = 2 * Double.pi * grid.frequencies[fi] * PlaneWave.perYearPerNHz
        let amplitudes = [0.03, -0.02, 0.01, 0.025]  // mas
        var sources: [PlaneWaveSource] = []
        for _ in 0..<40 {
            var s = PWTestData.series(&rng, transits: 70, noise: 0)
            for k in 0..<s.count {
                let astro = 3 * s.sinPsi[k] - 2 * s.cosPsi[k] + 1.5 * s.parallaxFactor[k] + s.tau[k] * (0.5 * s.sinPsi[k] + 4 * s.cosPsi[k])
                s.value[k] = astro + PlaneWave.alongScanSignal(star: s.frame, basis: basis, psi: atan2(s.sinPsi[k], s.cosPsi[k]),
                                                               tau: s.tau[k], omega: omega, amplitudes: amplitudes)
            }
            sources.append(try PlaneWaveSource(s))
        }
        let engine = PlaneWaveEngine(grid: grid)
        engine.add(block: sources)
        let all = engine.sums.values()
        let c = (0..<14).map { all[(fi * 14 + $0) * grid.directionCount + dj] }
        let v = PlaneWaveStatistic.solve(c)
        var rho2 = 0.0
        for a in 0..<4 { for b in 0..<4 { rho2 += amplitudes[a] * c[FStatisticComponent.m(a, b)] * amplitudes[b] } }
        XCTAssertEqual(v.twoF, rho2, accuracy: 1e-8 * rho2)
        for a in 0..<4 { XCTAssertEqual(v.amplitudes[a], amplitudes[a], accuracy: 1e-9) }
        // The injected point is the grid's maximum.
        var best = (0.0, 0, 0)
        for i in 0..<grid.frequencyCount {
            for j in 0..<grid.directionCount {
                let cc = (0..<14).map { all[(i * 14 + $0) * grid.directionCount + j] }
                let f = PlaneWaveStatistic.solve(cc).twoF
                if f > best.0 { best = (f, i, j) }
            }
        }
        XCTAssertEqual(best.1, fi)
        XCTAssertEqual(best.2, dj)
    }

    /// Under Gaussian noise 2F ~ χ²₄: independent noise realisations at a fixed grid point,
    /// Kolmogorov–Smirnov test against 1 − e^{−x/2}(1 + x/2); mean 4, variance 8.
    func testNullDistributionIsChiSquare4() throws {
        var rng = PWRandom(seed: 6)
        let grid = try PlaneWaveGrid(fMin: 37, fMax: 37, df: 1, nside: 1)
        var values: [Double] = []
        for _ in 0..<400 {
            let engine = PlaneWaveEngine(grid: grid)
            let sources = try (0..<12).map { _ in try PlaneWaveSource(PWTestData.series(&rng, transits: 40, noise: 1)) }
            engine.add(block: sources)
            let all = engine.sums.values()
            let j = 5
            values.append(PlaneWaveStatistic.solve((0..<14).map { all[$0 * grid.directionCount + j] }).twoF)
        }
        let ks = PWTestData.ksStatistic(values) { 1 - exp(-$0 / 2) * (1 + $0 / 2) }
        let p = PWTestData.ksPValue(ks, n: values.count)
        print(String(format: "plane-wave null (seed 6): %d realisations of 2F, KS D = %.4f, p = %.3f", values.count, ks, p))
        XCTAssertGreaterThan(p, 0.01, "KS D = \(ks), p = \(p)")
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        XCTAssertEqual(mean, 4, accuracy: 4 * (8.0 / 400).squareRoot())
        XCTAssertEqual(variance, 8, accuracy: 3)
    }

    /// Blocks added to different engines ("ranks"), in any order, give bit-identical sums.
    func testBlockSplitIndependence() throws {
        var rng = PWRandom(seed: 7)
        let grid = try PlaneWaveGrid(fMin: 10, fMax: 100, df: 9, nside: 2)
        let sources = try (0..<20).map { _ in try PlaneWaveSource(PWTestData.series(&rng, transits: 50, noise: 0.5)) }
        let blocks = stride(from: 0, to: 20, by: 4).map { Array(sources[$0..<min($0 + 4, 20)]) }
        let one = PlaneWaveEngine(grid: grid)
        for b in blocks { one.add(block: b) }
        for split in [[0, 1, 2, 3, 4], [3, 0, 4, 1, 2]] {
            let a = PlaneWaveEngine(grid: grid), b = PlaneWaveEngine(grid: grid)
            for (k, i) in split.enumerated() { (k < 2 ? a : b).add(block: blocks[i]) }
            var total = b.sums
            total.add(a.sums)
            XCTAssertEqual(total, one.sums)
            XCTAssertEqual(total.values(), one.sums.values())
        }
    }

    func testFalseAlarmProbabilities() {
        // χ²₄ survival function against numerical integration of the density x e^{−x/2}/4.
        for x in [0.5, 4.0, 13.28, 30.0] {
            var integral = 0.0
            let steps = 200_000, top = x + 200
            let h = (top - x) / Double(steps)
            for i in 0..<steps {
                let t = x + (Double(i) + 0.5) * h
                integral += t * exp(-t / 2) / 4 * h
            }
            XCTAssertEqual(PlaneWaveStatistic.localFalseAlarm(twoF: x), integral, accuracy: 1e-7)
        }
        XCTAssertEqual(PlaneWaveStatistic.localFalseAlarm(twoF: 13.2767), 0.01, accuracy: 1e-5)  // χ²₄ 99th percentile
        XCTAssertEqual(PlaneWaveStatistic.logLocalFalseAlarm(twoF: 2000), -1000 + log(1001), accuracy: 1e-9)
        for trials in [1, 100, 98304] {
            let t = PlaneWaveStatistic.threshold(globalFalseAlarm: 0.01, trials: trials)
            XCTAssertEqual(PlaneWaveStatistic.globalFalseAlarm(twoF: t, trials: trials), 0.01, accuracy: 1e-9)
        }
        XCTAssertEqual(PlaneWaveStatistic.globalFalseAlarm(twoF: 13.2767, trials: 1), 0.01, accuracy: 1e-5)
    }
}

/// Random along-scan series: scan angles uniform, times over the DR4 span in visits of a few
/// transits, parallax factors of a circular orbit-like pattern, σ from 0.05 to 1 mas.
enum PWTestData {
    static func series(_ rng: inout PWRandom, transits n: Int, noise: Double) -> AlongScanSeries {
        var s = AlongScanSeries(sourceID: Int64(rng.next() >> 2), raDeg: rng.uniform(0, 360),
                                decDeg: asin(rng.uniform(-1, 1)) * 180 / .pi)
        var t = rng.uniform(-2.9, -2.7)
        let phase = rng.uniform(0, 2 * .pi)
        for _ in 0..<n {
            t += rng.uniform(0.01, 0.12)
            let psi = rng.uniform(-.pi, .pi)
            let sigma = pow(10, rng.uniform(-1.3, 0))
            let f = sin(2 * .pi * t + phase) * cos(psi) + 0.4 * cos(2 * .pi * t + phase) * sin(psi)
            s.append(tau: t, psi: psi, parallaxFactor: f, value: noise * sigma * rng.normal(), sigma: sigma)
        }
        return s
    }

    /// Kolmogorov–Smirnov statistic D = sup |F_n − F|.
    static func ksStatistic(_ x: [Double], cdf: (Double) -> Double) -> Double {
        let s = x.sorted()
        let n = Double(s.count)
        var d = 0.0
        for (i, v) in s.enumerated() {
            let f = cdf(v)
            d = max(d, abs(f - Double(i) / n), abs(Double(i + 1) / n - f))
        }
        return d
    }

    /// Asymptotic Kolmogorov p-value with the Stephens (1970) small-sample correction:
    /// P(D > d) ≈ 2 Σ (−1)^{k−1} e^{−2 k² λ²}, λ = (√n + 0.12 + 0.11/√n) d.
    static func ksPValue(_ d: Double, n: Int) -> Double {
        let sn = Double(n).squareRoot()
        let l = (sn + 0.12 + 0.11 / sn) * d
        var p = 0.0
        for k in 1...100 {
            let term = 2 * (k % 2 == 1 ? 1.0 : -1.0) * exp(-2 * Double(k * k) * l * l)
            p += term
            if abs(term) < 1e-12 { break }
        }
        return min(max(p, 0), 1)
    }
}
