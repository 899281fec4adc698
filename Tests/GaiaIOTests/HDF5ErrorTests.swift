// HDF5 failures carry HDF5's own error stack in the error, and HDF5 prints nothing itself.
// (An extension of HDF5RoundTripTests for its scratch directory.)

import Foundation
import HDF5
import XCTest

extension HDF5RoundTripTests {

    /// The error `body` throws, and what was written to file descriptor 2 meanwhile.
    func failure(_ body: () throws -> Void) throws -> (HDF5Error, String) {
        let capture = dir.appendingPathComponent("stderr.txt").path
        fflush(stderr)
        let saved = dup(2)
        let fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        dup2(fd, 2)
        close(fd)
        var thrown: Error?
        do { try body() } catch { thrown = error }
        fflush(stderr)
        dup2(saved, 2)
        close(saved)
        let printed = try String(contentsOfFile: capture, encoding: .utf8)
        let e = try XCTUnwrap(thrown as? HDF5Error, "expected an HDF5Error, got \(String(describing: thrown))")
        return (e, printed)
    }

    func testNotAnHDF5File() throws {
        let path = dir.appendingPathComponent("plain.txt").path
        try Data("not HDF5\n".utf8).write(to: URL(fileURLWithPath: path))
        let (e, printed) = try failure { _ = try H5File.open(path: path) }
        let text = "\(e)"
        XCTAssertTrue(text.contains("\(path) is not an HDF5 file"), text)
        XCTAssertFalse(e.stack.isEmpty, text)
        // HDF5's own words, in its own format: "#000: <file> line N in H5Fopen(): unable to open file"
        XCTAssertTrue(text.contains("#000: "), text)
        XCTAssertTrue(text.contains("H5Fopen(): unable to open file"), text)
        XCTAssertTrue(text.contains("major: File accessibility"), text)
        XCTAssertTrue(text.contains("file signature not found"), text)
        XCTAssertEqual(printed, "", "HDF5 printed its stack itself")
    }

    func testMissingFile() throws {
        let path = dir.appendingPathComponent("missing.h5").path
        let (e, printed) = try failure { _ = try H5File.open(path: path) }
        let text = "\(e)"
        XCTAssertTrue(text.contains("\(path) is not an HDF5 file (or cannot be read)"), text)
        XCTAssertTrue(text.contains("unable to open file"), text)
        XCTAssertTrue(text.contains("No such file or directory"), text)  // errno text inside HDF5's stack
        XCTAssertEqual(printed, "")
    }

    func testMissingDatasetAndGroup() throws {
        let path = dir.appendingPathComponent("t.h5").path
        let f = try H5File.create(path: path)
        _ = try f.createGroup("g")
        let (e, printed) = try failure { _ = try f.openDataset("nope") }
        let text = "\(e)"
        XCTAssertTrue(text.hasPrefix("HDF5: no dataset 'nope' in \(path)"), text)
        XCTAssertTrue(text.contains("H5Dopen2(): "), text)
        XCTAssertTrue(text.contains("'nope' doesn't exist"), text)
        XCTAssertEqual(printed, "")
        // the stack was taken: the next failure reports only its own entries
        let (g, _) = try failure { _ = try f.openGroup("absent") }
        XCTAssertTrue(g.stack.first?.contains("H5Gopen2()") == true, "\(g)")
        XCTAssertFalse("\(g)".contains("H5Dopen2"), "\(g)")
        try f.close()
    }

    func testOwnChecksHaveNoStack() throws {
        let path = dir.appendingPathComponent("t.h5").path
        let f = try H5File.create(path: path)
        let d = try f.createDataset("x", element: .float64, shape: [3])
        XCTAssertThrowsError(try d.read(Double.self, start: 5, count: 1)) { e in
            XCTAssertEqual((e as? HDF5Error)?.stack, [])
            XCTAssertEqual("\(e)", "HDF5: rows 5..<6 outside dataset 'x' of 3 rows")
        }
    }
}
