import XCTest
@testable import Periodogram

/// Analytic cases and identities of the generalised Lomb–Scargle definition itself.
final class GLSTests: XCTestCase {
    func testNoiselessSinusoidHasUnitPowerAndExactAmplitude() {
        // y = 12 + 0.25 sin(2π f t + 1): the GLS model is exact at f, so χ² = 0 and power = 1,
        // and the peak-to-peak amplitude is 0.5.
        let f = 1.7
        var rng = TestRandom(seed: 5)
        let t = (0..<25).map { _ in rng.uniform() * 300 }.sorted()
        let lc = LightCurve(time: t, value: t.map { 12 + 0.25 * sin(2 * .pi * f * $0 + 1) },
                            error: t.map { _ in 0.01 + 0.02 * rng.uniform() })
        for k in 1...3 {
            let fit = FourierFit(PreparedCurve(lc), frequency: f, nterms: k)
            XCTAssertEqual(fit.power, 1, accuracy: 1e-10)
            XCTAssertEqual(fit.peakToPeak, 0.5, accuracy: 1e-6)
        }
        // The model reproduces the data.
        let curve = PreparedCurve(lc)
        let fit = FourierFit(curve, frequency: f, nterms: 1)
        for i in 0..<lc.count {
            XCTAssertEqual(fit.model(at: curve.time[i], frequency: f) + curve.mean, lc.value[i], accuracy: 1e-10)
        }
    }

    func testClosedFormEqualsNormalEquationsForOneHarmonic() {
        // ZK09's closed form (SingleHarmonic) and the general (2K+1)² solve (MultiHarmonic, K=1)
        // are the same algebra; both from sums computed with libm.
        let curve = PreparedCurve(gaiaLikeCurve(n: 33, seed: 11))
        for f in stride(from: 0.05, through: 24.9, by: 0.77) {
            var c = [1.0, 0, 0], s = [0.0, 0, 0], yc = [0.0, 0], ys = [0.0, 0]
            for i in 0..<curve.count {
                for h in 1...2 {
                    let ph = 2 * Double.pi * Double(h) * f * curve.time[i]
                    c[h] += curve.weight[i] * cos(ph)
                    s[h] += curve.weight[i] * sin(ph)
                    if h == 1 {
                        yc[1] += curve.weightedValue[i] * cos(ph)
                        ys[1] += curve.weightedValue[i] * sin(ph)
                    }
                }
            }
            let closed = SingleHarmonic.power(c: c[1], s: s[1], c2: c[2], s2: s[2], yc: yc[1], ys: ys[1], yy: curve.yy)
            let general = MultiHarmonic.power(nterms: 1, c: c, s: s, yc: yc, ys: ys, yy: curve.yy)
            let reference = FourierFit(curve, frequency: f, nterms: 1).power
            XCTAssertEqual(closed, reference, accuracy: 1e-12)
            XCTAssertEqual(general, reference, accuracy: 1e-12)
        }
    }

    func testPowerIsInvariantUnderShiftsAndScalings() {
        // Standard-normalised power does not change when times shift, values shift or scale, or
        // all errors scale by one factor (weights are normalised).
        let lc = gaiaLikeCurve(n: 28, seed: 21)
        let grid = FrequencyGrid(fmin: 0.1, step: 0.37, count: 60)
        let base = ReferenceEngine().power(PreparedCurve(lc), grid: grid, nterms: 2)
        let moved = LightCurve(time: lc.time.map { $0 - 700 }, value: lc.value.map { 3 * $0 - 40 },
                               error: lc.error.map { 3 * $0 })
        XCTAssertLessThan(maxAbsDifference(base, ReferenceEngine().power(PreparedCurve(moved), grid: grid, nterms: 2)), 1e-9)
    }

    func testMoreHarmonicsNeverExplainLess() {
        // Nested models: power(K+1) ≥ power(K) at every frequency.
        let curve = PreparedCurve(gaiaLikeCurve(n: 45, seed: 2))
        let grid = FrequencyGrid(fmin: 0.2, step: 0.41, count: 50)
        let p1 = ReferenceEngine().power(curve, grid: grid, nterms: 1)
        let p2 = ReferenceEngine().power(curve, grid: grid, nterms: 2)
        let p3 = ReferenceEngine().power(curve, grid: grid, nterms: 3)
        for k in 0..<grid.count {
            XCTAssertGreaterThanOrEqual(p2[k], p1[k] - 1e-12)
            XCTAssertGreaterThanOrEqual(p3[k], p2[k] - 1e-12)
            XCTAssertLessThanOrEqual(p3[k], 1 + 1e-12)
        }
    }

    func testPerCurveGridFollowsTheConvention() {
        let g = FrequencyGrid.perCurve(timeSpan: 1000, fmax: 25, oversampling: 10)!
        XCTAssertEqual(g.fmin, 1e-3, accuracy: 1e-15)
        XCTAssertEqual(g.step, 1e-4, accuracy: 1e-18)
        XCTAssertEqual(g.count, Int(((25 - 1e-3) / 1e-4).rounded(.down)) + 1)
        XCTAssertLessThanOrEqual(g.fmax, 25)
        XCTAssertGreaterThan(g.fmax + g.step, 25)
        XCTAssertNil(FrequencyGrid.perCurve(timeSpan: 0, fmax: 25, oversampling: 10))
        XCTAssertNil(FrequencyGrid.perCurve(timeSpan: 0.01, fmax: 25, oversampling: 10))  // 1/T > fmax
    }

    func testSeparatedPeaks() {
        // Peaks at 10 (1.0), 12 (0.9: within separation 5 of 10, dropped), 30 (0.8), 50 (0.5).
        var p = [Double](repeating: 0, count: 60)
        p[10] = 1; p[9] = 0.7; p[11] = 0.7; p[12] = 0.9; p[30] = 0.8; p[50] = 0.5
        XCTAssertEqual(separatedPeaks(p, count: 5, separation: 5), [10, 30, 50])
        XCTAssertEqual(separatedPeaks(p, count: 2, separation: 5), [10, 30])
        XCTAssertEqual(separatedPeaks(p, count: 5, separation: 1), [10, 12, 30, 50])
        // A flat top counts once.
        XCTAssertEqual(separatedPeaks([0, 1, 1, 0], count: 3, separation: 1), [2])
    }

    func testBaluevFAPLimits() {
        // FAP decreases with power, is 1 at zero power and 0 at power 1; for a tiny search range
        // (τ → 0) it tends to the single-frequency probability (1 − z)^((N−3)/2).
        let n = 40, variance = 9e4
        var last = 1.0
        for z in stride(from: 0.05, to: 1, by: 0.05) {
            let fap = BaluevFAP.probability(power: z, count: n, fmax: 25, timeVariance: variance)
            XCTAssertLessThanOrEqual(fap, last)
            last = fap
        }
        XCTAssertEqual(BaluevFAP.probability(power: 0, count: n, fmax: 25, timeVariance: variance), 1)
        XCTAssertEqual(BaluevFAP.probability(power: 1, count: n, fmax: 25, timeVariance: variance), 0)
        XCTAssertEqual(BaluevFAP.probability(power: 0.3, count: n, fmax: 1e-20, timeVariance: variance),
                       pow(0.7, 18.5), accuracy: 1e-12)
        XCTAssertTrue(BaluevFAP.probability(power: 0.3, count: 3, fmax: 25, timeVariance: variance).isNaN)
    }
}
