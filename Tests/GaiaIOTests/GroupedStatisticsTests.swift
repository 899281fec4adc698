// GroupedStatistics on however many ranks run the test binary (1 under `swift test`; 2 and 3
// under `mpirun -np N …xctest --filter GroupedStatisticsTests`): every rank builds the same global
// rows, takes its share, and rank 0 checks each method against the Aggregates reference applied
// to each group's whole value set, and the two methods against each other bit for bit.
import Aggregates
import MPI
import XCTest
@testable import GaiaIO

final class GroupedStatisticsTests: XCTestCase {
    override class func setUp() { MPIEnvironment.initializeIfNeeded() }

    let stats: [Statistic] = [.count, .mean, .std, .skew, .kurtosis, .min, .max, .median, .mad,
                              .percentile(0), .percentile(2.5), .percentile(50), .percentile(95), .percentile(100)]

    /// Global rows: keys from `key(i)`, two value columns with ties, NaN and (if asked) infinities.
    func rows(_ n: Int, key: (Int) -> Int64, infinities: Bool) -> GroupedInput {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        let keys = (0..<n).map(key)
        let a = (0..<n).map { _ -> Double in
            let u = next()
            if u < 0.05 { return .nan }
            if infinities && u < 0.07 { return u < 0.06 ? .infinity : -.infinity }
            return (u * 20).rounded() * 0.25 - 1  // ties
        }
        let b = (0..<n).map { _ in 1e6 + next() * 1e-3 }
        return GroupedInput(keys: keys, values: [a, b])
    }

    /// This rank's share: contiguous blocks (key order kept) or round-robin (groups on every rank).
    func share(_ all: GroupedInput, contiguous: Bool, comm: Communicator) -> GroupedInput {
        let n = all.keys.count, p = comm.size, r = comm.rank
        let mine = contiguous ? Array((r * n / p)..<((r + 1) * n / p)) : Array(stride(from: r, to: n, by: p))
        return GroupedInput(keys: mine.map { all.keys[$0] }, values: all.values.map { c in mine.map { c[$0] } })
    }

    func expected(_ all: GroupedInput) -> GroupedResult {
        let keys = Array(Set(all.keys)).sorted()
        let members = Dictionary(grouping: all.keys.indices, by: { all.keys[$0] })
        let rows = keys.map { Int64(members[$0]!.count) }
        let statistics = all.values.map { column in
            let perGroup = keys.map { k in GroupStatisticsReference.compute(members[k]!.map { column[$0] }, stats) }
            return stats.indices.map { s in perGroup.map { $0[s] } }
        }
        return GroupedResult(keys: keys, rows: rows, statistics: statistics, method: "")
    }

    func check(_ all: GroupedInput, contiguous: Bool, autoMethod: String, _ label: String) throws {
        let comm = Communicator.world
        let local = share(all, contiguous: contiguous, comm: comm)
        let reference = expected(all)
        var results: [GroupedResult] = []
        for method in GroupingMethod.allCases {
            let r = try GroupedStatistics.compute(local, stats: stats, method: method, communicator: comm)
            results.append(r)
            guard comm.isRoot else { continue }
            XCTAssertEqual(r.method, method == .auto ? autoMethod : method.rawValue, label)
            XCTAssertEqual(r.keys, reference.keys, "\(label) \(method)")
            XCTAssertEqual(r.rows, reference.rows, "\(label) \(method)")
            for v in reference.statistics.indices {
                for (s, stat) in stats.enumerated() {
                    for g in reference.keys.indices where !sameBits(r.statistics[v][s][g], reference.statistics[v][s][g]) {
                        XCTFail("\(label) \(method) value \(v) \(stat.name) group \(reference.keys[g]): \(r.statistics[v][s][g]) vs reference \(reference.statistics[v][s][g])")
                    }
                }
            }
        }
        if comm.isRoot {
            // exchange and in_place: the same bits (NaN payloads aside).
            let a = results[1].statistics.flatMap { $0.flatMap { $0 } }, b = results[2].statistics.flatMap { $0.flatMap { $0 } }
            XCTAssert(zip(a, b).allSatisfy(sameBits), label)
        }
    }

    func sameBits(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    func testKeyOrderedRowsWithGroupsStraddlingRanks() throws {
        // HEALPix-like: ascending keys, groups of 1…500 rows, so rank boundaries cut groups.
        try check(rows(700, key: { Int64($0 * $0 / 997) }, infinities: false), contiguous: true, autoMethod: "in_place", "ordered")
    }

    func testFewGroupsOnEveryRank() throws {
        try check(rows(900, key: { Int64($0 * 7919 % 5) - 2 }, infinities: true), contiguous: false, autoMethod: "in_place", "few groups")
    }

    func testManyUnorderedGroupsUseTheExchange() throws {
        // 4200 distinct keys > 4096: auto takes the exchange; unordered input takes PSRS splitters.
        try check(rows(4500, key: { Int64($0 * 104729 % 4200) * 1_000_003 }, infinities: true), contiguous: false, autoMethod: "exchange", "many groups")
    }

    func testEmptyInputAndEmptyRanks() throws {
        try check(rows(0, key: { Int64($0) }, infinities: false), contiguous: true, autoMethod: "in_place", "empty")
        try check(rows(2, key: { Int64($0) }, infinities: false), contiguous: true, autoMethod: "in_place", "two rows")
    }

    func testMisalignedColumnIsAnError() {
        let bad = GroupedInput(keys: [1, 2], values: [[1]])
        XCTAssertThrowsError(try GroupedStatistics.compute(bad, stats: [.count], method: .auto, communicator: .world)) {
            XCTAssert("\($0)".contains("value column 0 has 1 rows, the keys 2"), "\($0)")
        }
    }
}
