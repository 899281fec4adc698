// HEALPix nested ang2pix against known values: real Gaia DR3 source_ids with their positions,
// the base-pixel centres, and pix2ang/ang2pix round trips.

import Foundation
@testable import Synth
import XCTest

final class HEALPixTests: XCTestCase {
    /// Gaia DR3 rows of gaia_source_archive_cone_5rows.ecsv: source_id >> 35 is the level-12
    /// nested pixel of (ra, dec).
    func testGaiaSourceIDs() {
        let rows: [(Double, Double, Int64)] = [
            (280.0002534562339, -60.00259557514462, 6636090334814214528),
            (279.99329161242713, -59.99985304904723, 6636090339112400000),
            (280.00510823916443, -59.99710959400066, 6636090339113063296),
            (279.99302733099194, -59.99727888991126, 6636090339112213760),
            (279.99469667562437, -59.996305527734066, 6636090334814217600),
        ]
        for (ra, dec, id) in rows {
            XCTAssertEqual(HEALPix.ang2pixNested(order: 12, raDeg: ra, decDeg: dec), id >> 35, "\(id)")
            XCTAssertEqual(SourceID.healpix(id, level: 12), id >> 35)
            XCTAssertEqual(SourceID.healpix(id, level: 8), id >> 43)
        }
    }

    /// healpy: ang2pix(1, θ, φ, nest=True) is the base pixel; centres of the 12 base pixels.
    func testBasePixels() {
        let zc = 2.0 / 3.0
        let decN = asin(zc) * 180 / .pi
        for k in 0..<4 {
            let phi = 45.0 + 90.0 * Double(k)
            XCTAssertEqual(HEALPix.ang2pixNested(order: 0, raDeg: phi, decDeg: decN), Int64(k))
            XCTAssertEqual(HEALPix.ang2pixNested(order: 0, raDeg: 90.0 * Double(k), decDeg: 0), Int64(4 + k))
            XCTAssertEqual(HEALPix.ang2pixNested(order: 0, raDeg: phi, decDeg: -decN), Int64(8 + k))
        }
        XCTAssertEqual(HEALPix.ang2pixNested(order: 0, raDeg: 10, decDeg: 90), 0)
        XCTAssertEqual(HEALPix.ang2pixNested(order: 0, raDeg: 10, decDeg: -90), 8)
        // At order 12 the north pole is the last pixel of face 0's corner column: ix = iy = nside−1.
        let nside: Int64 = 4096
        XCTAssertEqual(HEALPix.ang2pixNested(order: 12, raDeg: 0.001, decDeg: 90), nside * nside - 1)
        XCTAssertEqual(HEALPix.pixelCount(order: 12), 12 * nside * nside)
        XCTAssertEqual(HEALPix.pixelCount(order: 8), 786432)
    }

    func testRoundTrip() {
        var rng = Xoshiro256(seed: 3)
        for order in [0, 1, 2, 5, 8, 12] {
            let npix = HEALPix.pixelCount(order: order)
            for _ in 0..<2000 {
                let p = Int64(rng.below(Int(npix)))
                let c = HEALPix.pix2angNested(order: order, pixel: p)
                XCTAssertEqual(HEALPix.ang2pixNested(order: order, raDeg: c.raDeg, decDeg: c.decDeg), p, "order \(order)")
            }
        }
        // Nesting: the level-8 pixel of a level-12 pixel is its index >> 8.
        for _ in 0..<2000 {
            let ra = rng.uniform(0, 360), dec = DetMath.asin(rng.uniform(-1, 1)) * 180 / .pi
            XCTAssertEqual(HEALPix.ang2pixNested(order: 12, raDeg: ra, decDeg: dec) >> 8,
                           HEALPix.ang2pixNested(order: 8, raDeg: ra, decDeg: dec))
        }
    }

    /// Equal-area check: uniform random points fill the 768 level-3 pixels evenly.
    func testEqualArea() {
        var rng = Xoshiro256(seed: 4)
        var counts = [Int](repeating: 0, count: 768)
        let n = 768 * 400
        for _ in 0..<n {
            let ra = rng.uniform(0, 360), dec = DetMath.asin(rng.uniform(-1, 1)) * 180 / .pi
            counts[Int(HEALPix.ang2pixNested(order: 3, raDeg: ra, decDeg: dec))] += 1
        }
        let chi2 = counts.reduce(0.0) { $0 + Double(($1 - 400) * ($1 - 400)) / 400 }
        XCTAssertLessThan(chi2, 768 + 5 * (2.0 * 768).squareRoot())
    }
}
