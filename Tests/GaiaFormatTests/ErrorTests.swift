// Every kind of bad input is reported as a FormatError naming the file, the 1-based line and,
// for field problems, the column and its field number; nothing crashes, no row is dropped.

import Foundation
import GaiaFormat
import XCTest

final class ErrorTests: XCTestCase {
    let dir = TempDir()
    let cols = [Col("id", "int64"), Col("x", "float32"), Col("arr", "string", "float64[null]"),
                Col("fx", "string", "float32[3]"), Col("b", "bool"), Col("small", "int8"), Col("s", "string")]
    let good = "1,0.5,\"[1,2]\",\"[1,2,3]\",True,5,txt"
    /// Line number of the first data row of `ecsvText(cols, …)`.
    var firstRow: Int { headerLines(cols) + 1 }

    func write(_ text: String, _ name: String = "bad.ecsv", gzip: Bool = false) throws -> String {
        try dir.write(name, text, gzip: gzip)
    }

    /// Opens and reads the whole file.
    func readFile(_ path: String, _ options: ReaderOptions = ReaderOptions()) throws {
        let r = try ECSVReader(path: path, options: options)
        while try r.readBatch(maxRows: 100) != nil {}
    }

    /// A data row of `cols` with field `k` (0-based) replaced by `value`.
    func row(_ k: Int, _ value: String) -> String {
        var f = Reference.splitCSV(good).map { $0.contains(",") ? "\"\($0)\"" : $0 }
        f[k] = value
        return f.joined(separator: ",")
    }

    /// A file whose second data row has `value` in field `k`; asserts the error is placed there.
    func assertRowError(_ k: Int, _ value: String, contains: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(ecsvText(cols, rows: [good, row(k, value), good]), "row\(k).ecsv")
        assertFormatError(path, line: firstRow + 1, column: cols[k].name, field: k + 1, contains: contains,
                          { try readFile(path) }, sourceFile: file, sourceLine: line)
    }

    // MARK: header

    func testMissingECSVMarker() throws {
        let path = try write("# not an ecsv file\n# ---\n# datatype:\n# - {name: a, datatype: int8}\na\n1\n")
        assertFormatError(path, line: 1, column: nil, contains: "%ECSV") { try readFile(path) }
    }

    func testBadYAML() throws {
        let path = try write("# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: int8\n#   bad: [\na\n1\n")
        let e = assertFormatError(path, line: 5, column: nil, contains: "bad YAML") { try readFile(path) }
        XCTAssertNotNil(e)
    }

    func testMissingDatatype() throws {
        let path = try write("# %ECSV 1.0\n# ---\n# delimiter: ','\n# meta: {TABLE: x}\na\n1\n")
        assertFormatError(path, line: 4, column: nil, contains: "no 'datatype'") { try readFile(path) }
    }

    func testUnknownDatatype() throws {
        let path = try write(ecsvText([Col("a", "int8"), Col("b", "int128")], rows: ["1,2"]))
        // Line 8: `#   datatype: int128`.
        assertFormatError(path, line: 8, column: "b", field: 2, contains: "unknown datatype 'int128'") { try readFile(path) }
    }

    func testUnsupportedDatatype() throws {
        let path = try write(ecsvText([Col("a", "complex128")], rows: ["1"]))
        assertFormatError(path, line: 6, column: "a", field: 1, contains: "not supported") { try readFile(path) }
    }

    func testMultiDimensionalSubtype() throws {
        let path = try write(ecsvText([Col("a", "int8"), Col("m", "string", "float64[2,3]")], rows: ["1,\"[[1,2,3],[4,5,6]]\""]))
        // Line 9: `#   subtype: 'float64[2,3]'`.
        assertFormatError(path, line: 9, column: "m", field: 2, contains: "multi-dimensional") { try readFile(path) }
    }

    func testColumnNameLineMismatch() throws {
        let path = try write(ecsvText(cols, rows: [good], names: "id,y,arr,fx,b,small,s"))
        assertFormatError(path, line: firstRow - 1, column: "x", field: 2, contains: "'y' where the header declares 'x'") { try readFile(path) }
        let short = try write(ecsvText(cols, rows: [good], names: "id,x,arr"), "short.ecsv")
        assertFormatError(short, line: firstRow - 1, column: "fx", field: 4, contains: "has 3 names") { try readFile(short) }
    }

    func testHeaderWithoutColumnNameLine() throws {
        let path = try write("# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: int8}\n")
        assertFormatError(path, line: 5, column: nil, contains: "not followed by a line of column names") { try readFile(path) }
    }

    func testEmptyFile() throws {
        let path = try write("")
        assertFormatError(path, line: 1, column: nil, contains: "empty file") { try readFile(path) }
        let gz = try write("", "empty.csv.gz", gzip: true)
        assertFormatError(gz, line: 1, column: nil, contains: "empty file") { try readFile(gz) }
    }

