import XCTest
@testable import Pairs

final class MeridianShiftTests: XCTestCase {
    func testAlongTheMeridian() {
        let s = MeridianShift.shifted(raDeg: 10, decDeg: 20, byDeg: 0.5)
        XCTAssertEqual(s.raDeg, 10, accuracy: 1e-12); XCTAssertEqual(s.decDeg, 20.5, accuracy: 1e-12)
        XCTAssertEqual(Separation.arcsec(raDeg1: 10, decDeg1: 20, raDeg2: s.raDeg, decDeg2: s.decDeg), 1800, accuracy: 1e-7)
    }

    func testOverTheNorthPole() {
        let s = MeridianShift.shifted(raDeg: 300, decDeg: 89.8, byDeg: 0.5)
        XCTAssertEqual(s.decDeg, 89.7, accuracy: 1e-12)
        XCTAssertEqual(s.raDeg, 120, accuracy: 1e-12)   // 300 + 180 − 360
        // Still 0.5° along the great circle.
        XCTAssertEqual(Separation.arcsec(raDeg1: 300, decDeg1: 89.8, raDeg2: s.raDeg, decDeg2: s.decDeg), 1800, accuracy: 1e-6)
    }

    func testOverTheSouthPoleAndWholeTurns() {
        let s = MeridianShift.shifted(raDeg: 100, decDeg: -89.9, byDeg: -0.3)
        XCTAssertEqual(s.decDeg, -89.8, accuracy: 1e-12); XCTAssertEqual(s.raDeg, 280, accuracy: 1e-12)
        let t = MeridianShift.shifted(raDeg: 100, decDeg: 10, byDeg: 360)
        XCTAssertEqual(t.decDeg, 10, accuracy: 1e-12); XCTAssertEqual(t.raDeg, 100, accuracy: 1e-12)
        let u = MeridianShift.shifted(raDeg: 200, decDeg: 10, byDeg: 180)   // to the antipodal meridian
        XCTAssertEqual(u.decDeg, -10, accuracy: 1e-12); XCTAssertEqual(u.raDeg, 20, accuracy: 1e-12)
    }

    func testRandomShiftsKeepTheDistance() {
        var g = SplitMix64(9)
        for _ in 0..<2000 {
            let ra = g.uniform(0, 360), dec = g.uniform(-90, 90), by = g.uniform(-20, 20)
            let s = MeridianShift.shifted(raDeg: ra, decDeg: dec, byDeg: by)
            XCTAssert(s.raDeg >= 0 && s.raDeg < 360 && abs(s.decDeg) <= 90)
            XCTAssertEqual(Separation.arcsec(raDeg1: ra, decDeg1: dec, raDeg2: s.raDeg, decDeg2: s.decDeg),
                           abs(by) * 3600, accuracy: 1e-6)
        }
    }
}
