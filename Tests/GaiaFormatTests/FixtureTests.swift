// The real DR3 samples in ../shared/fixtures (see its README): every one reads, values checked
// against the README's facts and, column by column, against an independent slow parse.

import Foundation
import GaiaFormat
import XCTest

final class FixtureTests: XCTestCase {
    let coefficientCount = 55
    let correlationCount = 1485

    func testFixturesArePresent() {
        for p in [Fixtures.xpRaw, Fixtures.xpMissingBP, Fixtures.xpCDN, Fixtures.xp18Sco, Fixtures.epoch, Fixtures.gaiaSource] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: p), "missing fixture \(p) (fixtures root \(Fixtures.root))")
        }
    }

    func testXPArchiveExport() throws {
        let t = try readAll(Fixtures.xpRaw)
        XCTAssertEqual(t.rows, 2)
        XCTAssertEqual(t.headerLineCount, 167)  // 166 '#' lines + the column names
        XCTAssertEqual(t.schema.columns.count, 26)
        XCTAssertEqual(t.schema.tableName, "xp_continuous_mean_spectrum")  // recognised from the names
        XCTAssertEqual(t["source_id"].values(Int64.self), [5853498713190525696, 5762406957886626816])
        XCTAssertEqual(t["solution_id"].values(Int64.self), [4545469030156206080, 4545469030156206080])
        XCTAssertEqual(t["bp_n_parameters"].schema.element, .int16)  // archive export: int16
        XCTAssertEqual(t["bp_n_parameters"].values(Int16.self), [55, 55])
        XCTAssertEqual(t["bp_standard_deviation"].values(Float.self)[0], 1.1224667)
        XCTAssertEqual(t["bp_chi_squared"].values(Float.self)[0], 5853.6416)
        XCTAssertEqual(t["bp_coefficients"].schema.shape, .fixed(coefficientCount))
        XCTAssertEqual(t["bp_coefficients"].schema.declaredSubtype, "float64[null]")
        XCTAssertEqual(t["bp_coefficient_errors"].schema.shape, .fixed(coefficientCount))
        XCTAssertEqual(t["bp_coefficient_correlations"].schema.shape, .fixed(correlationCount))
        XCTAssertEqual(t["bp_coefficient_correlations"].elementCount, 2 * correlationCount)
        XCTAssertEqual(t["bp_coefficients"].values(Double.self)[0], 56947.03696840172)
        XCTAssertEqual(t["bp_coefficients"].values(Double.self)[1], 13812.466168611605)
        XCTAssertTrue(t["bp_coefficients"].lengths.isEmpty)
        XCTAssertEqual(t["bp_coefficient_correlations"].schema.ucd, "stat.correlation")
        for c in t.schema.columns { XCTAssertEqual(t[c.name].nullCount, 0, c.name) }
        try Reference.check(t, against: Fixtures.xpRaw)
    }

    func testXPMissingBP() throws {
        let t = try readAll(Fixtures.xpMissingBP)
        XCTAssertEqual(t.rows, 3)
        XCTAssertEqual(t["source_id"].values(Int64.self)[1], 5405570973190252288)
        XCTAssertEqual(t["solution_id"].values(Int64.self), [4545469030156206080, 4545469030156206081, 4545469030156206080])
        // BP missing in the middle row: NaN-filled fixed(55) / fixed(1485) arrays, fills, NaN scalars.
        let coefficients = t["bp_coefficients"].values(Double.self)
        XCTAssertEqual(coefficients.count, 3 * coefficientCount)
        XCTAssertTrue(coefficients[coefficientCount..<2 * coefficientCount].allSatisfy(\.isNaN))
        XCTAssertFalse(coefficients[0..<coefficientCount].contains { $0.isNaN })
        XCTAssertFalse(coefficients[(2 * coefficientCount)...].contains { $0.isNaN })
        XCTAssertTrue(t["bp_coefficient_errors"].values(Float.self)[coefficientCount..<2 * coefficientCount].allSatisfy(\.isNaN))
        XCTAssertTrue(t["bp_coefficient_correlations"].values(Float.self)[correlationCount..<2 * correlationCount].allSatisfy(\.isNaN))
        XCTAssertEqual(t["bp_coefficients"].nullCount, 1)
        XCTAssertEqual(t["bp_coefficient_correlations"].nullCount, 1)
        XCTAssertTrue(t["bp_standard_deviation"].values(Float.self)[1].isNaN)
        XCTAssertEqual(t["bp_standard_deviation"].nullCount, 1)  // written `nan`
        XCTAssertEqual(t["bp_n_parameters"].values(Int16.self), [55, Int16.min, 55])
        XCTAssertEqual(t["bp_n_parameters"].nullCount, 1)
        XCTAssertEqual(t["bp_basis_function_id"].values(Int16.self)[1], Int16.min)
        // RP of the same row is complete.
        XCTAssertFalse(t["rp_coefficients"].values(Double.self).contains { $0.isNaN })
        XCTAssertEqual(t["rp_coefficients"].nullCount, 0)
        XCTAssertEqual(t["rp_n_parameters"].values(Int16.self)[1], 55)
        try Reference.check(t, against: Fixtures.xpMissingBP)
    }

    func testXPBulkDownloadGzip() throws {
        let t = try readAll(Fixtures.xpCDN)
        XCTAssertEqual(t.rows, 1)
        XCTAssertEqual(t.headerLineCount, 183)
        XCTAssertEqual(t.schema.tableName, "xp_continuous_mean_spectrum")
        XCTAssertEqual(t["source_id"].values(Int64.self), [4295806720])
        XCTAssertEqual(t["solution_id"].values(Int64.self), [4545469030156206081])
        XCTAssertEqual(t["bp_n_parameters"].schema.element, .int8)  // CDN: int8
        XCTAssertEqual(t["bp_n_parameters"].values(Int8.self), [55])
        XCTAssertEqual(t["bp_coefficients"].schema.shape, .fixed(coefficientCount))
        XCTAssertEqual(t["rp_coefficient_correlations"].schema.shape, .fixed(correlationCount))
        for c in t.schema.columns { XCTAssertEqual(t[c.name].nullCount, 0, c.name) }
        // Table meta from the !!omap block, folded blocks kept as provenance.
        let meta = Dictionary(t.schema.meta.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(t.schema.meta.map(\.key), ["RELEASE", "TABLE", "DESCRIPTION", "CITATION", "KNOWN_ISSUES", "DOCUMENTATION"])
        XCTAssertEqual(meta["RELEASE"], "Gaia DR3")
        XCTAssertEqual(meta["TABLE"], "xp_continuous_mean_spectrum")
        XCTAssertTrue(meta["DESCRIPTION"]!.contains("\\secref{cu5pho_ssec:meanSpecGen}"))
        XCTAssertTrue(meta["CITATION"]!.contains("https://gea.esac.esa.int/archive/documentation/credits.html"), meta["CITATION"]!)
        // Upper-case exponents in float32 arrays (the README counts 158 in this row).
        let (names, rows) = try Reference.rows(Fixtures.xpCDN)
        let correlationsText = rows[0][names.firstIndex(of: "bp_coefficient_correlations")!]
        XCTAssertTrue(correlationsText.contains("E-"))
        try Reference.check(t, against: Fixtures.xpCDN)
    }

    func testXP18ScoHeaderlessCRLFParentheses() throws {
        let t = try readAll(Fixtures.xp18Sco)
        XCTAssertEqual(t.rows, 1)
        XCTAssertEqual(t.headerLineCount, 1)
        XCTAssertEqual(t.schema.tableName, "xp_continuous_mean_spectrum")
        XCTAssertEqual(t.schema.columns.map(\.name), ["source_id", "bp_n_parameters", "rp_n_parameters", "phot_g_mean_mag",
                                                       "bp_coefficients", "bp_coefficient_errors", "bp_coefficient_correlations",
                                                       "rp_coefficients", "rp_coefficient_errors", "rp_coefficient_correlations"])
        XCTAssertEqual(t["source_id"].values(Int64.self), [4345775217221821312])
        XCTAssertEqual(t["phot_g_mean_mag"].values(Float.self), [5.327651])
        XCTAssertEqual(t["bp_coefficients"].schema.shape, .fixed(coefficientCount))
        XCTAssertEqual(t["bp_coefficients"].values(Double.self).first, 9226249.48757417)
        XCTAssertEqual(t["bp_coefficients"].values(Double.self).last, -4.267038223846553)
        XCTAssertEqual(t["bp_coefficient_correlations"].elementCount, correlationCount)
        // The errors equal xp_reference/nb_bp_errors.txt (as float32).
        let errorsText = try String(contentsOfFile: Fixtures.path("xp_reference/nb_bp_errors.txt"), encoding: .utf8)
        let reference = errorsText.split(whereSeparator: \.isWhitespace).map { Float(Double($0)!) }
        XCTAssertEqual(t["bp_coefficient_errors"].values(Float.self), reference)
        try Reference.check(t, against: Fixtures.xp18Sco)
    }

    func testEpochPhotometry() throws {
        let t = try readAll(Fixtures.epoch, batchRows: 2)
        XCTAssertEqual(t.rows, 5)
        XCTAssertEqual(t.batches.map(\.rowCount), [2, 2, 1])
        XCTAssertEqual(t.batches.map(\.firstLine), [367, 369, 371])
        XCTAssertEqual(t.headerLineCount, 366)
        XCTAssertEqual(t.schema.columns.count, 48)
        XCTAssertEqual(t.schema.tableName, "epoch_photometry")
        XCTAssertEqual(t["solution_id"].values(Int64.self), [Int64](repeating: 375316653866487564, count: 5))
        XCTAssertEqual(t["source_id"].values(Int64.self), [239556096283136, 1282855192262400, 1768117776854528, 2051555554134656, 4202269017377408])
        let nTransits = t["n_transits"].values(Int16.self)
        XCTAssertEqual(nTransits, [25, 21, 23, 26, 25])
        for c in t.schema.columns where c.shape.isArray {
            XCTAssertEqual(c.shape, .variable, c.name)
            XCTAssertEqual(t[c.name].lengths, nTransits.map { Int32($0) }, c.name)
        }
        // Units with inner quotes, trailing-space subtypes.
        XCTAssertEqual(t["g_transit_flux"].schema.unit, "'electron'.s**-1")
        XCTAssertEqual(t["g_transit_flux"].schema.declaredSubtype, "float64[null]")
        XCTAssertEqual(t["g_transit_time"].schema.unit, "d")
        XCTAssertEqual(t["g_transit_n_obs"].schema.element, .int8)
        XCTAssertEqual(t["variability_flag_g_reject"].schema.element, .bool)
        // Row 1: transit_id[1] null → Int64.min, g_transit_flux[20] null → NaN.
        let transitIDs = t["transit_id"].values(Int64.self)
        XCTAssertEqual(transitIDs[0], 17281342410864078)
        XCTAssertEqual(transitIDs[1], Int64.min)
        XCTAssertEqual(transitIDs[2], 23469704259323213)
        XCTAssertEqual(t["transit_id"].nullCount, 1)
        let gFlux = t["g_transit_flux"].values(Double.self)
        XCTAssertTrue(gFlux[20].isNaN)
        XCTAssertEqual(gFlux[0], 319.9124782484526)
        XCTAssertEqual(t["g_transit_flux"].nullCount, 1)
        // BP NaNs of row 1 at 6, 10, 14, 15 (values, not nulls).
        let bpFlux = t["bp_flux"].values(Double.self)
        XCTAssertEqual((0..<25).filter { bpFlux[$0].isNaN }, [6, 10, 14, 15])
        XCTAssertEqual(t["bp_flux"].nullCount, 0)
        // Row 4: G arrays NaN at 10 and 14, g_transit_n_obs there 1 and 0.
        let row4 = Int(nTransits[0] + nTransits[1] + nTransits[2])
        let gTime = t["g_transit_time"].values(Double.self)
        XCTAssertEqual((0..<26).filter { gTime[row4 + $0].isNaN }, [10, 14])
        let nObs = t["g_transit_n_obs"].values(Int8.self)
        XCTAssertEqual(nObs[row4 + 10], 1)
        XCTAssertEqual(nObs[row4 + 14], 0)
        XCTAssertEqual(Array(nObs[0..<5]), [9, 9, 8, 9, 9])
        // Boolean arrays with CSV-doubled quotes: row 1 variability_flag_g_reject is True at 9, 11, 13.
        let reject = t["variability_flag_g_reject"].values(Int8.self)
        XCTAssertEqual((0..<25).filter { reject[$0] == 1 }, [9, 11, 13])
        XCTAssertTrue(reject.allSatisfy { $0 == 0 || $0 == 1 })
        try Reference.check(t, against: Fixtures.epoch)
    }

    func testGaiaSourceArchiveExport() throws {
        let t = try readAll(Fixtures.gaiaSource)
        XCTAssertEqual(t.rows, 5)
        XCTAssertEqual(t.headerLineCount, 1039)
        XCTAssertEqual(t.schema.columns.count, 153)
        var counts: [ElementType: Int] = [:]
        for c in t.schema.columns { counts[c.element, default: 0] += 1 }
        XCTAssertEqual(counts, [.bool: 12, .float32: 93, .float64: 14, .int16: 28, .int64: 3, .string: 3])
        // All 28 int16 columns are empty in all rows → fill, counted.
        for c in t.schema.columns where c.element == .int16 {
            XCTAssertEqual(t[c.name].values(Int16.self), [Int16](repeating: Int16.min, count: 5), c.name)
            XCTAssertEqual(t[c.name].nullCount, 5, c.name)
        }
        XCTAssertEqual(t["source_id"].values(Int64.self)[0], 6636090334814214528)
        XCTAssertEqual(t["designation"].strings()[0], "Gaia DR3 6636090334814214528")
        XCTAssertEqual(t["phot_variable_flag"].strings()[0], "NOT_AVAILABLE")
        XCTAssertEqual(t["libname_gspphot"].strings()[0], "")  // empty = null
        XCTAssertGreaterThan(t["libname_gspphot"].nullCount, 0)
        // Unquoted booleans.
        XCTAssertEqual(t["astrometric_primary_flag"].values(Int8.self)[0], 0)
        XCTAssertEqual(t["has_xp_continuous"].values(Int8.self)[0], 0)
        XCTAssertEqual(t["ra"].values(Double.self)[0], 280.0002534562339)
        XCTAssertEqual(t["classprob_dsc_combmod_quasar"].values(Float.self)[0], 2.5028593E-9)
        XCTAssertEqual(t["dist"].values(Double.self)[0], 0.0026043272506261527)
        XCTAssertTrue(t["parallax"].values(Double.self)[1].isNaN)  // `nan`
        // The meta mapping comes after the column list here.
        let meta = Dictionary(t.schema.meta.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(meta["QUERY_STATUS"], "OK")
        XCTAssertEqual(meta["JOBID"], "1712337806100O")
        XCTAssertEqual(meta["RELEASE"], "Gaia DR3")
        XCTAssertTrue(meta["QUERY"]!.contains("gaiadr3.gaia_source"))
        // no TABLE meta: recognised from its columns (all of gaia_source's, plus `dist` and others)
        XCTAssertEqual(t.schema.tableName, "gaia_source")
        try Reference.check(t, against: Fixtures.gaiaSource)
    }

    func testColumnSelectionOnFixtures() throws {
        let t = try readAll(Fixtures.xpMissingBP, ReaderOptions(columns: ["rp_coefficients", "source_id"]))
        XCTAssertEqual(t.schema.columns.map(\.name), ["source_id", "rp_coefficients"])  // file order
        XCTAssertEqual(t.fileSchema.columns.count, 26)
        XCTAssertEqual(t["source_id"].values(Int64.self)[1], 5405570973190252288)
        try Reference.check(t, against: Fixtures.xpMissingBP)
        let e = try readAll(Fixtures.epoch, ReaderOptions(columns: ["variability_flag_rp_reject", "n_transits"]))
        XCTAssertEqual(e["variability_flag_rp_reject"].lengths.map { Int16($0) }, e["n_transits"].values(Int16.self))
        try Reference.check(e, against: Fixtures.epoch)
    }

    func testPeekFirstValue() throws {
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: Fixtures.xpCDN, column: "source_id"), "4295806720")
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: Fixtures.epoch, column: "source_id"), "239556096283136")
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: Fixtures.xp18Sco, column: "source_id"), "4345775217221821312")
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: Fixtures.gaiaSource, column: "designation"), "Gaia DR3 6636090334814214528")
        XCTAssertEqual(try ECSVReader.peekFirstValue(path: Fixtures.xpMissingBP, column: "rp_relative_shrinking"), "0.99999994")
        let n = try ECSVReader.peekFirstValue(path: Fixtures.epoch, column: "g_transit_n_obs")
        XCTAssertEqual(n, "[9,9,8,9,9,9,9,8,9,9,9,9,8,9,9,9,9,9,9,9,9,8,8,9,9]")
        XCTAssertThrowsError(try ECSVReader.peekFirstValue(path: Fixtures.xpRaw, column: "nope"))
    }

    func testProgressCounters() throws {
        let r = try ECSVReader(path: Fixtures.epoch)
        XCTAssertEqual(r.headerLineCount, 366)
        XCTAssertEqual(r.linesRead, 366)
        XCTAssertEqual(r.fileSize, 18346)
        while try r.readBatch(maxRows: 100) != nil {}
        XCTAssertEqual(r.linesRead, 371)
        XCTAssertEqual(r.compressedBytesRead, 18346)
        XCTAssertEqual(r.uncompressedBytesRead, try decompressedText(Fixtures.epoch).utf8.count)
    }
}
