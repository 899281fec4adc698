// DetMath against the system libm: each function within a few ulp (moved here with DetMath from
// Synth's tests).

import Foundation
import Numerics
import XCTest

final class DetMathTests: XCTestCase {
    func testAgainstLibm() {
        var rng = TestRandom(seed: 5)
        func close(_ a: Double, _ b: Double, _ tol: Double = 4e-16, _ what: String) {
            XCTAssertLessThanOrEqual(abs(a - b), tol * max(1, abs(b)), "\(what): \(a) vs \(b)")
        }
        for _ in 0..<20000 {
            let x = rng.uniform(-50, 50)
            close(DetMath.exp(x), Foundation.exp(x), 2e-15 * Foundation.exp(x), "exp(\(x))")
            let y = DetMath.exp(rng.uniform(-700, 700))
            XCTAssertLessThanOrEqual(abs(DetMath.log(y) - Foundation.log(y)), 4e-16 * max(1, abs(Foundation.log(y))), "log \(y)")
            close(DetMath.log10(y), Foundation.log10(y), 1e-15, "log10 \(y)")
            let e = rng.uniform(-30, 30)
            close(DetMath.exp10(e), Foundation.pow(10, e), 2e-14 * Foundation.pow(10, e), "exp10 \(e)")
            let a = rng.uniform(-100, 100)
            close(DetMath.sin(a), Foundation.sin(a), 1e-15, "sin \(a)")
            close(DetMath.cos(a), Foundation.cos(a), 1e-15, "cos \(a)")
            let t = rng.uniform(-1e3, 1e3) * rng.uniform()
            close(DetMath.atan(t), Foundation.atan(t), 1e-15, "atan \(t)")
            let u = rng.uniform(-1, 1)
            close(DetMath.asin(u), Foundation.asin(u), 1e-15, "asin \(u)")
            close(DetMath.acos(u), Foundation.acos(u), 1e-15, "acos \(u)")
            let (p, q) = (rng.uniform(-3, 3), rng.uniform(-3, 3))
            close(DetMath.atan2(p, q), Foundation.atan2(p, q), 1e-15, "atan2")
            let f = rng.uniform(-1e6, 1e6)
            XCTAssertEqual(DetMath.frac(f), f - Foundation.floor(f))
        }
        XCTAssertEqual(DetMath.exp(0), 1)
        XCTAssertEqual(DetMath.log(1), 0)
        XCTAssertEqual(DetMath.exp(-800), 0)
        XCTAssertEqual(DetMath.exp(800), .infinity)
        XCTAssertTrue(DetMath.log(-1).isNaN)
        XCTAssertTrue(DetMath.asin(1.5).isNaN)
        XCTAssertEqual(DetMath.frac(-1e-300), 0)  // x − ⌊x⌋ rounds to 1: reported as 0
    }
}
