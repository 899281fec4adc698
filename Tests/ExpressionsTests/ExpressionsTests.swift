import XCTest
@testable import Expressions
