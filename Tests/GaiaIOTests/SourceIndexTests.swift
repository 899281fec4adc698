// The per-source index of a transit table (SourceIndex.swift): validation of indexes written by
// other tools, slice checks, reading from HDF5; and the transit-table steps of repack
// (TransitRows.swift, the plan's checks).

import Foundation
import GaiaFormat
@testable import GaiaIO
import HDF5
import XCTest

final class SourceIndexTests: XCTestCase {
    let good = SourceIndex(sourceIDs: [5, 7, 20], firstRows: [0, 3, 4], rowCounts: [3, 1, 2])

    func assertError<T>(_ body: @autoclosure () throws -> T, contains parts: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { e in
            for p in parts { XCTAssertTrue("\(e)".contains(p), "'\(p)' not in: \(e)", file: file, line: line) }
        }
    }

    func testValidIndexAndRanges() throws {
        try good.validate(rowCount: 6, file: "a.h5")
        XCTAssertEqual(good.rows(of: 0..<2), RowRange(start: 0, count: 4))
        XCTAssertEqual(good.rows(of: 1..<3), RowRange(start: 3, count: 3))
        XCTAssertEqual(good.rows(of: 3..<3), RowRange(start: 6, count: 0))
        XCTAssertEqual(good.position(of: 7), 1)
        XCTAssertEqual(good.position(of: 20), 2)
        XCTAssertNil(good.position(of: 6))
        XCTAssertNil(good.position(of: 21))
    }

    func testValidationErrorsNameFilePositionAndSource() {
        var a = good
        a.sourceIDs = [5, 5, 20]
        assertError(try a.validate(rowCount: 6, file: "a.h5"), contains: ["a.h5", "position 1 (source_id 5)", "strictly increasing"])
        var b = good
        b.rowCounts = [3, 0, 2]
        b.firstRows = [0, 3, 3]
        assertError(try b.validate(rowCount: 5, file: "b.h5"), contains: ["b.h5", "position 1 (source_id 7)", "n_rows is 0"])
        var c = good
        c.firstRows = [0, 3, 5]
        assertError(try c.validate(rowCount: 6, file: "c.h5"), contains: ["c.h5", "position 2 (source_id 20)", "first_row is 5", "end at row 4"])
        var d = good
        d.firstRows = [1, 4, 5]
        assertError(try d.validate(rowCount: 7, file: "d.h5"), contains: ["position 0 (source_id 5)", "first_row is 1"])
        assertError(try good.validate(rowCount: 7, file: "e.h5"), contains: ["e.h5", "covers 6 rows but the table has 7"])
        var f = good
        f.rowCounts = [3, 1]
        assertError(try f.validate(rowCount: 6, file: "f.h5"), contains: ["3, 3 and 2 entries"])
    }

    func testSliceCheck() throws {
        try good.checkSlice(sourceIDs: [5, 5, 5, 7], sources: 0..<2, file: "a.h5")
        try good.checkSlice(sourceIDs: [7, 20, 20], sources: 1..<3, file: "a.h5")
        // A transit of source 7 stored among source 5's rows: the index disagrees with the rows.
        assertError(try good.checkSlice(sourceIDs: [5, 7, 5, 7], sources: 0..<2, file: "a.h5"),
                    contains: ["a.h5", "row 1 holds source_id 7", "rows 0..<3 are source_id 5"])
        assertError(try good.checkSlice(sourceIDs: [7, 20], sources: 1..<3, file: "a.h5"), contains: ["2 source_id values"])
    }

    func testTransitOrderCheck() throws {
        let n = 2
        let null = Int64.min
        try good.checkTransitOrder(obsTimeTCB: [10, 11, 20, 21, null, 30, 1, 2], nCCD: n, sources: 0..<2, file: "a.h5")
        // Source 7's single transit, then source 20: times 50 then (null, 40) → 40 < 50.
        assertError(try good.checkTransitOrder(obsTimeTCB: [1, 2, 50, 51, null, 40], nCCD: n, sources: 1..<3, file: "t.h5"),
                    contains: ["t.h5", "row 5 (source_id 20)", "40 ns precedes the previous transit's 50"])
        // A transit without any time goes last: fine there, an error before a timed one.
        try good.checkTransitOrder(obsTimeTCB: [1, 2, 3, 4, null, null], nCCD: n, sources: 1..<3, file: "a.h5")
        assertError(try good.checkTransitOrder(obsTimeTCB: [1, 2, null, null, 3, 4], nCCD: n, sources: 1..<3, file: "a.h5"),
                    contains: ["row 5 (source_id 20)"])
    }

