// The examples of Docs/expressions.md type-check against gaia_source / epoch_photometry-like columns.
import XCTest
@testable import Expressions

final class DocExampleTests: XCTestCase {
    private let columns: [ColumnSignature] = [
        .init(name: "source_id", kind: .int, shape: .scalar),
        .init(name: "astrometric_params_solved", kind: .int, shape: .scalar),
        .init(name: "bp_coefficients", kind: .float, shape: .fixed(55)),
        .init(name: "g_transit_mag", kind: .float, shape: .ragged),
        .init(name: "g_transit_flux", kind: .float, shape: .ragged),
        .init(name: "g_transit_flux_error", kind: .float, shape: .ragged),
    ] + ["parallax", "parallax_error", "parallax_over_error", "pmra", "pmra_error", "pmdec", "pmdec_error",
         "phot_g_mean_mag", "ruwe"].map { ColumnSignature(name: $0, kind: .float, shape: .scalar) }

    func testConditions() throws {
        for text in ["parallax > 1 and parallax_over_error > 5", "parallax > 1 & parallax_over_error > 5",
                     "astrometric_params_solved == 31 and abs(parallax / parallax_error) < 5 and hypot(pmra / pmra_error, pmdec / pmdec_error) < 5 and phot_g_mean_mag < 20.5",
                     "count(g_transit_mag) >= 10 and ruwe < 1.4"] {
            let e = try Expression(text, columns: columns, label: "--where", condition: true)
            XCTAssertEqual(e.kind, .bool)
        }
    }

    func testValuesAndKeys() throws {
        XCTAssertEqual(try Expression("healpix(5)", columns: columns).kind, .int)
        XCTAssertEqual(try Expression("floor(phot_g_mean_mag)", columns: columns).kind, .float)
        for text in ["mean(g_transit_flux / g_transit_flux_error)", "count(g_transit_mag)", "ptp(g_transit_mag)",
                     "median(g_transit_mag)", "bp_coefficients[3]", "hypot(pmra, pmdec)", "sum(g_transit_mag > 20)"] {
            XCTAssertFalse(try Expression(text, columns: columns).isArray, text)
        }
        XCTAssertEqual(try Expression("hypot(pmra, pmdec)", columns: columns).referencedColumns, ["pmra", "pmdec"])
    }
}
