import XCTest
@testable import GaiaIO

final class PartitionTests: XCTestCase {
    func testByCountCoversEveryRowOnce() {
        for rows in [0, 1, 7, 100, 101] {
            for parts in 1...5 {
                var next = 0
                for p in 0..<parts {
                    let r = RowPartition.byCount(rows: rows, parts: parts, index: p)
                    XCTAssertEqual(r.start, next)
                    XCTAssertLessThanOrEqual(abs(r.count - rows / parts), 1)
                    next = r.end
                }
                XCTAssertEqual(next, rows)
            }
        }
    }

    func testByCostBalancesCost() {
        // One very expensive row first: it gets a block of its own.
        let cost: [Double] = [100, 1, 1, 1, 1, 1, 1, 1, 1, 1]
        let a = RowPartition.byCost(cost, parts: 2, index: 0)
        let b = RowPartition.byCost(cost, parts: 2, index: 1)
        XCTAssertEqual(a, RowRange(start: 0, count: 1))
        XCTAssertEqual(b, RowRange(start: 1, count: 9))
        // Uniform cost reduces to near-equal counts and covers everything.
        let u = [Double](repeating: 2, count: 12)
        let blocks = (0..<3).map { RowPartition.byCost(u, parts: 3, index: $0) }
        XCTAssertEqual(blocks.map(\.count), [4, 4, 4])
        XCTAssertEqual(blocks.last!.end, 12)
        // More parts than rows: empty trailing blocks, still covering.
        let few = (0..<4).map { RowPartition.byCost([1, 1], parts: 4, index: $0) }
        XCTAssertEqual(few.reduce(0) { $0 + $1.count }, 2)
    }

    func testFileAssignmentIsBalancedAndComplete() {
        let sizes = [500, 100, 400, 300, 200, 100, 200]  // 1800 bytes: 600 per rank is possible
        let a = FileAssignment.bySize(sizes, ranks: 3)
        XCTAssertEqual(a.flatMap { $0 }.sorted(), Array(0..<7))
        let loads = a.map { $0.reduce(0) { $0 + sizes[$1] } }
        XCTAssertEqual(loads.max()! - loads.min()!, 0, "LPT balances this set exactly: \(loads)")
        XCTAssertEqual(FileAssignment.bySize(sizes, ranks: 3), a, "deterministic")
        XCTAssertEqual(FileAssignment.bySize([1, 2], ranks: 4).flatMap { $0 }.sorted(), [0, 1])
    }

    func testPlanWideningRules() {
        XCTAssertEqual(Plan.widen(.int8, .int16), .int16)
        XCTAssertEqual(Plan.widen(.int64, .int8), .int64)
        XCTAssertEqual(Plan.widen(.float32, .float64), .float64)
        XCTAssertNil(Plan.widen(.float32, .int16))
        XCTAssertNil(Plan.widen(.string, .int16))
    }

    func testDurationFormatting() {
        XCTAssertEqual(ProgressReporter.duration(5.04), "5.0s")
        XCTAssertEqual(ProgressReporter.duration(125), "2m05s")
        XCTAssertEqual(ProgressReporter.duration(3725), "1h02m05s")
    }
}
