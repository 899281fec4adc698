import Foundation
import GaiaIO
@testable import GaiaJob
import MPI
import XCTest

final class OptionResolutionTests: XCTestCase {
    func resolve(_ yaml: String, _ args: [String] = []) throws -> JobRunner.Resolved<ToyOptions> {
        let p = try ParameterFile(yaml: yaml, source: "case.yaml")
        try JobArguments(ToyJob.self, args, positionalInput: false).apply(to: p)
        return try JobRunner.resolve(ToyJob.self, p)
    }

    func testDefaultsComeFromTheOptionsType() throws {
        let r = try resolve("input: a.h5\noutput: out/x\n")
        XCTAssertEqual(r.options.rows, 10)
        XCTAssertEqual(r.options.scale, 1.5)
        XCTAssertNil(r.options.label)
        XCTAssertEqual(r.options.colours, [.red])
        XCTAssertTrue(r.options.fast)
        XCTAssertFalse(r.overwrite)
        XCTAssertTrue(r.yaml.hasPrefix("job: toy-sum\ninput: a.h5\noutput: out/x\noverwrite: false\nprogress_interval: 5.0\n"), r.yaml)
        XCTAssertTrue(r.yaml.contains("toy_sum:\n  rows: 10\n  scale: 1.5\n  label: ~\n  mode: squared\n"), r.yaml)
        XCTAssertTrue(r.yaml.contains("extra:\n  depth: 10\n"), r.yaml)
    }

    func testCaseFileValues() throws {
        let r = try resolve("""
            job: toy-sum
            input: a.h5
            output: x
            toy_sum:
              rows: 7
              label: hello
              mode: plain
              colours: [green, blue]
              ids: [1, 2, 4611686018427387904]
              fast: false
            """)
        XCTAssertEqual(r.options.rows, 7)
        XCTAssertEqual(r.options.label, "hello")
        XCTAssertEqual(r.options.mode, .plain)
        XCTAssertEqual(r.options.colours, [.green, .blue])
        XCTAssertEqual(r.options.ids, [1, 2, 4611686018427387904])
        XCTAssertFalse(r.options.fast)
    }

    /// The resolved file read back gives the same options and the same file.
    func testResolvedYAMLRoundTrips() throws {
        let a = try resolve("input: a.h5\noutput: x\ntoy_sum: {rows: 3, label: 'a: b', colours: [blue], files: ['x,y.txt']}\n")
        let b = try resolve(a.yaml)
        XCTAssertEqual(a.yaml, b.yaml)
        XCTAssertEqual(b.options.label, "a: b")
        XCTAssertEqual(b.options.files, ["x,y.txt"])
        XCTAssertEqual(b.options.rows, 3)
    }

    func testCommandLineOverridesTheFile() throws {
        let r = try resolve("input: a.h5\noutput: x\ntoy_sum: {rows: 3, mode: plain}\n",
                            ["--rows", "5", "--colours", "green,blue", "--id", "1,2", "--id", "3", "--file", "a,b", "--file", "c",
                             "--verbose", "--no-fast", "--set", "toy_sum.scale=2.5", "--set", "toy_sum.label=lab", "--out", "y", "--overwrite"])
        XCTAssertEqual(r.options.rows, 5)
        XCTAssertEqual(r.options.mode, .plain)
        XCTAssertEqual(r.options.colours, [.green, .blue])
        XCTAssertEqual(r.options.ids, [1, 2, 3])
        XCTAssertEqual(r.options.files, ["a,b", "c"])
        XCTAssertTrue(r.options.verbose)
        XCTAssertFalse(r.options.fast)
        XCTAssertEqual(r.options.scale, 2.5)
        XCTAssertEqual(r.options.label, "lab")
        XCTAssertEqual(r.output, "y")
        XCTAssertTrue(r.overwrite)
    }

    func testPositionalInputOnTheCommandLine() throws {
        let p = try JobArguments(ToyJob.self, ["data.h5", "--out", "o", "--rows=4"]).parameters()
        let r = try JobRunner.resolve(ToyJob.self, p)
        XCTAssertEqual(r.options.input, "data.h5")
        XCTAssertEqual(r.options.rows, 4)
        XCTAssertThrowsError(try JobArguments(ToyJob.self, ["a.h5", "b.h5"])) { XCTAssertTrue("\($0)".contains("unexpected argument 'b.h5'")) }
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        XCTFail("no error")
        return ""
    }

