// Step 5 of `gw-planewave` (see PlaneWaveRun.swift), on rank 0: 2F at every grid point from the
// reduced sums, the candidates (peaks of the sky-maximised spectrum, with their false-alarm
// probabilities) and, for a synthetic table, how the injected wave was recovered.
import Foundation
import GWAstrometry
import Numerics

/// One reported candidate.
public struct PlaneWaveCandidate: Sendable {
    public var rank: Int
    public var frequencyIndex: Int, directionIndex: Int
    public var frequencyNHz: Double
    public var raDeg: Double, decDeg: Double
    public var value: FStatisticValue
    public var logLocalFAP: Double
    public var globalFAP: Double
}

/// An injection (from a synth truth file) and how the search recovered it.
public struct InjectionRecovery: Sendable {
    public var frequencyNHz: Double, raDeg: Double, decDeg: Double
    /// Strain amplitudes (h₊ cos φ₊, −h₊ sin φ₊, h× cos φ×, −h× sin φ×).
    public var amplitudes: [Double]
    public var expectedTwoF: Double
    /// The grid point nearest the injection, and 2F there.
    public var nearestFrequency: Int, nearestPixel: Int
    public var twoFAtNearest: Double
    /// The best candidate's offsets: frequency (grid steps), direction (degrees).
    public var frequencyOffsetBins: Double
    public var angularOffsetDeg: Double
    public var recovered: Bool
}

extension PlaneWaveJob {
    /// 2F at every grid point (frequency-major).
    static func twoFGrid(_ sums: [Double], grid: PlaneWaveGrid) -> [Double] {
        let nd = grid.directionCount
        var out = [Double](repeating: .nan, count: grid.count)
        var c = [Double](repeating: 0, count: 14)
        for i in 0..<grid.frequencyCount {
            for j in 0..<nd {
                for k in 0..<14 { c[k] = sums[(i * 14 + k) * nd + j] }
                out[i * nd + j] = PlaneWaveStatistic.solve(c).twoF
            }
        }
        return out
    }

    /// The 14 sums of one grid point.
    static func pointSums(_ sums: [Double], grid: PlaneWaveGrid, frequency i: Int, direction j: Int) -> [Double] {
        (0..<14).map { sums[(i * 14 + $0) * grid.directionCount + j] }
    }

    /// Peaks of the sky-maximised spectrum max_dir 2F(f), greedily by 2F, more than `separation`
    /// frequency steps apart; ties by lower frequency then lower pixel (deterministic).
    static func pickCandidates(_ twoF: [Double], sums: [Double], grid: PlaneWaveGrid, count: Int, separation: Int) -> [PlaneWaveCandidate] {
        let nd = grid.directionCount
        var best = [(value: Double, dir: Int)](repeating: (-.infinity, 0), count: grid.frequencyCount)
        for i in 0..<grid.frequencyCount {
            for j in 0..<nd where twoF[i * nd + j] > best[i].value { best[i] = (twoF[i * nd + j], j) }
        }
        let order = (0..<grid.frequencyCount).filter { best[$0].value.isFinite }
            .sorted { best[$0].value != best[$1].value ? best[$0].value > best[$1].value : $0 < $1 }
        var taken: [Int] = []
        var out: [PlaneWaveCandidate] = []
        for i in order where out.count < count {
            if taken.contains(where: { abs($0 - i) <= separation && separation > 0 }) { continue }
            taken.append(i)
            let j = best[i].dir
            let v = PlaneWaveStatistic.solve(pointSums(sums, grid: grid, frequency: i, direction: j))
            out.append(PlaneWaveCandidate(rank: out.count + 1, frequencyIndex: i, directionIndex: j, frequencyNHz: grid.frequencies[i],
                                          raDeg: grid.directions[j].raDeg, decDeg: grid.directions[j].decDeg, value: v,
                                          logLocalFAP: PlaneWaveStatistic.logLocalFalseAlarm(twoF: v.twoF),
                                          globalFAP: PlaneWaveStatistic.globalFalseAlarm(twoF: v.twoF, trials: grid.count)))
        }
        return out
    }

    /// Reads the injected wave from a synth truth file and compares with the best candidate.
    static func injection(truthPath: String, result r: PlaneWaveResult) throws -> InjectionRecovery? {
        let data = try Data(contentsOf: URL(fileURLWithPath: truthPath))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GWJobError("\(truthPath): not a JSON object")
        }
        guard let wave = root["wave"] as? [String: Any] else { return nil }  // null: no injection
        func num(_ k: String) throws -> Double {
            guard let v = (wave[k] as? NSNumber)?.doubleValue else { throw GWJobError("\(truthPath): wave.\(k) missing or not a number") }
            return v
        }
        let f = try num("frequency_nhz"), ra = try num("ra"), dec = try num("dec")
        let amps = (wave["linear_amplitudes"] as? [NSNumber])?.map(\.doubleValue) ?? []
        let g = r.grid
        let fi = min(max(Int(((f - g.fMin) / g.df).rounded()), 0), g.frequencyCount - 1)
        let pix = HEALPixNested.pixel(nside: g.nside, raDeg: ra, decDeg: dec)
        let at = r.twoF[fi * g.directionCount + pix]
        var out = InjectionRecovery(frequencyNHz: f, raDeg: ra, decDeg: dec, amplitudes: amps, expectedTwoF: try num("expected_2f"),
                                    nearestFrequency: fi, nearestPixel: pix, twoFAtNearest: at, frequencyOffsetBins: .nan,
                                    angularOffsetDeg: .nan, recovered: false)
        if let c = r.candidates.first {
            out.frequencyOffsetBins = (c.frequencyNHz - f) / g.df
            let a = StarFrame(raDeg: ra, decDeg: dec).n, b = StarFrame(raDeg: c.raDeg, decDeg: c.decDeg).n
            out.angularOffsetDeg = acos(max(-1, min(1, (a * b).sum()))) * 180 / .pi
            out.recovered = abs(out.frequencyOffsetBins) <= 1.5 && out.angularOffsetDeg <= 2 * HEALPixNested.resolution(nside: g.nside)
                && c.globalFAP < 0.01
        }
        return out
    }
}

