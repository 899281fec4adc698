// Parse speed on XP-like data, and correctness across buffer refills: the real CDN XP row
// replicated many times (rows straddle the reader's 8 MiB buffer boundaries).
//
// Release measurement (the figure quoted in reports):
//   GAIAFORMAT_BENCH_ROWS=4000 swift test -c release -Xswiftc -target-cpu -Xswiftc native \
//       --scratch-path .build-reader --filter GaiaFormatTests.ThroughputTests

import Foundation
import GaiaFormat
import XCTest

final class ThroughputTests: XCTestCase {
    /// Rows to generate: 400 by default (≈ 11 MB, more than one buffer), more via the environment.
    var rowCount: Int {
        ProcessInfo.processInfo.environment["GAIAFORMAT_BENCH_ROWS"].flatMap { Int($0) } ?? 400
    }

    /// The CDN XP file's header and column names, then its one data row `rows` times.
    func makeXPFile(_ dir: TempDir, rows: Int, gzip: Bool) throws -> (path: String, bytes: Int) {
        let text = try decompressedText(Fixtures.xpCDN)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let row = lines.removeLast()
        var head = lines.joined(separator: "\n") + "\n"
        let path = dir.path(gzip ? "xp_bench.csv.gz" : "xp_bench.csv")
        let sink = try ByteSink(path: path, gzip: gzip, level: 1)
        var body = String(row) + "\n"
        var total = head.utf8.count
        try sink.write(head)
        for _ in 0..<rows {
            try sink.write(body)
            total += body.utf8.count
        }
        try sink.close()
        head = ""
        body = ""
        return (path, total)
    }

    func parseAll(_ path: String, _ options: ReaderOptions = ReaderOptions()) throws -> (rows: Int, seconds: Double, checksum: Double) {
        let start = Date()
        let reader = try ECSVReader(path: path, options: options)
        var rows = 0
        var checksum = 0.0
        while let b = try reader.readBatch(maxRows: 256) {
            rows += b.rowCount
            if let c = b.column(named: "bp_coefficients") { checksum += c.withValues(Double.self) { $0.reduce(0, +) } }
        }
        return (rows, Date().timeIntervalSince(start), checksum)
    }

    func testXPThroughputPlain() throws {
        let dir = TempDir()
        let n = rowCount
        let (path, bytes) = try makeXPFile(dir, rows: n, gzip: false)
        let one = try readAll(Fixtures.xpCDN)
        let rowSum = one["bp_coefficients"].values(Double.self).reduce(0, +)
        // Warm the page cache, then measure.
        _ = try parseAll(path, ReaderOptions(columns: ["source_id"]))
        let (rows, seconds, checksum) = try parseAll(path)
        XCTAssertEqual(rows, n)
        XCTAssertEqual(checksum, rowSum * Double(n), accuracy: abs(rowSum) * Double(n) * 1e-12)
        let mbps = Double(bytes) / 1e6 / seconds
        print(String(format: "ECSVReader XP parse, all 26 columns: %d rows, %.1f MB uncompressed in %.3f s = %.1f MB/s",
                     n, Double(bytes) / 1e6, seconds, mbps))
        let (_, skipSeconds, _) = try parseAll(path, ReaderOptions(columns: ["source_id", "bp_coefficients"]))
        print(String(format: "ECSVReader XP parse, 2 of 26 columns (rest skipped): %.1f MB/s", Double(bytes) / 1e6 / skipSeconds))
    }

    /// Epoch photometry (variable arrays, bool arrays with doubled quotes) and gaia_source
    /// (153 scalars, many nulls): the fixture's data rows repeated to about the XP file's size.
    func testOtherTablesThroughput() throws {
        let dir = TempDir()
        for fixture in [Fixtures.epoch, Fixtures.gaiaSource] {
            let text = try decompressedText(fixture)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            let headerCount = lines.firstIndex { !$0.hasPrefix("#") }! + 1
            let head = lines[..<headerCount].joined(separator: "\n") + "\n"
            let body = lines[headerCount...].joined(separator: "\n") + "\n"
            let repeats = max(1, rowCount * 40_000 / body.utf8.count)
            let path = dir.path("bench.csv")
            let sink = try ByteSink(path: path, gzip: false)
            try sink.write(head)
            for _ in 0..<repeats { try sink.write(body) }
            try sink.close()
            let bytes = head.utf8.count + repeats * body.utf8.count
            _ = try parseAll(path, ReaderOptions(columns: ["source_id"]))
            let (rows, seconds, _) = try parseAll(path)
            XCTAssertEqual(rows, repeats * (lines.count - headerCount))
            print(String(format: "ECSVReader %@ parse, all columns: %d rows, %.1f MB in %.3f s = %.1f MB/s",
                         (fixture as NSString).lastPathComponent, rows, Double(bytes) / 1e6, seconds, Double(bytes) / 1e6 / seconds))
        }
    }

    func testXPManyRowsGzipEqualsSource() throws {
        let dir = TempDir()
        let n = min(rowCount, 400)
        let (path, _) = try makeXPFile(dir, rows: n, gzip: true)
        let one = try readAll(Fixtures.xpCDN)
        let reader = try ECSVReader(path: path)
        var rows = 0
        while let b = try reader.readBatch(maxRows: 97) {
            XCTAssertEqual(b.firstLine, 184 + rows)
            for c in b.columns {
                let reference = one[c.schema.name].bytes
                XCTAssertEqual(c.bytes.count, reference.count * b.rowCount, c.schema.name)
                for r in 0..<b.rowCount where c.bytes[r * reference.count..<(r + 1) * reference.count] != reference[...] {
                    XCTFail("row \(rows + r + 1) column \(c.schema.name) differs")
                    break
                }
            }
            rows += b.rowCount
        }
        XCTAssertEqual(rows, n)
        XCTAssertEqual(reader.linesRead, 183 + n)
    }
}
