// Planted wide binaries and lensed images in gaia_source: the written rows satisfy the cuts they
// were designed for (El-Badry, Rix & Heintz 2021, MNRAS 506, 2269, §2), the pairs truth matches
// the rows, source_id order holds, and the output is a function of the seed and options only.

import Foundation
import Numerics
@testable import Synth
import XCTest

final class PlantedPairsTests: XCTestCase {
    /// 6000 rows, 60 binaries, 60 lensed quasars: enough pairs for fractions of a percent.
    static let planted: SynthResult = {
        try! GaiaSourceSynth.generate(GaiaSourceOptions(
            common: SynthOptions(sources: 6000, files: 4, seed: 17, outDirectory: Shared.root + "/planted"),
            rotation: (30, 0, -20), binaryFraction: 0.01, lensedFraction: 0.01))
    }()

    static func rows(_ r: SynthResult) throws -> [Int64: [String: String]] {
        var out: [Int64: [String: String]] = [:]
        for p in r.files {
            let t = try TextTable(path: p)
            for row in t.rows { out[Int64(row[t.index("source_id")])!] = Dictionary(uniqueKeysWithValues: zip(t.columns, row)) }
        }
        return out
    }

    struct Pair { var a: Int64, b: Int64, kind: String, sep: Double, quasar: Int64?, parallax: Double, dpm: (Double, Double) }

    static func pairs(_ r: SynthResult) throws -> [Pair] {
        let t = try TextTable(path: r.pairsTruth!)
        XCTAssertEqual(t.columns, ["source_id_a", "source_id_b", "kind", "sep", "quasar_source_id", "parallax", "dpmra", "dpmdec"])
        return t.rows.map { Pair(a: Int64($0[0])!, b: Int64($0[1])!, kind: $0[2], sep: Double($0[3])!, quasar: Int64($0[4]),
                                 parallax: Double($0[5])!, dpm: (Double($0[6])!, Double($0[7])!)) }
    }

    func testTruthMatchesRowsAndOrder() throws {
        let r = Self.planted
        _ = try checkLayout(r, prefix: "GaiaSource")  // ascending source_ids inside the files' level-8 ranges
        let rows = try Self.rows(r), pairs = try Self.pairs(r)
        XCTAssertEqual(rows.count, 6000)
        for (id, c) in rows {
            XCTAssertEqual(HEALPix.ang2pixNested(order: 12, raDeg: Double(c["ra"]!)!, decDeg: Double(c["dec"]!)!), id >> 35)
        }
        let truth = try loadJSON(r.truthJSON)["planted"] as! [String: Any]
        XCTAssertEqual(int64(truth["wide_binaries"]), 60)
        XCTAssertEqual(int64(truth["lensed_quasars"]), 60)
        let images = Int(int64(truth["lensed_images"]))
        XCTAssertTrue((60...180).contains(images))
        XCTAssertEqual(int64(truth["quasar_like_rows"]), Int64(6000 - 120))
        XCTAssertEqual(pairs.filter { $0.kind == "wide_binary" }.count, 60)
        XCTAssertEqual(pairs.count, Int(int64(truth["pairs"])))
        XCTAssertEqual(pairs.filter { $0.kind == "lensed_image" }.count, Int(int64(truth["pairs_lensed_image"])))
        var seen = Set<Int64>(), last: (Int64, Int64) = (-1, -1)
        var imagesOf: [Int64: Set<Int64>] = [:]
        for p in pairs {
            XCTAssertLessThan(p.a, p.b)
            XCTAssertTrue((last.0, last.1) < (p.a, p.b), "pairs not sorted")
            last = (p.a, p.b)
            let a = rows[p.a]!, b = rows[p.b]!
            let sep = SkyOffset.separationArcsec((Double(a["ra"]!)!, Double(a["dec"]!)!), (Double(b["ra"]!)!, Double(b["dec"]!)!))
            XCTAssertEqual(p.sep, sep, accuracy: 1e-9)
            if p.kind == "wide_binary" {
                XCTAssertNil(p.quasar)
                XCTAssertTrue(seen.insert(p.a).inserted && seen.insert(p.b).inserted, "a star in two binaries")
                XCTAssertEqual(a["in_qso_candidates"], "False"); XCTAssertEqual(b["in_qso_candidates"], "False")
            } else {
                XCTAssertEqual(p.kind, "lensed_image")
                let q = try XCTUnwrap(p.quasar)
                XCTAssertNotNil(rows[q])
                XCTAssertLessThan(sep, 6.0001)
                for s in [p.a, p.b] where s != q {
                    imagesOf[q, default: []].insert(s)
                    let d = rows[s]!, qr = rows[q]!
                    let fromQuasar = SkyOffset.separationArcsec((Double(qr["ra"]!)!, Double(qr["dec"]!)!),
                                                                (Double(d["ra"]!)!, Double(d["dec"]!)!))
                    XCTAssertTrue((0.5 - 1e-9...3 + 1e-9).contains(fromQuasar), "\(fromQuasar)")
                }
            }
        }
        XCTAssertEqual(imagesOf.count, 60)
        XCTAssertEqual(imagesOf.values.map(\.count).reduce(0, +), images)
        XCTAssertTrue(imagesOf.values.allSatisfy { (1...3).contains($0.count) })
        // Every pair of a lensed system is listed: n images → n(n+1)/2 pairs.
        XCTAssertEqual(imagesOf.values.map { $0.count * ($0.count + 1) / 2 }.reduce(0, +), pairs.count - 60)
    }

