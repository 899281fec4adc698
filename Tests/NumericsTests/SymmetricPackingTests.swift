// Strict-lower-triangle packing in numpy tril_indices(n, -1) order.

import Numerics
import XCTest

final class SymmetricPackingTests: XCTestCase {
    /// numpy: m[np.tril_indices(5, -1)] of m[i, j] = 10·max(i, j) + min(i, j) is
    /// [10, 20, 21, 30, 31, 32, 40, 41, 42, 43].
    func testTrilOrder() {
        let n = 5
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { m[i * n + j] = i == j ? 1 : Double(10 * max(i, j) + min(i, j)) } }
        XCTAssertEqual(SymmetricPacking.pack(m, n: n), [10, 20, 21, 30, 31, 32, 40, 41, 42, 43])
        XCTAssertEqual(SymmetricPacking.unpack([10, 20, 21, 30, 31, 32, 40, 41, 42, 43], n: n), m)
        var d = m
        for i in 0..<n { d[i * n + i] = 7 }
        XCTAssertEqual(SymmetricPacking.unpack(SymmetricPacking.pack(m, n: n), n: n, diagonal: 7), d)
        XCTAssertEqual(SymmetricPacking.unpack([], n: 1), [1])
    }
}