    func testHeaderlessUnknownColumn() throws {
        let path = try write("source_id,bp_coefficients,wibble\n1,\"[1]\",2\n", "plain.csv")
        assertFormatError(path, line: 1, column: "wibble", field: 3, contains: "no known Gaia table") { try readFile(path) }
        let nothing = try write("foo,bar\n1,2\n", "nothing.csv")
        assertFormatError(nothing, line: 1, column: nil, contains: "match no known Gaia table") { try readFile(nothing) }
    }

    func testRequestedColumnMissing() throws {
        let path = try write(ecsvText(cols, rows: [good]))
        assertFormatError(path, line: firstRow - 1, column: "nope", contains: "no such column") {
            try readFile(path, ReaderOptions(columns: ["id", "nope"]))
        }
    }

    func testBadFixedLengthOverrides() throws {
        let path = try write(ecsvText(cols, rows: [good]))
        assertFormatError(path, line: nil, column: "id", field: 1, contains: "scalar column") {
            try readFile(path, ReaderOptions(fixedLengths: ["id": 3]))
        }
        assertFormatError(path, line: nil, column: "fx", field: 4, contains: "header declares 3") {
            try readFile(path, ReaderOptions(fixedLengths: ["fx": 4]))
        }
    }

    // MARK: rows

    func testTooFewFields() throws {
        let path = try write(ecsvText(cols, rows: [good, "2,0.5"]))
        assertFormatError(path, line: firstRow + 1, column: "arr", field: 3, contains: "the row has 2 fields but the header declares 7") {
            try readFile(path)
        }
    }

    func testTooManyFields() throws {
        let path = try write(ecsvText(cols, rows: [good, good + ",extra,more"]))
        assertFormatError(path, line: firstRow + 1, column: "s", field: 7, contains: "the row has 9 fields") { try readFile(path) }
    }

    func testUnterminatedQuote() throws {
        try assertRowError(6, "\"abc", contains: "unterminated quote")
        // A line cut inside a quoted array.
        let path = try write(ecsvText([Col("id", "int64"), Col("arr", "string", "float64[null]")], rows: ["1,\"[1]\"", "2,\"[1,2"]), "cut.ecsv")
        assertFormatError(path, line: 12, column: "arr", field: 2, contains: "unterminated quote") { try readFile(path) }
    }

    func testCharactersAfterClosingQuote() throws {
        try assertRowError(6, "\"abc\"def", contains: "after the closing quote")
    }

    func testArrayMissingOpeningBracket() throws {
        try assertRowError(2, "\"1,2]\"", contains: "expected '[' or '('")
    }

    func testArrayMissingClosingBracket() throws {
        try assertRowError(2, "\"[1,2\"", contains: "no closing ']' or ')' before the closing quote")
        try assertRowError(2, "\"(1,2\"", contains: "no closing ']' or ')'")
        let path = try write(ecsvText([Col("id", "int64"), Col("arr", "string", "float64[null]")], rows: ["2,[1"]), "open.ecsv")
        assertFormatError(path, line: 11, column: "arr", field: 2, contains: "no closing ']' or ')' after element 0") { try readFile(path) }
    }

    func testArrayBadElement() throws {
        try assertRowError(2, "\"[1,abc,3]\"", contains: "element 1 ('abc')")
        try assertRowError(2, "\"[1,,3]\"", contains: "element 1")
        try assertRowError(3, "\"[1,2,True]\"", contains: "element 2 ('True')")
    }

    func testCharactersAfterArray() throws {
        try assertRowError(2, "\"[1,2]x\"", contains: "after the closing bracket")
    }

    func testFixedLengthMismatch() throws {
        try assertRowError(3, "\"[1,2]\"", contains: "array has 2 elements but the column is stored with fixed length 3")
        try assertRowError(3, "\"[1,2,3,4]\"", contains: "array has 4 elements")
        try assertRowError(3, "\"[]\"", contains: "array has 0 elements")
        // Known-table arrays whose length comes from the data (XP coefficients: 55 in DR3, BP 51
        // in DR4): the first non-empty row fixes it (a null row before it is fine), any other row
        // of another length is an error at its line.
        func coefficients(_ n: Int) -> String { "\"[" + (0..<n).map { "\($0)" }.joined(separator: ",") + "]\"" }
        let path = try write("source_id,bp_coefficients\n1,\n2,\(coefficients(55))\n3,\(coefficients(54))\n", "xp.csv")
        assertFormatError(path, line: 4, column: "bp_coefficients", field: 2,
                          contains: "54 elements but the column is stored with fixed length 55") { try readFile(path) }
        let dr4 = try write("source_id,bp_coefficients\n1,\(coefficients(51))\n2,\n3,\(coefficients(51))\n", "xp4.csv")
        let reader = try ECSVReader(path: dr4)
        XCTAssertEqual(reader.schema.columns[1].shape, .fixed(51))
        let batch = try XCTUnwrap(try reader.readBatch(maxRows: 10))
        XCTAssertEqual(batch.rowCount, 3)
        let values = batch.columns[1].values(Double.self)
        XCTAssertEqual(values.count, 3 * 51)
        XCTAssertTrue(values[51..<102].allSatisfy(\.isNaN))  // the null row: 51 NaNs
        XCTAssertEqual(values[102 + 50], 50)
    }

