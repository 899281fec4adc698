// FixedPointSums: order independence, accuracy against the double sum, the vector path (8
// lanes + tail), truncation toward zero, and rejection of NaN and out-of-range values.
import Foundation
import XCTest
@testable import Numerics

final class FixedPointSumsTests: XCTestCase {
    func testFixedPointSums() {
        let values = (0..<1000).map { weylSigned($0, seed: 0.4) * pow(10, 12 * weyl($0, seed: 0.8) - 6) }
        var a = FixedPointSums(count: 1), b = FixedPointSums(count: 1)
        for v in values { a.add([v], at: 0) }
        for v in values.reversed() { b.add([v], at: 0) }
        XCTAssertEqual(a, b)
        let exact = values.reduce(0, +)
        XCTAssertEqual(a.values()[0], exact, accuracy: 1e-9 * values.map(abs).reduce(0, +))
        // Vector path (8 lanes + tail), negative values, rejection of NaN and huge values.
        var c = FixedPointSums(count: 11)
        c.add([-0.5, 1.25, -3, 0, 7.5, -1e-9, 2e9, 1, 2, .nan, 0x1p60], at: 0)
        c.add([-0.5, 1.25, -3, 0, 7.5, -1e-9, 2e9, 1, 2, 3, 4], at: 0)
        let r = c.values()
        // Each addition truncates toward zero to a multiple of 2^−64: exact here but for −1e-9.
        XCTAssertEqual(Array(r[0..<5]) + Array(r[6..<9]), [-1, 2.5, -6, 0, 15, 4e9, 2, 4])
        XCTAssertEqual(r[5], -2e-9, accuracy: 2 * 0x1p-64)
        XCTAssertEqual(r[9], 3)
        XCTAssertEqual(r[10], 4)
        XCTAssertEqual(c.rejected, 2)
        XCTAssertEqual(c.maxAbs, 2e9)
    }
}
