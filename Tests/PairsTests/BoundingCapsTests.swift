import XCTest
import Numerics
@testable import Pairs

final class BoundingCapsTests: XCTestCase {
    func testCapsContainTheirMembers() {
        var g = SplitMix64(30)
        let u = TestSky.uniform(3000, &g)
        let p = SkyPoints(raDeg: u.ra, decDeg: u.dec)
        let (caps, members) = BoundingCaps.caps(p, order: 3)
        XCTAssertEqual(members.reduce(0) { $0 + $1.count }, p.count)
        XCTAssertEqual(Set(members.joined()).count, p.count)
        var cells: [Int64] = []
        for (k, cap) in caps.enumerated() {
            XCTAssertEqual(cap.x * cap.x + cap.y * cap.y + cap.z * cap.z, 1, accuracy: 1e-12)
            XCTAssertEqual(members[k], members[k].sorted())
            let cell = Set(members[k].map { i -> Int64 in
                let (ra, dec) = p.raDec(i); return HEALPix.ang2pixNested(order: 3, raDeg: ra, decDeg: dec) })
            XCTAssertEqual(cell.count, 1); cells.append(cell.first!)
            for i in members[k] {
                XCTAssertLessThanOrEqual(Separation.arcsec(cap.x, cap.y, cap.z, p.x[i], p.y[i], p.z[i]), cap.radiusArcsec)
            }
            // Not grossly larger than the cell: at order 3 pixels are ~7.3° across.
            XCTAssertLessThan(cap.radiusArcsec, 10 * 3600)
        }
        XCTAssertEqual(cells, cells.sorted()); XCTAssertEqual(Set(cells).count, cells.count)
    }

    /// Cells given by the caller (source_id >> k in a job) may group any points: the caps must
    /// still bound every member, in given-cell order, whether the cells come sorted or not.
    func testGivenCellsStillBoundTheirMembers() {
        var g = SplitMix64(31)
        let u = TestSky.uniform(2000, &g)
        let p = SkyPoints(raDeg: u.ra, decDeg: u.dec)
        let blocks: [Int64] = (0..<p.count).map { i in Int64(i / 100) }
        let scattered: [Int64] = (0..<p.count).map { i in Int64((i * 7919) % 13) }
        for cells in [blocks, scattered] {
            let (caps, members) = BoundingCaps.caps(p, order: 3, cells: cells)
            XCTAssertEqual(caps.count, Set(cells).count)
            XCTAssertEqual(Set(members.joined()).count, p.count)
            for (k, cap) in caps.enumerated() {
                XCTAssertEqual(Set(members[k].map { cells[$0] }).count, 1)
                for i in members[k] {
                    XCTAssertLessThanOrEqual(Separation.arcsec(cap.x, cap.y, cap.z, p.x[i], p.y[i], p.z[i]), cap.radiusArcsec)
                }
            }
            let firstCells = members.map { cells[$0[0]] }
            XCTAssertEqual(firstCells, firstCells.sorted())
        }
    }

    /// Three ranks holding contiguous ranges of NESTED cells (as source_id order gives): every
    /// point within `halo` of a point of rank R is routed to R (completeness), every routed point is
    /// within cap radius + halo (+ slack) of a cap of R (nothing farther), no duplicates, sorted.
    func testHaloDestinationsAgainstBruteForce() {
        var g = SplitMix64(31)
        let u = TestSky.uniform(1500, &g)
        let c = TestSky.clusters(centres: [(0, 90), (359.99, 0)], perCluster: 400, spreadDeg: 2, pairScaleArcsec: 60, &g)
        let ra = u.ra + c.ra, dec = u.dec + c.dec
        let cell = ra.indices.map { HEALPix.ang2pixNested(order: 6, raDeg: ra[$0], decDeg: dec[$0]) }
        let sorted = ra.indices.sorted { cell[$0] < cell[$1] || (cell[$0] == cell[$1] && $0 < $1) }
        let cut = [0, sorted.count / 3, 2 * sorted.count / 3, sorted.count]
        // Cuts at cell boundaries, as a row partition of nested-ordered rows may fall anywhere: keep it
        // arbitrary (a cell split between two ranks must work too).
        let rankRows = (0..<3).map { Array(sorted[cut[$0]..<cut[$0 + 1]]) }
        let rankPoints = rankRows.map { rows in SkyPoints(raDeg: rows.map { ra[$0] }, decDeg: rows.map { dec[$0] }) }
        for order in [2, 5] {
            let capsOf = rankPoints.map { BoundingCaps.caps($0, order: order) }
            var allCaps: [Cap] = [], owners: [Int32] = []
            for (r, cm) in capsOf.enumerated() { allCaps += cm.caps; owners += [Int32](repeating: Int32(r), count: cm.caps.count) }
            for halo in [0.0, 30, 3600] {
                for me in 0..<3 {
                    let mine = rankPoints[me]
                    let d = BoundingCaps.haloDestinations(mine, caps: capsOf[me].caps, members: capsOf[me].members,
                                                          others: allCaps, owners: owners, me: Int32(me), haloArcsec: halo)
                    let routed = zip(d.rank, d.point).map { [Int($0.0), $0.1] }
                    XCTAssertEqual(routed, routed.sorted { $0.lexicographicallyPrecedes($1) })
                    XCTAssertEqual(Set(routed).count, routed.count)
                    let routedSet = Set(routed)
                    for other in 0..<3 where other != me {
                        XCTAssertFalse(routed.contains { $0[0] == me })
                        let theirs = rankPoints[other]
                        for p in 0..<mine.count {
                            var needed = false
                            for q in 0..<theirs.count where Separation.arcsec(mine.x[p], mine.y[p], mine.z[p],
                                                                               theirs.x[q], theirs.y[q], theirs.z[q]) <= halo {
                                needed = true; break
                            }
                            if needed { XCTAssert(routedSet.contains([other, p]), "point \(p) of \(me) not routed to \(other)") }
                            if routedSet.contains([other, p]) {
                                let near = capsOf[other].caps.contains { cap in
                                    Separation.arcsec(mine.x[p], mine.y[p], mine.z[p], cap.x, cap.y, cap.z)
                                        <= cap.radiusArcsec + halo + 1e-6
                                }
                                XCTAssert(near, "point \(p) of \(me) routed to \(other) without a cap near it")
                            }
                        }
                    }
                }
            }
        }
    }
}
