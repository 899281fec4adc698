// epoch_photometry: layout, array lengths, values consistent with each other, injected signals.

import Foundation
@testable import Synth
import XCTest

final class EpochTests: XCTestCase {
    func testLayoutArraysAndValues() throws {
        let tables = try checkLayout(Shared.epoch, prefix: "EpochPhotometry")
        try checkSourceIDsAgainstTruth(Shared.epoch)
        var transits: [Int] = []
        var nulls = 0, nans = 0, trues = 0, bools = 0
        for t in tables {
            XCTAssertEqual(t.columns.count, 48)
            for row in t.rows {
                XCTAssertEqual(row[0], "375316653866487564")
                let n = Int(row[t.index("n_transits")])!
                transits.append(n)
                for k in 3..<48 {
                    let e = arrayElements(row[k])
                    XCTAssertEqual(e.count, n, t.columns[k])
                    nulls += e.filter { $0 == "null" }.count
                    nans += e.filter { $0 == "NaN" }.count
                    if t.columns[k].contains("flag") {
                        XCTAssertTrue(e.allSatisfy { $0 == "\"True\"" || $0 == "\"False\"" }, t.columns[k])
                        trues += e.filter { $0 == "\"True\"" }.count
                        bools += e.count
                    }
                }
                // Times ascending, within the DR3 span; BP/RP a few tens of seconds after G.
                let tg = arrayElements(row[t.index("g_transit_time")]).compactMap { Double($0) }.filter { !$0.isNaN }
                XCTAssertEqual(tg, tg.sorted())
                XCTAssertTrue(tg.allSatisfy { (1666.4...2701.0).contains($0) })
                let tb = arrayElements(row[t.index("bp_obs_time")]).map { Double($0)! }
                let tgAll = arrayElements(row[t.index("g_transit_time")]).map { Double($0)! }
                for k in 0..<n where !tb[k].isNaN && !tgAll[k].isNaN {
                    XCTAssertEqual((tb[k] - tgAll[k]) * 86400, 27.2, accuracy: 2)
                }
                // mag = ZP − 2.5 log10(flux); flux_over_error = flux / error (float32).
                let f = arrayElements(row[t.index("g_transit_flux")]), e = arrayElements(row[t.index("g_transit_flux_error")])
                let m = arrayElements(row[t.index("g_transit_mag")]), foe = arrayElements(row[t.index("g_transit_flux_over_error")])
                let nobs = arrayElements(row[t.index("g_transit_n_obs")]).map { Int($0)! }
                for k in 0..<n {
                    XCTAssertTrue((0...9).contains(nobs[k]))
                    guard let fv = Double(f[k]), !fv.isNaN, fv > 0 else { continue }
                    XCTAssertEqual(Double(m[k])!, 25.6874 - 2.5 * log10(fv), accuracy: 1e-12)
                    XCTAssertEqual(Float(foe[k])!, Float(fv / Double(e[k])!))
                }
            }
        }
        let sorted = transits.sorted()
        XCTAssertGreaterThanOrEqual(sorted.first!, 20)
        XCTAssertLessThanOrEqual(sorted.last!, 70)
        XCTAssertTrue((30...48).contains(sorted[sorted.count / 2]), "median \(sorted[sorted.count / 2])")
        XCTAssertGreaterThan(nans, 0)
        XCTAssertGreaterThan(nulls, 0)
        XCTAssertTrue((0.03...0.2).contains(Double(trues) / Double(bools)))
    }

    /// The G magnitudes follow the injected model: for bright RRab stars the observed and
    /// model magnitudes correlate strongly, and constant stars scatter only by their noise.
    func testInjectedSignals() throws {
        let truth = try loadJSON(Shared.epoch.truthJSON)
        let vars = truth["variables"] as! [[String: Any]]
        XCTAssertFalse(vars.isEmpty)
        let counts = truth["counts"] as! [String: Any]
        XCTAssertEqual(int64(counts["constant"]) + int64(counts["sinusoid"]) + int64(counts["rrab"]), 300)
        var rows: [Int64: ([String], TextTable)] = [:]
        for p in Shared.epoch.files {
            let t = try TextTable(path: p)
            for r in t.rows { rows[Int64(r[1])!] = (r, t) }
        }
        var checked = 0
        for v in vars where (v["type"] as! String) == "rrab" && double(v["mean_g_mag"]) < 18 {
            let (r, t) = rows[int64(v["source_id"])]!
            let sig = EpochSynth.Signal(kind: .rrab, period: double(v["period"]), amplitudeG: double(v["amplitude_g"]),
                                        phase: double(v["phase"]), bpFactor: 1, rpFactor: 1)
            let times = arrayElements(r[t.index("g_transit_time")]).map { Double($0)! }
            let mags = arrayElements(r[t.index("g_transit_mag")]).map { Double($0)! }
            let noisy = arrayElements(r[t.index("variability_flag_g_reject")]).map { $0 == "\"True\"" }
            var x: [Double] = [], y: [Double] = []
            for k in 0..<times.count where !times[k].isNaN && !mags[k].isNaN && !noisy[k] {
                x.append(sig.deltaMag(times[k])); y.append(mags[k])
            }
            let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
            var sxy = 0.0, sxx = 0.0, syy = 0.0
            for k in 0..<x.count { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx); syy += (y[k] - my) * (y[k] - my) }
            XCTAssertGreaterThan(sxy / (sxx * syy).squareRoot(), 0.9)
            XCTAssertEqual(my, double(v["mean_g_mag"]), accuracy: 0.15)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0)
        // RRab template: unit peak-to-peak, zero mean, fast rise.
        var lo = 1.0, hi = -1.0, mean = 0.0
        for g in 0..<1000 {
            let v = EpochSynth.shape(.rrab, Double(g) / 1000)
            lo = min(lo, v); hi = max(hi, v); mean += v / 1000
        }
        XCTAssertEqual(hi - lo, 1, accuracy: 1e-3)
        XCTAssertEqual(mean, 0, accuracy: 1e-6)
        XCTAssertLessThan(EpochSynth.rrabMaxPhase, 0.25)
    }
}
