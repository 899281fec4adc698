// Number spelling, headers and the random streams (DetMath's tests are in NumericsTests).

import Foundation
import GaiaFormat
@testable import Synth
import XCTest

final class NumberFormatTests: XCTestCase {
    func testFloat32JavaStyle() {
        let cases: [(Float, String)] = [
            (5.565606E-4, "5.565606E-4"), (-2.3473627E-5, "-2.3473627E-5"), (1.0E10, "1.0E10"),
            (0.0137324175, "0.0137324175"), (0.9934199, "0.9934199"), (918.78815, "918.78815"),
            (1, "1.0"), (100, "100.0"), (1e7, "1.0E7"), (9999999, "9999999.0"), (0.001, "0.001"),
            (0.00099999, "9.9999E-4"), (0, "0.0"), (-0.0, "-0.0"), (.nan, "NaN"), (.infinity, "Infinity"),
            (3.4e38, "3.4E38"), (123456.7, "123456.7"), (16777216, "1.6777216E7"),
        ]
        for (v, s) in cases { XCTAssertEqual(GaiaNumber.float32(v), s, "\(v)") }
    }

    func testFloat64JavaStyle() {
        let cases: [(Double, String)] = [
            (102.93398893929992, "102.93398893929992"), (2016.0, "2016.0"), (1e-5, "1.0E-5"),
            (0.00488172850257286, "0.00488172850257286"), (1.2345678901234568e17, "1.2345678901234568E17"),
            (-0.011327088669908251, "-0.011327088669908251"), (1e7, "1.0E7"), (12345678.9, "1.23456789E7"),
            (.nan, "NaN"), (-.infinity, "-Infinity"), (0.001, "0.001"),
        ]
        for (v, s) in cases { XCTAssertEqual(GaiaNumber.float64(v), s, "\(v)") }
    }

