import XCTest
@testable import Aggregates
