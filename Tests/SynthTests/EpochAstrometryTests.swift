// epoch_astrometry in the DR4 DataLink shape: one row per transit with 10-element CCD arrays,
// rows = truth (transit counts, positions file), sorted by (source_id, time); the CCD time spacing
// and scan-angle drift; SM unused, flags and nulls; the abscissa model recomputed from the truth
// (written here independently of the Astrometry kernel: gaiasupdate's relative time and design,
// the plane wave's deflection) leaving N(0, 1) pulls and the planted outliers; determinism across
// --files/--threads.

import Foundation
import GaiaFormat
import Numerics
@testable import Synth
import XCTest

final class EpochAstrometryTests: XCTestCase {
    static let wave = PlaneWaveInjection(frequencyNHz: 45, raDeg: 200, decDeg: 35, hPlus: 2e-9, hCross: -1e-9,
                                         phasePlus: 0.3, phaseCross: 2.0)
    static let data: SynthResult = generate(files: 2, threads: 2, dir: "epoch_astrometry")
    static let parsed: [Transit] = try! transits(data)

    static func generate(files: Int, threads: Int, dir: String, sources: Int = 150) -> SynthResult {
        try! EpochAstrometrySynth.generate(EpochAstrometryOptions(
            common: SynthOptions(sources: sources, files: files, seed: 17, outDirectory: Shared.root + "/" + dir, threads: threads),
            wave: wave))
    }

    struct Transit {
        var sourceID: Int64, bary: Double?, plx: Double, colour: Double, excess: Double
        var time: [Int64?], value: [Double], error: [Double], angle: [Double], used: [Bool], usedAC: [Bool], flags: [Int64?]
    }

    static func transits(_ r: SynthResult) throws -> [Transit] {
        var out: [Transit] = []
        for path in r.files {
            let t = try TextTable(path: path)
            XCTAssertEqual(t.columns, KnownTables.table(named: "epoch_astrometry")!.columns.map(\.name))
            XCTAssertTrue(t.headerLines.contains("# - RELEASE: Gaia DR4 (synthetic)"))
            for row in t.rows {
                func arr(_ c: String) -> [String] {
                    let a = arrayElements(row[t.index(c)])
                    XCTAssertEqual(a.count, 10, c)
                    return a
                }
                func f(_ c: String) -> Double { Double(Float(row[t.index(c)])!) }
                let bary = row[t.index("obs_time_bary_corr")]
                out.append(Transit(sourceID: Int64(row[t.index("source_id")])!, bary: bary == "null" ? nil : Double(Float(bary)!),
                                   plx: f("parallax_factor_al"), colour: f("colour_factor_al"), excess: f("agis_source_excess_noise"),
                                   time: arr("obs_time_tcb").map { Int64($0) }, value: arr("centroid_pos_al").map { Double($0)! },
                                   error: arr("centroid_pos_error_al").map { Double(Float($0)!) }, angle: arr("scan_pos_angle").map { Double($0)! },
                                   used: arr("used_by_agis_al").map { $0 == "\"True\"" }, usedAC: arr("used_by_agis_ac").map { $0 == "\"True\"" },
                                   flags: arr("ccd_proc_flags").map { Int64($0) }))
            }
        }
        return out
    }

    func testRowsAreTransitsSortedAndMatchTheTruth() throws {
        let truth = try TextTable(path: Self.data.truthECSV)
        try checkSourceIDsAgainstTruth(Self.data)
        var counts: [Int64: Int] = [:]
        var previous: (Int64, Int64) = (-1, -1)
        for t in Self.parsed {
            let key = (t.sourceID, t.time[0]!)
            XCTAssertTrue(key > previous, "rows not sorted by (source_id, time)")
            previous = key
            counts[t.sourceID, default: 0] += 1
        }
        XCTAssertEqual(counts.count, 150)
        for (id, n) in zip(truth.column("source_id"), truth.column("n_transits")) { XCTAssertEqual(counts[Int64(id)!], Int(n)!) }
        let median = counts.values.sorted()[75]
        XCTAssertTrue((50...130).contains(median), "median transits \(median)")
        // The positions: a gaia_source selection per file range, equal to the truth's.
        let json = try loadJSON(Self.data.truthJSON)
        var ids: [String] = [], ras: [String] = []
        for p in json["position_files"] as! [String] {
            XCTAssertTrue(p.hasPrefix("GaiaSource_"))
            let g = try TextTable(path: Shared.root + "/epoch_astrometry/" + p)
            XCTAssertEqual(g.columns, ["solution_id", "source_id", "ra", "dec", "ref_epoch"])
            ids += g.column("source_id"); ras += g.column("ra")
        }
        XCTAssertEqual(ids, truth.column("source_id"))
        XCTAssertEqual(ras, truth.column("ra"))
    }

