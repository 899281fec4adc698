import XCTest
@testable import XPSearch

final class TopKTests: XCTestCase {
    /// Scores with many exact ties in χ², some NaN.
    func scores(_ n: Int, seed: UInt64) -> [XPScore] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { i in
            let chi2: Double = i % 17 == 0 ? .nan : Double(Int(rng.uniform() * 50)) / 4  // ties
            return XPScore(sourceID: Int64(rng.next() % 10_000), chi2: chi2, dof: 110)
        }
    }

    func reference(_ s: [XPScore], k: Int) -> [XPScore] {
        Array(s.filter { !$0.chi2.isNaN }.sorted { ($0.chi2, $0.sourceID) < ($1.chi2, $1.sourceID) }.prefix(k))
    }

    func testDeterminismAndTies() {
        let all = scores(2000, seed: 1)
        for k in [0, 1, 7, 100, 5000] {
            let want = reference(all, k: k)
            var rng = SplitMix64(seed: UInt64(k) + 99)
            for _ in 0..<5 {
                var shuffled = all
                for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                var t = TopK(k: k)
                t.insert(contentsOf: shuffled)
                XCTAssertEqual(t.sorted.map(\.sourceID), want.map(\.sourceID), "k=\(k)")
                XCTAssertEqual(t.sorted.map(\.chi2), want.map(\.chi2))
                XCTAssertFalse(t.sorted.contains { $0.chi2.isNaN })
                if k > 0 && k <= want.count { XCTAssertEqual(t.worstChi2, want.last!.chi2) }
            }
        }
        // Tie on χ²: the smaller source_id wins the last place.
        var t = TopK(k: 2)
        t.insert(XPScore(sourceID: 30, chi2: 1, dof: 1))
        t.insert(XPScore(sourceID: 20, chi2: 2, dof: 1))
        t.insert(XPScore(sourceID: 10, chi2: 2, dof: 1))
        t.insert(XPScore(sourceID: 40, chi2: 2, dof: 1))
        t.insert(XPScore(sourceID: 5, chi2: .nan, dof: 1))
        XCTAssertEqual(t.sorted.map(\.sourceID), [30, 10])
    }

    func testWorstIsInfiniteUntilFull() {
        var t = TopK(k: 3)
        XCTAssertEqual(t.worstChi2, .infinity)
        t.insert(XPScore(sourceID: 1, chi2: 5, dof: 1))
        t.insert(XPScore(sourceID: 2, chi2: .nan, dof: 1))
        t.insert(XPScore(sourceID: 3, chi2: 4, dof: 1))
        XCTAssertEqual(t.worstChi2, .infinity)
        XCTAssertEqual(t.count, 2)
        t.insert(XPScore(sourceID: 4, chi2: 9, dof: 1))
        XCTAssertEqual(t.worstChi2, 9)
        t.insert(XPScore(sourceID: 5, chi2: 1, dof: 1))
        XCTAssertEqual(t.worstChi2, 5)
        XCTAssertEqual(t.sorted.map(\.sourceID), [5, 3, 1])
    }

    /// Per-rank top-k lists merged = the top-k of everything, for any split.
    func testMergeEqualsSingleList() {
        let all = scores(3000, seed: 2)
        for k in [1, 10, 100] {
            var single = TopK(k: k)
            single.insert(contentsOf: all)
            for ranks in [1, 2, 3, 7] {
                var lists: [[XPScore]] = []
                for r in 0..<ranks {
                    var t = TopK(k: k)
                    t.insert(contentsOf: all.enumerated().filter { $0.offset % ranks == r }.map(\.element))
                    lists.append(t.sorted)
                }
                XCTAssertEqual(TopK.merge(lists, k: k), single.sorted, "k=\(k) ranks=\(ranks)")
                XCTAssertEqual(TopK.merge(lists.reversed(), k: k), single.sorted)
            }
        }
    }
}
