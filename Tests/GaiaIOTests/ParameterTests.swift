import Foundation
@testable import GaiaIO
import XCTest

final class ParameterTests: XCTestCase {
    let yaml = """
        # GaiaMine run parameters
        run:
          name: twins of 18 Sco
          output_dir: out/xp
        xp_search:
          k: 100
          metric: cosine
          normalise: yes
          min_g: 8.5
          template_ids: [4295806720, 9223372036854775807, -9223372036854775808]
          bands: [bp, rp]
          weights:
            - 1
            - 0.5
            - 2e-3
          scale: 1e6
          max_rows: 1_000_000
          note: "100"
        """

    func testTypedGettersAndDefaults() throws {
        let p = try ParameterFile(yaml: yaml, source: "run.yml")
        XCTAssertEqual(p.source, "run.yml")
        XCTAssertEqual(try p.string("run.name"), "twins of 18 Sco")
        XCTAssertEqual(try p.int("xp_search.k"), 100)
        XCTAssertEqual(try p.choice("xp_search.metric", default: "l2", allowed: ["l2", "cosine", "chi2"]), "cosine")
        XCTAssertEqual(try p.bool("xp_search.normalise"), true)
        XCTAssertEqual(try p.double("xp_search.min_g"), 8.5)
        XCTAssertEqual(try p.int64List("xp_search.template_ids"), [4_295_806_720, .max, .min])
        XCTAssertEqual(try p.stringList("xp_search.bands"), ["bp", "rp"])
        XCTAssertEqual(try p.doubleList("xp_search.weights"), [1, 0.5, 2e-3])
        XCTAssertEqual(try p.int("xp_search.scale"), 1_000_000)
        XCTAssertEqual(try p.int("xp_search.max_rows"), 1_000_000)
        XCTAssertEqual(try p.int("xp_search.note"), 100, "a quoted number is still the number")
        XCTAssertEqual(try p.string("xp_search.note"), "100")
        XCTAssertEqual(try p.string("run.output_dir", default: "."), "out/xp")
        // Defaults for absent keys, recorded as used.
        XCTAssertEqual(try p.int("xp_search.block_rows", default: 65536), 65536)
        XCTAssertEqual(try p.double("xp_search.tolerance", default: 1e-5), 1e-5)
        XCTAssertEqual(try p.bool("xp_search.plot", default: true), true)
        XCTAssertEqual(try p.intList("xp_search.degrees", default: [1, 2, 3]), [1, 2, 3])
        XCTAssertNil(try p.optionalString("xp_search.template_file"))
        XCTAssertNil(try p.optionalInt64("xp_search.seed"))
        XCTAssertTrue(p.has("xp_search"))
        XCTAssertTrue(p.has("xp_search.k"))
        XCTAssertFalse(p.has("xp_search.seed"))
        XCTAssertEqual(p.unusedKeys(), [])
        XCTAssertNoThrow(try p.checkAllUsed())

        let r = p.resolved
        XCTAssertEqual(r.map(\.key), [
            "run.name", "xp_search.k", "xp_search.metric", "xp_search.normalise", "xp_search.min_g",
            "xp_search.template_ids", "xp_search.bands", "xp_search.weights", "xp_search.scale", "xp_search.max_rows",
            "xp_search.note", "run.output_dir", "xp_search.block_rows", "xp_search.tolerance", "xp_search.plot",
            "xp_search.degrees", "xp_search.template_file", "xp_search.seed",
        ])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: r.map { ($0.key, $0.value) })["xp_search.template_ids"],
                       "[4295806720, 9223372036854775807, -9223372036854775808]")
        XCTAssertEqual(p.resolvedYAML(), """
            run:
              name: twins of 18 Sco
              output_dir: out/xp
            xp_search:
              k: 100
              metric: cosine
              normalise: true
              min_g: 8.5
              template_ids: [4295806720, 9223372036854775807, -9223372036854775808]
              bands: [bp, rp]
              weights: [1.0, 0.5, 0.002]
              scale: 1000000
              max_rows: 1000000
              note: "100"
              block_rows: 65536
              tolerance: 1.0e-05
              plot: true
              degrees: [1, 2, 3]
              template_file: ~
              seed: ~

            """)
    }

    /// The resolved YAML read back gives the same values (and PyYAML reads the same too).
    func testResolvedYAMLRoundTrips() throws {
        let p = try ParameterFile(yaml: """
            a: {s: "yes", e: "", q: "it's \\"quoted\\"", u: "µas/yr", nl: "two\\nlines", colon: "a: b", hash: "x #y"}
            n: {big: 9223372036854775807, tiny: 5e-324, huge: 1.7976931348623157e308, inf: .inf, ninf: -.inf, third: 0.3333333333333333}
            """, source: "a.yml")
        let strings = try ["s", "e", "q", "u", "nl", "colon", "hash"].map { try p.string("a." + $0) }
        XCTAssertEqual(strings, ["yes", "", "it's \"quoted\"", "µas/yr", "two\nlines", "a: b", "x #y"])
        let big = try p.int64("n.big")
        let doubles = try ["tiny", "huge", "inf", "ninf", "third"].map { try p.double("n." + $0) }
        let nanDefault = try p.double("n.nan", default: .nan)
        let text = p.resolvedYAML()
        let q = try ParameterFile(yaml: text, source: "resolved")
        XCTAssertEqual(try ["s", "e", "q", "u", "nl", "colon", "hash"].map { try q.string("a." + $0) }, strings)
        XCTAssertEqual(try q.int64("n.big"), big)
        XCTAssertEqual(try ["tiny", "huge", "inf", "ninf", "third"].map { try q.double("n." + $0) }.map(\.bitPattern),
                       doubles.map(\.bitPattern))
        XCTAssertTrue(try q.double("n.nan").isNaN)
        XCTAssertTrue(nanDefault.isNaN)
        try q.checkAllUsed()
        XCTAssertEqual(q.resolvedYAML(), text)

        // PyYAML (YAML 1.1, what astropy uses) reads the same values.
        let py = """
            import sys, json
            try:
                import yaml
            except ImportError:
                sys.exit(3)
            d = yaml.safe_load(sys.stdin.read())
            a, n = d['a'], d['n']
            print(json.dumps([a[k] for k in ['s', 'e', 'q', 'u', 'nl', 'colon', 'hash']]))
            print(n['big'], repr(n['tiny']), repr(n['huge']), n['inf'], n['ninf'], repr(n['third']), n['nan'])
            """
        guard let out = try runPython(py, stdin: text) else { return }
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String], strings)
        XCTAssertEqual(lines[1], "9223372036854775807 5e-324 1.7976931348623157e+308 inf -inf 0.3333333333333333 nan")
    }

    func testLargeIntegersAreExact() throws {
        // Gaia DR3 source_ids: up to 2^63 - 1; a Double would round these.
        let ids: [Int64] = [6_917_528_997_577_384_320, 9_007_199_254_740_993, 4_295_806_720, Int64.max - 1]
        let p = try ParameterFile(yaml: "ids: [\(ids.map(String.init).joined(separator: ", "))]\none: 9007199254740993\nhex: 0x7fffffffffffffff",
                                  source: "ids.yml")
        XCTAssertEqual(try p.int64List("ids"), ids)
        XCTAssertEqual(try p.int64("one"), 9_007_199_254_740_993)
        XCTAssertEqual(try p.int64("hex"), .max)
        let q = try ParameterFile(yaml: "x: 9223372036854775808", source: "o.yml")
        assertParameterError("o.yml", key: "x", line: 1, contains: "expected an integer, got '9223372036854775808' (outside the 64-bit integer range)") {
            _ = try q.int64("x")
        }
    }

    func testTypeErrorsNameKeyLineAndExpectation() throws {
        let p = try ParameterFile(yaml: """
            xp_search:
              k: ten
              frac: 2.5
              min_g: bright
              flag: maybe
              ids: [1, two, 3]
              sub: {a: 1}
              list: [1, 2]
              nested: [[1], [2]]
            """, source: "bad.yml")
        assertParameterError("bad.yml", key: "xp_search.k", line: 2, contains: "expected an integer, got 'ten'") { _ = try p.int("xp_search.k") }
        assertParameterError("bad.yml", key: "xp_search.frac", line: 3, contains: "expected an integer, got '2.5' (not a whole number)") {
            _ = try p.int("xp_search.frac", default: 1)
        }
        assertParameterError("bad.yml", key: "xp_search.min_g", line: 4, contains: "expected a number, got 'bright'") { _ = try p.double("xp_search.min_g") }
        assertParameterError("bad.yml", key: "xp_search.flag", line: 5, contains: "expected true or false, got 'maybe'") { _ = try p.bool("xp_search.flag") }
        assertParameterError("bad.yml", key: "xp_search.ids", line: 6, contains: "expected a list of integers, but item 2 is 'two'") {
            _ = try p.int64List("xp_search.ids")
        }
        assertParameterError("bad.yml", key: "xp_search.sub", line: 7, contains: "is a section") { _ = try p.string("xp_search.sub") }
        assertParameterError("bad.yml", key: "xp_search.list", line: 8, contains: "expected an integer, got a list") { _ = try p.int("xp_search.list") }
        assertParameterError("bad.yml", key: "xp_search.nested", line: 9, contains: "item 1 is a list") { _ = try p.intList("xp_search.nested") }
        assertParameterError("bad.yml", key: "xp_search.missing", line: 1, contains: "required parameter missing (expected an integer)") {
            _ = try p.int("xp_search.missing")
        }
        assertParameterError("bad.yml", key: "xp_search.k", line: 2, contains: "expected one of 'l2', 'cosine'") {
            _ = try p.choice("xp_search.k", default: "l2", allowed: ["l2", "cosine"])
        }
        let c = try ParameterFile(yaml: "metric: cosin", source: "c.yml")
        assertParameterError("c.yml", key: "metric", line: 1, contains: "got 'cosin': did you mean 'cosine'?") {
            _ = try c.choice("metric", default: "l2", allowed: ["l2", "cosine"])
        }
        let e = try ParameterFile(yaml: "a:\nb: ~\n", source: "n.yml")
        assertParameterError("n.yml", key: "a", line: 1, contains: "required parameter has no value") { _ = try e.string("a") }
        XCTAssertEqual(try e.int("b", default: 7), 7, "null takes the default")
        XCTAssertFalse(e.has("a"))
        // The printed form.
        do {
            _ = try p.int("xp_search.k")
        } catch let err as ParameterError {
            XCTAssertEqual(err.description, "bad.yml:2: xp_search.k: expected an integer, got 'ten'")
        }
    }

    func testUnknownKeysAreListedWithSuggestions() throws {
        let p = try ParameterFile(yaml: """
            xp_search:
              k: 100
              metirc: cosine
              templte_ids: [1, 2]
            min_g: 8
            completely_unrelated: 1
            """, source: "typo.yml")
        _ = try p.int("xp_search.k")
        _ = try p.string("xp_search.metric", default: "l2")
        _ = try p.optionalInt64List("xp_search.template_ids")
        _ = try p.double("xp_search.min_g", default: 0)
        XCTAssertEqual(p.unusedKeys(), ["xp_search.metirc", "xp_search.templte_ids", "min_g", "completely_unrelated"])
        do {
            try p.checkAllUsed()
            XCTFail("expected an error")
        } catch let e as ParameterError {
            XCTAssertEqual(e.file, "typo.yml")
            XCTAssertEqual(e.description, """
                typo.yml: 4 unknown parameters:
                  'xp_search.metirc' (line 3): did you mean 'xp_search.metric'?
                  'xp_search.templte_ids' (line 4): did you mean 'xp_search.template_ids'?
                  'min_g' (line 5): did you mean 'xp_search.min_g'?
                  'completely_unrelated' (line 6)
                """)
        }
        let one = try ParameterFile(yaml: "a: 1\nkk: 2", source: "one.yml")
        _ = try one.int("a")
        _ = try one.int("k", default: 3)
        assertParameterError("one.yml", key: "kk", line: 2, contains: "unknown parameter 'kk' (line 2): did you mean 'k'?") { try one.checkAllUsed() }
    }

    func testFileErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("params-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.yml").path
        try "a: 1\n".write(toFile: good, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ParameterFile(path: good).int("a"), 1)
        XCTAssertEqual(try ParameterFile(path: good).source, good)

        let missing = dir.appendingPathComponent("nope.yml").path
        assertParameterError(missing, key: nil, line: nil, contains: "no such file") { _ = try ParameterFile(path: missing) }

        let bad = dir.appendingPathComponent("bad.yml").path
        try "a: 1\nb: [1, 2\nc: 3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        do {
            _ = try ParameterFile(path: bad)
            XCTFail("expected an error")
        } catch let e as ParameterError {
            XCTAssertEqual(e.file, bad)
            XCTAssertNotNil(e.line)
            XCTAssertTrue(e.message.hasPrefix("bad YAML"), e.message)
        }
        assertParameterError("dup.yml", key: "s.a", line: 3, contains: "given twice (first on line 2)") {
            _ = try ParameterFile(yaml: "s:\n  a: 1\n  a: 2\n", source: "dup.yml")
        }
        assertParameterError("dup2.yml", key: "s.a", line: 2, contains: "given twice") {
            _ = try ParameterFile(yaml: "s.a: 1\ns: {a: 2}\n", source: "dup2.yml")
        }
        assertParameterError("list.yml", key: nil, line: 1, contains: "must be a mapping") {
            _ = try ParameterFile(yaml: "- a\n- b\n", source: "list.yml")
        }
        // Empty files and comment-only files: every parameter at its default.
        for text in ["", "# nothing\n", "~"] {
            let p = try ParameterFile(yaml: text, source: "empty.yml")
            XCTAssertEqual(try p.int("k", default: 5), 5)
            XCTAssertEqual(p.unusedKeys(), [])
        }
    }

    func testScalarParsing() {
        XCTAssertEqual(ParameterFile.parseInt64("1e6"), 1_000_000)
        XCTAssertEqual(ParameterFile.parseInt64("1.5e3"), 1500)
        XCTAssertNil(ParameterFile.parseInt64("1.5e0"))
        XCTAssertEqual(ParameterFile.parseInt64("-0x10"), -16)
        XCTAssertEqual(ParameterFile.parseInt64("-9223372036854775808"), .min)
        XCTAssertEqual(ParameterFile.parseInt64("+42"), 42)
        XCTAssertNil(ParameterFile.parseInt64("4 2"))
        XCTAssertNil(ParameterFile.parseInt64("1e20"))
        XCTAssertEqual(ParameterFile.parseDouble(".inf"), .infinity)
        XCTAssertEqual(ParameterFile.parseDouble("-.inf"), -.infinity)
        XCTAssertTrue(ParameterFile.parseDouble(".nan")!.isNaN)
        XCTAssertEqual(ParameterFile.parseDouble("1e-3"), 1e-3)
        XCTAssertNil(ParameterFile.parseDouble("one"))
        XCTAssertEqual(ParameterFile.yamlDouble(1e-5), "1.0e-05")
        XCTAssertEqual(ParameterFile.yamlDouble(1e16), "1.0e+16")
        XCTAssertEqual(ParameterFile.yamlDouble(100), "100.0")
        XCTAssertEqual(ParameterFile.yamlDouble(-0.0), "-0.0")
    }

    // MARK: - helpers

    private func assertParameterError(_ file: String, key: String?, line: Int?, contains: String, _ body: () throws -> Void,
                                      sourceFile: StaticString = #filePath, sourceLine: UInt = #line) {
        do {
            try body()
            XCTFail("expected a ParameterError containing '\(contains)'", file: sourceFile, line: sourceLine)
        } catch let e as ParameterError {
            XCTAssertEqual(e.file, file, "file in: \(e)", file: sourceFile, line: sourceLine)
            XCTAssertEqual(e.key, key, "key in: \(e)", file: sourceFile, line: sourceLine)
            XCTAssertEqual(e.line, line, "line in: \(e)", file: sourceFile, line: sourceLine)
            XCTAssertTrue(e.message.contains(contains), "'\(e.message)' lacks '\(contains)'", file: sourceFile, line: sourceLine)
        } catch {
            XCTFail("expected a ParameterError, got \(error)", file: sourceFile, line: sourceLine)
        }
    }

    /// Output of a python3 script, or nil (test part skipped) without python3/PyYAML.
    private func runPython(_ script: String, stdin: String) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        do { try p.run() } catch { return nil }
        inPipe.fileHandleForWriting.write(Data(stdin.utf8))
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 3 || p.terminationStatus == 127 { return nil }
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: err, as: UTF8.self))
        return String(decoding: out, as: UTF8.self)
    }
}
