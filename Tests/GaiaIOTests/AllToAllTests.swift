// Communicator.alltoallv on however many ranks run the binary: each rank sends rank-and-index
// tagged elements to every rank; in one MPI call and in forced rounds (a tiny count limit, the
// path taken when counts exceed Int32).
import XCTest
@testable import GaiaIO
@testable import MPI

final class AllToAllTests: XCTestCase {
    override class func setUp() { MPIEnvironment.initializeIfNeeded() }

    func testEveryPieceArrivesInSourceRankOrder() {
        let comm = Communicator.world, p = comm.size, r = comm.rank
        // Rank r sends (r + d) % 4 + 2·d elements to rank d, each 1000·r + 100·d + i.
        let counts = (0..<p).map { d in (r + d) % 4 + 2 * d }
        let values = (0..<p).flatMap { d in (0..<counts[d]).map { Int64(1000 * r + 100 * d + $0) } }
        let expected = (0..<p).flatMap { s in (0..<((s + r) % 4 + 2 * r)).map { Int64(1000 * s + 100 * r + $0) } }
        for limit in [Int(Int32.max), 1, 3, 7] {
            let got = comm.alltoallv(values, sendCounts: counts, limit: limit)
            XCTAssertEqual(got.values, expected, "limit \(limit)")
            XCTAssertEqual(got.counts, (0..<p).map { s in (s + r) % 4 + 2 * r }, "limit \(limit)")
        }
    }

    func testKeyOrderedRanksSplitAtTheirOwnFirstKeys() {
        // Ascending keys in rank order: splitter r is rank r's first key, so only groups that
        // straddle a boundary move (to the rank holding their end).
        let comm = Communicator.world, p = comm.size, r = comm.rank
        let keys = (0..<10).map { Int64(100 * r + $0 / 3) }
        XCTAssertEqual(GroupedExchange.splitters(keys, comm), (1..<p).map { Int64(100 * $0) })
        // An empty rank takes the next rank's first key.
        let sparse = r == 1 ? [] : keys
        // Rank 1 empty: its splitter is rank 2's first key, or Int64.max when there is no rank 2.
        XCTAssertEqual(GroupedExchange.splitters(sparse, comm), (1..<p).map { $0 == 1 ? (p > 2 ? 200 : .max) : Int64(100 * $0) })
    }
}
