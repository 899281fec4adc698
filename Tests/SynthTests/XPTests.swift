// xp_continuous_mean_spectrum: layout, correlation matrices, missing bands, planted twins.

import Foundation
import GaiaFormat
import Numerics
@testable import Synth
import XCTest

/// Checks shared by all tables: file names, HEALPix ranges, ascending source_id.
func checkLayout(_ r: SynthResult, prefix: String, file: StaticString = #filePath, line: UInt = #line) throws -> [TextTable] {
    var tables: [TextTable] = []
    var last: Int64 = -1
    var total = 0
    let ranges = SkyLayout.ranges(files: r.files.count)
    for (k, path) in r.files.enumerated() {
        let name = String(path.split(separator: "/").last!)
        let (a, b) = ranges[k]
        func six(_ v: Int64) -> String { let s = String(v); return String(repeating: "0", count: 6 - s.count) + s }
        XCTAssertEqual(name, "\(prefix)_\(six(a))-\(six(b)).csv.gz", file: file, line: line)
        XCTAssertEqual(k == 0 ? 0 : ranges[k - 1].1 + 1, a, file: file, line: line)
        let t = try TextTable(path: path)
        for id in t.column("source_id").map({ Int64($0)! }) {
            XCTAssertTrue((a...b).contains(id >> 43), "source \(id) outside \(name)", file: file, line: line)
            XCTAssertGreaterThan(id, last, "not ascending", file: file, line: line)
            last = id
        }
        XCTAssertEqual(t.rows.count, r.sourcesPerFile[k], file: file, line: line)
        for row in t.rows { XCTAssertEqual(row.count, t.columns.count, file: file, line: line) }
        total += t.rows.count
        tables.append(t)
    }
    XCTAssertEqual(ranges.last!.1, 786431, file: file, line: line)
    XCTAssertEqual(total, r.sources, file: file, line: line)
    return tables
}

/// source_id >> 35 is the level-12 pixel of the truth position.
func checkSourceIDsAgainstTruth(_ r: SynthResult, file: StaticString = #filePath, line: UInt = #line) throws {
    let t = try TextTable(path: r.truthECSV)
    XCTAssertEqual(t.rows.count, r.sources, file: file, line: line)
    let ids = t.column("source_id"), ras = t.column("ra"), decs = t.column("dec")
    for k in 0..<ids.count {
        let id = Int64(ids[k])!
        XCTAssertEqual(HEALPix.ang2pixNested(order: 12, raDeg: Double(ras[k])!, decDeg: Double(decs[k])!), id >> 35,
                       file: file, line: line)
        XCTAssertLessThan(id & ((1 << 35) - 1), 1 << 35, file: file, line: line)
    }
}

final class XPTests: XCTestCase {
    static let n = 55

    func testLayoutAndIDs() throws {
        _ = try checkLayout(Shared.xp, prefix: "XpContinuousMeanSpectrum")
        try checkSourceIDsAgainstTruth(Shared.xp)
    }

    func testRowsAndCorrelations() throws {
        var complete = 0
        for t in try checkLayout(Shared.xp, prefix: "XpContinuousMeanSpectrum") {
            for row in t.rows {
                XCTAssertEqual(row[t.index("solution_id")], "4545469030156206081")
                for b in ["bp", "rp"] {
                    if row[t.index("\(b)_n_parameters")] == "null" {
                        for c in t.columns where c.hasPrefix(b + "_") { XCTAssertEqual(row[t.index(c)], "null", c) }
                        continue
                    }
                    XCTAssertEqual(row[t.index("\(b)_n_parameters")], "55")
                    XCTAssertEqual(row[t.index("\(b)_basis_function_id")], b == "bp" ? "56" : "57")
                    let nMeas = Int(row[t.index("\(b)_n_measurements")])!
                    XCTAssertEqual(Int(row[t.index("\(b)_degrees_of_freedom")])!, nMeas - 55)
                    let coeffs = doubles(row[t.index("\(b)_coefficients")])
                    let errs = floats(row[t.index("\(b)_coefficient_errors")])
                    let corr = floats(row[t.index("\(b)_coefficient_correlations")])
                    XCTAssertEqual(coeffs.count, 55)
                    XCTAssertEqual(errs.count, 55)
                    XCTAssertEqual(corr.count, 1485)
                    XCTAssertTrue(errs.allSatisfy { $0 > 0 })
                    XCTAssertTrue(corr.allSatisfy { abs($0) < 1 })
                    let c = SymmetricPacking.unpack(corr, n: 55)
                    for i in 0..<55 { XCTAssertEqual(c[i * 55 + i], 1) }
                    XCTAssertNoThrow(try Cholesky.factor(c, n: 55), "correlation matrix not positive definite")
                    // Near-diagonal correlations dominate (realistic structure).
                    var lag1 = 0.0, lag30 = 0.0
                    for i in 0..<54 { lag1 += abs(c[(i + 1) * 55 + i]) }
                    for i in 0..<25 { lag30 += abs(c[(i + 30) * 55 + i]) }
                    XCTAssertGreaterThan(lag1 / 54, lag30 / 25)
                    let sd = Double(row[t.index("\(b)_standard_deviation")])!
                    let chi2 = Double(row[t.index("\(b)_chi_squared")])!
                    XCTAssertEqual(chi2, Double(nMeas - 55) * sd * sd, accuracy: 1e-3 * chi2)
                    XCTAssertGreaterThan(coeffs[0], 0)
                    complete += 1
                }
            }
        }
        XCTAssertGreaterThan(complete, 400)
    }

