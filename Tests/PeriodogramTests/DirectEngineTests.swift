import XCTest
@testable import Periodogram

/// The direct SIMD engine against the exact reference (design matrix + solve per frequency).
final class DirectEngineTests: XCTestCase {
    func testSingleHarmonicMatchesReferenceOnGaiaLikeCurve() {
        let lc = gaiaLikeCurve(n: 40)
        let curve = PreparedCurve(lc)
        let grid = FrequencyGrid.perCurve(timeSpan: lc.timeSpan, fmax: 25, oversampling: 10)!
        XCTAssertGreaterThan(grid.count, 200_000)
        let fast = DirectEngine().power(curve, grid: grid, nterms: 1)
        // Compare on every 97th frequency across the whole grid (drift would show at the end),
        // plus the last 50 (the partial final SIMD block).
        for sub in [subsample(grid, stride: 97), subsample(grid, stride: 1, offset: grid.count - 50)] {
            let exact = ReferenceEngine().power(curve, grid: sub, nterms: 1)
            let k0 = Int(((sub.fmin - grid.fmin) / grid.step).rounded())
            let stride = Int((sub.step / grid.step).rounded())
            let picked = (0..<sub.count).map { fast[k0 + $0 * stride] }
            XCTAssertLessThan(maxAbsDifference(picked, exact), 1e-10)
        }
    }

    func testMultiHarmonicMatchesReference() {
        let lc = gaiaLikeCurve(n: 60, period: 0.55, seed: 7)
        let curve = PreparedCurve(lc)
        let grid = FrequencyGrid.perCurve(timeSpan: lc.timeSpan, fmax: 25, oversampling: 5)!
        let sub = subsample(grid, stride: 211, offset: 3)
        for k in 2...3 {
            // The direct engine runs on the sub-grid itself (any regular grid works).
            let fast = DirectEngine().power(curve, grid: sub, nterms: k)
            let exact = ReferenceEngine().power(curve, grid: sub, nterms: k)
            XCTAssertLessThan(maxAbsDifference(fast, exact), 1e-9, "nterms \(k)")
        }
    }

    func testFullGridAgainstReferenceForSmallGrids() {
        // Grids of 1…17 frequencies exercise the partial-block store; 2 points is the smallest
        // curve with a non-trivial fit.
        for count in [1, 7, 8, 9, 17] {
            let lc = gaiaLikeCurve(n: 12, seed: UInt64(count))
            let curve = PreparedCurve(lc)
            let grid = FrequencyGrid(fmin: 0.37, step: 0.013, count: count)
            for k in 1...3 {
                XCTAssertLessThan(maxAbsDifference(DirectEngine().power(curve, grid: grid, nterms: k),
                                                   ReferenceEngine().power(curve, grid: grid, nterms: k)), 1e-11)
            }
        }
    }

    func testEngineReuseAcrossCurvesOfDifferentLength() {
        let engine = DirectEngine()
        let long = PreparedCurve(gaiaLikeCurve(n: 90, seed: 3))
        let short = PreparedCurve(gaiaLikeCurve(n: 15, seed: 4))
        let grid = FrequencyGrid(fmin: 0.01, step: 0.003, count: 1000)
        _ = engine.power(long, grid: grid, nterms: 1)
        XCTAssertEqual(engine.power(short, grid: grid, nterms: 1), DirectEngine().power(short, grid: grid, nterms: 1))
    }

    func testLargeTimeOffsetsKeepPhaseAccuracy() {
        // Times ~2.4e6 d (raw JD) instead of ~2000 d: the per-curve epoch keeps phases exact.
        var lc = gaiaLikeCurve(n: 30, seed: 9)
        lc.time = lc.time.map { $0 + 2_455_197.5 }
        let a = DirectEngine().power(PreparedCurve(lc), grid: FrequencyGrid(fmin: 20, step: 1e-4, count: 300), nterms: 1)
        let b = ReferenceEngine().power(PreparedCurve(lc), grid: FrequencyGrid(fmin: 20, step: 1e-4, count: 300), nterms: 1)
        XCTAssertLessThan(maxAbsDifference(a, b), 1e-10)
    }
}
