import XCTest
@testable import Expressions

final class ParsingTests: XCTestCase {
    func testPrecedence() {
        assertSame(Fixture.floats("1 + 2 * 3 - 4 / 2 + 0*x"), [5, 5, .nan, .nan, 5])
        assertSame(Fixture.floats("-2**2 + 0*k"), [-4, -4, -4, -4, -4])              // ** binds tighter than unary minus
        assertSame(Fixture.floats("2**3**2 + 0*y"), [512, 512, 512, .nan, 512])    // right-associative
        assertSame(Fixture.floats("2**-1 + 0*y"), [0.5, 0.5, 0.5, .nan, 0.5])
        XCTAssertEqual(Fixture.ints("(1 + 2) * 3 + 0*k"), [9, 9, 9, 9, 9])
        XCTAssertEqual(Fixture.ints("7 // 2 * 2 + k - k"), [6, 6, 6, 6, 6])          // left-associative
        XCTAssertEqual(Fixture.ints("-k % 3"), [1, 1, 0, 2, 1])
    }

    func testLiterals() {
        assertSame(Fixture.floats("2.5e-3 + .5 + 5. + 0*y"), [2.5e-3 + 0.5 + 5.0, 5.5024999999999995, 5.5024999999999995, .nan, 5.5024999999999995])
        assertSame(Fixture.floats("pi + 0*y")[0...0].map { $0 }, [Double.pi])
        XCTAssertEqual(Fixture.bools("true and True and not False and (k > -5)"), [true, true, true, true, true])
        assertSame(Fixture.floats("inf - inf + y * 0 + 1"), [.nan, .nan, .nan, .nan, .nan])
        XCTAssertEqual(Fixture.floats("a.pmra * 2"), [2, 4, 6, 8, 10])             // dotted name is one column
    }

    func testBooleanOperatorsAndTheirPrecedence() {
        // & and | have the precedence of and/or (pandas.eval), so comparisons need no parentheses.
        XCTAssertEqual(Fixture.bools("x > 1 & y < 3"), Fixture.bools("(x > 1) and (y < 3)"))
        XCTAssertEqual(Fixture.bools("x > 1 & y < 3"), [true, false, false, true, false])
        XCTAssertEqual(Fixture.bools("k == 2 | k == 0 & x > 0"), [true, true, false, false, false])   // and before or
        XCTAssertEqual(Fixture.bools("~(k == 2) and not k == 0"), [false, false, false, true, true])
        XCTAssertEqual(Fixture.bools("not k > 0 or k == 2"), [true, true, true, false, true])
    }

    func testChainedComparisons() {
        XCTAssertEqual(Fixture.bools("-1 < k <= 1"), [false, false, true, true, false])
        XCTAssertEqual(Fixture.bools("0 <= k < 2 < 3"), [false, false, true, true, false])
    }

    func testReferencedColumnsInFirstUseOrder() throws {
        let e = try Expression("y + x * y + median(mag) + healpix(3)", columns: Fixture.signatures)
        XCTAssertEqual(e.referencedColumns, ["y", "x", "mag", "source_id"])
        XCTAssertEqual(e.kind, .float)
        XCTAssertFalse(e.isArray)
        XCTAssertTrue(try Expression("flux / err", columns: Fixture.signatures).isArray)
    }
}