    /// CCD times (the fixture's SM→AF1 and AF spacings), scan angles ⊥ the spin axis at each CCD's
    /// own time (so they drift by arcseconds), bary correction b·n̂ and parallax factor −ŵ·b.
    func testCCDTimesScanAnglesAndFactors() throws {
        let truth = try TextTable(path: Self.data.truthECSV)
        var pos: [Int64: (Double, Double)] = [:]
        for r in truth.rows { pos[Int64(r[0])!] = (Double(r[truth.index("ra")])!, Double(r[truth.index("dec")])!) }
        var drifts: [Double] = []
        for t in Self.parsed {
            let (ra, dec) = pos[t.sourceID]!
            let (n, east, north) = EpochAstrometrySynth.frame(raDeg: ra, decDeg: dec)
            let dt = t.time[1].map { Double($0 - t.time[0]!) * 1e-9 } ?? 11.872
            XCTAssertTrue(abs(dt - 11.872) < 1e-8 || abs(dt - 7.017) < 1e-8, "SM to AF1 \(dt) s")
            for k in 2..<10 { if let a = t.time[k], let b = t.time[k - 1] { XCTAssertEqual(Double(a - b) * 1e-9, 4.8567, accuracy: 1e-8) } }
            for k in 0..<10 where t.time[k] != nil {
                let days = Double(t.time[k]!) / 86_400e9
                XCTAssertTrue((1666.4..<3672).contains(days))
                let psi = t.angle[k] * .pi / 180
                let w = (sin(psi) * east.0 + cos(psi) * north.0, sin(psi) * east.1 + cos(psi) * north.1, sin(psi) * east.2 + cos(psi) * north.2)
                let z = ScanningLaw.spinAxis(days)
                XCTAssertLessThan(abs(w.0 * z.0 + w.1 * z.1 + w.2 * z.2), 1e-9)
                // In the field at the transit time; the spin axis moves ≤ 4e-5 rad in the ~50 s to AF9.
                XCTAssertLessThanOrEqual(abs(n.0 * z.0 + n.1 * z.1 + n.2 * z.2), ScanningLaw.halfWidthAC + 1e-4)
                if k == 5 {
                    let lam = (100.56 + 0.9856474 * days) * Double.pi / 180, eps = 84381.411 / 3600 * Double.pi / 180
                    let b = (cos(lam), cos(eps) * sin(lam), sin(eps) * sin(lam))
                    XCTAssertEqual(t.plx, -(w.0 * b.0 + w.1 * b.1 + w.2 * b.2), accuracy: 1e-6)
                    if let bary = t.bary { XCTAssertEqual(bary, (n.0 * b.0 + n.1 * b.1 + n.2 * b.2) * 499.004783836156e9, accuracy: 2e4) }
                }
            }
            drifts.append(abs(t.angle[9] - t.angle[0]) * 3600)
        }
        drifts.sort()
        XCTAssertGreaterThan(drifts[drifts.count / 2], 0.5, "scan angles should drift across a transit")
        XCTAssertLessThan(drifts.last!, 60)
    }

