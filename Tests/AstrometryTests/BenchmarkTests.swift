// Prints the kernel's sources/s (no assertion on time: the figure depends on the build and the
// machine; Docs/benchmarks.md has release figures).

import XCTest

final class BenchmarkTests: XCTestCase {
    func testThroughput() {
        for (name, rate) in kernelBenchmark(sources: 100, seconds: 0.3) {
            print("astrometry kernel \(name): \(Int(rate)) sources/s")
            XCTAssertGreaterThan(rate, 0)
        }
    }
}
