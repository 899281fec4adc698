import GaiaFormat
import XCTest
@testable import Periodogram

/// The real DR3 curve on which the direct engine (and `auto`, which picks it for such short
/// curves) missed the 1e-9 power contract at nterms 3 before it got the fft engine's
/// ill-conditioning guard (SumErrorBound.swift): source 1768117776854528, BP, N = 21, 1.9e-9 at
/// 0.2398 d⁻¹. Checked against the reference (FourierFit) on the whole grid the e2e tests use.
final class DR3DirectEngineTests: XCTestCase {
    /// `/work/shared/fixtures` in development, `<repo>/../shared/fixtures` in CI: found from this
    /// file's path (Tests/PeriodogramTests/… → repo root → ../shared/fixtures).
    static let epochFixture: String = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz").path
    }()

    /// The cleaned BP magnitude curve of `source` as gaiamine and the e2e tests build it: rejected
    /// and non-finite transits dropped, σ_mag = (2.5/ln 10)/(flux/σ_flux), flux_over_error widened
    /// from float32 exactly.
    static func bpMagnitudes(source: Int64) throws -> LightCurve {
        let reader = try ECSVReader(path: epochFixture)
        var t: [Double] = [], y: [Double] = [], e: [Double] = []
        while let b = try reader.readBatch(maxRows: 100) {
            let ids = b.column(named: "source_id")!.values(Int64.self)
            let lengths = b.column(named: "bp_obs_time")!.lengths
            let time = b.column(named: "bp_obs_time")!.values(Double.self)
            let mag = b.column(named: "bp_mag")!.values(Double.self)
            let snr = b.column(named: "bp_flux_over_error")!.values(Float.self)
            let reject = b.column(named: "variability_flag_bp_reject")!.values(Int8.self)
            var start = 0
            for (row, id) in ids.enumerated() {
                let end = start + Int(lengths[row])
                if id == source {
                    for i in start..<end {
                        let sigma = 2.5 / log(10.0) / Double(snr[i])
                        guard reject[i] != 1, time[i].isFinite, mag[i].isFinite, sigma.isFinite, sigma > 0 else { continue }
                        t.append(time[i]); y.append(mag[i]); e.append(sigma)
                    }
                }
                start = end
            }
        }
        return LightCurve(time: t, value: y, error: e)
    }

    func testDirectAndAutoMeetContractOnRealIllConditionedCurve() throws {
        let lc = try DR3DirectEngineTests.bpMagnitudes(source: 1768117776854528)
        XCTAssertEqual(lc.time.count, 21)
        let curve = PreparedCurve(lc)
        let grid = FrequencyGrid.perCurve(timeSpan: lc.timeSpan, fmax: 25, oversampling: 10)!
        let exact = ReferenceEngine().power(curve, grid: grid, nterms: 3)
        let (unguarded, guarded, direct) = unguardedAndGuarded(DirectEngine.init, curve, grid: grid, nterms: 3)
        // The witness: without the fallback the direct engine misses the contract here.
        XCTAssertGreaterThan(maxAbsDifference(unguarded, exact), 1e-9)
        XCTAssertLessThanOrEqual(maxAbsDifference(guarded, exact), 1e-9)
        // Few frequencies are recomputed (measured 823 of 228109), and only those change.
        XCTAssertGreaterThan(direct.recomputedCount, 0)
        XCTAssertLessThan(direct.recomputedCount, grid.count / 100)
        XCTAssertLessThanOrEqual(zip(guarded, unguarded).filter { $0 != $1 }.count, direct.recomputedCount)
        // `auto` picks the direct engine for this short curve and returns the same power.
        let pg = Periodogram(options: PeriodogramOptions(nterms: 3, engine: .auto))
        let (power, engine) = pg.power(curve, grid: grid)
        XCTAssertEqual(engine, .direct)
        XCTAssertEqual(power, guarded)
        // nterms 1 is not guarded: nothing recomputed, output unchanged by the fallback switch.
        let single = unguardedAndGuarded(DirectEngine.init, curve, grid: grid, nterms: 1)
        XCTAssertEqual(single.guarded, single.unguarded)
        XCTAssertEqual(single.engine.recomputedCount, 0)
    }
}
