// The fast accumulation of the plane-wave F-statistic sums x (4) and M (10) over a (frequency ×
// sky direction) grid (PlaneWaveStatistic.swift for the statistic, FStatisticReference.swift for
// the slow, obviously correct version this one is tested against).
//
// Structure. For a source with scan angles ψ_k, times τ_k, weights w_k = 1/σ_k² the template of
// amplitude a at frequency ω and direction q̂ is (PlaneWave.swift)
//     h_a(k) = (sin ψ_k d_AE + cos ψ_k d_AN) · {cos ωτ_k, sin ωτ_k},   A ∈ {+, ×},
// with (d_AE, d_AN) the east/north deflection of the star for unit h_A from q̂ — independent of
// time. So every template is a combination, with direction-dependent coefficients D(q̂), of four
// frequency-dependent "primitive" series u = (sin ψ cos ωτ, cos ψ cos ωτ, sin ψ sin ωτ, cos ψ sin ωτ):
//     h = D u,   x = D y,   M = D G Dᵀ,
//     y = uᵀ W r̃,   G = uᵀ W P u = uᵀWu − Zᵀ Z,   Z = L⁻¹ XᵀW u   (XᵀWX = LLᵀ, AstrometricFit.swift)
// because P is W-self-adjoint and idempotent (h̃ᵀ W r̃ = hᵀ W r̃, h̃ᵀ W h̃ = hᵀ W P h).
//
// Stage 1 (per source, O(N_transits × N_f)): y (4) and G (10) for every frequency. SIMD over 8
// frequencies; the 26 sums per frequency are
//     uᵀWu from Σ w{s², sc, c²} cos 2ωτ and sin 2ωτ (6; s = sin ψ, c = cos ψ, with the constant parts),
//     XᵀWu from Σ w{s², sc, c², f s, f c, τs², τsc, τc²}·{cos ωτ, sin ωτ} (16),
//     y     from Σ w r̃ {s, c}·{cos ωτ, sin ωτ} (4).
// e^{iωτ} on the uniform frequency grid by complex rotation from one lane block to the next,
// recomputed exactly every 16 blocks (drift ≲ 10⁻¹⁴).
// Stage 2 (per block of sources, O(N_f × N_dir) per source): x and M for every direction from D
// and (y, G), SIMD over 8 directions, directions tiled so that the block's partial sums stay in L1.
//
// Rank independence: sources are processed in fixed blocks (the caller passes each block of
// consecutive table rows whole; blocks never depend on the number of ranks); a block's sums are
// formed in double precision in row order and added exactly (FixedPointSums).

import Foundation
import Numerics

public final class PlaneWaveEngine {
    public let grid: PlaneWaveGrid
    /// Accumulated sums: entry (i_f · 14 + component) · N_dir + i_dir.
    public private(set) var sums: FixedPointSums
    /// Blocks and sources added.
    public private(set) var blocks = 0
    public private(set) var sources = 0

    let nf: Int, nfPad: Int, nd: Int, ndPad: Int
    let omega0: Double, dOmega: Double  // rad per year
    /// Direction bases, SoA over directions (padded): q, e⁺ (xx xy xz yy yz zz), e× (same).
    let dirQ: [[Double]], dirPlus: [[Double]], dirCross: [[Double]]
    static let tile = 128  // directions per tile (multiple of 8)
    static let reanchor = 16

    public init(grid: PlaneWaveGrid) {
        self.grid = grid
        nf = grid.frequencyCount
        nfPad = (nf + 7) / 8 * 8
        nd = grid.directionCount
        ndPad = (nd + 7) / 8 * 8
        omega0 = 2 * Double.pi * grid.fMin * PlaneWave.perYearPerNHz
        dOmega = 2 * Double.pi * grid.df * PlaneWave.perYearPerNHz
        sums = FixedPointSums(count: 14 * nf * nd)
        var q = [[Double]](repeating: [Double](repeating: 0, count: ndPad), count: 3)
        var p = [[Double]](repeating: [Double](repeating: 0, count: ndPad), count: 6)
        var c = p
        let pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
        for (j, d) in grid.directions.enumerated() {
            let b = PlaneWaveBasis(raDeg: d.raDeg, decDeg: d.decDeg)
            for i in 0..<3 { q[i][j] = b.q[i] }
            for (k, (r, s)) in pairs.enumerated() {
                p[k][j] = b.plus.e[r * 3 + s]
                c[k][j] = b.cross.e[r * 3 + s]
            }
        }
        // Padding lanes: q = (0, 0, 0) and zero tensors give zero responses.
        dirQ = q
        dirPlus = p
        dirCross = c
    }