    /// tril_indices(55, -1) order: (1,0), (2,0), (2,1), (3,0), …
    func testPackingOrder() {
        let n = 5
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { m[i * n + j] = i == j ? 1 : Double(10 * max(i, j) + min(i, j)) } }
        XCTAssertEqual(SymmetricPacking.pack(m, n: n), [10, 20, 21, 30, 31, 32, 40, 41, 42, 43])
        XCTAssertEqual(SymmetricPacking.unpack([10, 20, 21, 30, 31, 32, 40, 41, 42, 43], n: n), m)
        // The generator writes W·Wᵀ packed the same way.
        var rng = Xoshiro256(seed: 1)
        let f = CorrelationFactor(n: 55, rng: &rng, amplitude: 0.3, length: 8, floor: 0.1)
        let c = f.correlation()
        let packed = SymmetricPacking.pack(c, n: 55)
        XCTAssertEqual(packed[0], c[1 * 55 + 0])
        XCTAssertEqual(packed[1], c[2 * 55 + 0])
        XCTAssertEqual(packed[2], c[2 * 55 + 1])
        XCTAssertEqual(packed[3], c[3 * 55 + 0])
        XCTAssertEqual(packed[1484], c[54 * 55 + 53])
    }

    func testMissingBands() throws {
        let truth = try loadJSON(Shared.xp.truthJSON)
        let missBP = Set((truth["missing_bp_source_ids"] as! [Any]).map { int64($0) })
        let missRP = Set((truth["missing_rp_source_ids"] as! [Any]).map { int64($0) })
        XCTAssertFalse(missBP.isEmpty && missRP.isEmpty)
        var seenBP = Set<Int64>(), seenRP = Set<Int64>()
        for path in Shared.xp.files {
            let t = try TextTable(path: path)
            for row in t.rows {
                let id = Int64(row[0])!
                if row[t.index("bp_coefficients")] == "null" { seenBP.insert(id) }
                if row[t.index("rp_coefficients")] == "null" { seenRP.insert(id) }
            }
        }
        XCTAssertEqual(seenBP, missBP)
        XCTAssertEqual(seenRP, missRP)
    }

    /// The planted twins' D² recomputed from the text with an independent solver (Gaussian
    /// elimination with partial pivoting, not the generator's Cholesky).
    func testTwinD2() throws {
        let truth = try loadJSON(Shared.xp.truthJSON)
        let twins = truth["twins"] as! [[String: Any]]
        XCTAssertEqual(twins.count, 4)
        var rows: [Int64: ([String], TextTable)] = [:]
        for path in Shared.xp.files {
            let t = try TextTable(path: path)
            for row in t.rows { rows[Int64(row[0])!] = (row, t) }
        }
        for tw in twins {
            let s = double(tw["flux_scale"])
            let (trow, tt) = rows[int64(tw["template_source_id"])]!
            let (wrow, wt) = rows[int64(tw["twin_source_id"])]!
            for b in ["bp", "rp"] {
                for scaled in [false, true] {
                    func cov(_ row: [String], _ t: TextTable) -> [[Double]] {
                        var e = floats(row[t.index("\(b)_coefficient_errors")])
                        if scaled {
                            let sd = Double(Float(row[t.index("\(b)_standard_deviation")])!)
                            e = e.map { $0 / sd }  // float64 division, as GaiaXPy does
                        }
                        let cc = floats(row[t.index("\(b)_coefficient_correlations")])
                        var m = [[Double]](repeating: [Double](repeating: 0, count: 55), count: 55)
                        var k = 0
                        for i in 0..<55 {
                            m[i][i] = e[i] * e[i]
                            for j in 0..<i { m[i][j] = e[i] * cc[k] * e[j]; m[j][i] = m[i][j]; k += 1 }
                        }
                        return m
                    }
                    let a = cov(trow, tt), w = cov(wrow, wt)
                    var m = a
                    for i in 0..<55 { for j in 0..<55 { m[i][j] += w[i][j] / (s * s) } }
                    let ct = doubles(trow[tt.index("\(b)_coefficients")]), cw = doubles(wrow[wt.index("\(b)_coefficients")])
                    let dc = (0..<55).map { cw[$0] / s - ct[$0] }
                    let x = gaussSolve(m, dc)
                    let d2 = zip(dc, x).reduce(0) { $0 + $1.0 * $1.1 }
                    let key = scaled ? "d2_\(b)_errors_over_standard_deviation" : "d2_\(b)"
                    let expected = double(tw[key])
                    XCTAssertEqual(d2, expected, accuracy: 1e-8 * expected, key)
                    // D² ~ noise_scale²·χ²(55): a loose plausibility window.
                    let k2 = double(tw["noise_scale"]) * double(tw["noise_scale"])
                    XCTAssertTrue((55 * k2 * 0.3)...(55 * k2 * 2.5) ~= d2, "\(key) = \(d2)")
                }
            }
        }
    }

    func gaussSolve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var a = a, b = b
        let n = b.count
        for c in 0..<n {
            var p = c
            for r in (c + 1)..<n where abs(a[r][c]) > abs(a[p][c]) { p = r }
            a.swapAt(c, p); b.swapAt(c, p)
            for r in (c + 1)..<n {
                let f = a[r][c] / a[c][c]
                if f == 0 { continue }
                for k in c..<n { a[r][k] -= f * a[c][k] }
                b[r] -= f * b[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<n { s -= a[r][k] * x[k] }
            x[r] = s / a[r][r]
        }
        return x
    }
}