    // MARK: reading from HDF5

    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gaiamine-six-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A minimal transit table written as another tool would: n_rows, source_id, and the index.
    func write(_ index: SourceIndex?, rows: Int, nSources: Int64? = nil, name: String = "t.h5") throws -> String {
        let path = dir.appendingPathComponent(name).path
        let f = try H5File.create(path: path)
        let g = try f.createGroup("epoch_astrometry")
        try g.setAttribute("n_rows", Int64(rows))
        try g.setAttribute("columns", ["source_id"])
        let ids = try g.createDataset("source_id", element: .int64, shape: [rows])
        let values = [Int64](repeating: 1, count: rows)
        try values.withUnsafeBytes { try ids.write(rows: 0, count: rows, from: $0.baseAddress, collective: false) }
        if let index {
            let ig = try g.createGroup("source_index")
            try ig.setAttribute("n_sources", nSources ?? Int64(index.count))
            for (n, v) in zip(["source_id", "first_row", "n_rows"], [index.sourceIDs, index.firstRows, index.rowCounts]) {
                let d = try ig.createDataset(n, element: .int64, shape: [v.count])
                try v.withUnsafeBytes { try d.write(rows: 0, count: v.count, from: $0.baseAddress, collective: false) }
            }
        }
        try f.close()
        return path
    }

    func testReadFromHDF5() throws {
        let path = try write(good, rows: 6)
        let t = try GaiaTable(path: path)
        XCTAssertTrue(t.hasSourceIndex)
        let ix = try t.readSourceIndex()
        XCTAssertEqual(ix.sourceIDs, good.sourceIDs)
        XCTAssertEqual(ix.firstRows, good.firstRows)
        XCTAssertEqual(ix.rowCounts, good.rowCounts)
        try t.close()
    }

    func testReadErrorsNameTheFile() throws {
        let none = try write(nil, rows: 6, name: "none.h5")
        let t = try GaiaTable(path: none)
        XCTAssertFalse(t.hasSourceIndex)
        assertError(try t.readSourceIndex(), contains: ["none.h5", "no per-source index"])
        try t.close()
        var bad = good
        bad.firstRows = [0, 2, 4]
        let b = try GaiaTable(path: try write(bad, rows: 6, name: "bad.h5"))
        assertError(try b.readSourceIndex(), contains: ["bad.h5", "position 1 (source_id 7)", "first_row is 2"])
        try b.close()
        let c = try GaiaTable(path: try write(good, rows: 6, nSources: 4, name: "count.h5"))
        assertError(try c.readSourceIndex(), contains: ["count.h5", "n_sources is 4"])
        try c.close()
        let d = try GaiaTable(path: try write(good, rows: 7, name: "short.h5"))
        assertError(try d.readSourceIndex(), contains: ["short.h5", "covers 6 rows but the table has 7"])
        try d.close()
    }

    // MARK: transit rows in repack

    func int64Column(_ name: String, _ rows: [[Int64]]) -> ColumnData {
        let flat = rows.flatMap { $0 }
        return ColumnData(schema: ColumnSchema(name: name, element: .int64, shape: .variable),
                          bytes: flat.withUnsafeBytes { Array($0) }, lengths: rows.map { Int32($0.count) })
    }

    func testArraysBecomeFixedAndNullArraysNulls() throws {
        let ids = ColumnData(schema: ColumnSchema(name: "source_id", element: .int64), bytes: [Int64](arrayLiteral: 1, 1).withUnsafeBytes { Array($0) })
        let flags = ColumnData(schema: ColumnSchema(name: "f", element: .float32, shape: .variable),
                               bytes: [Float](arrayLiteral: 1, 2, 3).withUnsafeBytes { Array($0) }, lengths: [3, 0], nullCount: 1)
        var b = ColumnBatch(columns: [ids, int64Column("obs_time_tcb", [[7, 8, 9], [4, .min, 6]]), flags], rowCount: 2, firstLine: 40)
        let tc = try XCTUnwrap(try TransitColumns(b.columns.map(\.schema), table: nil, path: "x.csv"))
        var n: Int?
        try TransitRows.fixArrays(&b, columns: tc, nCCD: &n, path: "x.csv")
        XCTAssertEqual(n, 3)
        XCTAssertEqual(b.columns[1].schema.shape, .fixed(3))
        XCTAssertEqual(b.columns[1].values(Int64.self), [7, 8, 9, 4, .min, 6])
        let f = b.columns[2].values(Float.self)
        XCTAssertEqual(Array(f[0..<3]), [1, 2, 3])
        XCTAssertTrue(f[3...].allSatisfy(\.isNaN))
        XCTAssertEqual(b.columns[2].nullCount, 3)
        XCTAssertEqual(TransitRows.transitTimes(b.columns[1].values(Int64.self), nCCD: 3), [7, 4])
        XCTAssertEqual(TransitRows.transitTimes([.min, .min, 5, .min, .min, .min], nCCD: 3), [5, .max])
        // An array of another length: the file, its line (batch line + row) and the column.
        var c = ColumnBatch(columns: [ids, int64Column("obs_time_tcb", [[7, 8, 9], [4, 6]])], rowCount: 2, firstLine: 40)
        assertError(try TransitRows.fixArrays(&c, columns: tc, nCCD: &n, path: "x.csv"),
                    contains: ["x.csv:41:", "column 'obs_time_tcb' (field 2)", "array has 2 elements", "n_ccd = 3"])
    }

