// Every error class: message, label, and the caret position in the echoed expression.
import XCTest
@testable import Expressions

final class ErrorTests: XCTestCase {
    private func check(_ text: String, _ message: String, at position: Int, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = Fixture.error(text, file: file, line: line) else { return }
        XCTAssertEqual(e.message, message, text, file: file, line: line)
        XCTAssertEqual(e.position, position, "\(text): \(e)", file: file, line: line)
    }

    func testDescriptionEchoesTheExpressionWithACaret() {
        let e = Fixture.error("y > 1 and flx > 1")
        XCTAssertEqual(e?.description, "--where: unknown column 'flx' (did you mean 'flux'?)\n  y > 1 and flx > 1\n            ^")
        XCTAssertEqual(e?.label, "--where")
        XCTAssertEqual(e?.expression, "y > 1 and flx > 1")
    }

    func testSyntaxErrors() {
        check("", "empty expression", at: 0)
        check("x +", "expected a number, a column, a function or '(' but found end of expression", at: 3)
        check("(x + 1", "expected ')'", at: 6)
        check("x = 1", "'=' is not an operator; compare with '=='", at: 2)
        check("x ! y", "'!' is not an operator; use 'not' (or '!=' to compare)", at: 2)
        check("2x", "unexpected 'x' after a number", at: 1)
        check("x y", "unexpected 'y' after a complete expression", at: 2)
        check("x $ y", "unexpected character '$'", at: 2)
        check("1e+ + x", "malformed number: exponent has no digits", at: 0)
        check("99999999999999999999 + x", "integer 99999999999999999999 does not fit in int64 (write it as a float, e.g. 99999999999999999999.0)", at: 0)
        check("sqrt(x,)", "expected a number, a column, a function or '(' but found ')'", at: 7)
        check("sqrt(x y)", "expected ',' or ')' in the arguments of sqrt()", at: 7)
        check("coef[1", "expected ']' to close the index", at: 6)
        check("x > and y", "'and' needs an operand before it", at: 4)
    }

    func testUnknownNames() {
        check("y + flx", "unknown column 'flx' (did you mean 'flux'?)", at: 4)
        check("zzzzzz > 1", "unknown column 'zzzzzz'", at: 0)
        check("y + sqrtt(x)", "unknown function 'sqrtt' (did you mean 'sqrt'?)", at: 4)
        check("median2(mag)", "unknown function 'median2' (did you mean 'median'?)", at: 0)
        check("sqrt > 1", "'sqrt' is a function: call it as sqrt(…)", at: 0)
    }

    func testArity() {
        check("hypot(x)", "hypot() takes 2 arguments, got 1", at: 0)
        check("1 + sqrt(x, y)", "sqrt() takes 1 argument, got 2", at: 4)
        check("where(b, 1)", "where() takes 3 arguments, got 2", at: 0)
        check("min(x, y, 1)", "min() takes 1 argument (the min of an array per row) or 2 (element-wise), got 3", at: 0)
        check("healpix()", "healpix() takes 1 argument, got 0", at: 0)
    }

    func testTypeErrors() {
        check("mag > 20", "must be a condition (true/false per row), but this is an array per row; compare it, e.g. x != 0, or reduce it, e.g. mean(x) > 1", at: 0)
        check("x + 1", "must be a condition (true/false per row), but this is a number per row; compare it, e.g. x != 0", at: 0)
        check("mean(x) > 1", "mean() reduces an array per row, but its argument is one value per row", at: 5)
        check("x[0] > 1", "only fixed-length arrays can be indexed; this is one value per row", at: 1)
        check("mag[0] > 1", "a variable-length array cannot be indexed; reduce it instead, e.g. median(x), count(x)", at: 3)
        check("coef[3] > 1", "index 3 out of range for an array of length 3", at: 5)
        check("coef[-1] > 1", "negative index -1: indices start at 0", at: 5)
        check("coef[k] > 1", "an index must be an integer literal, e.g. bp_coefficients[3]", at: 5)
        check("x > 1 and y", "'and' needs conditions (true/false); compare the value, e.g. x != 0", at: 10)
        check("not x", "'not' needs conditions (true/false); compare the value, e.g. x != 0", at: 4)
        check("where(x, 1, 2) > 0", "where()'s first argument must be a condition (true/false); compare it, e.g. x != 0", at: 6)
        check("sum(coef + icoef) > 0", "arrays of different lengths (3 and 2) in an element-wise operation", at: 9)
        check("healpix(13) > 0", "healpix() takes the level as an integer literal from 0 to 12, e.g. healpix(5)", at: 8)
        check("healpix(k) > 0", "healpix() takes the level as an integer literal from 0 to 12, e.g. healpix(5)", at: 8)
    }

    func testHealpixNeedsSourceID() {
        let columns = Fixture.signatures.filter { $0.name != "source_id" }
        XCTAssertThrowsError(try Expression("healpix(5) == 3", columns: columns, label: "--by")) { error in
            let e = error as? ExpressionError
            XCTAssertEqual(e?.message, "healpix() needs the column 'source_id', which this table does not have")
            XCTAssertEqual(e?.position, 0)
            XCTAssertEqual(e?.label, "--by")
        }
    }

    func testBatchNotMatchingTheSignaturesIsAnError() {
        XCTAssertThrowsError(try Expression("x > 1", columns: Fixture.signatures).evaluate(ExpressionBatch(rowCount: 5, columns: [:])))
        let short = ExpressionBatch(rowCount: 5, columns: ["x": .init(values: .float([1, 2]))])
        XCTAssertThrowsError(try Expression("x > 1", columns: Fixture.signatures).evaluate(short))
        let wrongKind = ExpressionBatch(rowCount: 1, columns: ["x": .init(values: .int([1]))])
        XCTAssertThrowsError(try Expression("x > 1", columns: Fixture.signatures).evaluate(wrongKind))
    }
}
