import XCTest
@testable import Expressions

final class SpellingTests: XCTestCase {
    func testEditDistance() {
        XCTAssertEqual(Spelling.editDistance("metirc", "metric"), 1)      // a transposition is one edit
        XCTAssertEqual(Spelling.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Spelling.editDistance("", "abc"), 3)
    }

    func testClosest() {
        XCTAssertEqual(Spelling.closest(to: "paralax", among: ["ra", "dec", "parallax"]), "parallax")
        XCTAssertEqual(Spelling.closest(to: "PARALLAX", among: ["parallax"]), "parallax")   // case-insensitive
        XCTAssertNil(Spelling.closest(to: "zzzz", among: ["parallax", "ra"]))
        XCTAssertNil(Spelling.closest(to: "x", among: []))
    }
}
