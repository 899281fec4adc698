import XCTest
@testable import Numerics

final class NumericsModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(Numerics.self) }
}
