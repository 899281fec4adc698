// A FITS table written here with cfitsio and the same table written as ECSV text by hand: the two
// readers must agree bit for bit (values, null fill values, null counts, array lengths), which pins
// the FITS null conventions (TNULL, NaN, the logical 0 byte, empty strings) to the ECSV reader's.

import FITS
import Foundation
import GaiaFormat
import XCTest

final class FITSWrittenTableTests: XCTestCase {
    static let ecsvText = """
    # %ECSV 1.0
    # ---
    # datatype:
    # - {name: id, datatype: int64}
    # - name: flux
    #   unit: mag
    #   datatype: float32
    #   description: the flux
    #   meta: !!omap
    #   - {ucd: phot.flux}
    # - {name: vec, datatype: string, subtype: 'float64[10]'}
    # - {name: label, datatype: string}
    # - {name: flag, datatype: bool}
    # - {name: counts, datatype: string, subtype: 'int32[null]'}
    # - {name: big, datatype: uint32}
    # - {name: small, datatype: int16}
    # - {name: bytes, datatype: string, subtype: 'uint8[3]'}
    # schema: astropy-2.0
    id flux vec label flag counts big small bytes
    1 1.5 [0.5,1,2,3,4,5,6,7,8,9.25] alpha True [1,2,3] 4000000000 -5 [1,2,3]
    "" nan [NaN,1,2,3,4,5,6,7,8,9] "" "" "" 7 "" [4,null,6]
    3 2.25 [-1,-2,-3,-4,-5,-6,-7,-8,-9,-10] "g m" False [5,null,7,8,9] 0 12 [7,8,9]

    """

    func writeFITS(_ path: String) throws {
        let w = try FITSTableWriter(path: path, columns: [
            ("id", "1K", nil), ("flux", "1E", "mag"), ("vec", "10D", nil), ("label", "8A", nil), ("flag", "1L", nil),
            ("counts", "1PJ(5)", nil), ("big", "1V", nil), ("small", "1I", nil), ("bytes", "3B", nil),
        ], rows: 3)
        try w.setKey("TNULL1", Int64(-999))
        try w.setKey("TCOMM2", "the flux")
        try w.setKey("TUCD2", "phot.flux")
        try w.setKey("TNULL6", Int64(-1))
        try w.setKey("TNULL8", Int64(77))
        try w.setKey("TNULL9", Int64(200))
        try w.write(column: 1, firstRow: 1, [Int64(1), -999, 3])
        try w.write(column: 2, firstRow: 1, [Float(1.5), .nan, 2.25])
        try w.write(column: 3, firstRow: 1, [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9.25] + [.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9]
                        + (1...10).map { -Double($0) })
        try w.writeStrings(column: 4, firstRow: 1, ["alpha", "", "g m"])
        try w.write(column: 5, firstRow: 1, [FITSLogical(raw: 1)])
        try w.setNull(column: 5, row: 2)
        try w.write(column: 5, firstRow: 3, [FITSLogical(raw: 0)])
        try w.write(column: 6, firstRow: 1, [Int32(1), 2, 3])
        try w.write(column: 6, firstRow: 3, [Int32(5), -1, 7, 8, 9])
        try w.write(column: 7, firstRow: 1, [UInt32(4_000_000_000), 7, 0])
        try w.write(column: 8, firstRow: 1, [Int16(-5), 77, 12])
        try w.write(column: 9, firstRow: 1, [UInt8(1), 2, 3, 4, 200, 6, 7, 8, 9])
        try w.close()
    }

