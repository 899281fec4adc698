import XCTest
@testable import Periodogram

/// All engines against each other across the option matrix (curve shape × nterms × grid), and
/// the dispatcher's bookkeeping. Reference = definition; direct and fft must agree with it to
/// 1e-9 in power everywhere.
final class EngineMatrixTests: XCTestCase {
    struct Case { let name: String; let curve: LightCurve; let grid: FrequencyGrid }

    var cases: [Case] {
        let short = gaiaLikeCurve(n: 11, seed: 31)
        let dr3 = gaiaLikeCurve(n: 42, seed: 32)
        let dr4 = gaiaLikeCurve(n: 130, span: 2000, period: 3.7, seed: 33)
        var raw = gaiaLikeCurve(n: 25, seed: 34)
        raw.time = raw.time.map { $0 + 2_455_197.5 }  // unreferenced JD-like times
        return [
            Case(name: "short", curve: short, grid: FrequencyGrid.perCurve(timeSpan: short.timeSpan, fmax: 25, oversampling: 10)!),
            Case(name: "dr3", curve: dr3, grid: FrequencyGrid.perCurve(timeSpan: dr3.timeSpan, fmax: 25, oversampling: 10)!),
            Case(name: "dr4", curve: dr4, grid: FrequencyGrid.perCurve(timeSpan: dr4.timeSpan, fmax: 25, oversampling: 10)!),
            Case(name: "raw-jd", curve: raw, grid: FrequencyGrid.common(fmin: 0.01, fmax: 12, step: 2e-4)!),
        ]
    }

    func testEnginesAgreeWithReference() {
        let direct = DirectEngine(), fft = FFTEngine()
        for c in cases {
            let prepared = PreparedCurve(c.curve)
            // With N close to the 2K+1 parameters the K-harmonic fit is ill-conditioned and
            // 1e-15 differences in the sums are amplified (N = 11, K = 3: ~1e-4 for every
            // engine, astropy included); the 1e-9 contract holds for N ≥ ~8K.
            for k in 1...3 where c.curve.count >= 8 * k || k == 1 {
                let fastDirect = direct.power(prepared, grid: c.grid, nterms: k)
                let fastFFT = fft.power(prepared, grid: c.grid, nterms: k)
                XCTAssertEqual(fastDirect.count, c.grid.count)
                XCTAssertEqual(fastFFT.count, c.grid.count)
                XCTAssertLessThan(maxAbsDifference(fastDirect, fastFFT), 2e-9, "\(c.name) nterms \(k): direct vs fft")
                // The reference is slow: every 401st frequency from a few offsets.
                for offset in [0, 200] {
                    let sub = subsample(c.grid, stride: 401, offset: offset)
                    let exact = ReferenceEngine().power(prepared, grid: sub, nterms: k)
                    let pick = { (p: [Double]) in (0..<sub.count).map { p[offset + 401 * $0] } }
                    XCTAssertLessThan(maxAbsDifference(pick(fastDirect), exact), 1e-9, "\(c.name) nterms \(k): direct")
                    XCTAssertLessThan(maxAbsDifference(pick(fastFFT), exact), 1e-9, "\(c.name) nterms \(k): fft")
                }
            }
        }
    }

    func testDispatcherSummaryIsEngineIndependent() {
        // Same best frequency, peaks (indices) and FAP whichever engine computed the power.
        let lc = gaiaLikeCurve(n: 40, period: 0.3127, amplitude: 0.2, seed: 41)
        let grid = FrequencyGrid.perCurve(timeSpan: lc.timeSpan, fmax: 25, oversampling: 10)!
        var results: [PeriodogramResult] = []
        for engine in [EngineChoice.direct, .fft, .auto] {
            let pg = Periodogram(options: PeriodogramOptions(nterms: 1, peaks: 4, engine: engine))
            results.append(pg.analyse(lc, grid: grid).result)
        }
        for r in results.dropFirst() {
            XCTAssertEqual(r.frequency, results[0].frequency)
            XCTAssertEqual(r.peakFrequencies, results[0].peakFrequencies)
            XCTAssertEqual(r.power, results[0].power, accuracy: 1e-9)
            XCTAssertEqual(r.fap, results[0].fap, accuracy: 1e-9 * max(results[0].fap, 1e-300) + 1e-15)
        }
        // The injected period is found and the amplitude is near the injected 0.4 peak-to-peak.
        XCTAssertEqual(results[0].frequency, 1 / 0.3127, accuracy: 1 / lc.timeSpan)
        XCTAssertEqual(results[0].amplitude, 0.4, accuracy: 0.05)
        XCTAssertLessThan(results[0].fap, 1e-6)
        XCTAssertEqual(results[0].peakFrequencies.first, results[0].frequency)
    }

    func testCostModelPrefersDirectForShortAndFFTForLongCurves() {
        XCTAssertEqual(CostModel.engine(n: 40, count: 250_000, nterms: 1), .direct)
        XCTAssertEqual(CostModel.engine(n: 20_000, count: 500_000, nterms: 1), .fft)
    }
}