    // MARK: stage 1

    /// y (4) and G (10) for every frequency: spectrum[c · nfPad + i_f], c = 0…13 as in
    /// FStatisticComponent (x → y, M → G).
    func spectrum(_ s: PlaneWaveSource) -> [Double] {
        let n = s.count
        var out = [Double](repeating: 0, count: 14 * nfPad)
        // Per-transit coefficients.
        var css = [Double](repeating: 0, count: n), csc = css, ccc = css, cfs = css, cfc = css
        var crs = css, crc = css
        var pss = 0.0, psc = 0.0, pcc = 0.0
        for k in 0..<n {
            let w = s.weight[k], sp = s.sinPsi[k], cp = s.cosPsi[k]
            css[k] = w * sp * sp; csc[k] = w * sp * cp; ccc[k] = w * cp * cp
            cfs[k] = w * s.parallaxFactor[k] * sp; cfc[k] = w * s.parallaxFactor[k] * cp
            crs[k] = w * s.residual[k] * sp; crc[k] = w * s.residual[k] * cp
            pss += css[k]; psc += csc[k]; pcc += ccc[k]
        }
        // Lane phasors e^{i l Δω τ} (l = 0…7), the block step e^{i 8Δω τ} and the running base e^{i ω_b τ}.
        var laneC = [SIMD8<Double>](repeating: .zero, count: n), laneS = laneC
        var stepC = [Double](repeating: 0, count: n), stepS = stepC, baseC = stepC, baseS = stepC
        for k in 0..<n {
            // e^{i l Δω τ} by repeated rotation from e^{iΔωτ} (≤ 8 roundings; re-anchored below).
            let c1 = cos(dOmega * s.tau[k]), s1 = sin(dOmega * s.tau[k])
            var lc = SIMD8<Double>(), ls = SIMD8<Double>()
            var c = 1.0, sn = 0.0
            for l in 0..<8 {
                lc[l] = c; ls[l] = sn
                (c, sn) = (c * c1 - sn * s1, sn * c1 + c * s1)
            }
            laneC[k] = lc; laneS[k] = ls
            stepC[k] = c; stepS[k] = sn
        }
        let l = s.factor
        for b in 0..<(nfPad / 8) {
            if b % Self.reanchor == 0 {
                let w = omega0 + Double(8 * b) * dOmega
                for k in 0..<n { baseC[k] = cos(w * s.tau[k]); baseS[k] = sin(w * s.tau[k]) }
            }
            // Σ w{ss, sc, cc} cos 2θ and sin 2θ; Σ {ss sc cc fs fc τss τsc τcc} cos θ, sin θ; Σ w r̃ {s, c} cos θ, sin θ.
            var q0 = SIMD8<Double>(), q1 = SIMD8<Double>(), q2 = SIMD8<Double>()
            var r0 = SIMD8<Double>(), r1 = SIMD8<Double>(), r2 = SIMD8<Double>()
            var kc0 = SIMD8<Double>(), kc1 = SIMD8<Double>(), kc2 = SIMD8<Double>(), kc3 = SIMD8<Double>()
            var kc4 = SIMD8<Double>(), kc5 = SIMD8<Double>(), kc6 = SIMD8<Double>(), kc7 = SIMD8<Double>()
            var ks0 = SIMD8<Double>(), ks1 = SIMD8<Double>(), ks2 = SIMD8<Double>(), ks3 = SIMD8<Double>()
            var ks4 = SIMD8<Double>(), ks5 = SIMD8<Double>(), ks6 = SIMD8<Double>(), ks7 = SIMD8<Double>()
            var yc0 = SIMD8<Double>(), yc1 = SIMD8<Double>(), ys0 = SIMD8<Double>(), ys1 = SIMD8<Double>()
            for k in 0..<n {
                let bc = baseC[k], bs = baseS[k]
                let lc = laneC[k], ls = laneS[k]
                let c = bc * lc - bs * ls
                let sn = bs * lc + bc * ls
                let c2 = c * c - sn * sn, s2 = 2 * c * sn
                let t = s.tau[k]
                let a0 = css[k], a1 = csc[k], a2 = ccc[k], a3 = cfs[k], a4 = cfc[k]
                let a5 = t * a0, a6 = t * a1, a7 = t * a2
                q0 += a0 * c2; q1 += a1 * c2; q2 += a2 * c2
                r0 += a0 * s2; r1 += a1 * s2; r2 += a2 * s2
                kc0 += a0 * c; kc1 += a1 * c; kc2 += a2 * c; kc3 += a3 * c
                kc4 += a4 * c; kc5 += a5 * c; kc6 += a6 * c; kc7 += a7 * c
                ks0 += a0 * sn; ks1 += a1 * sn; ks2 += a2 * sn; ks3 += a3 * sn
                ks4 += a4 * sn; ks5 += a5 * sn; ks6 += a6 * sn; ks7 += a7 * sn
                yc0 += crs[k] * c; yc1 += crc[k] * c
                ys0 += crs[k] * sn; ys1 += crc[k] * sn
                // Advance the base to the next lane block.
                baseC[k] = bc * stepC[k] - bs * stepS[k]
                baseS[k] = bs * stepC[k] + bc * stepS[k]
            }
            let q = (q0, q1, q2), r = (r0, r1, r2)
            let kc = [kc0, kc1, kc2, kc3, kc4, kc5, kc6, kc7], ks = [ks0, ks1, ks2, ks3, ks4, ks5, ks6, ks7]
            let yc = (yc0, yc1), ys = (ys0, ys1)
            // uᵀWu (u0 = s cos, u1 = c cos, u2 = s sin, u3 = c sin).
            let half = SIMD8<Double>(repeating: 0.5)
            var u = [SIMD8<Double>](repeating: .zero, count: 10)  // 00 01 02 03 11 12 13 22 23 33
            u[0] = half * (pss + q.0); u[1] = half * (psc + q.1); u[2] = half * r.0; u[3] = half * r.1
            u[4] = half * (pcc + q.2); u[5] = half * r.1; u[6] = half * r.2
            u[7] = half * (pss - q.0); u[8] = half * (psc - q.1); u[9] = half * (pcc - q.2)
            // XᵀWu: column j of u, rows x = (s, c, f, τs, τc).
            let bcol: [[SIMD8<Double>]] = [
                [kc[0], kc[1], kc[3], kc[5], kc[6]],  // u0 = s cos θ
                [kc[1], kc[2], kc[4], kc[6], kc[7]],  // u1 = c cos θ
                [ks[0], ks[1], ks[3], ks[5], ks[6]],  // u2 = s sin θ
                [ks[1], ks[2], ks[4], ks[6], ks[7]],  // u3 = c sin θ
            ]
            // Z = L⁻¹ XᵀWu, column by column.
            var z = [[SIMD8<Double>]](repeating: [SIMD8<Double>](repeating: .zero, count: 5), count: 4)
            for j in 0..<4 {
                for i in 0..<5 {
                    var v = bcol[j][i]
                    for m in 0..<i { v -= l[i * 5 + m] * z[j][m] }
                    z[j][i] = v / l[i * 5 + i]
                }
            }
            let y = [yc.0, yc.1, ys.0, ys.1]
            for c in 0..<4 { store(y[c], &out, c * nfPad + 8 * b) }
            var idx = 0
            for a in 0..<4 {
                for bb in a..<4 {
                    var g = u[idx]
                    for i in 0..<5 { g -= z[a][i] * z[bb][i] }
                    store(g, &out, (4 + idx) * nfPad + 8 * b)
                    idx += 1
                }
            }
        }
        return out
    }

