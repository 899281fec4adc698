// gaia_source: layout, positions and source_ids, coordinates, correlations, injected fields.

import Foundation
import Numerics
@testable import Synth
import XCTest

final class GaiaSourceTests: XCTestCase {
    func testLayoutIDsAndCoordinates() throws {
        let tables = try checkLayout(Shared.gaiaSource, prefix: "GaiaSource")
        var randomIndex = Set<Int64>()
        for t in tables {
            XCTAssertEqual(t.columns.count, 51)
            XCTAssertEqual(t.columns, GaiaSourceSynth.columnNames)  // a subset of the 152 DR3 columns, DR3 order
            for row in t.rows {
                let id = Int64(row[t.index("source_id")])!
                XCTAssertEqual(row[t.index("designation")], "Gaia DR3 \(id)")
                let ra = Double(row[t.index("ra")])!, dec = Double(row[t.index("dec")])!
                XCTAssertEqual(HEALPix.ang2pixNested(order: 12, raDeg: ra, decDeg: dec), id >> 35)
                randomIndex.insert(Int64(row[t.index("random_index")])!)
                XCTAssertEqual(row[t.index("ref_epoch")], "2016.0")
                XCTAssertTrue(["True", "False"].contains(row[t.index("in_qso_candidates")]))
                // 5×5 correlation matrix positive definite.
                let names = ["ra", "dec", "parallax", "pmra", "pmdec"]
                var c = [Double](repeating: 0, count: 25)
                for i in 0..<5 {
                    c[i * 5 + i] = 1
                    for j in (i + 1)..<5 {
                        let v = Double(row[t.index("\(names[i])_\(names[j])_corr")])!
                        c[i * 5 + j] = v; c[j * 5 + i] = v
                    }
                }
                XCTAssertNoThrow(try Cholesky.factor(c, n: 5))
                let g = row[t.index("phot_g_mean_mag")]
                XCTAssertTrue((16.5...21.5).contains(Double(g)!), g)
                if row[t.index("phot_bp_mean_mag")] == "null" { XCTAssertEqual(row[t.index("bp_rp")], "null") }
            }
        }
        XCTAssertEqual(randomIndex, Set((0..<3000).map { Int64($0) }))
    }

    /// l, b, ecl_lon, ecl_lat as Gaia computes them (the DR3 sample rows).
    func testFrameRotationsAgainstDR3() {
        let rows: [(Double, Double, Double, Double, Double, Double)] = [
            (280.0002534562339, -60.00259557514462, 335.4869890831875, -21.882743552825804, 276.222852277878, -36.779153025899156),
            (279.99329161242713, -59.99985304904723, 335.48874287836094, -21.87862181055533, 276.21881789427215, -36.77612063074377),
        ]
        for (ra, dec, l, b, el, eb) in rows {
            let g = Coordinates.icrsToGalactic(raDeg: ra, decDeg: dec)
            XCTAssertEqual(g.lDeg, l, accuracy: 1e-9)
            XCTAssertEqual(g.bDeg, b, accuracy: 1e-9)
            // The ecliptic: DR3's exact convention is not reproduced (see Coordinates); ~35 mas.
            let e = Coordinates.icrsToEcliptic(raDeg: ra, decDeg: dec)
            XCTAssertEqual(e.lonDeg, el, accuracy: 0.05 / 3600)
            XCTAssertEqual(e.latDeg, eb, accuracy: 0.05 / 3600)
        }
    }