    func testFlagsAndNullsAsInTheDataLinkProduct() {
        var afUnused = 0, af = 0, nanCentroid = 0, nullTime = 0, nullBary = 0, flag832 = 0, af1Flags = Set<Int64>()
        for t in Self.parsed {
            XCTAssertFalse(t.used[0], "the SM element is never used")
            XCTAssertEqual(t.flags[0], 832)
            XCTAssertFalse(t.usedAC.contains(true))
            if t.bary == nil { nullBary += 1 }
            af1Flags.insert(t.flags[1]!)
            for k in 1..<10 {
                af += 1
                if !t.used[k] { afUnused += 1 }
                if t.value[k].isNaN { nanCentroid += 1; XCTAssertFalse(t.used[k]) }
                if t.time[k] == nil { nullTime += 1; XCTAssertFalse(t.used[k]) }
                if t.used[k] { XCTAssertTrue(t.value[k].isFinite && t.error[k] > 0.03 && t.error[k] < 10) }
                if t.flags[k] == 832 { flag832 += 1 }
            }
        }
        let unusedFraction = Double(afUnused) / Double(af)
        XCTAssertTrue((0.01...0.1).contains(unusedFraction), "unused AF fraction \(unusedFraction)")
        XCTAssertGreaterThan(nanCentroid, 0); XCTAssertGreaterThan(nullTime, 0); XCTAssertGreaterThan(nullBary, 0)
        XCTAssertEqual(af1Flags, [8192, 9024, 8720])
        XCTAssertTrue((0.12...0.25).contains(Double(flag832) / Double(af)))
    }

    /// centroid − (astrometry + pseudocolour + wave) over √(σ² + ε²) is N(0, 1) for used CCDs,
    /// apart from the planted outliers, whose number the truth gives.
    func testNoisePullsAndOutliersFromTruth() throws {
        let truth = try TextTable(path: Self.data.truthECSV)
        var rows: [Int64: [String]] = [:]
        for r in truth.rows { rows[Int64(r[0])!] = r }
        func v(_ r: [String], _ c: String) -> Double { Double(r[truth.index(c)])! }
        let wave = WaveCheck(Self.wave)
        var z: [Double] = [], far = 0, snrFromTruth = 0.0, outliers = 0
        for r in truth.rows { snrFromTruth += v(r, "gw_snr2"); outliers += Int(v(r, "n_outliers")) }
        for t in Self.parsed {
            let r = rows[t.sourceID]!
            let p = ["ra_offset", "dec_offset", "parallax", "pmra", "pmdec", "pseudocolour"].map { v(r, $0) }
            XCTAssertEqual(t.excess, Double(Float(v(r, "excess_noise"))))
            let frame = EpochAstrometrySynth.frame(raDeg: v(r, "ra"), decDeg: v(r, "dec"))
            guard let bary = t.bary else { continue }
            for k in 0..<10 where t.used[k] {
                // gaiasupdate: ((2010 + t·c) + bary·c) − 2017.5 Julian years, c = ns → yr.
                let c = 1e-9 / (365.25 * 86400)
                let tau = ((2010 + Double(t.time[k]!) * c) + bary * c) - 2017.5
                let sp = sin(t.angle[k] * .pi / 180), cp = cos(t.angle[k] * .pi / 180)
                let model = sp * p[0] + cp * p[1] + t.plx * p[2] + tau * sp * p[3] + tau * cp * p[4] - 1000 * t.colour * p[5]
                    + wave.signal(star: frame, psi: t.angle[k] * .pi / 180, tau: tau)
                let pull = (t.value[k] - model) / (t.error[k] * t.error[k] + t.excess * t.excess).squareRoot()
                if abs(pull) > 4.5 { far += 1 } else { z.append(pull) }
            }
        }
        let mean = z.reduce(0, +) / Double(z.count)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(z.count - 1)
        XCTAssertEqual(mean, 0, accuracy: 4 / Double(z.count).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 0.03)
        XCTAssertGreaterThan(outliers, 20)
        XCTAssertEqual(Double(far), Double(outliers), accuracy: 0.1 * Double(outliers) + 3)
        XCTAssertGreaterThan(Set(truth.column("pseudocolour")).count, 20)
        XCTAssertGreaterThan(truth.column("excess_noise").filter { Double($0)! > 0 }.count, 10)
        let json = try loadJSON(Self.data.truthJSON)
        let w = json["wave"] as! [String: Any]
        XCTAssertEqual(double(w["snr2"]), snrFromTruth, accuracy: 1e-9 * snrFromTruth)
        XCTAssertEqual(double(w["expected_2f"]), 4 + snrFromTruth, accuracy: 1e-9 * snrFromTruth)
        XCTAssertGreaterThan(snrFromTruth, 100)
        XCTAssertLessThan(snrFromTruth, double(w["snr2_unfitted"]))
        XCTAssertEqual(int64((w["healpix_nested"] as! [String: Any])["8"]), HEALPix.ang2pixNested(order: 3, raDeg: 200, decDeg: 35))
    }

