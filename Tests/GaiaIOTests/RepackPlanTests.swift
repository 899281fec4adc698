// The repack plan's table name and extra columns, from the per-file summaries of pass 1.

import GaiaFormat
@testable import GaiaIO
import XCTest

final class RepackPlanTests: XCTestCase {
    func summary(_ names: [String], table: String? = nil, ambiguous: [String] = []) -> FileSummary {
        var s = FileSummary(index: 0)
        s.columns = names.map { ColumnLayout(ColumnSchema(name: $0, element: .float64)) }
        s.tableName = table
        s.ambiguousTables = ambiguous
        s.leaders = names.map { _ in -1 }
        s.stringWidths = names.map { _ in 0 }
        return s
    }

    func testExtraColumnsOfAKnownTable() throws {
        let gs = KnownTables.table(named: "gaia_source")!.columns.map(\.name)
        let p = try Plan(files: [summary(["dist"] + gs + ["x"], table: "gaia_source")], inputs: ["a.ecsv"], table: nil)
        XCTAssertEqual(p.table, "gaia_source")
        XCTAssertEqual(p.extraColumns, ["dist", "x"])
        XCTAssertTrue(Repack.extraColumnsNote(p).hasSuffix("2 column(s) are not among GaiaMine's gaia_source columns and are kept as the header declares them: dist, x"))
        // --table with a name GaiaMine does not know: nothing to compare with, nothing extra
        XCTAssertEqual(try Plan(files: [summary(["a", "b"])], inputs: ["a.ecsv"], table: "mine").extraColumns, [])
    }

    func testAmbiguousAndUnknownTablesAreRefused() {
        XCTAssertThrowsError(try Plan(files: [summary(["a"], ambiguous: ["gaia_source", "epoch_photometry"])],
                                      inputs: ["join.ecsv"], table: nil)) { e in
            XCTAssertTrue("\(e)".contains("join.ecsv"), "\(e)")
            XCTAssertTrue("\(e)".contains("contain every column of gaia_source and of epoch_photometry; pass --table NAME"), "\(e)")
        }
        XCTAssertThrowsError(try Plan(files: [summary(["a"])], inputs: ["u.ecsv"], table: nil)) { e in
            XCTAssertTrue("\(e)".contains("cannot tell which Gaia table this is (no TABLE meta"), "\(e)")
        }
    }
}
