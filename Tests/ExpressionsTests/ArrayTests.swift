// Fixed and ragged arrays: indexing, element-wise operations, broadcasting, per-row reductions.
// coef (fixed 3): [1,2,3] [4,nan,6] [7,8,9] [-1,-2,-3] [0,0,0]
// mag (ragged):   [20,21] [] [18,nan,19] [17.5] []
import XCTest
@testable import Expressions

final class ArrayTests: XCTestCase {
    func testFixedArrays() {
        assertSame(Fixture.floats("coef[1]"), [2, .nan, 8, -2, 0])
        assertSame(Fixture.floats("coef[0] + coef[2]"), [4, 10, 16, -4, 0])
        XCTAssertEqual(Fixture.ints("icoef[1]"), [2, 4, 6, 8, 10])
        assertSame(Fixture.floats("sum(coef)"), [6, 10, 24, -6, 0])
        XCTAssertEqual(Fixture.ints("count(coef)"), [3, 2, 3, 3, 3])
        assertSame(Fixture.floats("mean(coef)"), [2, 5, 8, -2, 0])
        assertSame(Fixture.floats("median(coef)"), [2, 5, 8, -2, 0])
        assertSame(Fixture.floats("var(coef)"), [2.0 / 3, 1, 2.0 / 3, 2.0 / 3, 0])
        assertSame(Fixture.floats("std(coef)"), [(2.0 / 3).squareRoot(), 1, (2.0 / 3).squareRoot(), (2.0 / 3).squareRoot(), 0])
        assertSame(Fixture.floats("min(coef)"), [1, 4, 7, -3, 0])
        assertSame(Fixture.floats("max(coef)"), [3, 6, 9, -1, 0])
        assertSame(Fixture.floats("ptp(coef)"), [2, 2, 2, 2, 0])
        assertSame(Fixture.floats("sum(icoef)"), [3, 7, 11, 15, 19])
        // A per-row scalar broadcasts over the row's elements: row 1 is [6, nan, 8].
        assertSame(Fixture.floats("sum(coef - x)"), [1.5, 14, 0, -.infinity, 0])
        assertSame(Fixture.floats("max(coef * 2)"), [6, 12, 18, -2, 0])
        let e = try? Fixture.eval("coef * 2")
        XCTAssertEqual(e?.layout, .fixed(3))
    }

    func testRaggedReductionsWithEmptyRows() {
        XCTAssertEqual(Fixture.ints("count(mag)"), [2, 0, 2, 1, 0])
        assertSame(Fixture.floats("sum(mag)"), [41, 0, 37, 17.5, 0])                 // nansum: 0 when empty
        assertSame(Fixture.floats("mean(mag)"), [20.5, .nan, 18.5, 17.5, .nan])
        assertSame(Fixture.floats("median(mag)"), [20.5, .nan, 18.5, 17.5, .nan])
        assertSame(Fixture.floats("min(mag)"), [20, .nan, 18, 17.5, .nan])
        assertSame(Fixture.floats("max(mag)"), [21, .nan, 19, 17.5, .nan])
        assertSame(Fixture.floats("ptp(mag)"), [1, .nan, 1, 0, .nan])
        assertSame(Fixture.floats("std(mag)"), [0.5, .nan, 0.5, 0, .nan])
        assertSame(Fixture.floats("var(mag)"), [0.25, .nan, 0.25, 0, .nan])
    }

    func testRaggedElementWise() throws {
        // flux/err rows: [10, 10] [] [5, 5, nan] [8/0 = inf] []
        assertSame(Fixture.floats("mean(flux / err)"), [10, .nan, 5, .infinity, .nan])
        assertSame(Fixture.floats("mean(mag - x)"), [19, .nan, .nan, -.infinity, .nan])
        assertSame(Fixture.floats("sum(mag > 19)"), [2, 0, 0, 0, 0])                 // bools reduce as 0/1
        assertSame(Fixture.floats("sum(flag)"), [1, 0, 1, 0, 0])                     // null bool skipped
        XCTAssertEqual(Fixture.ints("count(flag)"), [2, 0, 2, 1, 0])        // row 2 is [true, null, false]
        let c = try Fixture.eval("flux / err")
        XCTAssertEqual(c.layout, .ragged(Fixture.magOffsets))
        let s = try Fixture.eval("mag + x")                                          // scalar broadcast keeps offsets
        XCTAssertEqual(s.layout, .ragged(Fixture.magOffsets))
        let expected: [Double] = [21.5, 22.5, .nan, .nan, .nan, .infinity]
        if case .float(let v) = s.values { assertSame(v, expected) } else { XCTFail("not float") }
    }

