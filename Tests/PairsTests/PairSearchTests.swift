import XCTest
@testable import Pairs

final class PairSearchTests: XCTestCase {
    /// `search` equals `searchReference` exactly (same pairs, order and separations), for several
    /// zone heights (much smaller than, equal to and much larger than the radii).
    func assertMatchesReference(_ q: PairSet, _ t: PairSet, competes: [Bool]?, zoneHeights: [Double],
                                minPairs: Int = 1, file: StaticString = #filePath, line: UInt = #line) {
        let ref = PairSearch.searchReference(q, against: t, targetCompetes: competes)
        XCTAssertGreaterThanOrEqual(ref.count, minPairs, "the data must exercise the search", file: file, line: line)
        for h in zoneHeights {
            let got = PairSearch.search(q, against: t, index: SkyIndex(t.points, zoneHeightArcsec: h),
                                        targetCompetes: competes)
            XCTAssertEqual(got.count, ref.count, "zone height \(h)″", file: file, line: line)
            XCTAssertEqual(got.query, ref.query, "zone height \(h)″", file: file, line: line)
            XCTAssertEqual(got.target, ref.target, "zone height \(h)″", file: file, line: line)
            XCTAssertEqual(got.sep.map(\.bitPattern), ref.sep.map(\.bitPattern), "zone height \(h)″", file: file, line: line)
        }
    }

    func testUniformSkyConstantRadius() {
        var g = SplitMix64(10)
        let (ra, dec) = TestSky.uniform(1200, &g)
        let s = TestSky.set(ra, dec, radii: [Double](repeating: 3 * 3600, count: ra.count), &g)
        assertMatchesReference(s, s, competes: nil, zoneHeights: [600, 3 * 3600, 20 * 3600], minPairs: 500)
        assertMatchesReference(s, s, competes: [Bool](repeating: true, count: s.count), zoneHeights: [3 * 3600])
    }

    func testPolarClustersSmallAndLargeRadii() {
        var g = SplitMix64(11)
        let (ra, dec) = TestSky.clusters(centres: [(0, 90), (77, -90), (200, 89.99), (10, -89.5)], perCluster: 200,
                                         spreadDeg: 0.7, pairScaleArcsec: 20, &g)
        for r in [0.1 * 3600 / 3600, 20, 600, 36000] {  // 0.1″, 20″, 10′, 10°
            let s = TestSky.set(ra, dec, radii: [Double](repeating: r, count: ra.count), &g)
            assertMatchesReference(s, s, competes: [Bool](repeating: true, count: s.count),
                                   zoneHeights: [r, 10 * r, 3600], minPairs: r < 1 ? 0 : 100)
        }
    }

    func testStraddlingRaZero() {
        var g = SplitMix64(12)
        var ra: [Double] = [], dec: [Double] = []
        for band in [0.0, 60, -75, 88] {
            for _ in 0..<300 {
                let x = g.uniform(-0.05, 0.05)
                ra.append(x < 0 ? x + 360 : x); dec.append(band + g.uniform(-0.05, 0.05))
            }
        }
        ra.append(0); dec.append(0); ra.append(360 - 1e-12); dec.append(0)   // the seam itself
        let radii = ra.indices.map { _ in g.logUniform(0.1, 200) }
        let s = TestSky.set(ra, dec, radii: radii, &g)
        assertMatchesReference(s, s, competes: [Bool](repeating: true, count: s.count), zoneHeights: [5, 60, 1000],
                               minPairs: 300)
    }

