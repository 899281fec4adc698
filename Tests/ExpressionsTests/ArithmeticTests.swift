// Operators on ints, floats, bools, nulls, NaN and infinities; expected values from numpy 2.x
// (np.floor_divide, np.remainder, np.true_divide) or by hand.
import XCTest
@testable import Expressions

final class ArithmeticTests: XCTestCase {
    // x = [1.5, -2, nan, inf, 0], y = [2, 0, 1, -inf, -3]
    func testFloatIEEE() {
        assertSame(Fixture.floats("x / y"), [0.75, -.infinity, .nan, .nan, -0.0])
        assertSame(Fixture.floats("x // y"), [0.0, -.infinity, .nan, .nan, -0.0])
        assertSame(Fixture.floats("x % y"), [1.5, .nan, .nan, .nan, -0.0])
        assertSame(Fixture.floats("-7.5 // 2 + 0*y"), [-4, -4, -4, .nan, -4])
        assertSame(Fixture.floats("-7.5 % 2 + 0*y"), [0.5, 0.5, 0.5, .nan, 0.5])   // sign of the divisor
        assertSame(Fixture.floats("7.5 % -2 + y*0"), [-0.5, -0.5, -0.5, .nan, -0.5])
        assertSame(Fixture.floats("x + y"), [3.5, -2, .nan, .nan, -3])
        assertSame(Fixture.floats("x * y - 1"), [2, -1, .nan, -.infinity, -1])
        assertSame(Fixture.floats("-x"), [-1.5, 2, .nan, -.infinity, -0.0])
        assertSame(Fixture.floats("x ** 2"), [2.25, 4, .nan, .infinity, 0])
    }

    // i = [7, -7, 0, Int64.max, Int64.min], k = [2, 2, 0, 1, -1]
    func testIntegerArithmeticIsExactAndWrapsAsNumpy() {
        XCTAssertEqual(Fixture.ints("i + k"), [9, -5, 0, .min, .max])
        XCTAssertEqual(Fixture.ints("i - k"), [5, -9, 0, .max - 1, .min + 1])
        XCTAssertEqual(Fixture.ints("i * k"), [14, -14, 0, .max, .min])
        XCTAssertEqual(Fixture.ints("-i"), [-7, 7, 0, -Int64.max, .min])
        XCTAssertEqual(Fixture.ints("abs(i)"), [7, 7, 0, .max, .min])
        // Floor division and modulo as numpy; by zero null here (numpy: 0 with a warning).
        XCTAssertEqual(Fixture.ints("i // k"), [3, -4, nil, .max, .min])
        XCTAssertEqual(Fixture.ints("i % k"), [1, 1, nil, 0, 0])
        XCTAssertEqual(Fixture.ints("min(i, k)"), [2, -7, 0, 1, .min])
        XCTAssertEqual(Fixture.ints("max(i, k)"), [7, 2, 0, .max, -1])
        assertSame(Fixture.floats("i / k"), [3.5, -3.5, .nan, 9.223372036854776e18, 9.223372036854776e18])
        assertSame(Fixture.floats("k ** 2"), [4, 4, 0, 1, 1])                    // ** is always float
    }

    func testSourceIDExactness() {
        // 9007199254740993 = 2^53 + 1 is not a double: integer comparison must not round it.
        XCTAssertEqual(Fixture.bools("source_id == 9007199254740992"), [false, false, false, false, false])
        XCTAssertEqual(Fixture.bools("source_id == 9007199254740993"), [false, false, false, false, true])
        XCTAssertEqual(Fixture.ints("source_id + 1")[4], 9007199254740994)
        XCTAssertEqual(Fixture.ints("source_id // 34359738368"), [0, 170359234, 201326591, 71246582, 262144])   // numpy
        // Mixed with a float it is float64 (and inexact): 2^53 + 1 rounds to 2^53.
        XCTAssertEqual(Fixture.bools("source_id + 0.0 == 9007199254740992")[4], true)
    }

