// Every function on known values (by hand) and on the column paths (vector, constant, int).
import XCTest
@testable import Expressions

final class FunctionTests: XCTestCase {
    private func first(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
        Fixture.floats("\(text) + 0*k", file: file, line: line).first ?? -99
    }

    func testElementaryFunctionsOnConstants() {
        XCTAssertEqual(first("sqrt(16)"), 4)
        XCTAssertTrue(first("sqrt(-1)").isNaN)
        XCTAssertEqual(first("exp(0)"), 1)
        XCTAssertEqual(first("log(1)"), 0)
        XCTAssertEqual(first("log(0)"), -.infinity)
        XCTAssertTrue(first("log(-1)").isNaN)
        XCTAssertEqual(first("log10(1000)"), 3)
        XCTAssertEqual(first("sin(0)"), 0)
        XCTAssertEqual(first("cos(0)"), 1)
        XCTAssertEqual(first("tan(0)"), 0)
        XCTAssertEqual(first("arcsin(1)"), .pi / 2)
        XCTAssertEqual(first("arccos(1)"), 0)
        XCTAssertEqual(first("arctan(inf)"), .pi / 2)
        XCTAssertEqual(first("arctan2(1, 1)"), .pi / 4)
        XCTAssertEqual(first("arctan2(1, -1)"), 3 * .pi / 4)
        XCTAssertEqual(first("hypot(3, 4)"), 5)
        XCTAssertEqual(first("hypot(inf, nan)"), .infinity)          // C99 / numpy
        XCTAssertEqual(first("radians(180)"), .pi)
        XCTAssertEqual(first("degrees(pi)"), 180)
        XCTAssertEqual(first("abs(-2.5)"), 2.5)
    }

    func testRoundingAsNumpy() {
        assertSame(Fixture.floats("floor(x)"), [1, -2, .nan, .infinity, 0])
        assertSame(Fixture.floats("ceil(-x)"), [-1, 2, .nan, -.infinity, -0.0])
        // np.round: half to even.
        XCTAssertEqual(first("round(2.5)"), 2)
        XCTAssertEqual(first("round(3.5)"), 4)
        XCTAssertEqual(Fixture.floats("round(-0.5 + 0*k)").first?.sign, .minus)
        XCTAssertEqual(first("floor(-1.5)"), -2)
        XCTAssertEqual(first("ceil(-1.5)"), -1)
        // numpy 2: floor/ceil/round of int64 stay exact int64.
        XCTAssertEqual(Fixture.ints("floor(i)"), [7, -7, 0, .max, .min])
        XCTAssertEqual(Fixture.ints("round(n)"), [3, nil, 5, 6, nil])
    }

    func testMinMaxPropagateNaN() {
        assertSame(Fixture.floats("min(x, y)"), [1.5, -2, .nan, -.infinity, -3])
        assertSame(Fixture.floats("max(x, y)"), [2, 0, .nan, .infinity, 0])
        assertSame(Fixture.floats("max(y, x)"), [2, 0, .nan, .infinity, 0])
        assertSame(Fixture.floats("min(n, 4.5)"), [3, .nan, 4.5, 4.5, .nan])       // null int → NaN
        // Of two equal operands the second, as numpy: np.minimum(0.0, -0.0) is -0.0.
        XCTAssertEqual(Fixture.floats("min(0.0 * k, -0.0)").first?.sign, .minus)
        XCTAssertEqual(Fixture.floats("max(-0.0 * k, 0.0)").first?.sign, .plus)
    }

    func testWhere() {
        XCTAssertEqual(Fixture.ints("where(b, 1, 2)"), [1, 2, 2, 2, 1])             // null condition: false
        XCTAssertEqual(Fixture.ints("where(k > 0, n, -1)"), [3, nil, -1, 6, -1])    // nulls follow the chosen side
        assertSame(Fixture.floats("where(x > 0, x, y)"), [1.5, 0, 1, .infinity, -3])
        assertSame(Fixture.floats("where(k > 0, n, 0.5)"), [3, .nan, 0.5, 6, 0.5])
        XCTAssertEqual(Fixture.bools("where(k > 0, b, true)"), [true, false, true, false, true])
        XCTAssertEqual(Fixture.ints("where(k > 0, source_id, 0)")[1], 5853498713190525696)   // exact
    }

    func testIsnanIsfinite() {
        XCTAssertEqual(Fixture.bools("isnan(x)"), [false, false, true, false, false])
        XCTAssertEqual(Fixture.bools("isfinite(x)"), [true, true, false, false, true])
        XCTAssertEqual(Fixture.bools("isfinite(i)"), [true, true, true, true, true])
    }

    func testFunctionsOnColumnsMatchTheirConstants() {
        // The vector path (a column) and the constant path (a literal) agree value by value.
        let xs: [Double] = [1.5, -2.0, .nan, .infinity, 0.0]
        for f in ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "floor", "ceil",
                  "round", "radians", "degrees", "abs"] {
            let v = Fixture.floats("\(f)(x)")
            for (r, x) in xs.enumerated() {
                let lit = x.isNaN ? "nan" : x.isInfinite ? "inf" : "\(x)"
                let c = first("\(f)(\(x < 0 ? "-" : "")\(x < 0 ? "\(-x)" : lit))")
                XCTAssertTrue(v[r] == c || (v[r].isNaN && c.isNaN), "\(f)(\(x)): \(v[r]) vs \(c)")
            }
        }
    }
}
