import Foundation
import XCTest
@testable import Periodogram

/// The NUFFT against direct O(N·M) sums, the FFT engine's harmonic sums against sums with
/// extended-precision phases, its power against the reference engine, and plan-cache reuse.
/// Engines plan with FFTW_ESTIMATE here: FFTW_MEASURE would spend tens of seconds per size.
final class NUFFTTests: XCTestCase {
    // MARK: (a) the transform itself

    func testType1MatchesDirectSum() {
        var rng = TestRandom(seed: 7)
        let n = 300
        // Points over several periods (the transform wraps them) and clustered at ±π, where the
        // kernel straddles the periodic seam of the fine grid.
        var x = (0..<n).map { _ in (rng.uniform() - 0.5) * 6 * Double.pi }
        for j in 0..<20 { x[j] = (j % 2 == 0 ? Double.pi : -Double.pi) - 1e-9 * Double(j) }
        let re = (0..<n).map { _ in rng.normal() }
        let im = (0..<n).map { _ in rng.normal() }
        let total = zip(re, im).map { ($0 * $0 + $1 * $1).squareRoot() }.reduce(0, +)
        for (tolerance, modes) in [(1e-12, 960), (1e-12, 777), (1e-9, 512), (1e-6, 301)] {
            let nufft = NUFFT(tolerance: tolerance, planning: .estimate)
            let fast = nufft.type1(points: x, re: re, im: im, modes: modes)
            var worst = 0.0
            for i in 0..<modes {
                let k = Double(i - modes / 2)
                var sr = 0.0, si = 0.0
                for j in 0..<n {
                    let c = cos(k * x[j]), s = sin(k * x[j])
                    sr += re[j] * c - im[j] * s
                    si += re[j] * s + im[j] * c
                }
                worst = max(worst, hypot(fast.re[i] - sr, fast.im[i] - si))
            }
            XCTAssertLessThan(worst, tolerance * total, "ε = \(tolerance), M = \(modes), w = \(nufft.kernelWidth)")
            print("NUFFT ε = \(tolerance) M = \(modes): max error / Σ|c| = \(worst / total)")
        }
    }

    func testFFTSizesAreSmoothAndLargeEnough() {
        for m in [1, 7, 100, 777, 262_143, 517_000] {
            let n = NUFFT.fftSize(modes: m)
            XCTAssertGreaterThanOrEqual(n, 2 * m)
            XCTAssertEqual(n % 2, 0)
            var r = n
            for p in [2, 3, 5, 7] { while r % p == 0 { r /= p } }
            XCTAssertEqual(r, 1, "\(n) is not 7-smooth")
        }
    }

    // MARK: (b) harmonic sums

    func testSumsMatchDirectSums() {
        let curve = PreparedCurve(gaiaLikeCurve(n: 40, seed: 101))
        let grid = FrequencyGrid.perCurve(timeSpan: curve.timeSpan, fmax: 25, oversampling: 10)!
        let nterms = 2
        let sums = FFTEngine(planning: .estimate).sums(curve, grid: grid, nterms: nterms)
        XCTAssertEqual(sums.count, grid.count)
        let m = grid.count
        let picks = Array(0..<40) + Array(stride(from: 40, to: m - 40, by: 1009)) + Array((m - 40)..<m)
        let sumAbsWY = curve.weightedValue.map(abs).reduce(0, +)
        var worstW = 0.0, worstWY = 0.0
        for k in picks {
            for h in 1...(2 * nterms) {
                var c = 0.0, s = 0.0, yc = 0.0, ys = 0.0
                for j in 0..<curve.count {
                    let angle = 2 * Double.pi * exactCycles(h: h, grid: grid, k: k, t: curve.time[j])
                    c += curve.weight[j] * cos(angle)
                    s += curve.weight[j] * sin(angle)
                    yc += curve.weightedValue[j] * cos(angle)
                    ys += curve.weightedValue[j] * sin(angle)
                }
                let row = (h - 1) * m + k
                worstW = max(worstW, abs(sums.cosW[row] - c), abs(sums.sinW[row] - s))
                if h <= nterms {
                    worstWY = max(worstWY, abs(sums.cosWY[row] - yc), abs(sums.sinWY[row] - ys))
                }
            }
        }
        // Σw = 1: the bound is the NUFFT tolerance itself; for w·y it scales with Σ|w·y|.
        print("NUFFT sums: max error C,S = \(worstW), YC,YS / Σ|wy| = \(worstWY / sumAbsWY)")
        XCTAssertLessThan(worstW, 1e-12, "C, S")
        XCTAssertLessThan(worstWY, 1e-12 * sumAbsWY, "YC, YS")
    }

    func testPowerFastPathsEqualSumsPower() {
        // power() skips HarmonicSums (fused K = 1 pass, lane-wise K = 2, 3 solves): same numbers.
        let curve = PreparedCurve(gaiaLikeCurve(n: 60, seed: 111))
        let grid = FrequencyGrid.perCurve(timeSpan: curve.timeSpan, fmax: 5, oversampling: 10)!
        let engine = FFTEngine(planning: .estimate)
        for nterms in 1...3 {
            let viaSums = engine.sums(curve, grid: grid, nterms: nterms).power(yy: curve.yy)
            XCTAssertLessThan(maxAbsDifference(engine.power(curve, grid: grid, nterms: nterms), viaSums), 1e-13,
                              "nterms \(nterms)")
        }
    }