    /// Variable radii per row from 0.1″ to 10°, sides, a random targetCompetes, and queries that are
    /// not the indexed points (the path that sorts the queries itself).
    func testVariableRadiiSidesCompetesAndSeparateQueries() {
        var g = SplitMix64(13)
        let u = TestSky.uniform(400, &g)
        let c = TestSky.clusters(centres: [(359.99, 0), (45, 89.9), (180, -30)], perCluster: 400, spreadDeg: 1,
                                 pairScaleArcsec: 2, &g)
        let ra = u.ra + c.ra, dec = u.dec + c.dec
        let radii = ra.indices.map { i in i % 97 == 0 ? g.logUniform(3600, 36000) : g.logUniform(0.1, 120) }
        let sides = ra.indices.map { _ in UInt8(g.next() % 2) }
        let all = TestSky.set(ra, dec, radii: radii, sides: sides, &g)
        let competes = ra.indices.map { _ in g.next() % 3 != 0 }
        assertMatchesReference(all, all, competes: competes, zoneHeights: [1, 30, 3600], minPairs: 200)
        // Queries: a third of the rows with other radii; targets: the others with sides.
        let qi = ra.indices.filter { $0 % 3 == 0 }, ti = ra.indices.filter { $0 % 3 != 0 }
        let q = PairSet(points: all.points.subset(qi), radii: qi.map { _ in g.logUniform(1, 7200) },
                        keys: qi.map { all.keys[$0] }, sides: qi.map { sides[$0] })
        let t = PairSet(points: all.points.subset(ti), radii: ti.map { radii[$0] }, keys: ti.map { all.keys[$0] },
                        sides: ti.map { sides[$0] })
        assertMatchesReference(q, t, competes: ti.map { competes[$0] }, zoneHeights: [10, 600], minPairs: 100)
        // Sides on one set only: ignored.
        let tNoSides = PairSet(points: t.points, radii: t.radii, keys: t.keys)
        assertMatchesReference(q, tNoSides, competes: nil, zoneHeights: [60], minPairs: 100)
    }

    /// Two simulated ranks: the set split in halves, each half queries against the union with its
    /// own radii (targetCompetes all true): every unordered pair {u, v} with sep ≤ max(r_u, r_v) is
    /// found exactly once overall.
    func testEveryPairFoundOnceAcrossTwoRanks() {
        var g = SplitMix64(14)
        let u = TestSky.uniform(600, &g)
        let c = TestSky.clusters(centres: [(0.01, 0), (90, 89.95), (250, -89.99), (120, 10)], perCluster: 300,
                                 spreadDeg: 0.3, pairScaleArcsec: 30, &g)
        let ra = u.ra + c.ra, dec = u.dec + c.dec
        let radii = ra.indices.map { i in i % 50 == 0 ? g.logUniform(3600, 36000) : g.logUniform(0.1, 300) }
        let all = TestSky.set(ra, dec, radii: radii, &g)
        let index = SkyIndex(all.points, zoneHeightArcsec: 60)
        let competes = [Bool](repeating: true, count: all.count)
        var found: [Set<Int64>: Int] = [:]
        for half in [Array(0..<all.count / 2), Array(all.count / 2..<all.count)] {
            let q = PairSet(points: all.points.subset(half), radii: half.map { radii[$0] }, keys: half.map { all.keys[$0] })
            let res = PairSearch.search(q, against: all, index: index, targetCompetes: competes)
            for m in 0..<res.count { found[[q.keys[res.query[m]], all.keys[res.target[m]]], default: 0] += 1 }
        }
        var expected = Set<Set<Int64>>()
        for i in 0..<all.count {
            for j in (i + 1)..<all.count {
                let s = Separation.arcsec(all.points.x[i], all.points.y[i], all.points.z[i],
                                          all.points.x[j], all.points.y[j], all.points.z[j])
                if s <= max(radii[i], radii[j]) { expected.insert([all.keys[i], all.keys[j]]) }
            }
        }
        XCTAssertGreaterThan(expected.count, 500)
        XCTAssertEqual(Set(found.keys), expected)
        XCTAssertEqual(found.values.filter { $0 != 1 }.count, 0, "pairs found more than once")
    }

