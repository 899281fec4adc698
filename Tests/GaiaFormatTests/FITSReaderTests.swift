// The FITS reader against the ECSV reader: the DataLink EPOCH_ASTROMETRY fixture (ESA's own ECSV
// and FITS of one product) and small tables written here with cfitsio (TNULL integers, NaN floats,
// fixed and variable arrays, strings, logicals, TZERO unsigned) must give identical schemas and
// identical batches — bit for bit, null counts included — for any batch size.

import FITS
import Foundation
import GaiaFormat
import XCTest

final class FITSReaderTests: XCTestCase {
    static let ecsv = Fixtures.path("dr4_epoch_astrometry/EPOCH_ASTROMETRY-Gaia DR4_INT2 1.ecsv")
    static let fits = Fixtures.path("dr4_epoch_astrometry/EPOCH_ASTROMETRY-Gaia DR4_INT2 1.fits")

    func testDataLinkFixtureECSVAndFITSAgree() throws {
        for maxRows in [1, 7, 40, 79, 1000] {
            let e = try TableFiles.open(path: Self.ecsv), f = try TableFiles.open(path: Self.fits)
            XCTAssertTrue(e is ECSVReader)
            XCTAssertTrue(f is FITSTableReader)
            try assertSameTables(e, f, maxRows: maxRows)
        }
        let f = try FITSTableReader(path: Self.fits)
        XCTAssertEqual(f.schema.tableName, "epoch_astrometry")
        XCTAssertEqual(f.rowCount, 79)
        let cols = Dictionary(uniqueKeysWithValues: f.schema.columns.map { ($0.name, $0) })
        XCTAssertEqual(f.schema.columns.count, 14)
        // Known-table metadata wins over the FITS header's garbage TCOMM1 / TUCD1 and `nm-1`.
        XCTAssertEqual(cols["source_id"]?.description, "Unique source identifier")
        XCTAssertEqual(cols["source_id"]?.ucd, "meta.id;meta.main")
        XCTAssertEqual(cols["nu_eff_used_in_astrometry"]?.unit, "1 / nm")
        XCTAssertEqual(cols["centroid_pos_al"]?.element, .float64)
        XCTAssertEqual(cols["centroid_pos_al"]?.shape, .variable)
        XCTAssertEqual(cols["centroid_pos_al"]?.declaredDatatype, "string")
        XCTAssertEqual(cols["centroid_pos_al"]?.declaredSubtype, "float64[null]")
        XCTAssertEqual(cols["used_by_agis_al"]?.element, .bool)
        XCTAssertEqual(cols["ccd_proc_flags"]?.element, .int16)
        XCTAssertEqual(cols["obs_time_tcb"]?.element, .int64)
        XCTAssertEqual(cols["obs_time_bary_corr"]?.declaredDatatype, "float32")
        // Values as the ECSV text writes them (first data row).
        let b = try XCTUnwrap(f.readBatch(maxRows: 1))
        let pos = try XCTUnwrap(b.column(named: "centroid_pos_al")).values(Double.self)
        XCTAssertEqual(pos.first, -24.139644128815373)
        XCTAssertEqual(pos.count, 10)
        XCTAssertEqual(try XCTUnwrap(b.column(named: "obs_time_tcb")).values(Int64.self).last, 151942341006847434)
        XCTAssertEqual(try XCTUnwrap(b.column(named: "used_by_agis_al")).values(Int8.self), [0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(try XCTUnwrap(b.column(named: "ccd_proc_flags")).values(Int16.self).prefix(2), [832, 8192])
        XCTAssertEqual(try XCTUnwrap(b.column(named: "nu_eff_used_in_astrometry")).values(Float.self), [0.0016043419])
    }

    func testPeekUsesTheSpaceDelimiter() throws {
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: Self.ecsv, column: "obs_time_bary_corr"), "102076650000.0")
    }