    func testWrittenFITSEqualsECSV() throws {
        let dir = TempDir()
        let ecsv = try dir.write("t.ecsv", Self.ecsvText)
        let fits = dir.path("t.fits")
        try writeFITS(fits)
        let reader = try FITSTableReader(path: fits)
        let shapes = reader.schema.columns.map(\.shape)
        XCTAssertEqual(shapes, [.scalar, .scalar, .fixed(10), .scalar, .scalar, .variable, .scalar, .scalar, .fixed(3)])
        XCTAssertEqual(reader.schema.columns.map(\.element), [.int64, .float32, .float64, .string, .bool, .int32, .uint32, .int16, .uint8])
        XCTAssertEqual(reader.schema.columns[5].declaredSubtype, "int32[null]")
        XCTAssertEqual(reader.schema.columns[2].declaredSubtype, "float64[10]")
        XCTAssertEqual(reader.schema.columns[1].ucd, "phot.flux")
        XCTAssertEqual(reader.schema.columns[1].unit, "mag")
        XCTAssertNil(reader.schema.tableName)
        for maxRows in [1, 2, 3, 10] {
            try assertSameTables(try TableFiles.open(path: ecsv), try TableFiles.open(path: fits), maxRows: maxRows)
        }
        // Absolute expectations (not only agreement).
        let b = try XCTUnwrap(try FITSTableReader(path: fits).readBatch(maxRows: 10))
        func col(_ n: String) throws -> ColumnData { try XCTUnwrap(b.column(named: n)) }
        XCTAssertEqual(try col("id").values(Int64.self), [1, Int64.min, 3])
        XCTAssertEqual(try col("flux").values(Float.self).map(\.bitPattern), [Float(1.5), .nan, 2.25].map(\.bitPattern))
        XCTAssertEqual(try col("vec").values(Double.self)[9], 9.25)
        XCTAssertTrue(try col("vec").values(Double.self)[10].isNaN)
        XCTAssertEqual(try col("label").strings(), ["alpha", "", "g m"])
        XCTAssertEqual(try col("flag").values(Int8.self), [1, -1, 0])
        XCTAssertEqual(try col("counts").lengths, [3, 0, 5])
        XCTAssertEqual(try col("counts").values(Int32.self), [1, 2, 3, 5, Int32.min, 7, 8, 9])
        XCTAssertEqual(try col("big").values(UInt32.self), [4_000_000_000, 7, 0])
        XCTAssertEqual(try col("small").values(Int16.self), [-5, Int16.min, 12])
        XCTAssertEqual(try col("bytes").values(UInt8.self), [1, 2, 3, 4, 255, 6, 7, 8, 9])
        XCTAssertEqual(b.columns.map(\.nullCount), [1, 1, 0, 1, 1, 2, 0, 1, 1])
    }

    /// A variable-length column stored fixed (`--fixed`, KnownTables' XP lengths): an empty FITS
    /// row is a null array, as an empty ECSV cell is (n fill values, counted once); a row of
    /// another length is an error naming the row.
    func testVariableColumnStoredFixed() throws {
        let dir = TempDir()
        let ecsv = try dir.write("v.ecsv", """
        # %ECSV 1.0
        # ---
        # datatype:
        # - {name: k, datatype: int64}
        # - {name: arr, datatype: string, subtype: 'float32[null]'}
        # - {name: ids, datatype: string, subtype: 'int16[null]'}
        k arr ids
        1 [1,2,3,4.5] [1,2,3,4]
        2 "" ""
        3 [5,NaN,7,8] [5,null,7,8]

        """)
        let fits = dir.path("v.fits")
        let w = try FITSTableWriter(path: fits, columns: [("k", "1K", nil), ("arr", "1PE(4)", nil), ("ids", "1PI(4)", nil)], rows: 3)
        try w.setKey("TNULL3", Int64(-7))
        try w.write(column: 1, firstRow: 1, [Int64(1), 2, 3])
        try w.write(column: 2, firstRow: 1, [Float(1), 2, 3, 4.5])
        try w.write(column: 2, firstRow: 3, [Float(5), .nan, 7, 8])
        try w.write(column: 3, firstRow: 1, [Int16(1), 2, 3, 4])
        try w.write(column: 3, firstRow: 3, [Int16(5), -7, 7, 8])
        try w.close()
        let fixed = ReaderOptions(fixedLengths: ["arr": 4, "ids": 4])
        for maxRows in [1, 2, 3] {
            try assertSameTables(try TableFiles.open(path: ecsv, options: fixed), try TableFiles.open(path: fits, options: fixed), maxRows: maxRows)
            try assertSameTables(try TableFiles.open(path: ecsv), try TableFiles.open(path: fits), maxRows: maxRows)
        }
        let b = try XCTUnwrap(try TableFiles.open(path: fits, options: fixed).readBatch(maxRows: 3))
        XCTAssertEqual(b.columns[2].values(Int16.self), [1, 2, 3, 4, .min, .min, .min, .min, 5, .min, 7, 8])
        XCTAssertEqual(b.columns.map(\.nullCount), [0, 1, 2])
        XCTAssertThrowsError(try allBatches(try TableFiles.open(path: fits, options: ReaderOptions(fixedLengths: ["arr": 3])), 3)) { error in
            XCTAssertTrue("\(error)".contains("row 1") && "\(error)".contains("arr"), "\(error)")
        }
    }

    func testHeaderFirstOccurrenceAndLongStrings() {
        let h = FITSHeader(cards: [
            FITSCard(name: "TCOMM1", rawValue: "'first '", comment: ""),
            FITSCard(name: "TCOMM1", rawValue: "'second'", comment: ""),
            FITSCard(name: "TCOMM2", rawValue: "'it''s long&'", comment: ""),
            FITSCard(name: "CONTINUE", rawValue: "' and continued'", comment: ""),
            FITSCard(name: "NAXIS2", rawValue: "79", comment: ""),
        ])
        XCTAssertEqual(h["TCOMM1"], "first")
        XCTAssertEqual(h["TCOMM2"], "it's long and continued")
        XCTAssertEqual(h.integer("NAXIS2"), 79)
        XCTAssertNil(h["TUNIT1"])
    }
}