    /// h·(f_min + k·Δf)·t in cycles, reduced mod 1, with a 64-bit significand where available so
    /// that the reference phase of ~1e4 cycles is good to ~1e-15 cycles.
    private func exactCycles(h: Int, grid: FrequencyGrid, k: Int, t: Double) -> Double {
        #if arch(x86_64) || arch(i386)
        let f = Float80(grid.fmin) + Float80(k) * Float80(grid.step)
        let cycles = Float80(h) * f * Float80(t)
        return Double(cycles - cycles.rounded())
        #else
        let cycles = Double(h) * grid.frequency(k) * t
        return cycles - cycles.rounded()
        #endif
    }

    // MARK: (c) power against the reference

    func testPowerMatchesReferenceOnGaiaLikeCurve() {
        let lc = gaiaLikeCurve(n: 40, span: 1000, period: 0.4471, amplitude: 0.15, seed: 202)
        let curve = PreparedCurve(lc)
        let grid = FrequencyGrid.perCurve(timeSpan: curve.timeSpan, fmax: 25, oversampling: 10)!
        XCTAssertGreaterThan(grid.count, 200_000)
        let engine = FFTEngine(planning: .estimate)
        // The reference is slow: a stride through the full grid, both ends, and the true peak.
        let peak = Int(((1 / 0.4471 - grid.fmin) / grid.step).rounded())
        let picks = Array(0..<20) + Array(stride(from: 20, to: grid.count, by: 811))
            + Array((peak - 30)...(peak + 30)) + Array((grid.count - 20)..<grid.count)
        for nterms in 1...3 {
            let fast = engine.power(curve, grid: grid, nterms: nterms)
            XCTAssertEqual(fast.count, grid.count)
            let worst = picks.map { abs(fast[$0] - FourierFit(curve, frequency: grid.frequency($0), nterms: nterms).power) }.max()!
            XCTAssertLessThan(worst, 1e-9, "nterms \(nterms)")
            print("NUFFT Gaia-like N=40 M=\(grid.count) nterms \(nterms): max |Δpower| = \(worst)")
            // The injected signal is the highest peak (for K ≥ 2, f/2 fits it equally well).
            if nterms == 1 { XCTAssertLessThan(abs(fast.indices.max { fast[$0] < fast[$1] }! - peak), 3) }
        }
    }

    func testPowerMatchesReferenceOnLongCurve() {
        let lc = gaiaLikeCurve(n: 500, span: 1800, period: 2.31, amplitude: 0.05, seed: 303)
        let curve = PreparedCurve(lc)
        // Long curves make the reference slow: a lower fmax keeps its subsample cheap.
        let grid = FrequencyGrid.perCurve(timeSpan: curve.timeSpan, fmax: 6, oversampling: 10)!
        let engine = FFTEngine(planning: .estimate)
        let picks = Array(0..<10) + Array(stride(from: 10, to: grid.count, by: 1201)) + [grid.count - 1]
        let reference = ReferenceEngine()
        for nterms in 1...3 {
            let fast = engine.power(curve, grid: grid, nterms: nterms)
            let sub = picks.map { fast[$0] }
            let exact = picks.map { reference.power(curve, grid: FrequencyGrid(fmin: grid.frequency($0), step: 1, count: 1),
                                                    nterms: nterms)[0] }
            let worst = maxAbsDifference(sub, exact)
            XCTAssertLessThan(worst, 1e-9, "nterms \(nterms)")
            print("NUFFT long N=500 M=\(grid.count) nterms \(nterms): max |Δpower| = \(worst)")
        }
    }

    // MARK: (d) plan cache

    func testPlanCacheReuseMatchesFreshEngines() {
        let a = PreparedCurve(gaiaLikeCurve(n: 40, span: 500, seed: 404))
        let b = PreparedCurve(gaiaLikeCurve(n: 90, span: 900, seed: 405))
        let gridA = FrequencyGrid.perCurve(timeSpan: a.timeSpan, fmax: 10, oversampling: 10)!
        let gridB = FrequencyGrid.perCurve(timeSpan: b.timeSpan, fmax: 10, oversampling: 10)!
        XCTAssertNotEqual(NUFFT.fftSize(modes: gridA.count), NUFFT.fftSize(modes: gridB.count))
        let shared = FFTEngine(planning: .estimate)
        // A, then B (a larger size: buffers are reallocated under A's plan), then A again.
        let a1 = shared.power(a, grid: gridA, nterms: 1)
        let b1 = shared.power(b, grid: gridB, nterms: 2)
        let a2 = shared.power(a, grid: gridA, nterms: 1)
        XCTAssertEqual(shared.nufft.cachedPlanCount, 2)
        let freshA = FFTEngine(planning: .estimate).power(a, grid: gridA, nterms: 1)
        let freshB = FFTEngine(planning: .estimate).power(b, grid: gridB, nterms: 2)
        // Same plans (ESTIMATE is deterministic) and an all-zero spreading grid at every start
        // give bit-identical results.
        XCTAssertEqual(a1, freshA)
        XCTAssertEqual(a2, freshA)
        XCTAssertEqual(b1, freshB)
    }
}