    func testHealpixIsTheTopBitsOfSourceID() {
        XCTAssertEqual(Fixture.ints("healpix(5)"), [0, 10397, 12287, 4348, 16])      // source_id >> 49 (numpy)
        XCTAssertEqual(Fixture.ints("healpix(0)"), [0, 10, 11, 4, 0])                // source_id >> 59
        XCTAssertEqual(Fixture.ints("healpix(12)")[1], 5853498713190525696 >> 35)
    }

    func testComparisonsWithNaN() {
        XCTAssertEqual(Fixture.bools("x < 1"), [false, true, false, false, true])
        XCTAssertEqual(Fixture.bools("x != x"), [false, false, true, false, false])
        XCTAssertEqual(Fixture.bools("x == nan"), [false, false, false, false, false])
        XCTAssertEqual(Fixture.bools("x != nan"), [true, true, true, true, true])
        XCTAssertEqual(Fixture.bools("x >= y"), [false, false, false, true, true])
        XCTAssertEqual(Fixture.bools("i > k"), [true, false, false, true, false])
        XCTAssertEqual(Fixture.bools("i <= 0.5"), [false, true, true, false, true])
    }

    // n = [3, null, 5, 6, null]; b = [true, false, null, false, true]
    func testNulls() {
        XCTAssertEqual(Fixture.ints("n + 1"), [4, nil, 6, 7, nil])
        XCTAssertEqual(Fixture.ints("n * k"), [6, nil, 0, 6, nil])
        assertSame(Fixture.floats("n * 1.0"), [3, .nan, 5, 6, .nan])              // null reads as NaN
        assertSame(Fixture.floats("n / 2"), [1.5, .nan, 2.5, 3, .nan])
        XCTAssertEqual(Fixture.bools("n > 4"), [false, false, true, true, false])
        XCTAssertEqual(Fixture.bools("n != 4"), [true, true, true, true, true])
        XCTAssertEqual(Fixture.bools("n == 3"), [true, false, false, false, false])
        XCTAssertEqual(Fixture.bools("isnan(n)"), [false, true, false, false, true])
        XCTAssertEqual(Fixture.bools("isfinite(n)"), [true, false, true, true, false])
        XCTAssertEqual(Fixture.ints("-n"), [-3, nil, -5, -6, nil])
        // Bools: 0/1 in arithmetic, null false in conditions.
        XCTAssertEqual(Fixture.ints("b + 0"), [1, 0, nil, 0, 1])
        assertSame(Fixture.floats("b * 1.5"), [1.5, 0, .nan, 0, 1.5])
        XCTAssertEqual(Fixture.bools("b and true"), [true, false, false, false, true])
        XCTAssertEqual(Fixture.bools("not b"), [false, true, true, true, false])
        XCTAssertEqual(Fixture.bools("b or k == 0"), [true, false, true, false, true])
        XCTAssertEqual(Fixture.bools("isnan(b)"), [false, false, true, false, false])
    }

    func testMaskAndDoubles() throws {
        let e = try Expression("n > 3 or b", columns: Fixture.signatures, label: "--where", condition: true)
        XCTAssertEqual(try e.mask(Fixture.batch), [true, false, true, true, true])
        let c = try Expression("true", columns: Fixture.signatures, condition: true)
        XCTAssertEqual(try c.mask(Fixture.batch), [true, true, true, true, true])     // a constant fills every row
        let d = try Expression("n", columns: Fixture.signatures)
        assertSame(try d.doubles(Fixture.batch), [3, .nan, 5, 6, .nan])
        assertSame(try Expression("2", columns: Fixture.signatures).doubles(Fixture.batch), [2, 2, 2, 2, 2])
        XCTAssertThrowsError(try Expression("mag", columns: Fixture.signatures).doubles(Fixture.batch))
        XCTAssertThrowsError(try d.mask(Fixture.batch))
    }
}