    func testTransitTableRecognitionAndOrder() throws {
        let camel = [ColumnSchema(name: "sourceId", element: .int64),
                     ColumnSchema(name: "obsTimeTcb", element: .int64, shape: .variable)]
        XCTAssertNotNil(try TransitColumns(camel, table: nil, path: "c.csv"))
        XCTAssertNil(try TransitColumns([camel[0]], table: nil, path: "c.csv"))
        let floatTimes = [camel[0], ColumnSchema(name: "obs_time_tcb", element: .float64, shape: .variable)]
        assertError(try TransitColumns(floatTimes, table: nil, path: "c.csv"), contains: ["c.csv", "must be int64"])
        // Half a transit table: an error that says what is missing.
        assertError(try TransitColumns([camel[1]], table: nil, path: "c.csv"), contains: ["c.csv", "no source_id column"])
        assertError(try TransitColumns([camel[0]], table: "epoch_astrometry", path: "c.csv"), contains: ["no obs_time_tcb (an array) column"])
        XCTAssertEqual(TransitRows.order(ids: [2, 1, 2, 1, 1], times: [5, 9, 3, 9, 1]), [4, 1, 3, 2, 0])
    }

    func transitSummary(_ index: Int, ids: ClosedRange<Int64>, rows: Int, sources: Int, nCCD: Int?) -> FileSummary {
        var s = FileSummary(index: index)
        s.columns = [ColumnLayout(ColumnSchema(name: "source_id", element: .int64)),
                     ColumnLayout(ColumnSchema(name: "obs_time_tcb", element: .int64, shape: nCCD.map { .fixed($0) } ?? .variable))]
        s.tableName = "epoch_astrometry"
        s.leaders = [-1, -1]
        s.stringWidths = [0, 0]
        s.rows = rows
        s.minID = rows > 0 ? ids.lowerBound : nil
        s.maxID = rows > 0 ? ids.upperBound : nil
        s.isTransitTable = true
        s.nCCD = nCCD
        s.sources = sources
        return s
    }

    func testPlanOfTransitFiles() throws {
        // Files in the order of their source_id ranges whatever the input order; an empty file
        // takes the others' shape.
        let files = [transitSummary(0, ids: 10...12, rows: 7, sources: 3, nCCD: 10),
                     transitSummary(1, ids: 1...4, rows: 5, sources: 2, nCCD: 10),
                     transitSummary(2, ids: 0...0, rows: 0, sources: 0, nCCD: nil)]
        let p = try Plan(files: files, inputs: ["a", "b", "c"], table: nil)
        XCTAssertTrue(p.isTransitTable)
        XCTAssertEqual(p.nCCD, 10)
        XCTAssertEqual(p.columns[1].shape, .fixed(10))
        XCTAssertEqual(p.rowStart[1], 0)
        XCTAssertEqual(p.rowStart[0], 5)
        XCTAssertEqual(p.sourceStart[1], 0)
        XCTAssertEqual(p.sourceStart[0], 2)
        XCTAssertEqual(p.totalSources, 5)
    }

    func testSourceInTwoFilesAndCCDCountsAreRefused() {
        let same = [transitSummary(0, ids: 1...1, rows: 79, sources: 1, nCCD: 10),
                    transitSummary(1, ids: 1...1, rows: 79, sources: 1, nCCD: 10)]
        assertError(try Plan(files: same, inputs: ["x/a.csv", "y/b.csv"], table: nil),
                    contains: ["source_id 1 has transits in both x/a.csv and y/b.csv", "all transits of a source must be in one input file"])
        let overlap = [transitSummary(0, ids: 1...9, rows: 9, sources: 9, nCCD: 10),
                       transitSummary(1, ids: 3...5, rows: 3, sources: 3, nCCD: 10)]
        assertError(try Plan(files: overlap, inputs: ["a.csv", "b.csv"], table: nil),
                    contains: ["b.csv", "[3, 5]", "overlaps [1, 9] of a.csv"])
        let ccds = [transitSummary(0, ids: 1...1, rows: 1, sources: 1, nCCD: 10),
                    transitSummary(1, ids: 2...2, rows: 1, sources: 1, nCCD: 9)]
        assertError(try Plan(files: ccds, inputs: ["a.csv", "b.csv"], table: nil),
                    contains: ["b.csv", "n_ccd = 9", "but 10 in a.csv"])
    }
}
