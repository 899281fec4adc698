import XCTest
@testable import Pairs

final class OrderStatisticTests: XCTestCase {
    /// Every k of random, clustered, constant and sorted inputs: the same value as sorting.
    func testKthSmallestEqualsSorting() {
        var g = SplitMix64(21)
        let inputs: [[Double]] = [
            (0..<1000).map { _ in g.logUniform(0.1, 3600) },
            (0..<777).map { _ in Double(g.next() % 5) },
            [Double](repeating: 30, count: 500),
            (0..<300).map(Double.init),
            (0..<300).map { Double(300 - $0) },
            [42],
        ]
        for v in inputs {
            let sorted = v.sorted()
            for k in v.indices {
                XCTAssertEqual(OrderStatistic.kthSmallest(v, k), sorted[k], "n \(v.count), k \(k)")
            }
        }
    }
}