    /// Shortest round trip: random values read back exactly.
    func testRoundTrip() {
        var rng = Xoshiro256(seed: 99)
        for _ in 0..<20000 {
            let d = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (rng.chance(0.5) ? 1 : -1)
            let s = GaiaNumber.float64(d)
            XCTAssertEqual(Double(s), d, s)
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7F7F_FFFF)
            let t = GaiaNumber.float32(f)
            XCTAssertEqual(Float(t), f, t)
            XCTAssertFalse(t.contains("e") || t.contains("+"), t)
        }
    }

    /// Every number of the real DR3 CDN samples is reproduced token for token from its value
    /// (float32 columns as Float.toString, float64 as Double.toString).
    func testReproducesDR3Tokens() throws {
        let xpPath = Shared.fixtures + "/xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz"
        let epPath = Shared.fixtures + "/epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz"
        guard FileManager.default.fileExists(atPath: xpPath), FileManager.default.fileExists(atPath: epPath) else {
            throw XCTSkip("DR3 fixtures not available")
        }
        var checked = 0
        for path in [xpPath, epPath] {
            let t = try TextTable(path: path)
            let known = KnownTables.recognise(columnNames: t.columns, fileName: path)!
            for row in t.rows {
                for (k, cell) in row.enumerated() {
                    let col = known.columns[k]
                    guard col.element.isFloat else { continue }
                    let tokens = col.shape.isArray ? arrayElements(cell) : [cell]
                    for tok in tokens where tok != "null" {
                        let spelled = col.element == .float32 ? GaiaNumber.float32(Float(tok)!) : GaiaNumber.float64(Double(tok)!)
                        XCTAssertEqual(spelled, tok, col.name)
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 4000)
    }
}

final class HeaderTests: XCTestCase {
    /// The column declarations of the generated files are line for line those of the real CDN
    /// files (same names, order, types, units, UCDs, descriptions, trailing spaces).
    func testDatatypeBlockMatchesCDNFixtures() throws {
        let pairs = [(Shared.xp.files[0], Shared.fixtures + "/xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz"),
                     (Shared.epoch.files[0], Shared.fixtures + "/epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")]
        for (mine, real) in pairs {
            guard FileManager.default.fileExists(atPath: real) else { throw XCTSkip("DR3 fixtures not available") }
            let a = try TextTable(path: mine), b = try TextTable(path: real)
            func block(_ t: TextTable) -> [String] { Array(t.headerLines.drop { $0 != "# datatype:" }) }
            XCTAssertEqual(block(a), block(b), mine)
            XCTAssertEqual(a.columns, b.columns)
        }
    }

    func testCDNHeaderStyle() throws {
        let t = try TextTable(path: Shared.epoch.files[0])
        let h = t.headerLines
        XCTAssertEqual(Array(h.prefix(7)), ["# %ECSV 1.0", "# ---", "# delimiter: ','", "# meta: !!omap",
                                            "# - RELEASE: Gaia DR3", "# - TABLE: epoch_photometry", "# - DESCRIPTION: >"])
        XCTAssertTrue(h[7].contains("synthetic") && h[7].contains("seed 12"), h[7])
        XCTAssertEqual(h.filter { $0 == "# - " }.count, 48)
        XCTAssertEqual(h.filter { $0 == "#   datatype: string " }.count, 45)
        XCTAssertTrue(h.contains("#   subtype: 'bool[null]' "))
        XCTAssertTrue(h.contains("#   subtype: 'int8[null]' "))
        XCTAssertTrue(h.contains("#   unit: \"'electron'.s**-1\""))
        XCTAssertTrue(h.contains("#   unit: d"))
        // gaia_source: scalar units quoted the same way, bools declared bool.
        let g = try TextTable(path: Shared.gaiaSource.files[0]).headerLines
        XCTAssertTrue(g.contains("#   unit: \"'electron'.s**-1\""))
        XCTAssertTrue(g.contains("#   unit: mas.yr**-1"))
        XCTAssertTrue(g.contains("#   datatype: bool"))
    }

    func testKnownTables() {
        let ep = KnownTables.table(named: "epoch_photometry")!
        XCTAssertEqual(ep.columns.count, 48)
        XCTAssertEqual(KnownTables.table(named: "xp_continuous_mean_spectrum")!.columns.count, 26)
        let gs = KnownTables.table(named: "gaia_source")!
        XCTAssertEqual(gs.columns.count, 152)
        for c in ["solution_id", "designation", "source_id", "random_index", "ref_epoch", "ra", "ra_error", "dec", "dec_error",
                  "parallax", "parallax_error", "pmra", "pmra_error", "pmdec", "pmdec_error", "ra_dec_corr", "ra_parallax_corr",
                  "ra_pmra_corr", "ra_pmdec_corr", "dec_parallax_corr", "dec_pmra_corr", "dec_pmdec_corr", "parallax_pmra_corr",
                  "parallax_pmdec_corr", "pmra_pmdec_corr", "astrometric_n_good_obs_al", "astrometric_params_solved", "ruwe",
                  "phot_g_mean_mag", "phot_bp_mean_mag", "phot_rp_mean_mag", "l", "b", "in_qso_candidates"] {
            XCTAssertNotNil(gs.index(of: c), c)
        }
        XCTAssertEqual(gs.columns[gs.index(of: "designation")!].element, .string)
        XCTAssertEqual(gs.columns[gs.index(of: "in_qso_candidates")!].element, .bool)
        XCTAssertEqual(KnownTables.recognise(columnNames: [], fileName: "/x/EpochPhotometry_000000-003111.csv.gz")?.name,
                       "epoch_photometry")
        XCTAssertEqual(KnownTables.recognise(columnNames: gs.columns.map(\.name), fileName: "q.ecsv")?.name, "gaia_source")
        XCTAssertEqual(KnownTables.recognise(columnNames: ep.columns.map(\.name), fileName: "q.csv")?.name, "epoch_photometry")
        XCTAssertEqual(ep.columns[ep.index(of: "transit_id")!].declaredSubtype, "int64[null]")
        XCTAssertEqual(ep.columns[ep.index(of: "transit_id")!].shape, .variable)
    }
}

final class RandomTests: XCTestCase {
    func testRandomStreams() {
        var a = Xoshiro256(seed: 1, stream: 2, index: 3), b = Xoshiro256(seed: 1, stream: 2, index: 3)
        var c = Xoshiro256(seed: 1, stream: 2, index: 4)
        let xa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<8).map { _ in c.next() })
        // Normals: mean 0, variance 1.
        var r = Xoshiro256(seed: 42)
        var s = 0.0, s2 = 0.0
        let n = 200_000
        for _ in 0..<n { let z = r.normal(); s += z; s2 += z * z }
        XCTAssertEqual(s / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(s2 / Double(n), 1, accuracy: 0.01)
        // SplitMix64 reference value (Vigna's splitmix64.c with seed 0: first output).
        var sm = SplitMix64(seed: 0)
        XCTAssertEqual(sm.next(), 0xE220_A839_7B1D_CDAF)
    }
}
