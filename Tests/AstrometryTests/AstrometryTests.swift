import XCTest
@testable import Astrometry
final class AstrometrySkeletonTests: XCTestCase { func testModuleLinks() { _ = AstrometryModule.self } }
