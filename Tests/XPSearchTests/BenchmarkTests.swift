// Throughput of the scorers, per core (one thread). Skipped unless XPSEARCH_BENCH=1; meaningful in
// release:
//   XPSEARCH_BENCH=1 swift test --scratch-path .build-xp -c release -Xswiftc -target-cpu -Xswiftc native \
//       --filter XPSearchTests.BenchmarkTests
// XPSEARCH_BENCH_ROWS (default 2048) sets the block size, XPSEARCH_BENCH_SECONDS (default 1.5)
// the minimum time per measurement.

import Foundation
import XCTest
@testable import XPSearch

final class BenchmarkTests: XCTestCase {
    static var enabled: Bool { ProcessInfo.processInfo.environment["XPSEARCH_BENCH"] == "1" }
    static var rows: Int { Int(ProcessInfo.processInfo.environment["XPSEARCH_BENCH_ROWS"] ?? "") ?? 2048 }
    static var seconds: Double { Double(ProcessInfo.processInfo.environment["XPSEARCH_BENCH_SECONDS"] ?? "") ?? 1.5 }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// A block of `rows` realistic sources (256 distinct spectra tiled, distinct source ids; no
    /// missing band, so every row costs two factorisations) and a template.
    static func workload(rows: Int) -> (PreparedTemplate, XPBlock, XPSpectrum) {
        let (template, distinct) = Synthetic.dataset(seed: 2024, count: 256, withIndefinite: false)
        var rng = SplitMix64(seed: 1)
        let full = distinct.map { s -> XPSpectrum in
            var s = s
            if s.bp == nil { s.bp = Synthetic.band(&rng) }
            if s.rp == nil { s.rp = Synthetic.band(&rng) }
            return s
        }
        var spectra: [XPSpectrum] = []
        for i in 0..<rows {
            var s = full[i % full.count]
            s.sourceID = Int64(i)
            spectra.append(s)
        }
        return (try! PreparedTemplate(template, options: XPSearchOptions()), XPBlock(spectra: spectra), template)
    }

    /// Sources per second for `body` scoring `rows` rows per call.
    static func rate(rows: Int, _ body: () -> Void) -> Double {
        body()  // warm-up
        var calls = 0
        let t0 = now()
        var t = t0
        repeat {
            body()
            calls += 1
            t = now()
        } while t - t0 < seconds
        return Double(calls * rows) / (t - t0)
    }

    func testThroughput() throws {
        try XCTSkipUnless(Self.enabled, "set XPSEARCH_BENCH=1 (and build with -c release)")
        let rows = Self.rows
        let (_, block, template) = Self.workload(rows: rows)
        var out: [XPScore] = []
        out.reserveCapacity(rows)
        print("XPSearch throughput, one thread, \(rows)-row block (\(rows * 2 * (55 * 12 + 1485 * 4) / 1_000_000) MB), sources/s:")
        let cases: [(String, XPSearchOptions)] = [
            ("BP+RP", XPSearchOptions()),
            ("BP+RP standard-deviation", XPSearchOptions(scaling: .standardDeviation)),
            ("BP+RP scaleFit", XPSearchOptions(scaleFit: true)),
            ("BP only", XPSearchOptions(bands: [.bp])),
        ]
        var best = 0.0
        for (name, options) in cases {
            let t = try PreparedTemplate(template, options: options)
            for lanes in [2, 4, 8, 16] {
                let scorer = BatchedScorer(lanes: lanes)
                let r = Self.rate(rows: rows) {
                    out.removeAll(keepingCapacity: true)
                    scorer.score(t, block, rows: 0..<rows, options: options, into: &out)
                }
                if name == "BP+RP" { best = max(best, r) }
                print(String(format: "  batched W=%-2d ", lanes) + name.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %9.0f", r))
            }
        }
        let t = try PreparedTemplate(template, options: XPSearchOptions())
        let refRows = min(rows, 256)
        let ref = Self.rate(rows: refRows) {
            out.removeAll(keepingCapacity: true)
            ReferenceScorer().score(t, block, rows: 0..<refRows, options: XPSearchOptions(), into: &out)
        }
        print("  reference      " + "BP+RP".padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %9.0f", ref))
        // Pruning index: one λmax bound per source and band.
        var sink = 0.0
        let bound = Self.rate(rows: rows) {
            block.errors[.bp]!.withUnsafeBufferPointer { e in
                block.correlations[.bp]!.withUnsafeBufferPointer { c in
                    for i in 0..<rows {
                        sink += PruningBound.lambdaMaxUpperBound(errors: UnsafeBufferPointer(rebasing: e[i * 55..<(i + 1) * 55]),
                                                                 correlations: UnsafeBufferPointer(rebasing: c[i * 1485..<(i + 1) * 1485]),
                                                                 standardDeviation: 1, scaling: .none)
                    }
                }
            }
        }
        print(String(format: "  pruning bound λmax (one band): %.0f source-bands/s = %.2f µs each (sink %g)", bound, 1e6 / bound, sink))
        XCTAssertGreaterThan(best, 0)
    }
}