    /// VSH basis orthonormality on a HEALPix grid, and degree 1 = rotation/glide formulas.
    func testVSH() {
        let order = 4
        let npix = Int(HEALPix.pixelCount(order: order))
        let w = 4 * Double.pi / Double(npix)
        var fields: [[(Double, Double)]] = []  // real fields of the 16 real degree-1/2 components
        for l in 1...2 {
            for m in 0...l {
                for part in 0..<(m == 0 ? 1 : 2) {
                    for toroidal in [true, false] {
                        fields.append((0..<npix).map { p in
                            let c = HEALPix.pix2angNested(order: order, pixel: Int64(p))
                            let b = VSH.basis(l: l, m: m, raRad: c.raDeg * .pi / 180, decRad: c.decDeg * .pi / 180)
                            let (va, vd) = toroidal ? (b.ta, b.td) : (b.sa, b.sd)
                            let f = m == 0 ? 1.0 : 2.0.squareRoot()
                            return part == 0 ? (f * va.0, f * vd.0) : (f * va.1, f * vd.1)
                        })
                    }
                }
            }
        }
        XCTAssertEqual(fields.count, 16)
        for i in 0..<16 {
            for j in 0...i {
                var s = 0.0
                for p in 0..<npix { s += (fields[i][p].0 * fields[j][p].0 + fields[i][p].1 * fields[j][p].1) * w }
                XCTAssertEqual(s, i == j ? 1 : 0, accuracy: 0.01, "\(i),\(j)")
            }
        }
        // Degree 1 from ω and g reproduces the explicit rotation and glide fields.
        let omega = (3.0, -2.0, 5.0), glide = (-1.0, 4.0, 2.0)
        let t1 = VSH.degree1(omega), s1 = VSH.degree1(glide)
        var rng = Xoshiro256(seed: 8)
        for _ in 0..<200 {
            let a = rng.uniform(0, 2 * .pi), d = DetMath.asin(rng.uniform(-1, 1))
            let b0 = VSH.basis(l: 1, m: 0, raRad: a, decRad: d), b1 = VSH.basis(l: 1, m: 1, raRad: a, decRad: d)
            let va = t1.0 * b0.ta.0 + 2 * (t1.1 * b1.ta.0 - t1.2 * b1.ta.1) + s1.0 * b0.sa.0 + 2 * (s1.1 * b1.sa.0 - s1.2 * b1.sa.1)
            let vd = t1.0 * b0.td.0 + 2 * (t1.1 * b1.td.0 - t1.2 * b1.td.1) + s1.0 * b0.sd.0 + 2 * (s1.1 * b1.sd.0 - s1.2 * b1.sd.1)
            let r = VSH.rotation(omega, raRad: a, decRad: d), g = VSH.glide(glide, raRad: a, decRad: d)
            XCTAssertEqual(va, r.0 + g.0, accuracy: 1e-12)
            XCTAssertEqual(vd, r.1 + g.1, accuracy: 1e-12)
            // ω × u projected: cross-check with vectors.
            let u = (cos(d) * cos(a), cos(d) * sin(a), sin(d))
            let ea = (-sin(a), cos(a), 0.0), ed = (-sin(d) * cos(a), -sin(d) * sin(a), cos(d))
            let v = (omega.1 * u.2 - omega.2 * u.1, omega.2 * u.0 - omega.0 * u.2, omega.0 * u.1 - omega.1 * u.0)
            XCTAssertEqual(r.0, v.0 * ea.0 + v.1 * ea.1 + v.2 * ea.2, accuracy: 1e-12)
            XCTAssertEqual(r.1, v.0 * ed.0 + v.1 * ed.1 + v.2 * ed.2, accuracy: 1e-12)
        }
    }

    /// The truth table's noise-free field is exactly rotation + glide + the recorded quadrupole;
    /// the proper motions in the files scatter around it by their errors.
    func testInjectedField() throws {
        let truth = try loadJSON(Shared.gaiaSource.truthJSON)
        let rot = (truth["rotation"] as! [Any]).map(double), gl = (truth["glide"] as! [Any]).map(double)
        XCTAssertEqual(rot, [40, -25, 15])
        XCTAssertEqual(gl, [-10, 30, 20])
        let q2 = truth["vsh_degree2"] as! [String: Any]
        let quad = VSH.Quadrupole(s20: double(q2["s20"]), t20: double(q2["t20"]),
                                  s21: (double(q2["s21_re"]), double(q2["s21_im"])), t21: (double(q2["t21_re"]), double(q2["t21_im"])),
                                  s22: (double(q2["s22_re"]), double(q2["s22_im"])), t22: (double(q2["t22_re"]), double(q2["t22_im"])))
        // (JSONSerialization may lose the last bit of a double.)
        let q = GaiaSourceSynth.quadrupole(seed: 13, amplitude: 20)
        let drawn = [q.s20, q.t20, q.s21.0, q.s21.1, q.t21.0, q.t21.1, q.s22.0, q.s22.1, q.t22.0, q.t22.1]
        let read = [quad.s20, quad.t20, quad.s21.0, quad.s21.1, quad.t21.0, quad.t21.1, quad.s22.0, quad.s22.1, quad.t22.0, quad.t22.1]
        for (a, b) in zip(drawn, read) { XCTAssertEqual(a, b, accuracy: 1e-13 * max(1, abs(a))) }
        XCTAssertGreaterThan(drawn.map { abs($0) }.max()!, 5)
        XCTAssertEqual(double(truth["degree2_rms"]), quad.meanSquare.squareRoot(), accuracy: 1e-12)
        let tt = try TextTable(path: Shared.gaiaSource.truthECSV)
        var pulls: [Double] = []
        var data: [Int64: ([String], TextTable)] = [:]
        for p in Shared.gaiaSource.files { let t = try TextTable(path: p); for r in t.rows { data[Int64(r[2])!] = (r, t) } }
        for row in tt.rows {
            let ra = Double(row[1])! * .pi / 180, dec = Double(row[2])! * .pi / 180
            let r = VSH.rotation((rot[0], rot[1], rot[2]), raRad: ra, decRad: dec)
            let g = VSH.glide((gl[0], gl[1], gl[2]), raRad: ra, decRad: dec)
            let q = quad.field(raRad: ra, decRad: dec)
            XCTAssertEqual(Double(row[3])!, r.0 + g.0 + q.0, accuracy: 1e-9)
            XCTAssertEqual(Double(row[4])!, r.1 + g.1 + q.1, accuracy: 1e-9)
            let (d, t) = data[Int64(row[0])!]!
            pulls.append((Double(d[t.index("pmra")])! - Double(row[3])! / 1000) / Double(d[t.index("pmra_error")])!)
            pulls.append((Double(d[t.index("pmdec")])! - Double(row[4])! / 1000) / Double(d[t.index("pmdec_error")])!)
        }
        let mean = pulls.reduce(0, +) / Double(pulls.count)
        let varr = pulls.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(pulls.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(varr, 1, accuracy: 0.06)
    }
}
