// Helpers for the Synth tests: small generated data sets shared by the tests, and a minimal
// reader of the generated text (the project's eCSV reader is not used here on purpose: these
// tests check the text itself).

import Foundation
import GaiaFormat
import Synth
import XCTest

enum Shared {
    static let root: String = {
        let dir = NSTemporaryDirectory() + "gaiamine-synth-tests-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Shared.root) }
        return dir
    }()

    /// 240 XP sources in 3 files, 4 twins, 3 % missing bands.
    static let xp: SynthResult = {
        try! XPSynth.generate(XPOptions(common: SynthOptions(sources: 240, files: 3, seed: 11, outDirectory: root + "/xp"),
                                        twins: 4, missingFraction: 0.03))
    }()

    static let epoch: SynthResult = {
        try! EpochSynth.generate(EpochOptions(common: SynthOptions(sources: 300, files: 4, seed: 12, outDirectory: root + "/epoch"),
                                              variableFraction: 0.3))
    }()

    static let gaiaSource: SynthResult = {
        try! GaiaSourceSynth.generate(GaiaSourceOptions(
            common: SynthOptions(sources: 3000, files: 5, seed: 13, outDirectory: root + "/gs"),
            rotation: (40, -25, 15), glide: (-10, 30, 20), gwAmplitude: 20))
    }()

    static let fixtures = "/work/shared/fixtures"
}

/// A generated (or fixture) ECSV file split into header lines, column names and data rows.
struct TextTable {
    var headerLines: [String]
    var columns: [String]
    var rows: [[String]]

    init(path: String) throws {
        let text = try readText(path)
        var header: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var k = 0
        while k < lines.count && lines[k].hasPrefix("#") { header.append(lines[k]); k += 1 }
        headerLines = header
        columns = splitCSV(lines[k])
        rows = lines[(k + 1)...].map(splitCSV)
    }

    func index(_ name: String) -> Int { columns.firstIndex(of: name)! }
    func column(_ name: String) -> [String] { let i = index(name); return rows.map { $0[i] } }
}

func readText(_ path: String) throws -> String {
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

/// CSV fields (RFC 4180 quoting: "…" with "" for a quote). Quotes are removed.
func splitCSV(_ line: String) -> [String] {
    var fields: [String] = []
    var cur: [UInt8] = []
    var inQuotes = false
    let u = Array(line.utf8)
    var i = 0
    while i < u.count {
        let c = u[i]
        if inQuotes {
            if c == UInt8(ascii: "\"") {
                if i + 1 < u.count && u[i + 1] == UInt8(ascii: "\"") { cur.append(c); i += 1 } else { inQuotes = false }
            } else {
                cur.append(c)
            }
        } else if c == UInt8(ascii: "\"") {
            inQuotes = true
        } else if c == UInt8(ascii: ",") {
            fields.append(String(decoding: cur, as: UTF8.self)); cur = []
        } else {
            cur.append(c)
        }
        i += 1
    }
    fields.append(String(decoding: cur, as: UTF8.self))
    return fields
}

/// Elements of an array cell `[a,b,c]` (quotes already removed).
func arrayElements(_ cell: String) -> [String] {
    precondition(cell.hasPrefix("[") && cell.hasSuffix("]"), "not an array: \(cell.prefix(40))")
    let inner = cell.dropFirst().dropLast()
    if inner.isEmpty { return [] }
    return inner.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
}

func doubles(_ cell: String) -> [Double] { arrayElements(cell).map { Double($0)! } }

/// The declared-float32 elements, as the repack stores them.
func floats(_ cell: String) -> [Double] { arrayElements(cell).map { Double(Float($0)!) } }

func loadJSON(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

func fileBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

func int64(_ any: Any?) -> Int64 { (any as! NSNumber).int64Value }
func double(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
