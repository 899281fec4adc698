// Which known table a file is: the rules of KnownTables.recognition (a part of a table, a table
// plus extra columns, the bulk file name) and the extra columns the reader reports.

import Foundation
import GaiaFormat
import XCTest

final class TableRecognitionTests: XCTestCase {
    let gs = KnownTables.table(named: "gaia_source")!
    let ep = KnownTables.table(named: "epoch_photometry")!
    let xp = KnownTables.table(named: "xp_continuous_mean_spectrum")!
    var dir: TempDir!

    override func setUp() { dir = TempDir() }
    override func tearDown() { dir = nil }

    func name(_ r: KnownTables.Recognition) -> String {
        switch r {
        case .table(let t): return t.name
        case .ambiguous(let ts): return "ambiguous: " + ts.map(\.name).sorted().joined(separator: ",")
        case .none: return "none"
        }
    }

    func testPartsOfATableAsToday() {
        XCTAssertEqual(name(KnownTables.recognition(columnNames: gs.columns.map(\.name), fileName: "q.ecsv")), "gaia_source")
        // a column selection that starts with the table's first column
        XCTAssertEqual(name(KnownTables.recognition(columnNames: ["source_id", "bp_coefficients", "rp_coefficients"],
                                                    fileName: "q.csv")), xp.name)
    }

    func testATablePlusExtraColumns() {
        // an archive query `SELECT *, DISTANCE(...) AS dist`: every known column, extras anywhere
        let names = ["dist"] + gs.columns.map(\.name).reversed() + ["my_flag"]
        XCTAssertEqual(name(KnownTables.recognition(columnNames: names, fileName: "result.ecsv")), "gaia_source")
        XCTAssertEqual(gs.extraColumns(in: names), ["dist", "my_flag"])
        XCTAssertEqual(KnownTables.recognise(columnNames: names, fileName: "result.ecsv")?.name, "gaia_source")
    }

    func testMissingKnownColumnsWithExtrasMatchNothing() {
        // neither part of a table (an unknown name) nor a whole table plus extras (one missing)
        let names = Array(gs.columns.map(\.name).dropLast()) + ["dist"]
        XCTAssertEqual(name(KnownTables.recognition(columnNames: names, fileName: "result.ecsv")), "none")
        XCTAssertEqual(name(KnownTables.recognition(columnNames: ["source_id", "ra", "dist"], fileName: "r.ecsv")), "none")
    }

    func testTwoWholeTablesAreAmbiguousUnlessTheFileNameTells() {
        var names = gs.columns.map(\.name)
        for c in ep.columns.map(\.name) where !names.contains(c) { names.append(c) }
        XCTAssertEqual(name(KnownTables.recognition(columnNames: names, fileName: "join.ecsv")),
                       "ambiguous: epoch_photometry,gaia_source")
        XCTAssertNil(KnownTables.recognise(columnNames: names, fileName: "join.ecsv"))
        XCTAssertEqual(name(KnownTables.recognition(columnNames: names, fileName: "EpochPhotometry_000000-003111.csv.gz")),
                       "epoch_photometry")
    }

    /// A generated archive-style export: the gaia_source columns (as KnownTables declares them)
    /// plus `dist`, no TABLE meta.
    func coneExport(extra: [Col]) -> String {
        let cols = gs.columns.map { Col($0.name, $0.declaredDatatype, $0.declaredSubtype) } + extra
        let row = cols.map { c -> String in
            switch c.datatype {
            case "bool": return "False"
            case "string": return "x"
            default: return "1"
            }
        }.joined(separator: ",")
        return ecsvText(cols, rows: [row])
    }

    func testReaderNamesTheTableAndItsExtraColumns() throws {
        let path = try dir.write("cone.ecsv", coneExport(extra: [Col("dist", "float64")]))
        let t = try readAll(path)
        XCTAssertEqual(t.schema.tableName, "gaia_source")
        XCTAssertEqual(t.schema.extraColumns, ["dist"])
        XCTAssertEqual(t.fileSchema.extraColumns, ["dist"])
        XCTAssertEqual(t["dist"].values(Double.self), [1])
        // a column selection: extras among the selected columns only
        let s = try readAll(path, ReaderOptions(columns: ["source_id", "ra"]))
        XCTAssertEqual(s.schema.extraColumns, [])
        XCTAssertEqual(s.fileSchema.extraColumns, ["dist"])
        // --table names the table: the same extras
        let g = try readAll(path, ReaderOptions(tableName: "gaia_source"))
        XCTAssertEqual(g.schema.extraColumns, ["dist"])
        // an unknown table has no known columns, so no extras
        XCTAssertEqual(try readAll(path, ReaderOptions(tableName: "my_table")).schema.extraColumns, [])
    }

    func testReaderReportsAmbiguity() throws {
        var cols = gs.columns.map { Col($0.name, $0.declaredDatatype, $0.declaredSubtype) }
        for c in ep.columns where !cols.contains(where: { $0.name == c.name }) {
            cols.append(Col(c.name, c.declaredDatatype, c.declaredSubtype))
        }
        let path = try dir.write("join.ecsv", ecsvText(cols, rows: []))
        let r = try ECSVReader(path: path)
        XCTAssertNil(r.schema.tableName)
        XCTAssertEqual(r.schema.ambiguousTables.sorted(), ["epoch_photometry", "gaia_source"])
    }

    func testRealConeExportIsGaiaSourceWithItsExtras() throws {
        let t = try readAll(Fixtures.gaiaSource)
        let names = t.schema.columns.map(\.name)
        XCTAssertEqual(names.count, 153)
        XCTAssertEqual(t.schema.tableName, "gaia_source")
        // `SELECT *, DISTANCE(...) AS dist`: every DR3 gaia_source column is known, only `dist` is extra
        XCTAssertEqual(t.schema.extraColumns, ["dist"])
        XCTAssertEqual(t.fileSchema.extraColumns, ["dist"])
        // extras keep the header's declarations
        let dist = t.schema.columns.first { $0.name == "dist" }!
        XCTAssertEqual(dist.element, .float64)
    }

    /// KnownTables' gaia_source is the archive's own declaration of the DR3 table: the cone
    /// export's 152 gaia_source columns, in order, with the same types, units and UCDs (and
    /// descriptions, but for trailing whitespace).
    func testGaiaSourceIsTheArchiveDeclaration() throws {
        let declared = try ECSVReader(path: Fixtures.gaiaSource).fileSchema.columns.filter { $0.name != "dist" }
        XCTAssertEqual(gs.columns.count, 152)
        XCTAssertEqual(gs.columns.map(\.name), declared.map(\.name))
        for (k, d) in zip(gs.columns, declared) {
            XCTAssertEqual(k.element, d.element, k.name)
            XCTAssertEqual(k.shape, d.shape, k.name)
            XCTAssertEqual(k.declaredDatatype, d.declaredDatatype, k.name)
            XCTAssertEqual(k.unit, d.unit, k.name)
            XCTAssertEqual(k.ucd, d.ucd, k.name)
            XCTAssertEqual(k.description, d.description?.trimmingCharacters(in: .whitespaces), k.name)
        }
    }
}
