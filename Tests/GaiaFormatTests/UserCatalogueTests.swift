// Users' catalogues (crossmatch's B): ECSV exactly as astropy 8.0 writes it (the fixture strings
// below are its output, copied verbatim), CSV with quotes and inferred types, every kind of bad
// input placed at its line and field, and the read speed.
//
// Release measurement of the speed (1 M rows × 4 columns; the figure quoted in reports):
//   USERCAT_BENCH_ROWS=1000000 swift test -c release -Xswiftc -target-cpu -Xswiftc native \
//       --filter GaiaFormatTests.UserCatalogueTests/testReadSpeed

import Foundation
import GaiaFormat
import XCTest

final class UserCatalogueTests: XCTestCase {
    let dir = TempDir()

    /// `Table.write(s, format="ascii.ecsv")` of a table with a masked int16 column, a string with
    /// spaces and quotes, units, negative and exponent floats, a masked float, a float32 NaN, bools.
    static let astropySpaced = """
        # %ECSV 1.0
        # ---
        # datatype:
        # - {name: id, datatype: int64}
        # - {name: ra, unit: deg, datatype: float64}
        # - {name: dec, unit: deg, datatype: float64}
        # - {name: flux, unit: erg / (s cm2), datatype: float32}
        # - {name: n_obs, datatype: int16}
        # - {name: name, datatype: string}
        # - {name: mag, datatype: float64}
        # - {name: flag, datatype: bool}
        # schema: astropy-2.0
        id ra dec flux n_obs name mag flag
        101 10.684708 41.26875 1.5e-20 5 "M 31" "" True
        102 200.125 -1.5e-07 nan "" x 2.0 False
        -3 359.99999 -89.0 -3.25e+10 -7 "a ""quoted"" name" 3.5 True

        """

    /// The same table with `delimiter=","`.
    static let astropyComma = """
        # %ECSV 1.0
        # ---
        # datatype:
        # - {name: id, datatype: int64}
        # - {name: ra, unit: deg, datatype: float64}
        # - {name: dec, unit: deg, datatype: float64}
        # - {name: flux, unit: erg / (s cm2), datatype: float32}
        # - {name: n_obs, datatype: int16}
        # - {name: name, datatype: string}
        # - {name: mag, datatype: float64}
        # - {name: flag, datatype: bool}
        # delimiter: ','
        # schema: astropy-2.0
        id,ra,dec,flux,n_obs,name,mag,flag
        101,10.684708,41.26875,1.5e-20,5,M 31,,True
        102,200.125,-1.5e-07,nan,,x,2.0,False
        -3,359.99999,-89.0,-3.25e+10,-7,"a ""quoted"" name",3.5,True

        """

    /// Table meta (`!!omap`), a description with a colon, a 2-element array column.
    static let astropyMeta = """
        # %ECSV 1.0
        # ---
        # datatype:
        # - {name: source_id, datatype: int64}
        # - {name: pos, datatype: string, subtype: 'float64[2]'}
        # - {name: ra, datatype: float64, description: 'Right ascension: ICRS'}
        # meta: !!omap
        # - {survey: 'my: survey'}
        # - comments: [hello world]
        # schema: astropy-2.0
        source_id pos ra
        4295806720 [1.0,2.0] 1.25
        38655544960 [3.0,4.0] 2.5

        """

    /// `Table.write(s, format="ascii.csv")` of a similar table (masked values as empty fields).
    static let astropyCSV = """
        id,ra,dec,flux,n_obs,name,flag,mf
        1,10.5,-45.25,1.4999999523982838e-20,5,M 31,True,
        2,200.125,1.5e-07,nan,,,False,2.0
        -3,359.99999,89.0,-32500000768.0,7,"a ""quoted"" name",True,3.0

        """

    func read(_ name: String, _ text: String, gzip: Bool = false) throws -> UserCatalogue {
        try UserCatalogue.read(path: try dir.write(name, text, gzip: gzip))
    }

