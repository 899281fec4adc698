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

    /// Fisher–Yates.
    func shuffle(_ a: [XPScore], _ rng: inout SplitMix64) -> [XPScore] {
        var s = a
        for i in stride(from: s.count - 1, to: 0, by: -1) { s.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return s
    }

    func testDeterminismAndTies() {
        let all = scores(2000, seed: 1)
        for k in [0, 1, 7, 100, 5000] {
            let want = reference(all, k: k)
            var rng = SplitMix64(seed: UInt64(k) + 99)
            for _ in 0..<5 {
                let shuffled = shuffle(all, &rng)
                var t = TopK(k: k, ranking: .chi2)
                t.insert(contentsOf: shuffled)
                XCTAssertEqual(t.sorted.map(\.sourceID), want.map(\.sourceID), "k=\(k)")
                XCTAssertEqual(t.sorted.map(\.chi2), want.map(\.chi2))
                XCTAssertFalse(t.sorted.contains { $0.chi2.isNaN })
                if k > 0 && k <= want.count { XCTAssertEqual(t.worstKey, want.last!.chi2) }
            }
        }
        // Tie on χ²: the smaller source_id wins the last place.
        var t = TopK(k: 2, ranking: .chi2)
        t.insert(XPScore(sourceID: 30, chi2: 1, dof: 1))
        t.insert(XPScore(sourceID: 20, chi2: 2, dof: 1))
        t.insert(XPScore(sourceID: 10, chi2: 2, dof: 1))
        t.insert(XPScore(sourceID: 40, chi2: 2, dof: 1))
        t.insert(XPScore(sourceID: 5, chi2: .nan, dof: 1))
        XCTAssertEqual(t.sorted.map(\.sourceID), [30, 10])
    }

    func testWorstIsInfiniteUntilFull() {
        var t = TopK(k: 3, ranking: .chi2)
        XCTAssertEqual(t.worstKey, .infinity)
        t.insert(XPScore(sourceID: 1, chi2: 5, dof: 1))
        t.insert(XPScore(sourceID: 2, chi2: .nan, dof: 1))
        t.insert(XPScore(sourceID: 3, chi2: 4, dof: 1))
        XCTAssertEqual(t.worstKey, .infinity)
        XCTAssertEqual(t.count, 2)
        t.insert(XPScore(sourceID: 4, chi2: 9, dof: 1))
        XCTAssertEqual(t.worstKey, 9)
        t.insert(XPScore(sourceID: 5, chi2: 1, dof: 1))
        XCTAssertEqual(t.worstKey, 5)
        XCTAssertEqual(t.sorted.map(\.sourceID), [5, 3, 1])
    }

    /// Per-rank top-k lists merged = the top-k of everything, for any split.
    func testMergeEqualsSingleList() {
        let all = scores(3000, seed: 2)
        for k in [1, 10, 100] {
            var single = TopK(k: k, ranking: .chi2)
            single.insert(contentsOf: all)
            for ranks in [1, 2, 3, 7] {
                var lists: [[XPScore]] = []
                for r in 0..<ranks {
                    var t = TopK(k: k, ranking: .chi2)
                    t.insert(contentsOf: all.enumerated().filter { $0.offset % ranks == r }.map(\.element))
                    lists.append(t.sorted)
                }
                XCTAssertEqual(TopK.merge(lists, k: k, ranking: .chi2), single.sorted, "k=\(k) ranks=\(ranks)")
                XCTAssertEqual(TopK.merge(lists.reversed(), k: k, ranking: .chi2), single.sorted)
            }
        }
    }

    // MARK: p-value ranking

    /// Mixed dof (55, 110, 54, 109), χ² spread over the bulk and the far tail (p underflowing to 0),
    /// exact χ² ties, and near-ties within 1e-9 relative of each other (the quick rejection's margin).
    func mixedScores(_ n: Int, seed: UInt64) -> [XPScore] {
        var rng = SplitMix64(seed: seed)
        let dofs = [55, 110, 54, 109]
        var out: [XPScore] = []
        for i in 0..<n {
            let dof = dofs[Int(rng.next() % 4)]
            var chi2: Double
            switch i % 5 {
            case 0: chi2 = Double(Int(rng.uniform() * 400)) / 2           // ties
            case 1: chi2 = 2000 + rng.uniform() * 20000                   // p underflows to 0
            case 2: chi2 = out.last.map { $0.chi2 * (1 + 1e-9) } ?? 1     // near-ties
            case 3: chi2 = i % 85 == 3 ? .nan : rng.uniform() * 300
            default: chi2 = rng.uniform() * 1e-3
            }
            out.append(XPScore(sourceID: Int64(rng.next() % 100_000), chi2: chi2, dof: chi2.isNaN ? 0 : dof))
        }
        return out
    }

    /// The definition, written out: −log p (scipy `chi2.logsf` semantics), then χ², then source_id.
    func referencePValue(_ s: [XPScore], k: Int) -> [XPScore] {
        Array(s.filter { !$0.chi2.isNaN }.sorted {
            let a = -$0.logPValue, b = -$1.logPValue
            return a != b ? a < b : ($0.chi2, $0.sourceID) < ($1.chi2, $1.sourceID)
        }.prefix(k))
    }

    func testPValueRankingDeterministicAndMergeable() {
        let all = mixedScores(3000, seed: 5)
        for k in [1, 10, 100, 2500] {
            let want = referencePValue(all, k: k)
            var rng = SplitMix64(seed: UInt64(k) + 7)
            for _ in 0..<3 {
                let shuffled = shuffle(all, &rng)
                var t = TopK(k: k, ranking: .pValue)
                t.insert(contentsOf: shuffled)
                XCTAssertEqual(t.sorted, want, "k=\(k)")
                XCTAssertEqual(t.worstKey, -want.last!.logPValue)
            }
            for ranks in [2, 3] {
                var lists: [[XPScore]] = []
                for r in 0..<ranks {
                    var t = TopK(k: k, ranking: .pValue)
                    t.insert(contentsOf: all.enumerated().filter { $0.offset % ranks == r }.map(\.element))
                    lists.append(t.sorted)
                }
                XCTAssertEqual(TopK.merge(lists.reversed(), k: k, ranking: .pValue), want, "k=\(k) ranks=\(ranks)")
            }
        }
    }

    /// The case of the issue: a two-band twin (χ² 89.7, dof 109, p 0.91) behind two one-band
    /// sources (χ² 59.7/54, p 0.27; 84.4/54, p 0.005) on raw χ², ahead of them on p-value.
    func testPValueComparesAcrossDegreesOfFreedom() {
        let twin = XPScore(sourceID: 3, chi2: 89.7, dof: 109)
        let one = XPScore(sourceID: 1, chi2: 59.7, dof: 54), two = XPScore(sourceID: 2, chi2: 84.4, dof: 54)
        XCTAssertEqual(TopK.merge([[one, two, twin]], k: 3, ranking: .chi2).map(\.sourceID), [1, 2, 3])
        XCTAssertEqual(TopK.merge([[one, two, twin]], k: 3, ranking: .pValue).map(\.sourceID), [3, 1, 2])
        // Equal p (both exactly 1 at χ² = 0): χ², then source_id decide.
        let a = XPScore(sourceID: 9, chi2: 0, dof: 55), b = XPScore(sourceID: 4, chi2: 0, dof: 110)
        XCTAssertEqual(TopK.merge([[a, b]], k: 2, ranking: .pValue).map(\.sourceID), [4, 9])
        XCTAssertTrue(XPScore(sourceID: 1, chi2: .nan, dof: 0).pValue.isNaN)
    }

    /// The pruning bound of the key is below the key of every score it covers: χ² ≥ the χ² bound
    /// and dof ≤ maxDof.
    func testKeyLowerBound() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            let bound = rng.uniform() < 0.1 ? 0 : pow(10, rng.uniform() * 8 - 3)
            let chi2 = bound * (1 + (rng.uniform() < 0.2 ? 0 : rng.uniform()))
            let maxDof = [55, 110][Int(rng.next() % 2)]
            let dof = maxDof == 110 && rng.uniform() < 0.5 ? 55 : maxDof
            for r in XPRanking.allCases {
                let lb = r.keyLowerBound(chi2LowerBound: bound, maxDof: maxDof)
                XCTAssertLessThanOrEqual(lb, r.key(chi2: chi2, dof: dof), "\(r) bound \(bound) χ² \(chi2) dof \(dof)/\(maxDof)")
            }
        }
        XCTAssertEqual(XPRanking.pValue.keyLowerBound(chi2LowerBound: 5, maxDof: 0), .infinity)
        XCTAssertEqual(XPRanking.chi2.keyLowerBound(chi2LowerBound: 5, maxDof: 110), 5)
    }
}