    @inline(__always) private func store(_ v: SIMD8<Double>, _ a: inout [Double], _ i: Int) {
        a.withUnsafeMutableBytes { $0.storeBytes(of: v, toByteOffset: i * 8, as: SIMD8<Double>.self) }
    }

    // MARK: stage 2

    /// East/north deflections of `star` for unit h₊ and h× from every direction: [d₊ᴱ, d₊ᴺ, d×ᴱ, d×ᴺ]
    /// each ndPad long (PlaneWave.deflection, vectorised; zero in padding lanes and where the
    /// star coincides with the direction).
    func responses(_ star: StarFrame) -> [[Double]] {
        var out = [[Double]](repeating: [Double](repeating: 0, count: ndPad), count: 4)
        let n = star.n, e = star.east, no = star.north
        for j in stride(from: 0, to: ndPad, by: 8) {
            let qx = load(dirQ[0], j), qy = load(dirQ[1], j), qz = load(dirQ[2], j)
            let oneMinus = 1 - (qx * n.x + qy * n.y + qz * n.z)
            let qe = qx * e.x + qy * e.y + qz * e.z, qn = qx * no.x + qy * no.y + qz * no.z
            let valid = oneMinus .> 1e-15
            let safe = oneMinus.replacing(with: 1, where: .!valid)
            for (t, pol) in [dirPlus, dirCross].enumerated() {
                let xx = load(pol[0], j), xy = load(pol[1], j), xz = load(pol[2], j)
                let yy = load(pol[3], j), yz = load(pol[4], j), zz = load(pol[5], j)
                let hx = xx * n.x + xy * n.y + xz * n.z
                let hy = xy * n.x + yy * n.y + yz * n.z
                let hz = xz * n.x + yz * n.y + zz * n.z
                let hnn = hx * n.x + hy * n.y + hz * n.z
                let k = hnn / (2 * safe)
                // δ = k (n − q) − ½ h n; (n − q)·ê = −q·ê since n ⊥ ê.
                let dE = (-k * qe - 0.5 * (hx * e.x + hy * e.y + hz * e.z)).replacing(with: 0, where: .!valid)
                let dN = (-k * qn - 0.5 * (hx * no.x + hy * no.y + hz * no.z)).replacing(with: 0, where: .!valid)
                store(dE, &out[2 * t], j)
                store(dN, &out[2 * t + 1], j)
            }
        }
        return out
    }

