import XCTest
@testable import Pairs

final class SkyIndexTests: XCTestCase {
    /// forEach against brute force around random positions, the poles and the ra seam, radii from
    /// 0.1″ to 100°.
    func testForEachMatchesBruteForce() {
        var g = SplitMix64(20)
        let u = TestSky.uniform(3000, &g)
        let c = TestSky.clusters(centres: [(0, 90), (0, -90), (0, 0), (180, 45)], perCluster: 400, spreadDeg: 0.5,
                                 pairScaleArcsec: 1, &g)
        let p = SkyPoints(raDeg: u.ra + c.ra, decDeg: u.dec + c.dec)
        var queries: [(Double, Double)] = [(0, 90), (10, -90), (359.9999, 0), (0.0001, 0.2), (180, 45)]
        for _ in 0..<40 { queries.append((g.uniform(0, 360), g.uniform(-90, 90))) }
        for h in [0.5, 30, 7200] {
            let index = SkyIndex(p, zoneHeightArcsec: h)
            for (qra, qdec) in queries {
                for r in [0.1, 2, 60, 3600, 36000, 360_000] {
                    let q = SkyPoints.unitVector(raDeg: qra, decDeg: qdec)
                    var got: [Int: Double] = [:]
                    index.forEach(nearX: q.x, y: q.y, z: q.z, radiusArcsec: r) { i, s in
                        XCTAssertNil(got[i], "point reported twice"); got[i] = s
                    }
                    var want: [Int: Double] = [:]
                    for i in 0..<p.count {
                        let s = Separation.arcsec(q.x, q.y, q.z, p.x[i], p.y[i], p.z[i])
                        if s <= r { want[i] = s }
                    }
                    XCTAssertEqual(got, want, "h \(h) at (\(qra), \(qdec)) r \(r)")
                }
            }
        }
    }

    func testZoneHeightIsBoundedByThePointCount() {
        let p = SkyPoints(raDeg: [1, 2], decDeg: [3, 4])
        let index = SkyIndex(p, zoneHeightArcsec: 0.001)
        XCTAssertGreaterThanOrEqual(index.zoneHeightArcsec, 180 * 3600 / 16)
        let empty = SkyIndex(SkyPoints(), zoneHeightArcsec: 30)
        XCTAssertEqual(empty.count, 0)
        var calls = 0
        empty.forEach(nearX: 1, y: 0, z: 0, radiusArcsec: 1e6) { _, _ in calls += 1 }
        XCTAssertEqual(calls, 0)
    }
}