    /// The data rows and the truth do not depend on --files or --threads.
    func testIndependentOfFilesAndThreads() throws {
        let a = Self.generate(files: 1, threads: 1, dir: "ea_f1", sources: 60)
        let b = Self.generate(files: 4, threads: 3, dir: "ea_f4", sources: 60)
        func rows(_ r: SynthResult) throws -> [[String]] { try r.files.flatMap { try TextTable(path: $0).rows } }
        XCTAssertEqual(try rows(a), try rows(b))
        XCTAssertEqual(try TextTable(path: a.truthECSV).rows, try TextTable(path: b.truthECSV).rows)
    }

    func testNoWave() throws {
        let r = try EpochAstrometrySynth.generate(EpochAstrometryOptions(
            common: SynthOptions(sources: 20, files: 1, seed: 3, outDirectory: Shared.root + "/epoch_astrometry_null")))
        XCTAssertTrue(try loadJSON(r.truthJSON)["wave"] is NSNull)
        XCTAssertTrue(try TextTable(path: r.truthECSV).column("gw_snr2").allSatisfy { Double($0) == 0 })
        XCTAssertThrowsError(try EpochAstrometrySynth.generate(EpochAstrometryOptions(
            common: SynthOptions(sources: 5, files: 1, seed: 3, outDirectory: Shared.root + "/ea_bad"),
            wave: PlaneWaveInjection(frequencyNHz: -1, raDeg: 0, decDeg: 0, hPlus: 1e-9, hCross: 0))))
    }
}

/// The plane wave, written independently: δn = (n − q) H / (2(1 − q·n)) − ½ h n, in mas along ŵ.
struct WaveCheck {
    let w: PlaneWaveInjection
    let q: [Double], ep: [[Double]], ex: [[Double]]

    init(_ w: PlaneWaveInjection) {
        self.w = w
        let a = w.raDeg * .pi / 180, d = w.decDeg * .pi / 180
        q = [cos(d) * cos(a), cos(d) * sin(a), sin(d)]
        let m = [sin(a), -cos(a), 0.0], l = [-sin(d) * cos(a), -sin(d) * sin(a), cos(d)]
        func tensor(_ x: [Double], _ y: [Double]) -> [[Double]] { (0..<3).map { i in (0..<3).map { j in x[i] * y[j] + y[i] * x[j] } } }
        ep = zip(tensor(m, m), tensor(l, l)).map { zip($0, $1).map { 0.5 * ($0 - $1) } }
        ex = tensor(m, l)
    }

    func signal(star f: (n: EpochAstrometrySynth.Vec, east: EpochAstrometrySynth.Vec, north: EpochAstrometrySynth.Vec),
                psi: Double, tau: Double) -> Double {
        let nv = [f.n.0, f.n.1, f.n.2]
        let qn = zip(q, nv).reduce(0) { $0 + $1.0 * $1.1 }
        func deflection(_ h: [[Double]]) -> [Double] {
            let hn = (0..<3).map { i in (0..<3).reduce(0.0) { $0 + h[i][$1] * nv[$1] } }
            let hnn = zip(hn, nv).reduce(0) { $0 + $1.0 * $1.1 }
            return (0..<3).map { (nv[$0] - q[$0]) * hnn / (2 * (1 - qn)) - 0.5 * hn[$0] }
        }
        let dp = deflection(ep), dx = deflection(ex)
        let sp = sin(psi), cp = cos(psi)
        let wv = [sp * f.east.0 + cp * f.north.0, sp * f.east.1 + cp * f.north.1, sp * f.east.2 + cp * f.north.2]
        let phase = 2 * Double.pi * w.frequencyPerYear * tau
        let hp = w.hPlus * cos(phase + w.phasePlus), hc = w.hCross * cos(phase + w.phaseCross)
        return (0..<3).reduce(0.0) { $0 + wv[$1] * (hp * dp[$1] + hc * dx[$1]) } * EpochAstrometrySynth.masPerRadian
    }
}