    @inline(__always) private func load(_ a: [Double], _ i: Int) -> SIMD8<Double> {
        a.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self) }
    }

    /// Adds one fixed block of sources (consecutive table rows, in row order).
    public func add(block: [PlaneWaveSource]) {
        blocks += 1
        sources += block.count
        guard !block.isEmpty else { return }
        // Flat per-block arrays: spectrum of source s at s·14·nfPad, responses at s·4·ndPad.
        var spectra = [Double](), resp = [Double]()
        spectra.reserveCapacity(block.count * 14 * nfPad)
        resp.reserveCapacity(block.count * 4 * ndPad)
        for src in block {
            spectra += spectrum(src)
            for r in responses(src.frame) { resp += r }
        }
        let tile = Self.tile
        var slab = [Double](repeating: 0, count: 14 * tile)
        spectra.withUnsafeBufferPointer { sp in
            resp.withUnsafeBufferPointer { rs in
                for t0 in stride(from: 0, to: nd, by: tile) {
                    let width = min(tile, nd - t0)
                    let lanes = (width + 7) / 8 * 8
                    for f in 0..<nf {
                        slab.withUnsafeMutableBufferPointer { acc in
                            acc.update(repeating: 0)
                            for s in 0..<block.count {
                                accumulate(acc.baseAddress!, tile: tile, lanes: lanes, spectrum: sp.baseAddress! + s * 14 * nfPad, f: f,
                                           response: rs.baseAddress! + s * 4 * ndPad, from: t0)
                            }
                        }
                        slab.withUnsafeBufferPointer { acc in
                            for c in 0..<14 {
                                sums.add(UnsafeBufferPointer(rebasing: acc[(c * tile)..<(c * tile + width)]), at: (f * 14 + c) * nd + t0)
                            }
                        }
                    }
                }
            }
        }
    }

    /// x and M of one source at frequency f for directions t0 ..< t0 + lanes, added to the slab
    /// (component c at acc + c·tile).
    @inline(__always)
    private func accumulate(_ acc: UnsafeMutablePointer<Double>, tile: Int, lanes: Int, spectrum sp: UnsafePointer<Double>,
                            f: Int, response r: UnsafePointer<Double>, from t0: Int) {
        let y0 = sp[0 * nfPad + f], y1 = sp[1 * nfPad + f], y2 = sp[2 * nfPad + f], y3 = sp[3 * nfPad + f]
        let g00 = sp[4 * nfPad + f], g01 = sp[5 * nfPad + f], g02 = sp[6 * nfPad + f], g03 = sp[7 * nfPad + f]
        let g11 = sp[8 * nfPad + f], g12 = sp[9 * nfPad + f], g13 = sp[10 * nfPad + f]
        let g22 = sp[11 * nfPad + f], g23 = sp[12 * nfPad + f], g33 = sp[13 * nfPad + f]
        let g0312 = g03 + g12
        do {
            let pp0 = UnsafeRawPointer(r + t0), pq0 = UnsafeRawPointer(r + ndPad + t0)
            let pu0 = UnsafeRawPointer(r + 2 * ndPad + t0), pv0 = UnsafeRawPointer(r + 3 * ndPad + t0)
            let out = UnsafeMutableRawPointer(acc)
            let rowBytes = tile * 8
            for j in stride(from: 0, to: lanes, by: 8) {
                let o = j * 8
                let p = pp0.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                let q = pq0.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                let u = pu0.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                let v = pv0.loadUnaligned(fromByteOffset: o, as: SIMD8<Double>.self)
                let pp = p * p, pq = p * q, qq = q * q, uu = u * u, uv = u * v, vv = v * v
                let pu = p * u, pv = p * v, qu = q * u, qv = q * v
                let cross = pv + qu
                @inline(__always) func add(_ c: Int, _ x: SIMD8<Double>) {
                    let at = c * rowBytes + o
                    out.storeBytes(of: out.loadUnaligned(fromByteOffset: at, as: SIMD8<Double>.self) + x, toByteOffset: at,
                                   as: SIMD8<Double>.self)
                }
                // Fused multiply–adds (one rounding each; the same on every rank, like the rest).
                add(0, (p * y0).addingProduct(q, y1))
                add(1, (p * y2).addingProduct(q, y3))
                add(2, (u * y0).addingProduct(v, y1))
                add(3, (u * y2).addingProduct(v, y3))
                add(4, (pp * g00).addingProduct(pq, 2 * g01).addingProduct(qq, g11))
                add(5, (pp * g02).addingProduct(pq, g0312).addingProduct(qq, g13))
                add(6, (pu * g00).addingProduct(cross, g01).addingProduct(qv, g11))
                add(7, (pu * g02).addingProduct(pv, g03).addingProduct(qu, g12).addingProduct(qv, g13))
                add(8, (pp * g22).addingProduct(pq, 2 * g23).addingProduct(qq, g33))
                add(9, (pu * g02).addingProduct(pv, g12).addingProduct(qu, g03).addingProduct(qv, g13))
                add(10, (pu * g22).addingProduct(cross, g23).addingProduct(qv, g33))
                add(11, (uu * g00).addingProduct(uv, 2 * g01).addingProduct(vv, g11))
                add(12, (uu * g02).addingProduct(uv, g0312).addingProduct(vv, g13))
                add(13, (uu * g22).addingProduct(uv, 2 * g23).addingProduct(vv, g33))
            }
        }
    }
}
