// ECSVWriter: tables written here are read back by astropy (the reader users have) and by our
// own ECSVReader, and every value compared exactly (floats bit for bit, via their bit patterns).

import Foundation
import GaiaFormat
import XCTest

final class ECSVWriterTests: XCTestCase {
    // MARK: - astropy round trips

    func testAstropyReadsEveryTypeExactly() throws {
        var rng = SplitMix(seed: 42)
        let n = 500
        var f64: [Double] = [.nan, .infinity, -.infinity, 0.0, -0.0, 1e-5, 5e-324, .greatestFiniteMagnitude,
                             -.leastNormalMagnitude, 0.1, 1.0 / 3.0, 1e16, 123456789012345678.0, 2.5e-308]
        while f64.count < n { f64.append(Double(bitPattern: rng.next() & ~(0x7FF << 52) | (rng.next() % 0x7FF) << 52)) }
        var f32: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 0.1, .greatestFiniteMagnitude,
                            .leastNonzeroMagnitude, .leastNormalMagnitude, 16_777_217]
        while f32.count < n {
            let bits = UInt32(truncatingIfNeeded: rng.next())
            let f = Float(bitPattern: bits)
            if f.isFinite { f32.append(f) }
        }
        var i64: [Int64] = [.min, .max, 0, -1, 1, 6_917_528_997_577_384_320, 4_295_806_720]
        while i64.count < n { i64.append(Int64(bitPattern: rng.next())) }
        var i32: [Int32] = [.min, .max, 0, -1]
        while i32.count < n { i32.append(Int32(truncatingIfNeeded: rng.next())) }
        let tricky = ["plain", "a,b", "q\"x", "\"", "\"\"", ",", "é漢😀", "nan", "None", "True", "#x", "a#b", "tab\there",
                      "a  b", "multi\nline", "back\\slash", "[1,2]", "null", "-", "'single'", "x: y", "Ünïcödé, quoted \"too\""]
        var strs: [String] = []
        for i in 0..<n { strs.append(tricky[i % tricky.count] + (i < tricky.count ? "" : String(i))) }
        let bools = (0..<n).map { _ in rng.next() & 1 == 1 }
        var arrays: [[Double]] = [[], [.nan], [1.0, .infinity, -.infinity], [-0.0, 5e-324, 1e300]]
        while arrays.count < n {
            arrays.append((0..<Int(rng.next() % 8)).map { _ in Double(bitPattern: rng.next() >> 2 | 0x3000_0000_0000_0000) })
        }
        let columns: [ECSVOutputColumn] = [
            ECSVOutputColumn("source_id", .int64(i64), description: "Gaia DR3 source_id"),
            ECSVOutputColumn("n_obs", .int32(i32)),
            ECSVOutputColumn("power", .float64(f64), unit: "mas/yr", description: "a \"quoted\", colon: description # hash",
                             format: "%.6f"),
            ECSVOutputColumn("mag", .float32(f32), unit: "mag", format: "{:.3f}"),
            ECSVOutputColumn("label", .string(strs), description: "Ünïcödé"),
            ECSVOutputColumn("flag", .bool(bools)),
            ECSVOutputColumn("coefficients", .float64Arrays(arrays), unit: "e-/s"),
            ECSVOutputColumn("a column, with \"odd\" name", .int64((0..<Int64(n)).map { $0 })),
        ]
        let meta = [("kernel", "xp_search"), ("yes", "no"), ("parameters", "xp_search:\n  k: 100\n  metric: 'l2'"),
                    ("unicode", "µas/yr → ±"), ("empty", ""), ("123", "1e5"), ("colon: key", "[not, a, list]")]
        let dir = TempDir()
        for name in ["t.ecsv", "t.ecsv.gz"] {
            let path = dir.path(name)
            try ECSVWriter.write(path: path, columns: columns, meta: meta)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
            try astropyCompare(path: path, columns: columns, meta: meta, dir: dir)
        }
        // gzip really is gzip
        let gz = try Data(contentsOf: URL(fileURLWithPath: dir.path("t.ecsv.gz")))
        XCTAssertEqual(Array(gz.prefix(2)), [0x1F, 0x8B])
        XCTAssertEqual(try decompressedText(dir.path("t.ecsv.gz")), try ECSVWriter.text(columns: columns, meta: meta))
    }

    func testEmptyTableKeepsTypes() throws {
        let columns: [ECSVOutputColumn] = [
            ECSVOutputColumn("source_id", .int64([])), ECSVOutputColumn("n", .int32([])),
            ECSVOutputColumn("x", .float64([]), unit: "deg"), ECSVOutputColumn("m", .float32([])),
            ECSVOutputColumn("s", .string([])), ECSVOutputColumn("b", .bool([])),
            ECSVOutputColumn("arr", .float64Arrays([])),
        ]
        let dir = TempDir()
        let path = dir.path("empty.ecsv")
        try ECSVWriter.write(path: path, columns: columns, meta: [("rows", "0")])
        try astropyCompare(path: path, columns: columns, meta: [("rows", "0")], dir: dir)
    }

    func testOneRowVariableArrays() throws {
        // astropy decides the array shape from the data: one row and equal lengths must still work.
        let dir = TempDir()
        for arrays: [[Double]] in [[[1, 2, 3]], [[]], [[1, 2], [3, 4]], [[.nan, .nan]]] {
            let columns = [ECSVOutputColumn("a", .float64Arrays(arrays)), ECSVOutputColumn("i", .int64(arrays.indices.map { Int64($0) }))]
            let path = dir.path("one.ecsv")
            try ECSVWriter.write(path: path, columns: columns)
            try astropyCompare(path: path, columns: columns, meta: [], dir: dir)
        }
    }

    /// What astropy's reader itself cannot give back (its own writer has the same limits): pinned
    /// here so that a change in astropy shows up.
    func testAstropyLimitsForStrings() throws {
        let dir = TempDir()
        let path = dir.path("limits.ecsv")
        try ECSVWriter.write(path: path, columns: [ECSVOutputColumn("s", .string(["", " lead", "trail ", "ok"]))])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("s\n\"\"\n\" lead\"\n\"trail \"\nok\n"), text)
        let out = try runPython("""
            from astropy.table import Table
            t = Table.read(sys.argv[1], format='ascii.ecsv')
            c = t['s']
            print(bool(c.mask[0]), repr(str(c[1])), repr(str(c[2])), repr(str(c[3])))
            """, [path])
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "True 'lead' 'trail' 'ok'")
    }

    // MARK: - our own reader and the text

    func testOwnReaderReadsOutput() throws {
        let dir = TempDir()
        let path = dir.path("own.ecsv.gz")
        let ids: [Int64] = [.min + 1, .max, 42]
        let x: [Double] = [.nan, -1.5e-300, 7]
        let s = ["a,b", "q\"x", "é"]
        try ECSVWriter.write(path: path, columns: [
            ECSVOutputColumn("source_id", .int64(ids), description: "id"),
            ECSVOutputColumn("x", .float64(x), unit: "deg"),
            ECSVOutputColumn("s", .string(s)),
            ECSVOutputColumn("b", .bool([true, false, true])),
        ], meta: [("kernel", "test"), ("note", "a: b")])
        let t = try readAll(path)
        XCTAssertEqual(t.rows, 3)
        XCTAssertEqual(t.schema.columns.map(\.name), ["source_id", "x", "s", "b"])
        XCTAssertEqual(t.schema.columns[1].unit, "deg")
        XCTAssertEqual(t.schema.columns[0].description, "id")
        XCTAssertEqual(t.schema.meta, [.init(key: "kernel", value: "test"), .init(key: "note", value: "a: b")])
        XCTAssertEqual(t["source_id"].values(Int64.self), ids)
        XCTAssertEqual(t["x"].values(Double.self).map(\.bitPattern), x.map(\.bitPattern))
        XCTAssertEqual(t["s"].strings(), s)
        XCTAssertEqual(t["b"].values(Int8.self), [1, 0, 1])
    }

    func testHeaderText() throws {
        let text = try ECSVWriter.text(columns: [
            ECSVOutputColumn("source_id", .int64([1])),
            ECSVOutputColumn("freq", .float64([0.5]), unit: "1/d", description: "frequency", format: "%.6f"),
            ECSVOutputColumn("c", .float64Arrays([[1, .nan]])),
        ], meta: [("kernel", "periodogram"), ("true", "yes")])
        XCTAssertEqual(text, """
            # %ECSV 1.0
            # ---
            # datatype:
            # - {name: source_id, datatype: int64}
            # - {name: freq, unit: "1/d", datatype: float64, format: "%.6f", description: frequency}
            # - {name: c, datatype: string, subtype: "float64[null]"}
            # delimiter: ','
            # meta: !!omap
            # - {kernel: periodogram}
            # - {"true": "yes"}
            # schema: astropy-2.0
            source_id,freq,c
            1,0.5,"[1.0,NaN]"

            """)
    }

    func testYAMLScalarQuoting() {
        XCTAssertEqual(ECSVWriter.yamlScalar("deg"), "deg")
        XCTAssertEqual(ECSVWriter.yamlScalar("mas / yr"), "mas / yr")
        XCTAssertEqual(ECSVWriter.yamlScalar(""), "\"\"")
        XCTAssertEqual(ECSVWriter.yamlScalar("yes"), "\"yes\"")
        XCTAssertEqual(ECSVWriter.yamlScalar("12"), "\"12\"")
        XCTAssertEqual(ECSVWriter.yamlScalar("a: b"), "\"a: b\"")
        XCTAssertEqual(ECSVWriter.yamlScalar("µ"), "\"µ\"")
        XCTAssertEqual(ECSVWriter.yamlScalar("a\"b\\c\nd\u{7}\u{2028}"), "\"a\\\"b\\\\c\\nd\\x07\\u2028\"")
    }

    func testErrors() throws {
        let dir = TempDir()
        let path = dir.path("bad.ecsv")
        assertFormatError(path, line: nil, column: "b", contains: "has 1 values, but column 'a' has 2") {
            try ECSVWriter.write(path: path, columns: [ECSVOutputColumn("a", .int64([1, 2])), ECSVOutputColumn("b", .int64([1]))])
        }
        assertFormatError(path, line: nil, column: "a", contains: "used twice") {
            try ECSVWriter.write(path: path, columns: [ECSVOutputColumn("a", .int64([1])), ECSVOutputColumn("a", .int64([1]))])
        }
        assertFormatError(path, line: nil, column: "s", contains: "row 2 holds a NUL") {
            try ECSVWriter.write(path: path, columns: [ECSVOutputColumn("s", .string(["ok", "a\u{0}b"]))])
        }
        assertFormatError(path, line: nil, column: nil, contains: "at least one column") {
            try ECSVWriter.write(path: path, columns: [])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
        // An existing file survives a failed write; an unwritable directory is an error, not a crash.
        try ECSVWriter.write(path: path, columns: [ECSVOutputColumn("a", .int64([1]))])
        XCTAssertThrowsError(try ECSVWriter.write(path: path, columns: [ECSVOutputColumn("a", .int64([1, 2])), ECSVOutputColumn("b", .int64([]))]))
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("a\n1\n"))
        XCTAssertThrowsError(try ECSVWriter.write(path: dir.path("no/such/dir/x.ecsv"), columns: [ECSVOutputColumn("a", .int64([1]))]))
    }

    // MARK: - helpers

    /// Writes the expected values as JSON (floats as bit patterns) and has astropy compare.
    private func astropyCompare(path: String, columns: [ECSVOutputColumn], meta: [(String, String)], dir: TempDir,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        var cols: [[String: Any]] = []
        for c in columns {
            var d: [String: Any] = ["name": c.name]
            if let u = c.unit { d["unit"] = u }
            if let s = c.description { d["description"] = s }
            if let f = c.format { d["format"] = f }
            switch c.values {
            case .int64(let v): d["kind"] = "int64"; d["values"] = v.map { String($0) }
            case .int32(let v): d["kind"] = "int32"; d["values"] = v.map { String($0) }
            case .float64(let v): d["kind"] = "float64"; d["values"] = v.map { String($0.bitPattern) }
            case .float32(let v): d["kind"] = "float32"; d["values"] = v.map { String($0.bitPattern) }
            case .string(let v): d["kind"] = "string"; d["values"] = v
            case .bool(let v): d["kind"] = "bool"; d["values"] = v
            case .float64Arrays(let v): d["kind"] = "arrays"; d["values"] = v.map { $0.map { String($0.bitPattern) } }
            }
            cols.append(d)
        }
        let expected: [String: Any] = ["columns": cols, "meta": meta.map { [$0.0, $0.1] }]
        let json = dir.path("expected.json")
        try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: json))
        let out = try runPython("""
            import json, numpy as np
            import astropy.units as u
            from astropy.table import Table
            t = Table.read(sys.argv[1], format='ascii.ecsv')
            with open(sys.argv[2]) as f:
                exp = json.load(f)
            bad = []
            def check(ok, what):
                if not ok: bad.append(what)
            check(t.colnames == [c['name'] for c in exp['columns']], f'names {t.colnames}')
            check(list(t.meta.items()) == [tuple(kv) for kv in exp['meta']], f'meta {list(t.meta.items())}')
            def bits64(a): return [str(int(b)) for b in np.asarray(a, dtype=np.float64).view(np.uint64)]
            for c in exp['columns']:
                col = t[c['name']]
                name, kind, vals = c['name'], c['kind'], c['values']
                check(len(col) == len(vals), f'{name}: {len(col)} rows')
                check(getattr(col, 'mask', None) is None or not np.any(col.mask), f'{name}: masked values')
                check(col.unit == u.Unit(c['unit'], parse_strict='silent') if 'unit' in c else col.unit is None, f'{name}: unit {col.unit}')
                check(col.description == c.get('description'), f'{name}: description {col.description!r}')
                check(col.format == c.get('format'), f'{name}: format {col.format!r}')
                if kind in ('int64', 'int32'):
                    check(col.dtype == np.dtype(kind), f'{name}: dtype {col.dtype}')
                    check([str(int(v)) for v in col] == vals, f'{name}: values')
                elif kind == 'float64':
                    check(col.dtype == np.float64, f'{name}: dtype {col.dtype}')
                    got = bits64(col)
                    check(got == vals, f'{name}: values differ at {[i for i in range(len(vals)) if got[i] != vals[i]][:5]}')
                elif kind == 'float32':
                    check(col.dtype == np.float32, f'{name}: dtype {col.dtype}')
                    got = [str(int(b)) for b in np.asarray(col, dtype=np.float32).view(np.uint32)]
                    # NaN: any NaN will do (payloads are not text)
                    diff = [i for i in range(len(vals)) if got[i] != vals[i] and not (np.isnan(col[i]) and np.isnan(np.uint32(int(vals[i])).view(np.float32)))]
                    check(not diff, f'{name}: values differ at {diff[:5]}')
                elif kind == 'string':
                    check(col.dtype.kind == 'U', f'{name}: dtype {col.dtype}')
                    got = [str(v) for v in col]
                    check(got == vals, f'{name}: values differ at {[(i, got[i], vals[i]) for i in range(len(vals)) if got[i] != vals[i]][:3]}')
                elif kind == 'bool':
                    check(col.dtype == np.bool_, f'{name}: dtype {col.dtype}')
                    check([bool(v) for v in col] == vals, f'{name}: values')
                elif kind == 'arrays':
                    for i, want in enumerate(vals):
                        got = bits64(np.asarray(col[i], dtype=np.float64).ravel())
                        w = want
                        # NaN compares by being NaN
                        if [g for g, x in zip(got, w)] != w or len(got) != len(w):
                            a = np.asarray(col[i], dtype=np.float64).ravel()
                            b = np.array([int(x) for x in w], dtype=np.uint64).view(np.float64)
                            same = len(a) == len(b) and all((np.isnan(x) and np.isnan(y)) or (x == y and np.signbit(x) == np.signbit(y)) for x, y in zip(a, b))
                            check(same, f'{name}: row {i}: {a} != {b}')
            print('\\n'.join(bad) if bad else 'ok')
            """, [path, json])
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "ok", file: file, line: line)
    }

    private func runPython(_ body: String, _ args: [String]) throws -> String {
        let script = """
            import sys
            try:
                import astropy, numpy
            except ImportError:
                sys.exit(3)
            import warnings
            warnings.simplefilter('error')
            """ + "\n" + body
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + args
        let pipe = Pipe(), errPipe = Pipe()
        p.standardOutput = pipe
        p.standardError = errPipe
        do { try p.run() } catch { throw XCTSkip("python3 not available") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let errData = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let out = String(decoding: data, as: UTF8.self)
        if p.terminationStatus == 3 || p.terminationStatus == 127 { throw XCTSkip("python3 with astropy not available") }
        XCTAssertEqual(p.terminationStatus, 0, out + String(decoding: errData, as: UTF8.self))
        return out
    }
}

/// Deterministic 64-bit generator for test data.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