    /// Rows of the indexed set as queries (a rank's own rows against own + halo): the same as the
    /// subset searched as a separate query set, with row indices of the set.
    func testOwnRowsOfTheIndexedSet() {
        var g = SplitMix64(16)
        let u = TestSky.uniform(500, &g)
        let c = TestSky.clusters(centres: [(0, 0), (10, 89.9)], perCluster: 600, spreadDeg: 0.5, pairScaleArcsec: 20, &g)
        let ra = u.ra + c.ra, dec = u.dec + c.dec
        let radii = ra.indices.map { _ in g.logUniform(0.1, 600) }
        let sides = ra.indices.map { _ in UInt8(g.next() % 2) }
        let all = TestSky.set(ra, dec, radii: radii, sides: sides, &g)
        let competes = ra.indices.map { _ in g.next() % 4 != 0 }
        let index = SkyIndex(all.points, zoneHeightArcsec: 60)
        var total = 0
        for rows in [0..<700, 700..<1100, 1100..<all.count, 0..<0, 0..<all.count] {
            let idx = Array(rows)
            let q = PairSet(points: all.points.subset(idx), radii: idx.map { radii[$0] }, keys: idx.map { all.keys[$0] },
                            sides: idx.map { sides[$0] })
            let ref = PairSearch.searchReference(q, against: all, targetCompetes: competes)
            let got = PairSearch.search(rows: rows, of: all, index: index, targetCompetes: competes)
            XCTAssertEqual(got.query, ref.query.map { rows.lowerBound + $0 }, "rows \(rows)")
            XCTAssertEqual(got.target, ref.target, "rows \(rows)")
            XCTAssertEqual(got.sep.map(\.bitPattern), ref.sep.map(\.bitPattern), "rows \(rows)")
            total += ref.count
        }
        XCTAssertGreaterThan(total, 500)
    }

    /// One radius for every row and every target competing: the visit-once walk (each pair met
    /// from its earlier point in zone order) gives exactly the reference's pairs, for own-row
    /// ranges of the set, with and without sides, at the pole, across ra = 0, with whole zones.
    func testFixedRadiusOwnRowsVisitOnce() {
        var g = SplitMix64(17)
        let u = TestSky.uniform(400, &g)
        let c = TestSky.clusters(centres: [(0, 0), (359.99, -30), (10, 89.9), (200, -89.95)], perCluster: 300,
                                 spreadDeg: 0.5, pairScaleArcsec: 20, &g)
        let ra = u.ra + c.ra, dec = u.dec + c.dec
        let competes = [Bool](repeating: true, count: ra.count)
        var total = 0
        for (radius, zone) in [(30.0, 30.0), (30.0, 200.0), (600.0, 60.0), (7200.0, 3600.0)] {
            for withSides in [false, true] {
                let sides = withSides ? ra.indices.map { _ in UInt8(g.next() % 2) } : nil
                let all = TestSky.set(ra, dec, radii: [Double](repeating: radius, count: ra.count), sides: sides, &g)
                // Zones from the unit vectors' declinations, or from those the points were made from.
                for index in [SkyIndex(all.points, zoneHeightArcsec: zone), SkyIndex(all.points, decDeg: dec, zoneHeightArcsec: zone)] {
                for rows in [0..<900, 900..<all.count, 0..<all.count] {
                    let idx = Array(rows)
                    let q = PairSet(points: all.points.subset(idx), radii: idx.map { all.radii[$0] },
                                    keys: idx.map { all.keys[$0] }, sides: sides.map { s in idx.map { s[$0] } })
                    let ref = PairSearch.searchReference(q, against: all, targetCompetes: competes)
                    let got = PairSearch.search(rows: rows, of: all, index: index, targetCompetes: competes)
                    let what = "r \(radius), zone \(zone), sides \(withSides), rows \(rows)"
                    XCTAssertEqual(got.query, ref.query.map { rows.lowerBound + $0 }, what)
                    XCTAssertEqual(got.target, ref.target, what)
                    XCTAssertEqual(got.sep.map(\.bitPattern), ref.sep.map(\.bitPattern), what)
                    total += ref.count
                }
                }
            }
        }
        XCTAssertGreaterThan(total, 5000)
    }

    func testEmptySets() {
        let empty = PairSet(points: SkyPoints(), radii: [], keys: [])
        var g = SplitMix64(15)
        let (ra, dec) = TestSky.uniform(10, &g)
        let s = TestSky.set(ra, dec, radii: [Double](repeating: 1e5, count: 10), &g)
        XCTAssertEqual(PairSearch.search(empty, against: s, index: SkyIndex(s.points, zoneHeightArcsec: 60), targetCompetes: nil).count, 0)
        XCTAssertEqual(PairSearch.search(s, against: empty, index: SkyIndex(empty.points, zoneHeightArcsec: 60), targetCompetes: nil).count, 0)
    }
}
