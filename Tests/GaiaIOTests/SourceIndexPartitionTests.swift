// The pure halves of SourceIndex.balancedShare (SourceIndexPartition.swift), with the ranks
// simulated: the cost boundaries assembled from per-slice pieces equal RowPartition.byCost over
// the whole index, and slices validated with their seams report exactly the error (or none) that
// validating the whole index reports.

@testable import GaiaIO
import XCTest

final class SourceIndexPartitionTests: XCTestCase {
    /// The boundaries `distributedBoundaries` would return on `parts` ranks, each holding its
    /// by-count slice of `costs` (exscan and allreduce done by hand).
    func simulatedBoundaries(_ costs: [Double], parts: Int) -> [Int] {
        let total = costs.reduce(0, +)
        var found = [Int](repeating: Int.max, count: parts - 1)
        var before = 0.0
        for r in 0..<parts {
            let s = RowPartition.byCount(rows: costs.count, parts: parts, index: r)
            let mine = Array(costs[s.start..<s.end])
            let f = RowPartition.boundariesFound(costs: mine, sliceStart: s.start, before: before, total: total, parts: parts)
            found = zip(found, f).map { min($0, $1) }
            before += mine.reduce(0, +)
        }
        return RowPartition.combinedBoundaries(found, count: costs.count)
    }

    func testDistributedBoundariesEqualByCost() {
        var rng = SystemRandomNumberGenerator()
        let shapes: [[Double]] = [[5], [1, 1], [3, 100], [1, 1, 1, 1, 1, 1, 1], [50, 1, 1, 1, 1, 1, 1, 1, 1, 1]]
        var cases = shapes
        for n in [2, 3, 17, 64, 301] {
            cases.append((0..<n).map { _ in Double(Int.random(in: 1...120, using: &rng)) })
            // One source with most transits: several ranks' targets fall inside it.
            var heavy = (0..<n).map { _ in 1.0 }
            heavy[n / 2] = Double(10 * n)
            cases.append(heavy)
        }
        for costs in cases {
            for parts in 2...7 {
                let bounds = simulatedBoundaries(costs, parts: parts)
                for r in 0..<parts {
                    let expected = RowPartition.byCost(costs, parts: parts, index: r)
                    XCTAssertEqual(RowRange(start: bounds[r], count: bounds[r + 1] - bounds[r]), expected,
                                   "costs \(costs.prefix(8))… (\(costs.count)), rank \(r) of \(parts)")
                }
                XCTAssertEqual(bounds.first, 0)
                XCTAssertEqual(bounds.last, costs.count)
            }
        }
    }

    /// The first error (in rank order) of validating `index` split over `parts` ranks, or nil.
    func splitError(_ index: SourceIndex, parts: Int, rowCount: Int) -> String? {
        let slices = (0..<parts).map { RowPartition.byCount(rows: index.count, parts: parts, index: $0) }
        let pieces = slices.map {
            SourceIndex(sourceIDs: Array(index.sourceIDs[$0.start..<$0.end]), firstRows: Array(index.firstRows[$0.start..<$0.end]),
                        rowCounts: Array(index.rowCounts[$0.start..<$0.end]))
        }
        let seams = pieces.flatMap(SourceIndex.seamRecord)
        for r in 0..<parts {
            do {
                try SourceIndex.validateSlice(pieces[r], offset: slices[r].start, rank: r, seams: seams, rowCount: rowCount, file: "x.h5")
            } catch {
                return "\(error)"
            }
        }
        return nil
    }

    func wholeError(_ index: SourceIndex, rowCount: Int) -> String? {
        do { try index.validate(rowCount: rowCount, file: "x.h5"); return nil } catch { return "\(error)" }
    }

    func testSlicesWithSeamsReportWhatTheWholeIndexReports() {
        let counts: [Int64] = [3, 1, 2, 5, 1, 1, 4, 2]
        var firsts: [Int64] = [0]
        for c in counts.dropLast() { firsts.append(firsts.last! + c) }
        let good = SourceIndex(sourceIDs: [4, 9, 10, 22, 23, 40, 41, 90], firstRows: firsts, rowCounts: counts)
        let rows = Int(counts.reduce(0, +))
        var bad: [(SourceIndex, Int)] = [(good, rows), (good, rows + 1), (good, rows - 1),
                                         (SourceIndex(sourceIDs: [], firstRows: [], rowCounts: []), 3),
                                         (SourceIndex(sourceIDs: [], firstRows: [], rowCounts: []), 0)]
        // Every kind of corruption at every position, so that it falls inside slices and on seams.
        for i in 0..<good.count {
            var a = good; a.sourceIDs[i] = i > 0 ? good.sourceIDs[i - 1] : -1
            var b = good; b.firstRows[i] += 1
            var c = good; c.rowCounts[i] = 0
            var d = good; d.sourceIDs[i] = i > 0 ? good.sourceIDs[i - 1] - 1 : 4
            bad += [(a, rows), (b, rows), (c, rows), (d, rows)]
        }
        for (index, rowCount) in bad {
            let whole = wholeError(index, rowCount: rowCount)
            for parts in 1...11 {
                XCTAssertEqual(splitError(index, parts: parts, rowCount: rowCount), whole,
                               "\(index.sourceIDs) \(index.firstRows) \(index.rowCounts) rows \(rowCount), \(parts) ranks")
            }
        }
        // The corruptions are caught (the comparison above is not vacuous).
        XCTAssertNil(wholeError(good, rowCount: rows))
        var gap = good
        gap.firstRows[4] += 1
        XCTAssertTrue(splitError(gap, parts: 2, rowCount: rows)?.contains("source_index position 4 (source_id 23): first_row is 12") ?? false)
    }
}
