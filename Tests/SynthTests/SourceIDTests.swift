// Gaia's source_id convention: real Gaia DR3 source_ids carry the level-12 nested HEALPix pixel
// of their positions (Numerics.HEALPix; its own tests against healpy are in NumericsTests).

import Foundation
import Numerics
@testable import Synth
import XCTest

final class SourceIDTests: XCTestCase {
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
}
