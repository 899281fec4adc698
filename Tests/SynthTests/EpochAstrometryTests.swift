// epoch_astrometry: layout and array lengths, the scanning law (times, scan angles, parallax
// factors), the abscissa model recomputed from the truth (astrometry + the plane wave, with an
// independently written deflection) leaving N(0, 1) residuals, the truth file.

import Foundation
import GaiaFormat
import Numerics
@testable import Synth
import XCTest

final class EpochAstrometryTests: XCTestCase {
    static let wave = PlaneWaveInjection(frequencyNHz: 45, raDeg: 200, decDeg: 35, hPlus: 2e-9, hCross: -1e-9,
                                         phasePlus: 0.3, phaseCross: 2.0)
    static let data: SynthResult = {
        try! EpochAstrometrySynth.generate(EpochAstrometryOptions(
            common: SynthOptions(sources: 150, files: 2, seed: 17, outDirectory: Shared.root + "/epoch_astrometry"), wave: wave))
    }()

    struct Row {
        var sourceID: Int64, ra: Double, dec: Double, n: Int
        var time: [Double], value: [Double], error: [Double], angle: [Double], plx: [Double], used: [Bool]
    }

    func rows() throws -> [Row] {
        var out: [Row] = []
        for t in try checkLayout(Self.data, prefix: "EpochAstrometry") {
            XCTAssertEqual(t.columns, KnownTables.table(named: "epoch_astrometry")!.columns.map(\.name))
            XCTAssertTrue(t.headerLines.contains("# - RELEASE: Gaia DR4 (synthetic)"))
            for r in t.rows {
                let n = Int(r[t.index("n_transits")])!
                func arr(_ c: String) -> [String] { arrayElements(r[t.index(c)]) }
                for c in ["transit_id", "obs_time_tcb", "centroid_pos_al", "centroid_pos_error_al", "scan_pos_angle",
                          "parallax_factor_al", "used_by_agis_al"] {
                    XCTAssertEqual(arr(c).count, n, c)
                }
                XCTAssertEqual(r[t.index("ref_epoch")], "2017.5")
                out.append(Row(sourceID: Int64(r[t.index("source_id")])!, ra: Double(r[t.index("ra")])!, dec: Double(r[t.index("dec")])!, n: n,
                               time: arr("obs_time_tcb").map { Double(Int64($0)!) / 86_400e9 },
                               value: arr("centroid_pos_al").map { Double($0)! }, error: arr("centroid_pos_error_al").map { Double(Float($0)!) },
                               angle: arr("scan_pos_angle").map { Double($0)! }, plx: arr("parallax_factor_al").map { Double(Float($0)!) },
                               used: arr("used_by_agis_al").map { $0 == "\"True\"" }))
            }
        }
        return out
    }

    func testLayoutScanningLawAndParallaxFactors() throws {
        let rows = try rows()
        XCTAssertEqual(rows.count, 150)
        try checkSourceIDsAgainstTruth(Self.data)
        var counts: [Int] = []
        for r in rows {
            counts.append(r.n)
            XCTAssertEqual(r.time, r.time.sorted())
            XCTAssertTrue(r.time.allSatisfy { (1666.4..<3671.0).contains($0) })
            XCTAssertTrue(r.angle.allSatisfy { $0 > -180 && $0 <= 180 })
            XCTAssertTrue(r.error.allSatisfy { $0 > 0.03 && $0 < 10 })
            let (n, east, north) = EpochAstrometrySynth.frame(raDeg: r.ra, decDeg: r.dec)
            for k in 0..<r.n {
                let psi = r.angle[k] * Double.pi / 180
                let w = (sin(psi) * east.0 + cos(psi) * north.0, sin(psi) * east.1 + cos(psi) * north.1, sin(psi) * east.2 + cos(psi) * north.2)
                // The scan direction is perpendicular to the spin axis, and the star is in the field.
                let z = ScanningLaw.spinAxis(r.time[k])
                XCTAssertLessThan(abs(w.0 * z.0 + w.1 * z.1 + w.2 * z.2), 1e-6)
                XCTAssertLessThanOrEqual(abs(n.0 * z.0 + n.1 * z.1 + n.2 * z.2), ScanningLaw.halfWidthAC + 1e-9)
                // Parallax factor = −ŵ·b/AU, b on a circular orbit of 1 AU in the ecliptic.
                let lam = (100.56 + 0.9856474 * r.time[k]) * Double.pi / 180, eps = 84381.411 / 3600 * Double.pi / 180
                let b = (cos(lam), cos(eps) * sin(lam), sin(eps) * sin(lam))
                XCTAssertEqual(r.plx[k], -(w.0 * b.0 + w.1 * b.1 + w.2 * b.2), accuracy: 1e-6)
            }
        }
        counts.sort()
        XCTAssertGreaterThan(counts.first!, 20)
        XCTAssertTrue((50...130).contains(counts[counts.count / 2]), "median transits \(counts[counts.count / 2])")
    }