    func assertSameNumbers(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertTrue(x == y || (x.isNaN && y.isNaN), "\(a) vs \(b)", file: file, line: line)
        }
    }

    /// Same columns, NaN matching NaN.
    func assertSameColumns(_ a: [UserCatalogueColumn], _ b: [UserCatalogueColumn], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.name), b.map(\.name), file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.null, y.null, x.name, file: file, line: line)
            XCTAssertEqual(x.unit, y.unit, x.name, file: file, line: line)
            if case .float(let u) = x.values, case .float(let v) = y.values {
                assertSameNumbers(u, v, file: file, line: line)
            } else {
                XCTAssertEqual(x.values, y.values, x.name, file: file, line: line)
            }
        }
    }

    // MARK: ECSV

    func checkAstropyTable(_ t: UserCatalogue, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(t.rowCount, 3, file: file, line: line)
        XCTAssertEqual(t.columnNames, ["id", "ra", "dec", "flux", "n_obs", "name", "mag", "flag"], file: file, line: line)
        XCTAssertEqual(t.column("id")?.values, .int([101, 102, -3]), file: file, line: line)
        XCTAssertNil(t.column("id")?.null, file: file, line: line)
        XCTAssertEqual(t.column("ra")?.values, .float([10.684708, 200.125, 359.99999]), file: file, line: line)
        XCTAssertEqual(t.column("ra")?.unit, "deg", file: file, line: line)
        XCTAssertEqual(t.column("dec")?.values, .float([41.26875, -1.5e-07, -89.0]), file: file, line: line)
        XCTAssertEqual(t.column("flux")?.unit, "erg / (s cm2)", file: file, line: line)
        // float32: the value astropy holds (1.5e-20 rounded to float32); nan is a value, not masked.
        assertSameNumbers(try t.doubles("flux"), [Double(Float(1.5e-20)), .nan, -32500000768.0], file: file, line: line)
        XCTAssertNil(t.column("flux")?.null, file: file, line: line)
        XCTAssertEqual(t.column("n_obs")?.values, .int([5, 0, -7]), file: file, line: line)
        XCTAssertEqual(t.column("n_obs")?.null, [false, true, false], file: file, line: line)
        assertSameNumbers(try t.doubles("n_obs"), [5, .nan, -7], file: file, line: line)
        XCTAssertEqual(t.column("name")?.values, .string(["M 31", "x", "a \"quoted\" name"]), file: file, line: line)
        XCTAssertNil(t.column("name")?.null, file: file, line: line)
        XCTAssertEqual(t.column("mag")?.null, [true, false, false], file: file, line: line)
        assertSameNumbers(try t.doubles("mag"), [.nan, 2.0, 3.5], file: file, line: line)
        XCTAssertEqual(t.column("flag")?.values, .bool([true, false, true]), file: file, line: line)
    }

    func testAstropySpaceDelimited() throws {
        try checkAstropyTable(try read("t.ecsv", Self.astropySpaced))
    }

    func testAstropyCommaDelimitedAndGzip() throws {
        let comma = try read("c.ecsv", Self.astropyComma)
        try checkAstropyTable(comma)
        assertSameColumns(comma.columns, try read("s.ecsv", Self.astropySpaced).columns)
        try checkAstropyTable(try read("c.ecsv.gz", Self.astropyComma, gzip: true))
        // CRLF line ends, a byte-order mark and an upper-case suffix change nothing.
        let crlf = "\u{FEFF}" + Self.astropySpaced.replacingOccurrences(of: "\n", with: "\r\n")
        assertSameColumns(try read("T.ECSV", crlf).columns, comma.columns)
    }

    func testAstropyMetaAndArrayColumn() throws {
        let t = try read("m.ecsv", Self.astropyMeta)
        XCTAssertEqual(t.column("source_id")?.values, .int([4295806720, 38655544960]))
        XCTAssertEqual(t.column("pos")?.values, .string(["[1.0,2.0]", "[3.0,4.0]"]))
        XCTAssertEqual(try t.doubles("ra"), [1.25, 2.5])
        XCTAssertNil(t.column("ra")?.unit)
    }

    func testSpacesBlankAndCommentLines() throws {
        // Runs of blanks separate fields; blank and `#` lines between rows are skipped; the
        // default delimiter is a space when the header declares none.
        let text = """
            # %ECSV 1.0
            # ---
            # datatype:
            # - {name: a, datatype: uint8}
            # - {name: b, datatype: float16}
            # - {name: s, datatype: string}
            a b s
              7    0.1   "two  spaces"

            # a comment
            255 -inf ""
            """
        let t = try read("b.ecsv", text)
        XCTAssertEqual(t.column("a")?.values, .int([7, 255]))
        let b = try t.doubles("b")
        #if !(arch(x86_64) && os(macOS))
        XCTAssertEqual(b[0], Double(Float(Float16(0.1))))  // float16: the value astropy holds
        #endif
        XCTAssertEqual(b[1], -.infinity)
        XCTAssertEqual(t.column("s")?.values, .string(["two  spaces", ""]))
        XCTAssertEqual(t.column("s")?.null, [false, true])
    }

    // MARK: CSV

    func testAstropyCSVInference() throws {
        let t = try read("t.csv", Self.astropyCSV)
        XCTAssertEqual(t.rowCount, 3)
        XCTAssertEqual(t.column("id")?.values, .int([1, 2, -3]))
        XCTAssertEqual(t.column("dec")?.values, .float([-45.25, 1.5e-07, 89.0]))
        assertSameNumbers(try t.doubles("flux"), [1.4999999523982838e-20, .nan, -32500000768.0])
        XCTAssertEqual(t.column("n_obs")?.values, .int([5, 0, 7]))
        XCTAssertEqual(t.column("n_obs")?.null, [false, true, false])
        XCTAssertEqual(t.column("name")?.values, .string(["M 31", "", "a \"quoted\" name"]))
        XCTAssertEqual(t.column("name")?.null, [false, true, false])
        // True/False stay text in CSV, as astropy reads them.
        XCTAssertEqual(t.column("flag")?.values, .string(["True", "False", "True"]))
        XCTAssertEqual(t.column("mf")?.null, [true, false, false])
        assertSameNumbers(try t.doubles("mf"), [.nan, 2.0, 3.0])
        assertSameColumns(try read("t.csv.gz", Self.astropyCSV, gzip: true).columns, t.columns)
    }

    func testCSVQuotesAndUnusualValues() throws {
        // pandas' unnamed index column, quoted names and values, blanks around fields, an integer
        // beyond int64 (→ float), inf, a column with no value at all (→ float, all missing), null.
        let text = "\u{FEFF},\"ra, deg\",big,e,\"q\"\r\n"
            + "0, 1.5 ,99999999999999999999,,\" x \"\r\n"
            + "1,\"-2e-3\",-1,,\"say \"\"hi\"\"\"\r\n"
            + "2,inf,NULL,,\r\n"
        let t = try read("q.csv", text)
        XCTAssertEqual(t.columnNames, ["col0", "ra, deg", "big", "e", "q"])
        XCTAssertEqual(t.column("col0")?.values, .int([0, 1, 2]))
        XCTAssertEqual(t.column("ra, deg")?.values, .float([1.5, -0.002, .infinity]))
        assertSameNumbers(try t.doubles("big"), [1e20, -1, .nan])
        XCTAssertEqual(t.column("big")?.null, [false, false, true])
        assertSameNumbers(try t.doubles("e"), [.nan, .nan, .nan])
        XCTAssertEqual(t.column("e")?.null, [true, true, true])
        XCTAssertEqual(t.column("q")?.values, .string([" x ", "say \"hi\"", ""]))
    }

    // MARK: errors

    func testMissingColumnSuggestsNames() throws {
        let t = try read("t.ecsv", Self.astropySpaced)
        let e = assertFormatError(t.path, line: nil, column: nil, contains: "no column 'dek'", { _ = try t.doubles("dek") })
        XCTAssertTrue(e?.message.contains("columns are 'id', 'ra', 'dec'") == true, "\(String(describing: e))")
        XCTAssertTrue(e?.message.contains("did you mean 'dec'?") == true, "\(String(describing: e))")
        // A VizieR-style name holding the word asked for.
        let v = try read("v.csv", "RA_ICRS,DE_ICRS\n1,2\n")
        let e2 = assertFormatError(v.path, line: nil, column: nil, contains: "no column 'ra'", { _ = try v.doubles("ra") })
        XCTAssertTrue(e2?.message.contains("did you mean 'RA_ICRS'?") == true, "\(String(describing: e2))")
        let e3 = assertFormatError(v.path, line: nil, column: nil, contains: "no column 'zzz'", { _ = try v.doubles("zzz") })
        XCTAssertFalse(e3?.message.contains("did you mean") ?? true, "\(String(describing: e3))")
    }

    /// The spaced astropy file with data row `row` (0-based) replaced; its rows start at line 14.
    func spacedWithRow(_ row: Int, _ replacement: String) -> String {
        var lines = Self.astropySpaced.components(separatedBy: "\n")
        lines[13 + row] = replacement
        return lines.joined(separator: "\n")
    }

    func testBadValuesArePlaced() throws {
        let cases: [(row: String, column: String, field: Int, contains: String)] = [
            ("102 200.125 -1.5e-07 nan \"\" x 2.O False", "mag", 7, "'2.O' is not a number"),
            ("102 20O.125 -1.5e-07 nan \"\" x 2.0 False", "ra", 2, "'20O.125' is not a number"),
            ("102 200.125 -1.5e-07 nan 40000 x 2.0 False", "n_obs", 5, "'40000' is outside the range -32768…32767"),
            ("1.5 200.125 -1.5e-07 nan 1 x 2.0 False", "id", 1, "'1.5' is not an integer"),
            ("102 200.125 -1.5e-07 nan 1 x 2.0 yes", "flag", 8, "'yes' is not a boolean"),
            ("102 200.125 -1.5e-07 nan 1 \"x 2.0 False", "name", 6, "does not close"),
            ("102 200.125 -1.5e-07 nan 1 \"x\"y 2.0 False", "name", 6, "text after the closing quote"),
            ("102 200.125 -1.5e-07 nan \"\" x 2.0", "flag", 8, "missing: the line has 7 fields"),
        ]
        for (k, c) in cases.enumerated() {
            let path = try dir.write("bad\(k).ecsv", spacedWithRow(1, c.row))
            assertFormatError(path, line: 15, column: c.column, field: c.field, contains: c.contains,
                              { _ = try UserCatalogue.read(path: path) })
        }
        // A string with a space left unquoted.
        let long = try dir.write("long.ecsv", spacedWithRow(2, "-3 359.99999 -89.0 -3.25e+10 -7 a quoted 3.5 True"))
        assertFormatError(long, line: 16, column: nil, contains: "the line has 9 fields, the header names 8 columns",
                          { _ = try UserCatalogue.read(path: long) })
        // CSV: a short row and an unterminated quote, lines counted from the name line.
        let csv = try dir.write("short.csv", "a,b,c\n1,2,3\n\n4,5\n")
        assertFormatError(csv, line: 4, column: "c", field: 3, contains: "the line has 2 fields", { _ = try UserCatalogue.read(path: csv) })
        let quote = try dir.write("quote.csv", "a,b\n1,\"x\n")
        assertFormatError(quote, line: 2, column: "b", field: 2, contains: "does not close", { _ = try UserCatalogue.read(path: quote) })
    }

    func testNonNumericColumnsSayWhere() throws {
        let csv = try read("s.csv", "id,ra\n1,10.5\n2,11\n3,ten\n")
        assertFormatError(csv.path, line: 4, column: "ra", field: 2, contains: "holds text, not numbers: 'ten' is not a number",
                          { _ = try csv.doubles("ra") })
        let ecsv = try read("t.ecsv", Self.astropySpaced)
        assertFormatError(ecsv.path, line: 9, column: "name", field: 6, contains: "holds text, not numbers: declared datatype 'string'",
                          { _ = try ecsv.doubles("name") })
        assertFormatError(ecsv.path, line: 11, column: "flag", field: 8, contains: "holds booleans",
                          { _ = try ecsv.doubles("flag") })
    }

    func testBadFilesAndHeaders() throws {
        let txt = try dir.write("cat.txt", "a\n1\n")
        assertFormatError(txt, line: nil, column: nil, contains: ".ecsv, .csv, .ecsv.gz or .csv.gz", { _ = try UserCatalogue.read(path: txt) })
        let absent = dir.path("absent.csv")
        assertFormatError(absent, line: nil, column: nil, contains: "cannot open", { _ = try UserCatalogue.read(path: absent) })
        let plain = try dir.write("plain.ecsv", Self.astropyCSV)
        assertFormatError(plain, line: 1, column: nil, contains: "not an ECSV file", { _ = try UserCatalogue.read(path: plain) })
        let renamed = try dir.write("renamed.ecsv", Self.astropySpaced.replacingOccurrences(of: "id ra dec", with: "id RA dec"))
        assertFormatError(renamed, line: 13, column: "ra", field: 2, contains: "has 'RA' where the header declares 'ra'",
                          { _ = try UserCatalogue.read(path: renamed) })
        let yaml = try dir.write("yaml.ecsv", Self.astropySpaced.replacingOccurrences(of: "# - {name: dec, unit: deg, datatype: float64}",
                                                                                      with: "# - {name: dec, unit: deg, datatype: float64"))
        assertFormatError(yaml, line: 7, column: nil, contains: "flow mapping at line 6", { _ = try UserCatalogue.read(path: yaml) })
        let empty = try dir.write("empty.csv", "\n")
        assertFormatError(empty, line: 1, column: nil, contains: "no line of column names", { _ = try UserCatalogue.read(path: empty) })
        let twice = try dir.write("twice.csv", "a,b,a\n1,2,3\n")
        assertFormatError(twice, line: 1, column: "a", field: 3, contains: "given twice", { _ = try UserCatalogue.read(path: twice) })
    }

    // MARK: speed

    /// Rows of the speed test: 20 000 by default (debug builds), more via the environment.
    var benchRows: Int { ProcessInfo.processInfo.environment["USERCAT_BENCH_ROWS"].flatMap { Int($0) } ?? 20_000 }

    func testReadSpeed() throws {
        let n = benchRows
        // id, ra, dec, a name: values that are functions of the row, checked after reading.
        var csv = "id,ra,dec,name\n"
        csv.reserveCapacity(n * 48)
        for i in 0..<n {
            csv += "\(1_000_000_007 * Int64(i)),\(Double(i) * 3.6e-4),\(-90 + Double(i % 180_001) * 1e-3),star \(i)\n"
        }
        let ecsvText = """
            # %ECSV 1.0
            # ---
            # datatype:
            # - {name: id, datatype: int64}
            # - {name: ra, unit: deg, datatype: float64}
            # - {name: dec, unit: deg, datatype: float64}
            # - {name: name, datatype: string}
            # delimiter: ','

            """ + csv
        for (name, text) in [("bench.csv", csv), ("bench.ecsv", ecsvText)] {
            let path = try dir.write(name, text)
            let start = Date()
            let t = try UserCatalogue.read(path: path)
            let seconds = Date().timeIntervalSince(start)
            print("UserCatalogue.read \(name): \(n) rows × 4 columns in \(String(format: "%.3f", seconds)) s")
            XCTAssertEqual(t.rowCount, n)
            guard case .int(let ids)? = t.column("id")?.values, case .string(let names)? = t.column("name")?.values else {
                return XCTFail("column types of \(name): \(t.columns.map(\.values).map { "\($0)".prefix(20) })")
            }
            let ra = try t.doubles("ra"), dec = try t.doubles("dec")
            for i in stride(from: 0, to: n, by: max(1, n / 997)) {
                XCTAssertEqual(ids[i], 1_000_000_007 * Int64(i))
                XCTAssertEqual(ra[i], Double(i) * 3.6e-4)
                XCTAssertEqual(dec[i], -90 + Double(i % 180_001) * 1e-3)
                XCTAssertEqual(names[i], "star \(i)")
            }
            // The brief's bound, asserted only for a release measurement of at least 1 M rows.
            if n >= 1_000_000 { XCTAssertLessThan(seconds, 2.0 * Double(n) / 1e6) }
        }
    }
}
