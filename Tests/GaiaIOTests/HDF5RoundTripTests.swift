import Foundation
import XCTest
import HDF5
import MPI

final class HDF5RoundTripTests: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gaiamine-h5-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testDatasetsAttributesAndRowBlocks() throws {
        let path = dir.appendingPathComponent("t.h5").path
        let f = try H5File.create(path: path, alignment: 4096)
        try f.setAttribute("software", "GaiaMine")
        try f.setAttribute("list", ["a", "bb", ""])
        try f.setAttribute("n", Int64(42))
        try f.setAttribute("x", [1.5, -2.0])
        let g = try f.createGroup("tbl")
        let d = try g.createDataset("m", element: .float64, shape: [5, 3])
        let values = (0..<15).map { Double($0) * 0.5 }
        try values.withUnsafeBytes { try d.write(rows: 0, count: 5, from: $0.baseAddress, collective: false) }
        let s = try g.createDataset("s", element: .string(4), shape: [2])
        let bytes: [UInt8] = Array("abcdxy\0\0".utf8)
        try bytes.withUnsafeBytes { try s.write(rows: 0, count: 2, from: $0.baseAddress, collective: false) }
        // int8 memory into an int16 dataset: HDF5 converts.
        let w = try g.createDataset("w", element: .int16, shape: [3])
        let small: [Int8] = [-1, 5, 127]
        try small.withUnsafeBytes { try w.write(rows: 0, count: 3, from: $0.baseAddress, collective: false, memoryElement: .int8) }
        try d.setAttribute("units", "mag")
        try f.close()

        let r = try H5File.open(path: path)
        XCTAssertEqual(try r.attribute("software"), .string("GaiaMine"))
        XCTAssertEqual(try r.attribute("list"), .strings(["a", "bb", ""]))
        XCTAssertEqual(try r.attribute("n"), .integers([42]))
        XCTAssertEqual(try r.attribute("x"), .doubles([1.5, -2.0]))
        XCTAssertNil(try r.attribute("missing"))
        XCTAssertEqual(try r.childNames(), ["tbl"])
        XCTAssertTrue(r.isGroup("tbl"))
        let rg = try r.openGroup("tbl")
        XCTAssertEqual(try rg.childNames(), ["m", "s", "w"])
        let rd = try rg.openDataset("m")
        XCTAssertEqual(rd.shape, [5, 3])
        XCTAssertEqual(rd.element, .float64)
        XCTAssertEqual(try rd.read(Double.self), values)
        XCTAssertEqual(try rd.read(Double.self, start: 3, count: 2), Array(values[9..<15]))
        // Several row ranges in one read, packed in order.
        var two = [Double](repeating: 0, count: 6)
        try two.withUnsafeMutableBytes { try rd.read(rows: [(0, 1), (4, 1)], into: $0.baseAddress, collective: false) }
        XCTAssertEqual(two, Array(values[0..<3] + values[12..<15]))
        // An empty selection is valid.
        XCTAssertEqual(try rd.read(Double.self, start: 2, count: 0), [])
        XCTAssertThrowsError(try rd.read(Double.self, start: 4, count: 2))
        XCTAssertEqual(try rd.attribute("units"), .string("mag"))
        let rs = try rg.openDataset("s")
        XCTAssertEqual(rs.element, .string(4))
        XCTAssertEqual(try rs.readBytes(), bytes)
        XCTAssertEqual(try rg.openDataset("w").read(Int16.self), [-1, 5, 127])
        XCTAssertThrowsError(try rg.openDataset("nope"))
        try r.close()
        XCTAssertThrowsError(try H5File.open(path: dir.appendingPathComponent("none.h5").path))
    }

    func testParallelFileWithOneRank() throws {
        MPIEnvironment.initializeIfNeeded()
        let comm = Communicator.world
        XCTAssertEqual(comm.size, 1)
        XCTAssertEqual(comm.exscan(Int64(7)), 0)
        XCTAssertEqual(comm.allreduce(3.5, .sum), 3.5)
        XCTAssertEqual(comm.allgatherv([Int64(1), 2]).values, [1, 2])
        XCTAssertEqual(comm.allgather(string: "hello"), ["hello"])
        XCTAssertFalse(comm.any(false))
        let path = dir.appendingPathComponent("p.h5").path
        let f = try H5File.create(path: path, communicator: comm, alignment: 1 << 20)
        let v = (0..<10_000).map { Int64($0 * 3) }
        do {
            // ≥ 64 KiB, so the 1 MiB alignment applies.
            let d = try f.createDataset("v", element: .int64, shape: [10_000])
            try v.withUnsafeBytes { try d.write(rows: 0, count: 10_000, from: $0.baseAddress, collective: true) }
            XCTAssertEqual(d.fileOffset % (1 << 20), 0)
            // A parallel file refuses to close while one of its objects is open, and says so.
            XCTAssertThrowsError(try f.close()) { XCTAssertTrue("\($0)".contains("still open")) }
        }
        try f.close()
        XCTAssertEqual(try H5File.open(path: path).openDataset("v").read(Int64.self), v)
    }
}
