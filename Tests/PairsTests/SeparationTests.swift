import XCTest
@testable import Pairs
