// Helpers for the GaiaFormat tests: fixture paths, temporary files, whole-file reads, and an
// independent, slow, String-based reference parse to cross-check the fast reader against.

import Foundation
import GaiaFormat
import XCTest

enum Fixtures {
    /// `/work/shared/fixtures` in development, `<repo>/../shared/fixtures` in CI: found from this
    /// file's path (Tests/GaiaFormatTests/TestSupport.swift → repo root → ../shared/fixtures).
    static let root: String = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/fixtures").path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    static let xpRaw = path("xp_continuous/XP_CONTINUOUS_RAW.ecsv")
    static let xpMissingBP = path("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv")
    static let xpCDN = path("xp_continuous/XpContinuousMeanSpectrum_000000-003111.csv.gz")
    static let xp18Sco = path("xp_continuous/18Sco-XP-spectra.csv")
    static let epoch = path("epoch_photometry/EpochPhotometry_cdn_5sources.csv.gz")
    static let gaiaSource = path("gaia_source/gaia_source_archive_cone_5rows.ecsv")
}

/// A scratch directory removed at deinit.
final class TempDir {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gaiaformat-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` (gzip-compressed with ByteSink if `gzip`) and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String, gzip: Bool = false) throws -> String {
        let path = url.appendingPathComponent(name).path
        if gzip {
            let sink = try ByteSink(path: path, gzip: true)
            try sink.write(text)
            try sink.close()
        } else {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// All rows of a file, batches concatenated per column.
struct WholeTable {
    var schema: TableSchema
    var fileSchema: TableSchema
    var rows: Int
    var columns: [String: ColumnData]
    var headerLineCount: Int
    var batches: [ColumnBatch]

    subscript(_ name: String) -> ColumnData { columns[name]! }
}

func readAll(_ path: String, _ options: ReaderOptions = ReaderOptions(), batchRows: Int = 1000) throws -> WholeTable {
    let reader = try ECSVReader(path: path, options: options)
    var columns: [String: ColumnData] = [:]
    for c in reader.schema.columns { columns[c.name] = ColumnData(schema: c) }
    var rows = 0
    var batches: [ColumnBatch] = []
    while let b = try reader.readBatch(maxRows: batchRows) {
        XCTAssertGreaterThan(b.rowCount, 0)
        rows += b.rowCount
        batches.append(b)
        for c in b.columns {
            columns[c.schema.name]!.bytes += c.bytes
            columns[c.schema.name]!.lengths += c.lengths
            columns[c.schema.name]!.nullCount += c.nullCount
        }
    }
    XCTAssertNil(try reader.readBatch(maxRows: batchRows), "nil again after the end")
    return WholeTable(schema: reader.schema, fileSchema: reader.fileSchema, rows: rows, columns: columns,
                      headerLineCount: reader.headerLineCount, batches: batches)
}

/// Asserts that `body` throws a FormatError placed at `file`/`line`/`column`/`field` whose message
/// contains `contains`; returns it.
@discardableResult
func assertFormatError(_ file: String, line: Int?, column: String?, field: Int? = nil, contains: String,
                       _ body: () throws -> Void, sourceFile: StaticString = #filePath, sourceLine: UInt = #line) -> FormatError? {
    do {
        try body()
        XCTFail("expected a FormatError containing '\(contains)'", file: sourceFile, line: sourceLine)
        return nil
    } catch let e as FormatError {
        XCTAssertEqual(e.file, file, "file", file: sourceFile, line: sourceLine)
        XCTAssertEqual(e.line, line, "line in: \(e)", file: sourceFile, line: sourceLine)
        XCTAssertEqual(e.column, column, "column in: \(e)", file: sourceFile, line: sourceLine)
        if let field { XCTAssertEqual(e.fieldIndex, field, "field in: \(e)", file: sourceFile, line: sourceLine) }
        XCTAssertTrue(e.message.contains(contains), "message '\(e.message)' lacks '\(contains)'", file: sourceFile, line: sourceLine)
        // The printed form names the place the way compilers do.
        var prefix = file
        if let line { prefix += ":\(line):" }
        XCTAssertTrue(e.description.hasPrefix(prefix), "\(e.description)", file: sourceFile, line: sourceLine)
        if let column { XCTAssertTrue(e.description.contains("'\(column)'"), "\(e.description)", file: sourceFile, line: sourceLine) }
        return e
    } catch {
        XCTFail("expected a FormatError, got \(error)", file: sourceFile, line: sourceLine)
        return nil
    }
}

/// Every byte of a (possibly gzipped) file, decompressed.
func decompressedText(_ path: String) throws -> String {
    let src = try ByteSource(path: path)
    var out: [UInt8] = []
    let cap = 1 << 20
    let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
    defer { buf.deallocate() }
    while true {
        let n = try src.read(into: buf, capacity: cap)
        if n == 0 { break }
        out.append(contentsOf: UnsafeBufferPointer(start: buf, count: n))
    }
    return String(decoding: out, as: UTF8.self)
}

// MARK: - reference parse (slow, independent)

enum Reference {
    /// Data rows (after the '#' header and the column-name line) split into fields.
    static func rows(_ path: String) throws -> (names: [String], rows: [[String]]) {
        let text = try decompressedText(path)
        // Split on bytes: in Swift "\r\n" is one Character.
        var lines = Array(text.utf8).split(separator: 10, omittingEmptySubsequences: false).map { l -> Substring in
            Substring(String(decoding: l.last == 13 ? l.dropLast() : l, as: UTF8.self))
        }
        lines.removeAll { $0.hasPrefix("#") }
        lines.removeAll { $0.isEmpty }
        let names = splitCSV(String(lines[0]))
        return (names, lines.dropFirst().map { splitCSV(String($0)) })
    }

    static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = []
        var cur = ""
        var inQ = false
        var chars = Array(line)
        chars.append("\u{0}")
        var i = 0
        while i < chars.count - 1 {
            let c = chars[i]
            if inQ {
                if c == "\"" {
                    if chars[i + 1] == "\"" { cur.append("\""); i += 1 } else { inQ = false }
                } else { cur.append(c) }
            } else if c == "\"" { inQ = true } else if c == "," { fields.append(cur); cur = "" } else { cur.append(c) }
            i += 1
        }
        fields.append(cur)
        return fields
    }

    static func isNull(_ s: String) -> Bool { s.isEmpty || s.lowercased() == "null" }

    static func elements(_ cell: String) -> [String]? {
        let t = cell.trimmingCharacters(in: .whitespaces)
        if isNull(t) { return nil }
        let inner = t.dropFirst().dropLast()
        if inner.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        return inner.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: " \""))
        }
    }

    static func integer(_ s: String, _ e: ElementType) -> Int64 {
        isNull(s) ? e.fillValue! : Int64(s)!
    }

    static func bool(_ s: String) -> Int8 {
        switch s.trimmingCharacters(in: CharacterSet(charactersIn: " \"")).lowercased() {
        case "true", "1": return 1
        case "false", "0": return 0
        default: return -1
        }
    }

    /// Compares every selected column of every row of `table` with the reference parse of `path`.
    static func check(_ table: WholeTable, against path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (names, rows) = try Reference.rows(path)
        XCTAssertEqual(table.rows, rows.count, "row count", file: file, line: line)
        for column in table.schema.columns {
            guard let k = names.firstIndex(of: column.name) else { XCTFail("no \(column.name)"); continue }
            let data = table[column.name]
            var expectedBytes: [UInt8] = []
            var expectedLengths: [Int32] = []
            func appendInt(_ v: Int64, _ e: ElementType) {
                switch e.byteWidth {
                case 1: withUnsafeBytes(of: Int8(truncatingIfNeeded: v)) { expectedBytes += $0 }
                case 2: withUnsafeBytes(of: Int16(truncatingIfNeeded: v)) { expectedBytes += $0 }
                case 4: withUnsafeBytes(of: Int32(truncatingIfNeeded: v)) { expectedBytes += $0 }
                default: withUnsafeBytes(of: v) { expectedBytes += $0 }
                }
            }
            func appendValue(_ s: String, _ e: ElementType) {
                switch e {
                case .float32: withUnsafeBytes(of: isNull(s) ? Float.nan : Float(s)!) { expectedBytes += $0 }
                case .float64: withUnsafeBytes(of: isNull(s) ? Double.nan : Double(s)!) { expectedBytes += $0 }
                case .bool: withUnsafeBytes(of: bool(s)) { expectedBytes += $0 }
                case .string: expectedBytes += Array(s.utf8); expectedLengths.append(Int32(s.utf8.count))
                default: appendInt(integer(s, e), e)
                }
            }
            for row in rows {
                let cell = row[k]
                switch column.shape {
                case .scalar:
                    appendValue(column.element == .string && cell == "null" ? "" : cell, column.element)
                case .fixed(let n):
                    if let els = elements(cell) {
                        XCTAssertEqual(els.count, n, file: file, line: line)
                        for el in els { appendValue(el, column.element) }
                    } else {
                        for _ in 0..<n { appendValue("", column.element) }
                    }
                case .variable:
                    let els = elements(cell) ?? []
                    for el in els { appendValue(el, column.element) }
                    expectedLengths.append(Int32(els.count))
                }
            }
            XCTAssertEqual(data.lengths, expectedLengths, "lengths of \(column.name)", file: file, line: line)
            if data.bytes != expectedBytes {
                // NaN payloads: compare floats by value.
                if column.element.isFloat && data.bytes.count == expectedBytes.count {
                    let same: Bool = column.element == .float32
                        ? zip(data.values(Float.self), expectedBytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
                            .allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
                        : zip(data.values(Double.self), expectedBytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) })
                            .allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
                    XCTAssertTrue(same, "values of \(column.name)", file: file, line: line)
                } else {
                    XCTFail("bytes of \(column.name) differ (\(data.bytes.count) vs \(expectedBytes.count))", file: file, line: line)
                }
            }
        }
    }
}