    func testPairwiseSummationMatchesNumpy() throws {
        // 300 elements 1/(i+1), NaN where i % 7 == 0; references printed by numpy 2.4 (repr).
        let v: [Double] = (0..<300).map { (i: Int) -> Double in i % 7 == 0 ? Double.nan : 1 / Double(i + 1) }
        let sig = ColumnSignature(name: "v", kind: .float, shape: .ragged)
        let batch = ExpressionBatch(rowCount: 1, columns: ["v": .init(values: .float(v), layout: .ragged([0, 300]))])
        func one(_ f: String) throws -> Double { try Expression("\(f)(v)", columns: [sig]).doubles(batch)[0] }
        XCTAssertEqual(try one("sum"), 4.6945406035070745)
        XCTAssertEqual(try one("mean"), 0.018266694955280445)
        XCTAssertEqual(try one("var"), 0.002056916748991412)
        XCTAssertEqual(try one("std"), 0.04535324408453503)
        XCTAssertEqual(try one("median"), 0.006622516556291391)
    }

    func testInfinitiesInReductionsAsNumpy() throws {
        // np.nanvar([1, inf]) is NaN (the deviation inf - inf), np.nanmean is inf, np.nanmedian inf.
        let sig = ColumnSignature(name: "v", kind: .float, shape: .ragged)
        let batch = ExpressionBatch(rowCount: 2, columns: ["v": .init(values: .float([1, .infinity, .nan, -.infinity, 2]), layout: .ragged([0, 2, 5]))])
        func row(_ f: String) throws -> [Double] { try Expression("\(f)(v)", columns: [sig]).doubles(batch) }
        assertSame(try row("var"), [.nan, .nan])
        assertSame(try row("mean"), [.infinity, -.infinity])
        assertSame(try row("median"), [.infinity, -.infinity])
        assertSame(try row("ptp"), [.infinity, .infinity])
        assertSame(try row("sum"), [.infinity, -.infinity])
    }

    func testRaggedLengthMismatchNamesTheRow() {
        let e = Fixture.error("mean(mag + other) > 0")
        XCTAssertEqual(e?.message, "arrays of different lengths in row 1 of the batch (0 and 1)")
        XCTAssertEqual(e?.position, 9)
        let f = Fixture.error("sum(mag * coef) > 0")
        XCTAssertEqual(f?.message, "arrays of different lengths in row 0 of the batch (2 and 3)")
    }

    func testRaggedWithFixedOfEqualLengthsAndEmptyBatches() throws {
        let sigs = [ColumnSignature(name: "r", kind: .float, shape: .ragged), ColumnSignature(name: "f", kind: .int, shape: .fixed(2))]
        let batch = ExpressionBatch(rowCount: 2, columns: [
            "r": .init(values: .float([1, 2, 3, 4]), layout: .ragged([0, 2, 4])),
            "f": .init(values: .int([10, 20, 30, 40]), null: [false, true, false, false], layout: .fixed(2)),
        ])
        let c = try Expression("r * f", columns: sigs).evaluate(batch)
        XCTAssertEqual(c.layout, .fixed(2))
        if case .float(let v) = c.values { assertSame(v, [10, .nan, 90, 160]) } else { XCTFail("not float") }
        let m = try Expression("sum(f) > 30", columns: sigs, condition: true).mask(batch)
        XCTAssertEqual(m, [false, true])                                             // null skipped: 10 and 70
        let empty = ExpressionBatch(rowCount: 0, columns: [
            "r": .init(values: .float([]), layout: .ragged([0])), "f": .init(values: .int([]), layout: .fixed(2))])
        XCTAssertEqual(try Expression("mean(r * f) > 1 or true", columns: sigs, condition: true).mask(empty), [])
        let constant = try Expression("2 + 3", columns: sigs).evaluate(batch)
        if case .int(let v) = constant.values { XCTAssertEqual(v, [5, 5]) } else { XCTFail("not int") }
    }
}