    func testOptionsBehaveTheSame() throws {
        let o = ReaderOptions(columns: ["obs_time_tcb", "source_id", "colour_factor_al"], fixedLengths: ["obs_time_tcb": 10])
        let e = try TableFiles.open(path: Self.ecsv, options: o), f = try TableFiles.open(path: Self.fits, options: o)
        XCTAssertEqual(f.schema.columns.map(\.name), ["source_id", "colour_factor_al", "obs_time_tcb"])
        XCTAssertEqual(f.schema.columns.last?.shape, .fixed(10))
        try assertSameTables(e, f, maxRows: 13)
        // A wrong fixed length is an error naming the file, the column and the row, in both readers.
        let bad = ReaderOptions(fixedLengths: ["ipd_error_al": 9])
        for path in [Self.ecsv, Self.fits] {
            let r = try TableFiles.open(path: path, options: bad)
            XCTAssertThrowsError(try allBatches(r, 10)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path) && text.contains("ipd_error_al"), text)
                if path == Self.fits { XCTAssertTrue(text.contains("row 1") && text.contains("10 elements"), text) }
            }
        }
        XCTAssertThrowsError(try TableFiles.open(path: Self.fits, options: ReaderOptions(columns: ["nope"]))) { error in
            XCTAssertTrue("\(error)".contains("nope"))
        }
        XCTAssertThrowsError(try TableFiles.open(path: Self.fits, options: ReaderOptions(fixedLengths: ["source_id": 3])))
    }

    func testDetectsFITSByContent() throws {
        let dir = TempDir()
        let copy = dir.path("product.dat")
        try FileManager.default.copyItem(atPath: Self.fits, toPath: copy)
        XCTAssertTrue(try TableFiles.isFITS(path: copy))
        XCTAssertFalse(try TableFiles.isFITS(path: Self.ecsv))
        XCTAssertTrue(try TableFiles.open(path: copy) is FITSTableReader)
        // gzip-compressed FITS: cfitsio inflates it; same batches as the plain file.
        let gz = dir.path("product.fits.gz")
        let sink = try ByteSink(path: gz, gzip: true)
        try sink.write(Array(try Data(contentsOf: URL(fileURLWithPath: Self.fits))))
        try sink.close()
        try assertSameTables(try TableFiles.open(path: Self.fits), try TableFiles.open(path: gz), maxRows: 50)
    }

    func testCorruptAndNonTableFITSNameTheFile() throws {
        let dir = TempDir()
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fits))
        for (name, bytes) in [("truncated.fits", data.prefix(9000)), ("truncated-data.fits", data.prefix(30000)),
                              ("header-only.fits", data.prefix(2880)),
                              ("garbage.fits", Data("SIMPLE  = nonsense\n".utf8))] {
            let path = dir.path(name)
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try allBatches(try TableFiles.open(path: path), 100), name) { error in
                XCTAssertTrue("\(error)".contains(path), "\(error)")
                if name == "truncated-data.fits" {  // the column and the row where the data end
                    XCTAssertTrue("\(error)".contains("column 'centroid_pos_al'") && "\(error)".contains("row 18"), "\(error)")
                }
            }
        }
    }
}

/// Every batch of a reader, then checks that it stays at the end.
func allBatches(_ r: TableFileReader, _ maxRows: Int) throws -> [ColumnBatch] {
    var out: [ColumnBatch] = []
    while let b = try r.readBatch(maxRows: maxRows) { out.append(b) }
    XCTAssertNil(try r.readBatch(maxRows: maxRows))
    return out
}

/// Same columns (every declared property) and the same batches, byte for byte.
func assertSameTables(_ a: TableFileReader, _ b: TableFileReader, maxRows: Int, file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(a.schema.columns, b.schema.columns, file: file, line: line)
    XCTAssertEqual(a.fileSchema.columns, b.fileSchema.columns, file: file, line: line)
    XCTAssertEqual(a.schema.tableName, b.schema.tableName, file: file, line: line)
    XCTAssertEqual(a.schema.meta, b.schema.meta, file: file, line: line)
    XCTAssertEqual(a.schema.extraColumns, b.schema.extraColumns, file: file, line: line)
    let x = try allBatches(a, maxRows), y = try allBatches(b, maxRows)
    XCTAssertEqual(x.map(\.rowCount), y.map(\.rowCount), file: file, line: line)
    for (p, q) in zip(x, y) {
        XCTAssertEqual(p.columns.count, q.columns.count, file: file, line: line)
        for (c, d) in zip(p.columns, q.columns) {
            XCTAssertEqual(c.schema, d.schema, file: file, line: line)
            XCTAssertEqual(c.bytes, d.bytes, "values of \(c.schema.name)", file: file, line: line)
            XCTAssertEqual(c.lengths, d.lengths, "lengths of \(c.schema.name)", file: file, line: line)
            XCTAssertEqual(c.nullCount, d.nullCount, "nulls of \(c.schema.name)", file: file, line: line)
        }
    }
}