    /// The El-Badry et al. (2021) §2 selection recovers the planted binaries: ϖ > 1 mas and
    /// ϖ/σ_ϖ > 5 for both, θ ≤ 206.265″ ϖ, parallaxes within 3σ (6σ below 4″), and
    /// Δµ ≤ 0.44428 ϖ^1.5 θ^−0.5 + 2σ_Δµ; the true orbital Δµ is below the bound for every pair.
    func testWideBinariesPassElBadryCuts() throws {
        let rows = try Self.rows(Self.planted)
        let binaries = try Self.pairs(Self.planted).filter { $0.kind == "wide_binary" }
        var pass = (plx: 0, consistent: 0, dpm: 0)
        for p in binaries {
            let a = rows[p.a]!, b = rows[p.b]!
            func v(_ r: [String: String], _ c: String) -> Double { Double(r[c]!)! }
            XCTAssertGreaterThan(p.parallax, 1)
            XCTAssertLessThanOrEqual(p.sep, 206.265 * p.parallax)
            XCTAssertGreaterThanOrEqual(p.sep, 1)
            let trueDpm = (p.dpm.0 * p.dpm.0 + p.dpm.1 * p.dpm.1).squareRoot()
            XCTAssertLessThanOrEqual(trueDpm, elBadryOrbitalDeltaMu(parallax: p.parallax, thetaArcsec: p.sep) * (2.4 / 5).squareRoot() + 1e-12)
            // each star's orbital motion is below its own σ_pm (so GW fits see no outliers): |Δµ| ≤ 2 σ
            XCTAssertLessThanOrEqual(trueDpm, 2 * min(v(a, "pmra_error"), v(a, "pmdec_error"), v(b, "pmra_error"), v(b, "pmdec_error")) * 1.0001)
            if v(a, "parallax") > 1 && v(b, "parallax") > 1 && v(a, "parallax_over_error") > 5 && v(b, "parallax_over_error") > 5 {
                pass.plx += 1
            }
            let dplx = abs(v(a, "parallax") - v(b, "parallax"))
            let sdplx = (v(a, "parallax_error") * v(a, "parallax_error") + v(b, "parallax_error") * v(b, "parallax_error")).squareRoot()
            if dplx < (p.sep < 4 ? 6 : 3) * sdplx { pass.consistent += 1 }
            let dra = v(a, "pmra") - v(b, "pmra"), ddec = v(a, "pmdec") - v(b, "pmdec")
            let dpm = (dra * dra + ddec * ddec).squareRoot()
            let sra2 = v(a, "pmra_error") * v(a, "pmra_error") + v(b, "pmra_error") * v(b, "pmra_error")
            let sdec2 = v(a, "pmdec_error") * v(a, "pmdec_error") + v(b, "pmdec_error") * v(b, "pmdec_error")
            let sdpm = ((sra2 * dra * dra + sdec2 * ddec * ddec) / (dpm * dpm)).squareRoot()
            let parallax = max(v(a, "parallax"), v(b, "parallax"))
            if dpm <= elBadryOrbitalDeltaMu(parallax: parallax, thetaArcsec: p.sep) + 2 * sdpm { pass.dpm += 1 }
        }
        let n = Double(binaries.count)
        XCTAssertGreaterThanOrEqual(Double(pass.plx) / n, 0.9, "ϖ > 1, ϖ/σ > 5")
        XCTAssertGreaterThanOrEqual(Double(pass.consistent) / n, 0.95, "parallax consistency")
        XCTAssertGreaterThanOrEqual(Double(pass.dpm) / n, 0.9, "Δµ bound")
    }

