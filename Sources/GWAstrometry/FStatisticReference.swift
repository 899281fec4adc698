// The slow, obviously correct plane-wave F-statistic sums, for testing PlaneWaveEngine: for every
// grid point and source, the four templates are evaluated transit by transit from the physical
// model (PlaneWave.alongScanSignal with unit amplitudes), whitened (÷σ), made orthogonal to the
// whitened 5-parameter design by modified Gram–Schmidt (Golub & Van Loan 2013, Matrix
// Computations, Alg. 5.2.6) — a different route to the projector P than the fast path's Cholesky
// of XᵀWX — and x_a = Σ h̃_a r̃, M_ab = Σ h̃_a h̃_b are summed directly (r̃ the whitened abscissae
// with the same projection). O(N_sources × N_transits × N_grid); small problems only.

import Foundation

public enum FStatisticReference {
    /// The 14 sums (FStatisticComponent order) for every grid point, entry (i_f · 14 + c) · N_dir + i_dir.
    public static func sums(sources: [AlongScanSeries], grid: PlaneWaveGrid) -> [Double] {
        var out = [Double](repeating: 0, count: 14 * grid.count)
        let bases = grid.directions.map { PlaneWaveBasis(raDeg: $0.raDeg, decDeg: $0.decDeg) }
        for s in sources {
            let q = orthonormalDesign(s)
            let r = project(whiten(s.value, s), q)
            for (i, f) in grid.frequencies.enumerated() {
                for (j, b) in bases.enumerated() {
                    let c = sums(source: s, design: q, residual: r, frequencyNHz: f, basis: b)
                    for k in 0..<14 { out[(i * 14 + k) * grid.directionCount + j] += c[k] }
                }
            }
        }
        return out
    }

    /// The 14 sums of one source at one frequency and direction.
    public static func sums(source s: AlongScanSeries, frequencyNHz f: Double, basis b: PlaneWaveBasis) -> [Double] {
        let q = orthonormalDesign(s)
        return sums(source: s, design: q, residual: project(whiten(s.value, s), q), frequencyNHz: f, basis: b)
    }

    static func sums(source s: AlongScanSeries, design q: [[Double]], residual r: [Double], frequencyNHz f: Double,
                     basis b: PlaneWaveBasis) -> [Double] {
        let omega = 2 * Double.pi * f * PlaneWave.perYearPerNHz
        var templates: [[Double]] = []
        for a in 0..<4 {
            var unit = [0.0, 0.0, 0.0, 0.0]
            unit[a] = 1
            let h = (0..<s.count).map { k in
                PlaneWave.alongScanSignal(star: s.frame, basis: b, psi: atan2(s.sinPsi[k], s.cosPsi[k]), tau: s.tau[k],
                                          omega: omega, amplitudes: unit)
            }
            templates.append(project(whiten(h, s), q))
        }
        var out = [Double](repeating: 0, count: 14)
        for a in 0..<4 {
            out[a] = zip(templates[a], r).reduce(0) { $0 + $1.0 * $1.1 }
            for c in a..<4 {
                out[FStatisticComponent.m(a, c)] = zip(templates[a], templates[c]).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        return out
    }

    static func whiten(_ v: [Double], _ s: AlongScanSeries) -> [Double] {
        (0..<s.count).map { v[$0] / s.sigma[$0] }
    }

    /// Orthonormal basis (modified Gram–Schmidt, twice for stability) of the whitened design columns.
    static func orthonormalDesign(_ s: AlongScanSeries) -> [[Double]] {
        var cols: [[Double]] = (0..<5).map { i in
            whiten((0..<s.count).map { k in
                let x = s.design(k)
                return [x.0, x.1, x.2, x.3, x.4][i]
            }, s)
        }
        for i in 0..<5 {
            for _ in 0..<2 {
                for j in 0..<i {
                    let d = zip(cols[i], cols[j]).reduce(0) { $0 + $1.0 * $1.1 }
                    for k in cols[i].indices { cols[i][k] -= d * cols[j][k] }
                }
            }
            let norm = cols[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in cols[i].indices { cols[i][k] /= norm }
        }
        return cols
    }

    /// v − Q Qᵀ v.
    static func project(_ v: [Double], _ q: [[Double]]) -> [Double] {
        var out = v
        for col in q {
            let d = zip(out, col).reduce(0) { $0 + $1.0 * $1.1 }
            for k in out.indices { out[k] -= d * col[k] }
        }
        return out
    }
}
