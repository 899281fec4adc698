// The group statistics kernel against its slow reference and against numpy/pandas constants.
import XCTest
@testable import Aggregates

/// Equal bits, or both NaN (the sign of a zero may differ: the kernel reads −0 as +0).
func sameValue(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

let allStats: [Statistic] = [.count, .mean, .std, .skew, .kurtosis, .min, .max, .median, .mad,
                             .percentile(0), .percentile(2.5), .percentile(33.3), .percentile(50), .percentile(95), .percentile(100)]

/// A deterministic generator (Knuth's MMIX LCG, high bits tempered) so a failure can be replayed.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state ^ (state >> 29) }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Values with ties, NaN, ±inf, ±0 and widely spread magnitudes, as `kind` asks.
func sample(_ n: Int, kind: Int, _ g: inout TestRandom) -> [Double] {
    (0..<n).map { _ in
        switch kind {
        case 0: return Double(g.below(4)) * 0.5 - 0.5             // heavy ties, includes ±0 via −0.5 + 0.5
        case 1: return g.below(5) == 0 ? .nan : g.uniform() * 100 - 30
        case 2: return [Double.nan, .infinity, -.infinity, 1, 2, -0.0, 0][g.below(7)]
        case 3: return (g.uniform() - 0.5) * pow(10, Double(g.below(30)) - 15)
        default: return 1e8 + Double(g.below(1000)) * 1e-7       // tiny spread against a large mean
        }
    }
}

func fast(_ values: [Double], _ stats: [Statistic]) -> [Double] {
    var buffer: [Double] = [], out: [Double] = []
    values.withUnsafeBufferPointer { GroupStatistics.sortedSample($0, into: &buffer) }
    buffer.withUnsafeBufferPointer { GroupStatistics.compute(sorted: $0, stats, into: &out) }
    return out
}

final class GroupStatisticsTests: XCTestCase {
    func testFastPathMatchesReferenceBitForBit() {
        var g = TestRandom(state: 11)
        for n in Array(0...7) + [64, 65, 1000, 1001] {
            for kind in 0..<5 {
                for _ in 0..<(n < 8 ? 40 : 4) {
                    let v = sample(n, kind: kind, &g)
                    let a = fast(v, allStats), b = GroupStatisticsReference.compute(v, allStats)
                    for (i, s) in allStats.enumerated() where !sameValue(a[i], b[i]) {
                        XCTFail("n=\(n) kind=\(kind) \(s.name): fast \(a[i]) reference \(b[i]) for \(v)")
                    }
                }
            }
        }
    }

    func testResultsDoNotDependOnTheOrderOfValues() {
        var g = TestRandom(state: 5)
        for kind in 0..<5 {
            var v = sample(501, kind: kind, &g)
            let a = fast(v, allStats)
            for _ in 0..<3 {
                v.shuffle(using: &g)
                XCTAssertEqual(fast(v, allStats).map(\.bitPattern), a.map(\.bitPattern), "kind \(kind)")
            }
        }
    }

    func testKnownNumpyAndPandasValues() {
        // x = np.array([0.3, -1.25, 2.0, 7.5, 0.3, np.nan, 4.125, -0.5, 11.0, 2.0]); s = pd.Series(x);
        // v = x[~np.isnan(x)]; pandas 3.1.1 / numpy 2.4.6:
        let x = [0.3, -1.25, 2.0, 7.5, 0.3, .nan, 4.125, -0.5, 11.0, 2.0]
        let expected: [(Statistic, Double, Double)] = [
            (.count, 9, 0),                          // s.count()
            (.mean, 2.8305555555555557, 0),          // s.mean()
            (.std, 4.064322240888114, 1e-15),        // s.std()
            (.skew, 1.2226685528510166, 1e-14),      // s.skew()
            (.kurtosis, 0.7448000370963879, 1e-14),  // s.kurt()
            (.min, -1.25, 0), (.max, 11, 0),
            (.median, 2.0, 0),                       // np.median(v)
            (.mad, 2.125, 0),                        // np.median(np.abs(v - np.median(v)))
            (.percentile(2.5), -1.1, 0),             // np.percentile(v, 2.5)
            (.percentile(50), 2.0, 0),
            (.percentile(95), 9.599999999999998, 0), // np.percentile(v, 95): bit-exact _lerp
            (.percentile(100), 11.0, 0),
            (.percentile(33.3), 0.3, 0),
        ]
        let got = fast(x, expected.map(\.0))
        for (i, e) in expected.enumerated() {
            XCTAssertEqual(got[i], e.1, accuracy: abs(e.1) * e.2, e.0.name)
        }
        // numpy's quirks with infinities, reproduced: np.percentile([1, 2, inf], [50, 100]) is
        // [nan, nan] (inf·0 and inf − inf in _lerp) while np.median is 2 and the MAD
        // np.median(np.abs([1, 2, inf] − 2)) is 1.
        let inf = fast([1, 2, .infinity], [.percentile(50), .percentile(100), .median, .mad, .mean, .std, .count])
        XCTAssert(inf[0].isNaN && inf[1].isNaN)
        XCTAssertEqual(Array(inf[2...4]), [2, 1, .infinity])
        XCTAssert(inf[5].isNaN)
        XCTAssertEqual(inf[6], 3)
        // pandas ≥ 3.1: a constant group has NaN skew and kurtosis, std 0 (pd.Series([0.1]*5).skew()).
        let c = fast([0.1, 0.1, 0.1, 0.1, 0.1], [.mean, .std, .skew, .kurtosis, .mad])
        XCTAssertEqual(c[0], 0.1); XCTAssertEqual(c[1], 0); XCTAssert(c[2].isNaN && c[3].isNaN); XCTAssertEqual(c[4], 0)
        // Too few values: std NaN below 2, skew below 3, kurtosis below 4; empty: count 0, rest NaN.
        let small = fast([1, 2, 4], [.std, .skew, .kurtosis])
        XCTAssertEqual(small[0], 1.5275252316519465, accuracy: 1e-15)  // pd.Series([1, 2, 4]).std()
        XCTAssertEqual(small[1], 0.9352195295828246, accuracy: 1e-14)  // .skew()
        XCTAssert(small[2].isNaN)
        let empty = fast([.nan], allStats)
        XCTAssertEqual(empty[0], 0)
        XCTAssert(empty.dropFirst().allSatisfy(\.isNaN))
    }

    func testTinySpreadOnALargeMean() {
        // v = [1e8 + (k * 7919 % 1000) * 1e-7 for k in range(2000)]; the exact moments with
        // fractions.Fraction (std 2.8874686447077185e-05, skew -1.4111846658490085e-06, kurt
        // -1.2000053145403378). The mean rounded to a double is 1 ulp (1.5e-8) off; without the
        // correction of the central sums to the exact mean the skewness would be -1.4e-3.
        let v = (0..<2000).map { 1e8 + Double($0 * 7919 % 1000) * 1e-7 }
        let r = fast(v, [.std, .skew, .kurtosis])
        XCTAssertEqual(r[0], 2.8874686447077185e-05, accuracy: 2.9e-5 * 1e-12)
        XCTAssertEqual(r[1], -1.4111846658490085e-06, accuracy: 1e-11)
        XCTAssertEqual(r[2], -1.2000053145403378, accuracy: 1e-11)
    }
}

final class StatisticParseTests: XCTestCase {
    func testNamesAndParsing() throws {
        let s = try Statistic.parse(["count", "mean", " median ", "p2.5", "p5", "p50.0", "MAD", "p100", "p0"])
        XCTAssertEqual(s.map(\.name), ["count", "mean", "median", "p2.5", "p5", "p50", "mad", "p100", "p0"])
        XCTAssertEqual(s[3], .percentile(2.5))
    }

    func testErrors() {
        func message(_ items: [String]) -> String {
            do { _ = try Statistic.parse(items); return "" } catch { return "\(error)" }
        }
        XCTAssert(message(["medain"]).contains("unknown statistic 'medain' (did you mean 'median'?)"), message(["medain"]))
        XCTAssertEqual(message(["p101"]), "p101: percentile must be within 0…100")
        XCTAssert(message(["p-1"]).contains("unknown statistic 'p-1'"))
        XCTAssert(message(["pfoo"]).contains("unknown statistic"))
        XCTAssert(message(["p5", "p5.0"]).contains("listed twice"))
        XCTAssert(message([]).contains("no statistic"))
    }
}

final class DistributedSelectionTests: XCTestCase {
    /// Splits sorted-by-rank values over `parts` simulated ranks (each sorted locally) and checks
    /// that bisection with summed counts finds exactly the fast path's order statistics and MAD.
    func testSelectionOverSimulatedRanksEqualsTheSortedValues() {
        var g = TestRandom(state: 3)
        for kind in 0..<5 {
            for n in [1, 2, 3, 10, 333] {
                let v = sample(n, kind: kind, &g).filter { !$0.isNaN }.map { $0 + 0 }
                guard !v.isEmpty else { continue }
                let sorted = v.sorted()
                for parts in 1...4 {
                    var ranks = [[Double]](repeating: [], count: parts)
                    for x in v { ranks[g.below(parts)].append(x) }
                    ranks = ranks.map { $0.sorted() }
                    func sum(_ f: (UnsafeBufferPointer<Double>, Int) -> Int, _ targets: Int) -> [Int] {
                        (0..<targets).map { i in ranks.reduce(0) { acc, r in acc + r.withUnsafeBufferPointer { f($0, i) } } }
                    }
                    let ks = Array(0..<sorted.count)
                    let got = DistributedSelection.select(ranks: ks, lower: ks.map { _ in sorted.first! }, upper: ks.map { _ in sorted.last! }) { c in
                        sum({ DistributedSelection.count($0, atMost: c[$1]) }, c.count)
                    }
                    XCTAssertEqual(got.map(\.bitPattern), sorted.map(\.bitPattern), "kind \(kind) n \(n) parts \(parts)")
                    let c = sorted.count, m = Quantiles.median(sorted[(c - 1) / 2], sorted[c / 2], count: c)
                    guard m.isFinite else { continue }
                    let (a, b) = Quantiles.medianRanks(count: sorted.count)
                    let top = max(sorted.last! - m, m - sorted.first!)
                    let dev = DistributedSelection.select(ranks: [a, b], lower: [0, 0], upper: [top, top]) { c in
                        sum({ DistributedSelection.countDeviations($0, median: m, atMost: c[$1]) }, c.count)
                    }
                    let mad = Quantiles.median(dev[0], dev[1], count: sorted.count)
                    XCTAssertEqual(mad.bitPattern, fast(v, [.mad])[0].bitPattern, "kind \(kind) n \(n) parts \(parts)")
                }
            }
        }
    }

    func testOrderedKeyIsMonotone() {
        let xs: [Double] = [-.infinity, -.greatestFiniteMagnitude, -1, -.leastNonzeroMagnitude, 0, .leastNonzeroMagnitude, 1, .infinity]
        let keys = xs.map(DistributedSelection.orderedKey)
        XCTAssertEqual(keys, keys.sorted())
        XCTAssertEqual(Set(keys).count, xs.count)
        for x in xs { XCTAssertEqual(DistributedSelection.value(ofKey: DistributedSelection.orderedKey(x)), x) }
    }
}

final class RadixSortTests: XCTestCase {
    func testSortsLikeTheStandardLibrary() {
        var g = TestRandom(state: 9)
        for kind in 0..<5 {
            for n in [0, 1, 95, 96, 97, 1000, 5000] {
                var v = sample(n, kind: kind, &g).filter { !$0.isNaN }.map { $0 + 0 }
                v += [.leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude].prefix(n > 96 ? 3 : 0)
                var r = v
                r.withUnsafeMutableBufferPointer { RadixSort.sort($0) }
                XCTAssertEqual(r.map(\.bitPattern), v.sorted().map(\.bitPattern), "kind \(kind) n \(n)")
            }
        }
    }
}
