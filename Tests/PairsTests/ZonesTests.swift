import XCTest
@testable import Pairs

final class ZonesTests: XCTestCase {
    /// The radix sort is a stable sort: sorted keys, and equal keys in index order.
    func testRadixSortIsAStableSort() {
        var g = SplitMix64(40)
        for (n, bits, distinct) in [(1, 5, 1), (1000, 33, 7), (5000, 44, 1 << 40), (3000, 13, 1 << 13)] {
            let keys = (0..<n).map { _ in (g.next() % UInt64(distinct)) & ((1 << UInt64(bits)) - 1) }
            let (sorted, perm) = RadixSort.sort(keys, bits: bits)
            let want = (0..<n).sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
            XCTAssertEqual(perm.map { Int($0) }, want)
            XCTAssertEqual(sorted, want.map { keys[$0] })
        }
        XCTAssertEqual(RadixSort.sort([], bits: 20).perm, [])
    }

    /// Zone order: zones ascending, ra ascending within a zone, ties by index, also with a dense
    /// clump of identical and nearly identical positions (many equal sort keys).
    func testZoneOrderWithTies() {
        var g = SplitMix64(41)
        var ra: [Double] = [], dec: [Double] = []
        for _ in 0..<3000 { ra.append(g.uniform(0, 360)); dec.append(g.uniform(-90, 90)) }
        for i in 0..<2000 { ra.append(10 + Double(i % 7) * 1e-9); dec.append(20) }
        let p = SkyPoints(raDeg: ra, decDeg: dec)
        for h in [0.5, 60, 36000] {
            let grid = ZoneGrid(heightArcsec: h, pointCount: p.count)
            let o = ZoneOrder(p, grid: grid)
            XCTAssertEqual(Set(o.perm).count, p.count)
            for k in 0..<grid.count {
                for s in o.zoneStart[k]..<o.zoneStart[k + 1] {
                    XCTAssertEqual(grid.zone(decDeg: o.dec[s]), k)
                    let e = o.entries[s], i = Int(o.perm[s])
                    XCTAssertEqual([e.x, e.y, e.z], [p.x[i], p.y[i], p.z[i]])
                    XCTAssertEqual(e.angle, PseudoAngle.of(p.x[i], p.y[i]))
                    if s > o.zoneStart[k] {
                        let a0 = o.entries[s - 1].angle
                        XCTAssert(a0 < e.angle || (a0 == e.angle && o.perm[s - 1] < o.perm[s]))
                        XCTAssertLessThanOrEqual(p.raDec(Int(o.perm[s - 1])).raDeg, p.raDec(i).raDeg)
                    }
                }
            }
        }
    }

    /// The pseudo-angle orders directions as ra does, over the whole circle and on the axes.
    func testPseudoAngleIsMonotoneInRa() {
        var g = SplitMix64(42)
        var ras = (0..<20000).map { _ in g.uniform(0, 360) } + [0, 45, 90, 135, 180, 225, 270, 315, 359.999_999_999]
        ras.sort()
        var last = -1.0
        for ra in ras {
            let v = SkyPoints.unitVector(raDeg: ra, decDeg: 30)
            let a = PseudoAngle.of(v.x, v.y)
            XCTAssert(a >= 0 && a <= 4)
            XCTAssertGreaterThanOrEqual(a, last, "ra \(ra)")
            last = a
        }
        XCTAssertEqual(PseudoAngle.of(0, 0), 0)
        XCTAssertEqual(PseudoAngle.of(1, 0), 0); XCTAssertEqual(PseudoAngle.of(0, 1), 1)
        XCTAssertEqual(PseudoAngle.of(-1, 0), 2); XCTAssertEqual(PseudoAngle.of(0, -1), 3)
    }

    func testKeyLayoutFitsOneWord() {
        for (zones, n) in [(16, 10), (21600, 2_000_000), (1 << 20, Int(Int32.max) - 1), (1 << 20, 64_000_000)] {
            let (keyBits, raBits) = ZoneOrder.keyLayout(zoneCount: zones, pointCount: n)
            XCTAssertLessThanOrEqual(keyBits + (Int.bitWidth - n.leadingZeroBitCount), 64)
            XCTAssertGreaterThanOrEqual(raBits, 13)
        }
    }
}