    func testErrorsNameTheKeyOrTheFlag() {
        // In the file: file:line: key: message.
        var m = message { _ = try resolve("input: a\noutput: x\ntoy_sum:\n  rows: 0\n") }
        XCTAssertTrue(m.contains("case.yaml:4: toy_sum.rows: must be positive, got 0"), m)
        m = message { _ = try resolve("input: a\noutput: x\ntoy_sum:\n  rows: many\n") }
        XCTAssertTrue(m.contains("toy_sum.rows") && m.contains("'many'"), m)
        // On the command line: the flag.
        m = message { _ = try resolve("input: a\noutput: x\n", ["--rows", "0"]) }
        XCTAssertTrue(m.contains("--rows: must be positive, got 0"), m)
        m = message { _ = try resolve("input: a\noutput: x\n", ["--mode", "cubed"]) }
        XCTAssertTrue(m.contains("--mode: expected one of 'plain', 'squared', got 'cubed'"), m)
        m = message { _ = try resolve("input: a\noutput: x\n", ["--colours", "red,pink"]) }
        XCTAssertTrue(m.contains("--colours: unknown colour 'pink' (red, green, blue)"), m)
        m = message { _ = try resolve("input: a\noutput: x\n", ["--colours", "red,red"]) }
        XCTAssertTrue(m.contains("a colour is named twice"), m)
        // Several options together: all named, in the file or on the command line.
        m = message { _ = try resolve("input: a\noutput: x\ntoy_sum: {low: 2, high: 1, rows: -1}\n") }
        XCTAssertTrue(m.contains("toy_sum.low/high: need low < high") && m.contains("toy_sum.rows: must be positive"), m)
        m = message { _ = try resolve("input: a\noutput: x\n", ["--low", "3"]) }
        XCTAssertTrue(m.contains("--low/--high: need low < high, got 3.0, 1.0"), m)
        // A command-line run names flags even for options it did not give.
        m = message { _ = try JobRunner.resolve(ToyJob.self, JobArguments(ToyJob.self, ["a", "--out", "x", "--high", "-1"]).parameters()) }
        XCTAssertTrue(m.contains("--low/--high: need low < high"), m)
        m = message { _ = try JobRunner.resolve(ToyJob.self, JobArguments(ToyJob.self, ["a"]).parameters()) }
        XCTAssertTrue(m.contains("--out: required parameter missing"), m)
        m = message { _ = try resolve("input: a\noutput: x\n", ["--progress-interval", "0"]) }
        XCTAssertTrue(m.contains("--progress-interval: must be a positive number"), m)
    }

    func testWhereIsACommonOptionInTheJobSection() throws {
        // Not given: none (every row), recorded as ~ in the resolved file.
        var r = try resolve("input: a\noutput: x\n")
        XCTAssertNil(r.whereText)
        XCTAssertTrue(r.yaml.contains("  where: ~\n"), r.yaml)
        // The flag and the key are one parameter; the resolved file reproduces it.
        r = try resolve("input: a\noutput: x\n", ["--where", "rows > 1 and x < 2"])
        XCTAssertEqual(r.whereText, "rows > 1 and x < 2")
        XCTAssertEqual(try resolve(r.yaml).whereText, "rows > 1 and x < 2")
        XCTAssertEqual(try resolve("input: a\noutput: x\ntoy_sum: {where: 'b == 2'}\n").whereText, "b == 2")
        // Empty: an error naming the flag or the key.
        var m = message { _ = try JobRunner.resolve(ToyJob.self, JobArguments(ToyJob.self, ["a", "--out", "x", "--where", " "]).parameters()) }
        XCTAssertTrue(m.contains("--where: is empty"), m)
        m = message { _ = try resolve("input: a\noutput: x\ntoy_sum:\n  where: ''\n") }
        XCTAssertTrue(m.contains("toy_sum.where: is empty"), m)
        XCTAssertTrue(JobHelp.text(ToyJob.self).contains("--where <expr>"))
    }

    func testUnknownKeysAndFlagsSuggestTheRightOne() {
        var m = message { _ = try resolve("input: a\noutput: x\ntoy_sum:\n  rwos: 3\n") }
        XCTAssertTrue(m.contains("unknown parameter 'toy_sum.rwos' (line 4): did you mean 'toy_sum.rows'?"), m)
        m = message { _ = try JobArguments(ToyJob.self, ["--rwos", "3"]) }
        XCTAssertTrue(m.contains("unknown option '--rwos'; did you mean '--rows'?"), m)
        m = message { _ = try resolve("input: a\noutput: x\n", ["--set", "toy_sum.rowz=1"]) }
        XCTAssertTrue(m.contains("unknown parameter 'toy_sum.rowz' (--set toy_sum.rowz=1): did you mean 'toy_sum.rows'?"), m)
        m = message { _ = try JobArguments(ToyJob.self, ["--rows"]) }
        XCTAssertTrue(m.contains("--rows needs a value"), m)
        m = message { _ = try resolve("output: x\n") }
        XCTAssertTrue(m.contains("input") && m.contains("required parameter missing"), m)
    }

