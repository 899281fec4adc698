// Every datatype, null spelling, quoting and layout variant the reader accepts, on small
// generated files (some gzip-compressed with ByteSink).

import Foundation
import GaiaFormat
import XCTest

final class VariantTests: XCTestCase {
    let dir = TempDir()

    func read(_ text: String, name: String = "t.ecsv", gzip: Bool = false, _ options: ReaderOptions = ReaderOptions(),
              batchRows: Int = 1000) throws -> WholeTable {
        try readAll(try dir.write(name, text, gzip: gzip), options, batchRows: batchRows)
    }

    func same(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) where !(x == y || (x.isNaN && y.isNaN)) || x.sign != y.sign {
            XCTFail("\(a) != \(b)", file: file, line: line)
            return
        }
    }

    func same(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) where !(x == y || (x.isNaN && y.isNaN)) || x.sign != y.sign {
            XCTFail("\(a) != \(b)", file: file, line: line)
            return
        }
    }

    // MARK: scalars

    func testIntegerTypesFullRangeAndNulls() throws {
        let cols = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"].map { Col("c_" + $0, $0) }
        let t = try read(ecsvText(cols, rows: [
            "-128,-32768,-2147483648,-9223372036854775808,0,0,0,0",
            "127,32767,2147483647,9223372036854775807,255,65535,4294967295,18446744073709551615",
            ",null,\"\",NULL,,Null,,null",
            "\"5\",+7, 12 ,-0,\"3\",007,1,00000000000000000000042",
        ]))
        XCTAssertEqual(t.rows, 4)
        XCTAssertEqual(t["c_int8"].values(Int8.self), [-128, 127, Int8.min, 5])
        XCTAssertEqual(t["c_int16"].values(Int16.self), [-32768, 32767, Int16.min, 7])
        XCTAssertEqual(t["c_int32"].values(Int32.self), [Int32.min, Int32.max, Int32.min, 12])
        XCTAssertEqual(t["c_int64"].values(Int64.self), [Int64.min, Int64.max, Int64.min, 0])
        XCTAssertEqual(t["c_uint8"].values(UInt8.self), [0, 255, 255, 3])
        XCTAssertEqual(t["c_uint16"].values(UInt16.self), [0, 65535, 65535, 7])
        XCTAssertEqual(t["c_uint32"].values(UInt32.self), [0, UInt32.max, UInt32.max, 1])
        XCTAssertEqual(t["c_uint64"].values(UInt64.self), [0, UInt64.max, UInt64.max, 42])
        for c in cols { XCTAssertEqual(t[c.name].nullCount, 1, c.name) }
    }

    func testFloatsNullsAndSpellings() throws {
        let values = ["1.5", "5.565606E-4", "-2.3473627E-5", "+3.25", "nan", "NaN", "null", "", "\"\"", "inf", "-inf",
                      "1e-50", "\"2.5\"", " 4.5 ", "-0.0", "1.00000005960464477539062501"]
        let t = try read(ecsvText([Col("f", "float32"), Col("d", "float64")], rows: values.map { "\($0),\($0)" }))
        same(t["f"].values(Float.self), [1.5, 5.565606E-4, -2.3473627E-5, 3.25, .nan, .nan, .nan, .nan, .nan, .infinity, -.infinity,
                                         0, 2.5, 4.5, -0.0, 1.0000001])
        same(t["d"].values(Double.self), [1.5, 5.565606E-4, -2.3473627E-5, 3.25, .nan, .nan, .nan, .nan, .nan, .infinity, -.infinity,
                                          1e-50, 2.5, 4.5, -0.0, 1.0000000596046448])
        XCTAssertEqual(t["f"].nullCount, 5)  // nan, NaN, null, empty, ""
        XCTAssertEqual(t["d"].nullCount, 5)
        // float32 is rounded once from the text, not through float64 (which would give 1.0 here).
        XCTAssertEqual(t["f"].values(Float.self).last!, 1 + Float.ulpOfOne)
        XCTAssertEqual(Float(t["d"].values(Double.self).last!), 1.0)
    }

    func testBooleans() throws {
        let spellings = ["True", "False", "true", "false", "1", "0", "\"True\"", "\"False\"", "TRUE", "FALSE", "", "null", "\"\""]
        let t = try read(ecsvText([Col("b", "bool"), Col("x", "int8")], rows: spellings.map { "\($0),1" }))
        XCTAssertEqual(t["b"].values(Int8.self), [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, -1, -1, -1])
        XCTAssertEqual(t["b"].nullCount, 3)
        XCTAssertEqual(t["b"].schema.element, .bool)
    }

    func testStrings() throws {
        let t = try read(ecsvText([Col("s", "string"), Col("n", "int16")], rows: [
            "plain text,1",
            "\"with, comma\",2",
            "\"say \"\"hi\"\"\",3",
            ",4",
            "\"\",5",
            "null,6",
            "\"null\",7",
            "Gaia DR3 6636090334814214528,8",
            "ünïcødé ✓,9",
        ]))
        XCTAssertEqual(t["s"].strings(), ["plain text", "with, comma", "say \"hi\"", "", "", "", "null", "Gaia DR3 6636090334814214528", "ünïcødé ✓"])
        XCTAssertEqual(t["s"].nullCount, 3)
        XCTAssertEqual(t["n"].values(Int16.self), [1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    // MARK: arrays

    func testFloatArraysAllForms() throws {
        let t = try read(ecsvText([Col("a", "string", "float64[null]"), Col("f", "string", "float32[null]"), Col("k", "int8")], rows: [
            "\"[1.0,2.0]\",\"[1.0,2.0]\",1",
            "\"(1.0, 2.0, 3.0)\",\"(1.0, 2.0, 3.0)\",2",
            "\"[ 1.5 , null , NaN ]\",\"[ 1.5 , null , NaN ]\",3",
            ",,4",
            "null,null,5",
            "\"\",\"\",6",
            "\"[]\",\"()\",7",
            "[4.0],[4.0],8",
            "\"[5.565606E-4,nan,inf,-2.3473627E-5]\",\"[5.565606E-4,nan,inf,-2.3473627E-5]\",9",
            "\"[\"\"1.25\"\"]\",\"[\"\"1.25\"\"]\",10",
        ]))
        XCTAssertEqual(t["a"].schema.shape, .variable)
        XCTAssertEqual(t["a"].lengths, [2, 3, 3, 0, 0, 0, 0, 1, 4, 1])
        XCTAssertEqual(t["f"].lengths, [2, 3, 3, 0, 0, 0, 0, 1, 4, 1])
        same(t["a"].values(Double.self), [1, 2, 1, 2, 3, 1.5, .nan, .nan, 4, 5.565606E-4, .nan, .infinity, -2.3473627E-5, 1.25])
        same(t["f"].values(Float.self), [1, 2, 1, 2, 3, 1.5, .nan, .nan, 4, 5.565606E-4, .nan, .infinity, -2.3473627E-5, 1.25])
        XCTAssertEqual(t["a"].nullCount, 4)  // one null element + three null arrays (NaN/nan are values)
        XCTAssertEqual(t["f"].nullCount, 4)
        XCTAssertEqual(t["k"].values(Int8.self), Array(1...10))
    }

    func testIntegerArrays() throws {
        let t = try read(ecsvText([Col("i", "string", "int64[null]"), Col("s", "string", "int8[null]"), Col("u", "string", "uint16[null]")], rows: [
            "\"[17281342410864078,null,-9223372036854775808,9223372036854775807]\",\"[9,-128,127,null]\",\"[0,65535]\"",
            "\"( 1, 2 , 3 )\",\"[]\",",
            ",null,\"[\"\"7\"\"]\"",
        ]))
        XCTAssertEqual(t["i"].values(Int64.self), [17281342410864078, Int64.min, Int64.min, Int64.max, 1, 2, 3])
        XCTAssertEqual(t["i"].lengths, [4, 3, 0])
        XCTAssertEqual(t["i"].nullCount, 2)
        XCTAssertEqual(t["s"].values(Int8.self), [9, -128, 127, Int8.min])
        XCTAssertEqual(t["s"].lengths, [4, 0, 0])
        XCTAssertEqual(t["s"].nullCount, 2)
        XCTAssertEqual(t["u"].values(UInt16.self), [0, 65535, 7])
        XCTAssertEqual(t["u"].lengths, [2, 0, 1])
        XCTAssertEqual(t["u"].nullCount, 1)
    }

    func testBoolArrays() throws {
        let t = try read(ecsvText([Col("b", "string", "bool[null]")], rows: [
            "\"[\"\"False\"\",\"\"True\"\",\"\"False\"\"]\"",
            "\"[True,False]\"",
            "\"[true, 0, 1, null]\"",
            "\"[]\"",
            "\"\"",
        ]))
        XCTAssertEqual(t["b"].values(Int8.self), [0, 1, 0, 1, 0, 1, 0, 1, -1])
        XCTAssertEqual(t["b"].lengths, [3, 2, 4, 0, 0])
        XCTAssertEqual(t["b"].nullCount, 2)
        XCTAssertEqual(t["b"].schema.element, .bool)
    }

    func testFixedArrays() throws {
        let cols = [Col("f", "string", "float32[3]"), Col("b", "string", "bool[2]"), Col("i", "string", "int16[2]"),
                    Col("v", "string", "float64[null]")]
        let t = try read(ecsvText(cols, rows: [
            "\"[1,2,3]\",\"[True,False]\",\"[1,2]\",\"[0.5,0.25]\"",
            ",,,",
            "\"(4, null, 6)\",\"[\"\"True\"\",null]\",\"[null,-3]\",null",
        ]), ReaderOptions(fixedLengths: ["v": 2, "not_in_this_file": 9]))
        XCTAssertEqual(t["f"].schema.shape, .fixed(3))
        XCTAssertEqual(t["v"].schema.shape, .fixed(2))  // user override
        XCTAssertEqual(t["v"].schema.declaredSubtype, "float64[null]")
        same(t["f"].values(Float.self), [1, 2, 3, .nan, .nan, .nan, 4, .nan, 6])
        XCTAssertEqual(t["b"].values(Int8.self), [1, 0, -1, -1, 1, -1])
        XCTAssertEqual(t["i"].values(Int16.self), [1, 2, Int16.min, Int16.min, Int16.min, -3])
        same(t["v"].values(Double.self), [0.5, 0.25, .nan, .nan, .nan, .nan])
        for c in cols { XCTAssertTrue(t[c.name].lengths.isEmpty, c.name) }
        XCTAssertEqual(t["f"].nullCount, 2)  // the null array + one null element
        XCTAssertEqual(t["b"].nullCount, 2)
        XCTAssertEqual(t["i"].nullCount, 2)
        XCTAssertEqual(t["v"].nullCount, 2)
    }

    func testKnownTableFixesArrayLengthsByTableMeta() throws {
        let cols = [Col("source_id", "int64"), Col("bp_coefficients", "string", "float64[null]"), Col("extra", "string", "float32[null]")]
        let coefficients = "\"[" + (0..<55).map { "\($0).5" }.joined(separator: ",") + "]\""
        let text = ecsvText(cols, rows: ["1,\(coefficients),\"[1]\"", "2,,\"[]\""],
                            metaBefore: ["meta: !!omap", "- TABLE: xp_continuous_mean_spectrum"])
        let t = try read(text)
        XCTAssertEqual(t.schema.tableName, "xp_continuous_mean_spectrum")
        XCTAssertEqual(t["bp_coefficients"].schema.shape, .fixed(55))
        XCTAssertEqual(t["extra"].schema.shape, .variable)
        let v = t["bp_coefficients"].values(Double.self)
        XCTAssertEqual(v.count, 110)
        XCTAssertEqual(v[54], 54.5)
        XCTAssertTrue(v[55...].allSatisfy(\.isNaN))
        // The user's table name wins over the header's.
        let u = try read(text, name: "u.ecsv", ReaderOptions(tableName: "my_table"))
        XCTAssertEqual(u.schema.tableName, "my_table")
        XCTAssertEqual(u["bp_coefficients"].schema.shape, .variable)
    }

    // MARK: layout

    func testLineEndingsFinalNewlineGzipAndBOM() throws {
        let cols = [Col("id", "int64"), Col("x", "float64"), Col("a", "string", "float32[null]"), Col("s", "string")]
        let rows = ["1,0.5,\"[1,2]\",one", "2,nan,\"(3, 4, 5)\",\"t,w,o\"", "3,,,"]
        var reference: WholeTable?
        var k = 0
        for newline in ["\n", "\r\n"] {
            for final in [true, false] {
                for gzip in [false, true] {
                    for bom in [false, true] {
                        k += 1
                        let text = (bom ? "\u{FEFF}" : "") + ecsvText(cols, rows: rows, newline: newline, finalNewline: final)
                        let t = try read(text, name: "v\(k).ecsv" + (gzip ? ".gz" : ""), gzip: gzip)
                        XCTAssertEqual(t.rows, 3)
                        XCTAssertEqual(t.headerLineCount, headerLines(cols))
                        XCTAssertEqual(t["s"].strings(), ["one", "t,w,o", ""])
                        if let r = reference {
                            for c in cols {
                                XCTAssertEqual(t[c.name].bytes, r[c.name].bytes, "\(c.name) newline \(newline.count) final \(final) gzip \(gzip)")
                                XCTAssertEqual(t[c.name].lengths, r[c.name].lengths)
                            }
                        } else {
                            reference = t
                        }
                    }
                }
            }
        }
        XCTAssertEqual(reference!["a"].values(Float.self), [1, 2, 3, 4, 5])
    }

    func testHeaderMetaVariants() throws {
        // CDN style: `# - ` with trailing spaces, trailing spaces after values, !!omap meta before
        // the columns with a folded block; quoted unit with inner quotes; unused keys ignored.
        let cdn = """
        # %ECSV 1.0
        # ---
        # delimiter: ','
        # meta: !!omap
        # - RELEASE: Gaia DR3
        # - TABLE: epoch_photometry
        # - DESCRIPTION: >
        #     Epoch photometry, see~\\secref{x} and {\\tt GaiaSource}.
        #     \("")
        #     Second paragraph.
        # datatype:
        # - \("")
        #   name: source_id
        #   datatype: int64 \("")
        #   description: Unique source identifier \("")
        #   meta:
        #     ucd: meta.id;meta.main
        # - \("")
        #   name: g_transit_flux
        #   datatype: string \("")
        #   subtype: 'float64[null]' \("")
        #   unit: "'electron'.s**-1"
        #   format: '{:.3f}'
        #   description: G band flux
        #   meta:
        #     ucd: phot.flux;stat.mean
        # schema: astropy-2.0
        source_id,g_transit_flux
        7,"[1.5,null]"

        """
        let t = try read(cdn)
        XCTAssertEqual(t.schema.tableName, "epoch_photometry")
        XCTAssertEqual(t.schema.meta.map(\.key), ["RELEASE", "TABLE", "DESCRIPTION"])
        XCTAssertEqual(t.schema.meta[2].value, "Epoch photometry, see~\\secref{x} and {\\tt GaiaSource}.\nSecond paragraph.\n")
        let flux = t.schema.columns[1]
        XCTAssertEqual(flux.unit, "'electron'.s**-1")
        XCTAssertEqual(flux.ucd, "phot.flux;stat.mean")
        XCTAssertEqual(flux.description, "G band flux")
        XCTAssertEqual(flux.declaredDatatype, "string")
        XCTAssertEqual(flux.declaredSubtype, "float64[null]")
        XCTAssertEqual(flux.shape, .variable)
        XCTAssertEqual(t.schema.columns[0].description, "Unique source identifier")
        XCTAssertEqual(t.schema.columns[0].ucd, "meta.id;meta.main")
        XCTAssertEqual(t.schema.delimiter, UInt8(ascii: ","))
        XCTAssertEqual(t["g_transit_flux"].lengths, [2])

        // Archive style: plain mapping meta after the columns, with a literal block; flow-style entries.
        let archive = """
        # %ECSV 1.0
        # ---
        # datatype:
        # - {name: a, datatype: int16}
        # -
        #   name: b
        #   datatype: bool
        # meta:
        #   QUERY_STATUS: OK
        #   QUERY: |
        #     SELECT *
        #     FROM gaiadr3.gaia_source
        #   JOBID: 1712337806100O
        #   nested: {x: 1}
        a,b
        1,True
        """
        let a = try read(archive, name: "a.ecsv")
        XCTAssertEqual(a.schema.meta.map(\.key), ["QUERY_STATUS", "QUERY", "JOBID"])  // scalars only
        XCTAssertEqual(a.schema.meta[1].value, "SELECT *\nFROM gaiadr3.gaia_source\n")
        XCTAssertNil(a.schema.tableName)
        XCTAssertEqual(a["b"].values(Int8.self), [1])
    }

    func testSpaceDelimiter() throws {
        let text = """
        # %ECSV 1.0
        # ---
        # delimiter: ' '
        # datatype:
        # - {name: a, datatype: int32}
        # - {name: s, datatype: string}
        # - {name: v, datatype: string, subtype: 'float64[null]'}
        a s v
        1 "two words" [1.0,2.0]
        2 x "[3, 4]"
        """
        let t = try read(text)
        XCTAssertEqual(t["a"].values(Int32.self), [1, 2])
        XCTAssertEqual(t["s"].strings(), ["two words", "x"])
        XCTAssertEqual(t["v"].values(Double.self), [1, 2, 3, 4])
    }

    func testBatchesBlankLinesAndCounters() throws {
        let cols = [Col("id", "int64"), Col("v", "string", "int16[null]")]
        let text = ecsvText(cols, rows: ["1,\"[1]\"", "", "2,\"[2,2]\"", "3,", "", "4,\"[4]\"", "5,\"[]\""])
        let path = try dir.write("b.ecsv", text)
        let r = try ECSVReader(path: path)
        XCTAssertEqual(r.headerLineCount, headerLines(cols))
        let h = r.headerLineCount
        var ids: [Int64] = []
        var firstLines: [Int] = []
        var lengths: [Int32] = []
        while let b = try r.readBatch(maxRows: 2) {
            ids += b.column(named: "id")!.values(Int64.self)
            lengths += b.column(named: "v")!.lengths
            firstLines.append(b.firstLine)
        }
        XCTAssertEqual(ids, [1, 2, 3, 4, 5])
        XCTAssertEqual(lengths, [1, 2, 0, 1, 0])
        XCTAssertEqual(firstLines, [h + 1, h + 4, h + 7])
        XCTAssertEqual(r.linesRead, h + 7)
        XCTAssertEqual(r.uncompressedBytesRead, text.utf8.count)
        XCTAssertNil(try r.readBatch(maxRows: 2))
    }

    func testColumnSelectionSkipsEverythingElse() throws {
        let cols = [Col("s", "string"), Col("a", "string", "float64[null]"), Col("id", "int64"), Col("b", "bool"),
                    Col("q", "string", "bool[null]"), Col("last", "float32")]
        let t = try read(ecsvText(cols, rows: [
            "\"x, \"\"y\"\"\",\"[1,2,3]\",10,True,\"[\"\"False\"\"]\",0.5",
            ",,11,,,",
        ]), ReaderOptions(columns: ["last", "id"]))
        XCTAssertEqual(t.schema.columns.map(\.name), ["id", "last"])
        XCTAssertEqual(t.fileSchema.columns.map(\.name), cols.map(\.name))
        XCTAssertEqual(t["id"].values(Int64.self), [10, 11])
        same(t["last"].values(Float.self), [0.5, .nan])
        XCTAssertEqual(t.batches[0].columns.count, 2)
    }

    func testEmptySelectionAndHeaderOnlyFile() throws {
        let cols = [Col("id", "int64")]
        let empty = try read(ecsvText(cols, rows: []))
        XCTAssertEqual(empty.rows, 0)
        XCTAssertEqual(empty.schema.columns.count, 1)
        let none = try read(ecsvText([Col("id", "int64"), Col("x", "float32")], rows: ["1,2", "3,4"]), name: "n.ecsv",
                            ReaderOptions(columns: []))
        XCTAssertEqual(none.rows, 2)
        XCTAssertTrue(none.schema.columns.isEmpty)
    }

    func testHeaderlessKnownTable() throws {
        let coefficients = "\"(" + (0..<55).map { "\($0)e-1" }.joined(separator: ", ") + ")\""
        let text = "source_id,bp_n_parameters,bp_coefficients\r\n42,55,\(coefficients)\r\n43,,\r\n"
        let t = try read(text, name: "plain.csv.gz", gzip: true)
        XCTAssertEqual(t.schema.tableName, "xp_continuous_mean_spectrum")
        XCTAssertEqual(t.headerLineCount, 1)
        XCTAssertEqual(t["source_id"].values(Int64.self), [42, 43])
        XCTAssertEqual(t["bp_n_parameters"].schema.element, .int8)
        XCTAssertEqual(t["bp_n_parameters"].values(Int8.self), [55, Int8.min])
        XCTAssertEqual(t["bp_coefficients"].schema.shape, .fixed(55))
        XCTAssertEqual(t["bp_coefficients"].values(Double.self)[54], 5.4)
        XCTAssertTrue(t["bp_coefficients"].values(Double.self)[55...].allSatisfy(\.isNaN))
        // Given table name.
        let g = try read("source_id,ra\n1,2.5\n", name: "g.csv", ReaderOptions(tableName: "gaia_source"))
        XCTAssertEqual(g.schema.tableName, "gaia_source")
        XCTAssertEqual(g["ra"].values(Double.self), [2.5])
    }

    func testDeclaredTypesResolve() throws {
        let cols = [Col("a", "string", "float64[]"), Col("b", "string", "uint8[4]"), Col("c", "string", "int32[null]"),
                    Col("s", "string")]
        let t = try read(ecsvText(cols, rows: ["\"[1]\",\"[1,2,3,4]\",\"[5]\",text"]))
        XCTAssertEqual(t.schema.columns.map(\.shape), [.variable, .fixed(4), .variable, .scalar])
        XCTAssertEqual(t.schema.columns.map(\.element), [.float64, .uint8, .int32, .string])
        XCTAssertEqual(t["b"].values(UInt8.self), [1, 2, 3, 4])
    }
}