    /// w − (astrometry + wave) over σ is N(0, 1) for used transits; the outliers are far off.
    func testAbscissaModelFromTruth() throws {
        let rows = try rows()
        let truth = try TextTable(path: Self.data.truthECSV)
        let w = Self.wave
        // The wave, written independently: δn = (n − q) H / (2(1 − q·n)) − ½ h n.
        let a = w.raDeg * .pi / 180, d = w.decDeg * .pi / 180
        let q = [cos(d) * cos(a), cos(d) * sin(a), sin(d)], m = [sin(a), -cos(a), 0.0], l = [-sin(d) * cos(a), -sin(d) * sin(a), cos(d)]
        func tensor(_ x: [Double], _ y: [Double]) -> [[Double]] { (0..<3).map { i in (0..<3).map { j in x[i] * y[j] + y[i] * x[j] } } }
        let ep = zip(tensor(m, m), tensor(l, l)).map { zip($0, $1).map { 0.5 * ($0 - $1) } }, ex = tensor(m, l)
        var z: [Double] = [], outliers: [Double] = []
        var snrFromTruth = 0.0
        for (i, r) in rows.enumerated() {
            let c = truth.rows[i]
            XCTAssertEqual(Int64(c[truth.index("source_id")]), r.sourceID)
            let p = ["delta_ra_cosdec", "delta_dec", "parallax", "pmra", "pmdec"].map { Double(c[truth.index($0)])! }
            snrFromTruth += Double(c[truth.index("gw_snr2")])!
            let (n, east, north) = EpochAstrometrySynth.frame(raDeg: r.ra, decDeg: r.dec)
            let nv = [n.0, n.1, n.2]
            let qn = zip(q, nv).reduce(0) { $0 + $1.0 * $1.1 }
            func deflection(_ h: [[Double]]) -> [Double] {
                let hn = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + h[i][$1] * nv[$1] } }
                let hnn = zip(hn, nv).reduce(0) { $0 + $1.0 * $1.1 }
                return (0..<3).map { (nv[$0] - q[$0]) * hnn / (2 * (1 - qn)) - 0.5 * hn[$0] }
            }
            let dp = deflection(ep), dx = deflection(ex)
            for k in 0..<r.n where r.value[k].isFinite {
                let psi = r.angle[k] * .pi / 180
                let tau = (r.time[k] - 2739.375) / 365.25
                let sp = sin(psi), cp = cos(psi)
                let wv = [sp * east.0 + cp * north.0, sp * east.1 + cp * north.1, sp * east.2 + cp * north.2]
                let phase = 2 * Double.pi * w.frequencyPerYear * tau
                let hp = w.hPlus * cos(phase + w.phasePlus), hc = w.hCross * cos(phase + w.phaseCross)
                let signal = (0..<3).reduce(0.0) { $0 + wv[$1] * (hp * dp[$1] + hc * dx[$1]) } * EpochAstrometrySynth.masPerRadian
                let model = sp * (p[0] + p[3] * tau) + cp * (p[1] + p[4] * tau) + r.plx[k] * p[2] + signal
                let resid = (r.value[k] - model) / r.error[k]
                if r.used[k] { z.append(resid) } else { outliers.append(abs(resid)) }
            }
        }
        let mean = z.reduce(0, +) / Double(z.count)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(z.count - 1)
        XCTAssertEqual(mean, 0, accuracy: 4 / Double(z.count).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        XCTAssertLessThan(z.map(abs).max()!, 6)
        XCTAssertFalse(outliers.isEmpty)
        XCTAssertGreaterThan(outliers.reduce(0, +) / Double(outliers.count), 4)
        // Truth JSON: total SNR² and the expected 2F, the wave's HEALPix pixels.
        let json = try loadJSON(Self.data.truthJSON)
        let wave = json["wave"] as! [String: Any]
        XCTAssertEqual(double(wave["snr2"]), snrFromTruth, accuracy: 1e-9 * snrFromTruth)
        XCTAssertEqual(double(wave["expected_2f"]), 4 + snrFromTruth, accuracy: 1e-9 * snrFromTruth)
        XCTAssertGreaterThan(snrFromTruth, 100)
        XCTAssertLessThan(snrFromTruth, double(wave["snr2_unfitted"]))
        let pixels = wave["healpix_nested"] as! [String: Any]
        XCTAssertEqual(int64(pixels["8"]), HEALPix.ang2pixNested(order: 3, raDeg: w.raDeg, decDeg: w.decDeg))
        for (x, y) in zip((wave["linear_amplitudes"] as! [Any]).map(double), w.linearAmplitudes) { XCTAssertEqual(x, y, accuracy: 1e-24) }
    }

    /// The fitted astrometry matters: the 5-parameter offsets are many σ of a transit.
    func testAstrometricOffsetsAreLarge() throws {
        let truth = try TextTable(path: Self.data.truthECSV)
        let pm = truth.column("pmra").map { abs(Double($0)!) }
        let sigma = truth.column("sigma_al").map { Double($0)! }
        XCTAssertGreaterThan(zip(pm, sigma).filter { $0.0 > 3 * $0.1 }.count, 50)
    }

    func testNoWave() throws {
        let r = try EpochAstrometrySynth.generate(EpochAstrometryOptions(
            common: SynthOptions(sources: 20, files: 1, seed: 3, outDirectory: Shared.root + "/epoch_astrometry_null")))
        let json = try loadJSON(r.truthJSON)
        XCTAssertTrue(json["wave"] is NSNull)
        let t = try TextTable(path: r.truthECSV)
        XCTAssertTrue(t.column("gw_snr2").allSatisfy { Double($0) == 0 })
        XCTAssertThrowsError(try EpochAstrometrySynth.generate(EpochAstrometryOptions(
            common: SynthOptions(sources: 5, files: 1, seed: 3, outDirectory: Shared.root + "/ea_bad"),
            wave: PlaneWaveInjection(frequencyNHz: -1, raDeg: 0, decDeg: 0, hPlus: 1e-9, hCross: 0))))
    }
}