    func testNonNumericValues() throws {
        try assertRowError(1, "abc", contains: "'abc' is not a valid float32")
        try assertRowError(1, "1.5.5", contains: "not a valid float32")
        try assertRowError(0, "12a", contains: "'12a' is not a valid int64")
        try assertRowError(5, "1.0", contains: "not a valid int8")
        try assertRowError(0, "nan", contains: "not a valid int64")
    }

    func testIntegerOutOfRange() throws {
        try assertRowError(5, "300", contains: "300 is out of range for int8 (-128…127)")
        try assertRowError(5, "-129", contains: "out of range for int8")
        try assertRowError(0, "9223372036854775808", contains: "out of range for int64")
        try assertRowError(0, "-9223372036854775809", contains: "out of range for int64")
        try assertRowError(0, "99999999999999999999999", contains: "out of range for int64")
        let path = try write(ecsvText([Col("u", "uint16"), Col("a", "string", "int8[null]")], rows: ["-1,\"[1]\"", "1,\"[1,200]\""]), "u.ecsv")
        assertFormatError(path, line: 11, column: "u", field: 1, contains: "out of range for uint16") { try readFile(path) }
        let arrays = try write(ecsvText([Col("u", "uint16"), Col("a", "string", "int8[null]")], rows: ["1,\"[1,200]\""]), "a.ecsv")
        assertFormatError(arrays, line: 11, column: "a", field: 2, contains: "element 1 (200) is out of range for int8") { try readFile(arrays) }
    }

    func testBadBoolean() throws {
        try assertRowError(4, "Yes", contains: "'Yes' is not a boolean")
        try assertRowError(4, "2", contains: "not a boolean")
        let path = try write(ecsvText([Col("a", "string", "bool[null]")], rows: ["\"[True,maybe]\""]), "ba.ecsv")
        assertFormatError(path, line: 9, column: "a", field: 1, contains: "element 1 ('maybe')") { try readFile(path) }
    }

    func testTruncatedGzip() throws {
        // ~3 MB of varied rows, cut in the middle of the compressed stream.
        var rows: [String] = []
        var state: UInt64 = 12345
        for i in 0..<20000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            rows.append("\(i),\(Double(state >> 11) / 9e15),\"[\(state % 1000),\(state % 7)]\",\"[1,2,3]\",False,\(i % 100),r\(state)")
        }
        let full = try write(ecsvText(cols, rows: rows), "full.csv.gz", gzip: true)
        let data = try Data(contentsOf: URL(fileURLWithPath: full))
        let cut = dir.path("cut.csv.gz")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        var rowsRead = 0
        do {
            let r = try ECSVReader(path: cut)
            while let b = try r.readBatch(maxRows: 1000) { rowsRead += b.rowCount }
            XCTFail("a truncated gzip file must not read as complete")
        } catch let e as FormatError {
            XCTAssertEqual(e.file, cut)
            XCTAssertTrue(e.message.contains("truncated gzip"), e.message)
            let line = try XCTUnwrap(e.line)
            XCTAssertGreaterThan(rowsRead, 5000)  // the rows before the cut were delivered
            XCTAssertGreaterThanOrEqual(line, firstRow + rowsRead)
            XCTAssertLessThan(line, firstRow + rows.count)
            XCTAssertTrue(e.message.contains("inside line \(line)"), e.message)
            XCTAssertTrue(e.description.hasPrefix("\(cut):\(line):"), e.description)
        }
    }

    func testErrorIsStickyAndEarlierRowsAreNotLost() throws {
        let path = try write(ecsvText(cols, rows: [good, good, row(5, "999"), good]))
        let r = try ECSVReader(path: path)
        let first = try XCTUnwrap(r.readBatch(maxRows: 2))
        XCTAssertEqual(first.rowCount, 2)
        assertFormatError(path, line: firstRow + 2, column: "small", field: 6, contains: "out of range") { _ = try r.readBatch(maxRows: 2) }
        // The reader does not skip the bad row and carry on.
        assertFormatError(path, line: firstRow + 2, column: "small", field: 6, contains: "out of range") { _ = try r.readBatch(maxRows: 2) }
    }

    func testPeekErrors() throws {
        let path = try write(ecsvText(cols, rows: ["1,\"[1,2"]))
        assertFormatError(path, line: firstRow - 1, column: "zzz", contains: "no column") {
            _ = try ECSVReader.peekFirstValue(path: path, column: "zzz")
        }
        assertFormatError(path, line: firstRow, column: "fx", field: 4, contains: "unterminated") {
            _ = try ECSVReader.peekFirstValue(path: path, column: "fx")
        }
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: try write(ecsvText(cols, rows: []), "h.ecsv"), column: "id"), nil)
    }
}