    func testHelpListsEveryOptionWithItsKeyAndDefault() {
        let h = JobHelp.text(ToyJob.self)
        for o in ToyJob.options {
            let key = o.fullKey(section: ToyJob.section)
            XCTAssertTrue(h.contains("key: \(key)"), key)
            if let f = o.flag { XCTAssertTrue(h.contains(f), f) }
        }
        XCTAssertTrue(h.contains("--no-fast") && h.contains("default: 1.5") && h.contains("--set extra.depth=<n>"), h)
    }

    func testRegistryNamesTheJobOfACaseFile() throws {
        let reg = JobRegistry([ToyJob.self])
        XCTAssertEqual(reg.names, ["toy-sum"])
        let p = try ParameterFile(yaml: "job: toy-sun\n", source: "c.yaml")
        let m = message { _ = try reg.job(of: p) }
        XCTAssertTrue(m.contains("unknown job 'toy-sun'; did you mean 'toy-sum'?"), m)
        let q = try ParameterFile(yaml: "input: a\n", source: "c.yaml")
        XCTAssertTrue(message { _ = try reg.job(of: q) }.contains("job"))
    }
}

/// The runner end to end on one rank (MPI works inside XCTest with one process).
final class JobRunnerTests: XCTestCase {
    override class func setUp() { MPIEnvironment.initializeIfNeeded() }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "gaiajob-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func execute(_ args: [String]) throws {
        try JobRunner.execute(ToyJob.self, communicator: .world) { try JobArguments(ToyJob.self, args).parameters() }
    }

    func testRunWritesOutputsAndTheResolvedParameterFile() throws {
        let d = try tempDir()
        try execute(["in.h5", "--out", d + "/a", "--rows", "4"])
        let yaml = try String(contentsOfFile: d + "/a.yaml", encoding: .utf8)
        let txt = try String(contentsOfFile: d + "/a.txt", encoding: .utf8)
        // 0² + 1² + 2² + 3² = 14, × 1.5.
        XCTAssertEqual(txt, "21.0\n" + yaml)
        XCTAssertTrue(yaml.contains("rows: 4"))
        // The resolved file reproduces the run under another prefix.
        let p = try ParameterFile(path: d + "/a.yaml")
        try p.override("output", scalar: d + "/b", origin: "--set output")
        try JobRunner.execute(ToyJob.self, communicator: .world) { p }
        let b = try String(contentsOfFile: d + "/b.txt", encoding: .utf8)
        XCTAssertEqual(b.split(separator: "\n").first, "21.0")
        XCTAssertEqual(try String(contentsOfFile: d + "/b.yaml", encoding: .utf8),
                       yaml.replacingOccurrences(of: "output: \(d)/a", with: "output: \(d)/b"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: d + "/a.yaml.partial"))
    }

    func testOutputsAreCheckedBeforeAnyWork() throws {
        let d = try tempDir()
        try execute(["in.h5", "--out", d + "/a"])
        let before = ToyJob.runs
        XCTAssertThrowsError(try execute(["in.h5", "--out", d + "/a"])) { XCTAssertTrue("\($0)".contains("exists; pass --overwrite")) }
        XCTAssertThrowsError(try execute(["in.h5", "--out", d + "/missing/a"])) { XCTAssertTrue("\($0)".contains("does not exist")) }
        XCTAssertThrowsError(try execute([d + "/a.txt", "--out", d + "/a", "--overwrite"])) {
            XCTAssertTrue("\($0)".contains("would replace the input"))
        }
        XCTAssertEqual(ToyJob.runs, before, "a job ran although its outputs were refused")
        try execute(["in.h5", "--out", d + "/a", "--overwrite"])
        XCTAssertEqual(ToyJob.runs, before + 1)
    }

    func testBadOptionsStopBeforeAnyWork() throws {
        let before = ToyJob.runs
        XCTAssertThrowsError(try execute(["in.h5", "--out", NSTemporaryDirectory() + "/x", "--rows", "-2"])) {
            XCTAssertTrue($0 is CollectiveError, "\($0)")
            XCTAssertTrue("\($0)".contains("--rows: must be positive"))
        }
        XCTAssertEqual(ToyJob.runs, before)
    }

    func testCollectiveChunksCoverTheRowsInOrder() {
        let c = CollectiveChunks(RowRange(start: 5, count: 10), chunkRows: 4, communicator: .world)
        XCTAssertEqual(c.rounds, 3)
        XCTAssertEqual(c.map(\.rows), [RowRange(start: 5, count: 4), RowRange(start: 9, count: 4), RowRange(start: 13, count: 2)])
        XCTAssertEqual(c.map(\.fractionDone).last, 1)
        XCTAssertEqual(CollectiveChunks(RowRange(start: 0, count: 0), chunkRows: 4, communicator: .world).rounds, 0)
    }
}
