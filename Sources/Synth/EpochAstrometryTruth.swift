// The rows of synthetic `epoch_astrometry` (one per transit, the 14 DataLink columns in
// KnownTables order) and its truth: `epoch_astrometry_truth.ecsv` (one row per source: the true
// parameters, excess noise, planted outliers, the wave's ρ²) and `epoch_astrometry_truth.json`
// (files, scanning law, models, the injected wave).

import GaiaFormat
import Numerics

struct EpochAstrometryGenerator: Sendable {
    let seed: UInt64
    let sources: [PlacedSource]
    let wave: PlaneWaveInjection?

    struct TruthRecord: Sendable {
        var gMag: Double, sigma: Double
        var parameters: [Double]
        var excessNoise: Float
        var transits: Int, ccdUsed: Int, outliers: Int
        var snr2: Double, snr2Unfitted: Double
    }

    /// All transits of one source, in time order, one CSV line each.
    func writeRows(sortedIndex i: Int, into b: inout TextBuffer) -> TruthRecord {
        let r = simulate(sortedIndex: i)
        let id = sources[i].sourceID
        let notAC = [Bool](repeating: false, count: CCDLayout.count)
        for t in r.transits {
            b.int(id); b.comma()
            if let c = t.baryCorr { b.float32(c) } else { b.null() }
            b.comma()
            b.float64Array(t.value); b.comma()
            b.float32Array(t.error); b.comma()
            b.float64Array(t.angle); b.comma()
            b.float32(t.parallaxFactor); b.comma()
            b.float32(t.colourFactor); b.comma()
            b.intArray(t.time); b.comma()
            b.boolArray(t.used); b.comma()
            b.boolArray(notAC); b.comma()
            b.float32(r.excessNoise); b.comma()
            b.intArray(t.flags); b.comma()
            b.float32Array(t.ipdError); b.comma()
            b.float32(r.nuEff)
            b.newline()
        }
        return TruthRecord(gMag: r.gMag, sigma: r.sigma, parameters: r.parameters, excessNoise: r.excessNoise,
                           transits: r.transits.count, ccdUsed: r.ccdUsed, outliers: r.outliers,
                           snr2: r.snr2, snr2Unfitted: r.snr2Unfitted)
    }

    /// ρ² of the signal after a weighted 5-parameter least-squares fit, and before it.
    static func signalToNoise(design x: [[Double]], signal s: [Double], weights w: [Double]) -> (Double, Double) {
        var unfitted = 0.0
        for k in s.indices { unfitted += s[k] * s[k] * w[k] }
        guard s.count > 5, unfitted > 0 else { return (s.count > 5 ? 0 : .nan, unfitted) }
        var a = [Double](repeating: 0, count: 25), b = [Double](repeating: 0, count: 5)
        for k in s.indices {
            for i in 0..<5 {
                b[i] += x[k][i] * w[k] * s[k]
                for j in 0..<5 { a[i * 5 + j] += x[k][i] * w[k] * x[k][j] }
            }
        }
        guard let l = try? Cholesky.factor(a, n: 5) else { return (.nan, unfitted) }
        let beta = Cholesky.solve(factor: l, n: 5, b)  // A β = b via L y = b, Lᵀ β = y
        var fitted = 0.0
        for k in s.indices {
            var r = s[k]
            for i in 0..<5 { r -= x[k][i] * beta[i] }
            fitted += r * r * w[k]
        }
        return (fitted, unfitted)
    }

    func writeTruthECSV(_ path: String, records: [TruthRecord]) throws {
        let t = PlainECSV(columns: [
            .init("source_id", "int64"),
            .init("ra", "float64", unit: "deg"),
            .init("dec", "float64", unit: "deg"),
            .init("phot_g_mean_mag", "float64", unit: "mag"),
            .init("sigma_al", "float64", unit: "mas", description: "CCD AL standard error before the per-CCD scatter (AF CCDs)"),
            .init("ra_offset", "float64", unit: "mas", description: "true offset from the reference ra at J2017.5, times cos(dec)"),
            .init("dec_offset", "float64", unit: "mas", description: "true offset from the reference dec at J2017.5"),
            .init("parallax", "float64", unit: "mas"),
            .init("pmra", "float64", unit: "mas / yr"),
            .init("pmdec", "float64", unit: "mas / yr"),
            .init("pseudocolour", "float64", unit: "1 / nm", description: "true pseudocolour offset (gaiasupdate's 6th parameter)"),
            .init("excess_noise", "float64", unit: "mas", description: "excess noise added (= agis_source_excess_noise as written)"),
            .init("n_transits", "int64"),
            .init("n_obs_al", "int64", description: "CCD observations used_by_agis_al with a barycentric correction (kept by the solver's selection)"),
            .init("n_outliers", "int64", description: "planted outliers (5-20 sigma) among n_obs_al"),
            .init("gw_snr2", "float64", description: "squared SNR of the injected wave after the 5-parameter fit (n_obs_al observations)"),
            .init("gw_snr2_unfitted", "float64", description: "squared SNR of the injected wave before the 5-parameter fit"),
        ], meta: [("table", "epoch_astrometry truth"), ("seed", String(seed))])
        try writeLines(path, header: t.header(), sources.indices) { i, b in
            let p = sources[i], r = records[i]
            func num(_ v: Double) { if v.isNaN { b.ascii("nan") } else { b.float64(v) } }
            b.int(p.sourceID); b.comma()
            b.float64(p.raDeg); b.comma()
            b.float64(p.decDeg); b.comma()
            b.float64(r.gMag); b.comma()
            b.float64(r.sigma); b.comma()
            for v in r.parameters { b.float64(v); b.comma() }
            b.float64(Double(r.excessNoise)); b.comma()
            b.int(r.transits); b.comma()
            b.int(r.ccdUsed); b.comma()
            b.int(r.outliers); b.comma()
            num(r.snr2); b.comma()
            num(r.snr2Unfitted); b.newline()
        }
    }
}