    /// Lensed images are quasar-like: parallax consistent with 0 and proper motion = field + noise.
    func testLensedImagesAreQuasarLike() throws {
        let rows = try Self.rows(Self.planted)
        let truth = try TextTable(path: Self.planted.truthECSV)
        var signal: [Int64: (Double, Double)] = [:]
        for t in truth.rows { signal[Int64(t[0])!] = (Double(t[3])!, Double(t[4])!) }
        var chi2 = 0.0, n = 0
        var images = Set<Int64>()
        for p in try Self.pairs(Self.planted) where p.kind == "lensed_image" {
            for s in [p.a, p.b] where s != p.quasar { images.insert(s) }
        }
        for s in images {
            let r = rows[s]!
            func v(_ c: String) -> Double { Double(r[c]!)! }
            let sig = signal[s]!
            for z in [v("parallax") / v("parallax_error"), (v("pmra") - sig.0 / 1000) / v("pmra_error"),
                      (v("pmdec") - sig.1 / 1000) / v("pmdec_error")] { chi2 += z * z; n += 1 }
            XCTAssertTrue((17...21.5).contains(v("phot_g_mean_mag")))
        }
        XCTAssertEqual(chi2 / Double(n), 1, accuracy: 0.25)  // n ≈ 360
        let qso = images.filter { rows[$0]!["in_qso_candidates"] == "True" }.count
        XCTAssertGreaterThan(Double(qso) / Double(images.count), 0.85)
    }

    /// The same output for any --files and --threads; the quasars are the same rows (same draw
    /// index, same values) whatever the fractions; fractions 0 plant nothing; bad fractions fail.
    func testDeterminismAndFractions() throws {
        func run(_ dir: String, files: Int, threads: Int, seed: UInt64 = 23, fb: Double = 0.02, fl: Double = 0.02) throws -> SynthResult {
            try GaiaSourceSynth.generate(GaiaSourceOptions(
                common: SynthOptions(sources: 800, files: files, seed: seed, outDirectory: Shared.root + "/planted-det/" + dir,
                                     level: 1, threads: threads),
                binaryFraction: fb, lensedFraction: fl))
        }
        func dataLines(_ r: SynthResult) throws -> [String] {
            try r.files.flatMap { try readText($0).split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst().map(String.init) }
        }
        let a = try run("a", files: 2, threads: 1), b = try run("b", files: 5, threads: 2), c = try run("c", files: 2, threads: 2, seed: 24)
        XCTAssertEqual(try dataLines(a), try dataLines(b))
        XCTAssertEqual(try fileBytes(a.pairsTruth!), try fileBytes(b.pairsTruth!))
        XCTAssertEqual(try fileBytes(a.truthECSV), try fileBytes(b.truthECSV))
        XCTAssertNotEqual(try fileBytes(a.pairsTruth!), try fileBytes(c.pairsTruth!))
        let none = try run("none", files: 2, threads: 2, fb: 0, fl: 0)
        XCTAssertEqual(try Self.pairs(none).count, 0)
        let planted = try loadJSON(none.truthJSON)["planted"] as! [String: Any]
        XCTAssertEqual(int64(planted["quasar_like_rows"]), 800)
        // Quasars: running number = draw index + 1; those below the planted range are identical
        // rows (random_index aside, a permutation of all rows).
        let base = Int64(int64((try loadJSON(a.truthJSON)["planted"] as! [String: Any])["quasar_like_rows"]))
            - int64((try loadJSON(a.truthJSON)["planted"] as! [String: Any])["lensed_images"])
        func quasars(_ r: SynthResult) throws -> [Int64: String] {
            var out: [Int64: String] = [:]
            for line in try dataLines(r) {
                var f = splitCSV(line)
                let id = Int64(f[2])!
                if (id & ((1 << 35) - 1)) <= base { f[3] = ""; out[id] = f.joined(separator: ",") }
            }
            return out
        }
        let qa = try quasars(a), qn = try quasars(none)
        XCTAssertEqual(qa.count, Int(base))
        XCTAssertEqual(qa, qn)
        for (fb, fl) in [(0.2, 0.0), (0.0, -0.1), (Double.nan, 0)] {
            XCTAssertThrowsError(try run("bad", files: 1, threads: 1, fb: fb, fl: fl))
        }
    }
}
