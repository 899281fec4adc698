// The direct engine: exact trigonometric sums evaluated by phase rotation, SIMD over frequencies.
//
// On a regular grid, e^{iω_{k+8}t} = e^{iω_k t}·e^{i·8Δω·t}: each point's phase factors for
// eight consecutive frequencies (one SIMD8 vector) advance to the next eight by one complex
// multiplication with a per-point constant (the recurrence of Press & Rybicki 1989, ApJ 338,
// 277, §2, and of nifty-ls's direct "chi2" backend, Garrison et al. 2024, RNAAS 8, 250). So a
// point costs 4 multiply/FMA for the rotation plus 7 for the sums per eight frequencies, and
// never a sin/cos. The loop runs over points with the sums in registers and each point's
// rotating state in L1 (N·2 vectors).
//
// Accuracy: the rotation accumulates rounding like a random walk of ≈1e-16 per step; the state
// is re-seeded from exact sin/cos every `reseedBlocks` blocks (4096 frequencies), which keeps
// the drift near 1e-14, far below the 1e-9 power tolerance checked against astropy.
//
// Ill-conditioned frequencies (K = 2, 3): where the (2K+1)² normal matrix of a sparse curve is
// nearly singular even these small sum errors can move the power by more than 1e-9 (measured
// 1.9e-9 on a real DR3 BP curve at K = 3). As in the fft engine, the a-posteriori bound of
// SumErrorBound.swift flags such frequencies — here with the direct sums' own error bound
// (`sumTolerance`) — and they are recomputed exactly (`ExactPower`). K = 1 is not guarded: its
// 3×3 system is solved in closed form and the engine meets the contract there without it.

import Foundation

public final class DirectEngine: PowerEngine {
    public let kind = EngineKind.direct
    typealias V = SIMD8<Double>
    static let lanes = 8
    /// Re-seed the rotating phases from exact sin/cos every this many blocks of 8 frequencies.
    static let reseedBlocks = 512

    // Scratch reused between curves (an engine belongs to one thread).
    private var cosState: [V] = []
    private var sinState: [V] = []
    private var rotation: [Double] = []  // (cos, sin) of 8·Δω·t per point, interleaved
    private var laneCos: [V] = []        // cos, sin of l·Δω·t, l = 0…7, per point
    private var laneSin: [V] = []
    /// Grid indices whose power may miss the accuracy target (`SumErrorBound`), reused.
    private var flagged: [Int] = []
    /// Recompute flagged frequencies exactly (false only in tests that show why).
    var exactFallback = true
    /// Frequencies of the last `power` call recomputed exactly (`SumErrorBound`; K = 2, 3 only).
    public private(set) var recomputedCount = 0

    public init() {}

    /// Bound on the error of every weight sum C_h, S_h (Σw = 1; the weighted-value sums YC_h,
    /// YS_h get it times Σ|w·y|) of a block `steps` rotations after its seed, for `n` points and
    /// K = `nterms`: a worst-case (linear, not random-walk) count of roundings, u = 2⁻⁵³:
    ///   seed e^{iω₀t}·e^{ilΔωt} (exactly reduced phase, libm sin/cos, one complex product) ≤ 4u,
    ///   each rotation z·ρ ≤ 4u more (2u for ρ's own rounding — systematic, so it adds up
    ///   linearly — and 2u for the FMA complex product): |δz| ≤ (4 + 4·steps)·u;
    ///   the harmonics z^h = z^{h−1}·z, h ≤ 2K: |δz^h| ≤ h·(|δz| + 2u) ≤ 2K·(6 + 4·steps)·u;
    ///   the FMA sums Σ w·z^h over n points: ≤ n·u·Σw (Higham 2002, §4.2, γ_n);
    ///   the matrix entries ½(C_a ± C_b) and the Cholesky solve: ≤ (2K + 2)·u (backward stable).
    /// Typically the true error is far smaller (rounding errors partly cancel), so this only
    /// errs towards recomputing a frequency that did not need it. At the last block before a
    /// re-seed (511 steps) and N = 40, K = 3 it is 1.4e-12, at the seed 1e-14.
    static func sumTolerance(steps: Int, n: Int, nterms k: Int) -> Double {
        let u = Double.ulpOfOne / 2
        return u * (Double(2 * k) * (6 + 4 * Double(steps)) + Double(n + 2 * k + 2))
    }

    /// Measured cost model (AMD EPYC Zen 5, AVX-512, -target-cpu native): seconds per curve.
    /// See Docs/periodogram.md; the dispatcher compares it with `FFTEngine.estimatedSeconds`.
    public static func estimatedSeconds(n: Int, count: Int, nterms: Int) -> Double {
        // Fitted to N = 40 and 130 on DR3/DR4-like grids (Tests/bench): K = 1 is bound by the
        // ~10 FMA-pipe operations per point and 8 frequencies; for K ≥ 2 the lane-wise
        // (2K+1)² Cholesky adds a per-frequency term.
        let perPointFrequency = [0, 0.17e-9, 0.70e-9, 0.91e-9][min(max(nterms, 1), 3)]
        let perFrequency = [0, 0.5e-9, 26e-9, 42e-9][min(max(nterms, 1), 3)]
        return Double(n) * Double(count) * perPointFrequency + Double(count) * perFrequency
    }

    public func power(_ curve: PreparedCurve, grid: FrequencyGrid, nterms: Int) -> [Double] {
        precondition((1...3).contains(nterms), "nterms must be 1, 2 or 3")
        let n = curve.count
        var out = [Double](repeating: 0, count: grid.count)
        flagged.removeAll(keepingCapacity: true)
        recomputedCount = 0
        guard n > 0 else { return out }
        if cosState.count < n {
            cosState = [V](repeating: V(), count: n)
            sinState = cosState
            rotation = [Double](repeating: 0, count: 2 * n)
            laneCos = cosState
            laneSin = cosState
        }
        // Per-point rotation by 8 grid steps: angle 2π·8Δf·t in cycles, reduced exactly.
        for j in 0..<n {
            let cycles = fractionalCycles(8 * grid.step, curve.time[j])
            rotation[2 * j] = cos(2 * Double.pi * cycles)
            rotation[2 * j + 1] = sin(2 * Double.pi * cycles)
            let stepCycles = fractionalCycles(grid.step, curve.time[j])
            for l in 0..<DirectEngine.lanes {
                var cyc = Double(l) * stepCycles
                cyc -= cyc.rounded()
                laneCos[j][l] = cos(2 * Double.pi * cyc)
                laneSin[j][l] = sin(2 * Double.pi * cyc)
            }
        }
        let blocks = (grid.count + DirectEngine.lanes - 1) / DirectEngine.lanes
        out.withUnsafeMutableBufferPointer { o in
            cosState.withUnsafeMutableBufferPointer { cs in
                sinState.withUnsafeMutableBufferPointer { ss in
                    rotation.withUnsafeBufferPointer { rot in
                        curve.weight.withUnsafeBufferPointer { w in
                            curve.weightedValue.withUnsafeBufferPointer { wy in
                                let absWY = nterms > 1 ? SumErrorBound.absWeightedValues(curve) : 0
                                let ctx = Context(n: n, w: w.baseAddress!, wy: wy.baseAddress!, rot: rot.baseAddress!,
                                                  c: cs.baseAddress!, s: ss.baseAddress!, yy: curve.yy, absWY: absWY)
                                var b = 0
                                while b < blocks {
                                    seed(ctx, curve: curve, grid: grid, block: b)
                                    let end = min(blocks, b + DirectEngine.reseedBlocks)
                                    switch nterms {
                                    case 1: singleHarmonic(ctx, blocks: b..<end, grid: grid, out: o.baseAddress!)
                                    case 2: multiHarmonic(ctx, TwoHarmonics.self, blocks: b..<end, grid: grid, out: o.baseAddress!)
                                    default: multiHarmonic(ctx, ThreeHarmonics.self, blocks: b..<end, grid: grid, out: o.baseAddress!)
                                    }
                                    b = end
                                }
                            }
                        }
                    }
                }
            }
        }
        if exactFallback {
            recomputedCount = flagged.count
            ExactPower.recompute(&out, at: flagged, curve: curve, grid: grid, nterms: nterms)
        }
        return out
    }

    struct Context {
        let n: Int
        let w: UnsafePointer<Double>
        let wy: UnsafePointer<Double>
        let rot: UnsafePointer<Double>
        let c: UnsafeMutablePointer<V>
        let s: UnsafeMutablePointer<V>
        let yy: Double
        /// Σ|w·y|, for the sum-error bound of K ≥ 2.
        let absWY: Double
    }

    /// Phase factors of every point at the eight frequencies of block `block`: the exact factor
    /// of the block's first frequency (one sin/cos per point) times the per-curve lane offsets
    /// e^{i·l·Δω·t} (one complex multiplication, ≤ 2 ulp).
    private func seed(_ ctx: Context, curve: PreparedCurve, grid: FrequencyGrid, block: Int) {
        let k0 = block * DirectEngine.lanes
        for j in 0..<ctx.n {
            let cyc = grid.cycles(at: k0, time: curve.time[j])
            let c0 = V(repeating: cos(2 * Double.pi * cyc)), s0 = V(repeating: sin(2 * Double.pi * cyc))
            let lc = laneCos[j], ls = laneSin[j]
            ctx.c[j] = (c0 * lc).addingProduct(-s0, ls)
            ctx.s[j] = (s0 * lc).addingProduct(c0, ls)
        }
    }

    /// K = 1: six sums per frequency (C, S, YC, YS, Σw cos², Σw cos·sin), then ZK09's power.
    /// Two blocks (16 frequencies) per pass over the points: twice the independent FMA chains
    /// and half the state loads/stores per frequency.
    @inline(__always)
    private func singleHarmonic(_ ctx: Context, blocks: Range<Int>, grid: FrequencyGrid, out: UnsafeMutablePointer<Double>) {
        let n = ctx.n
        var b = blocks.lowerBound
        while b + 1 < blocks.upperBound {
            var sc0 = V(), ss0 = V(), syc0 = V(), sys0 = V(), scc0 = V(), scs0 = V()
            var sc1 = V(), ss1 = V(), syc1 = V(), sys1 = V(), scc1 = V(), scs1 = V()
            for j in 0..<n {
                let c0 = ctx.c[j], s0 = ctx.s[j]
                let w = V(repeating: ctx.w[j]), wy = V(repeating: ctx.wy[j])
                let rc = V(repeating: ctx.rot[2 * j]), rs = V(repeating: ctx.rot[2 * j + 1])
                let c1 = (c0 * rc).addingProduct(-s0, rs)
                let s1 = (s0 * rc).addingProduct(c0, rs)
                let wc0 = w * c0, wc1 = w * c1
                sc0 += wc0; sc1 += wc1
                ss0 = ss0.addingProduct(w, s0); ss1 = ss1.addingProduct(w, s1)
                syc0 = syc0.addingProduct(wy, c0); syc1 = syc1.addingProduct(wy, c1)
                sys0 = sys0.addingProduct(wy, s0); sys1 = sys1.addingProduct(wy, s1)
                scc0 = scc0.addingProduct(wc0, c0); scc1 = scc1.addingProduct(wc1, c1)
                scs0 = scs0.addingProduct(wc0, s0); scs1 = scs1.addingProduct(wc1, s1)
                ctx.c[j] = (c1 * rc).addingProduct(-s1, rs)
                ctx.s[j] = (s1 * rc).addingProduct(c1, rs)
            }
            store(finishSingle(sc0, ss0, syc0, sys0, scc0, scs0, yy: ctx.yy), block: b, count: grid.count, out: out)
            store(finishSingle(sc1, ss1, syc1, sys1, scc1, scs1, yy: ctx.yy), block: b + 1, count: grid.count, out: out)
            b += 2
        }
        if b < blocks.upperBound {
            var sc = V(), ss = V(), syc = V(), sys = V(), scc = V(), scs = V()
            for j in 0..<n {
                let c = ctx.c[j], s = ctx.s[j]
                let w = V(repeating: ctx.w[j]), wy = V(repeating: ctx.wy[j])
                let wc = w * c
                sc += wc
                ss = ss.addingProduct(w, s)
                syc = syc.addingProduct(wy, c)
                sys = sys.addingProduct(wy, s)
                scc = scc.addingProduct(wc, c)
                scs = scs.addingProduct(wc, s)
                let rc = V(repeating: ctx.rot[2 * j]), rs = V(repeating: ctx.rot[2 * j + 1])
                ctx.c[j] = (c * rc).addingProduct(-s, rs)
                ctx.s[j] = (s * rc).addingProduct(c, rs)
            }
            store(finishSingle(sc, ss, syc, sys, scc, scs, yy: ctx.yy), block: b, count: grid.count, out: out)
        }
    }

    /// ZK09 power for eight frequencies at once (the lane-wise form of `SingleHarmonic`).
    @inline(__always)
    private func finishSingle(_ c: V, _ s: V, _ yc: V, _ ys: V, _ cc: V, _ cs: V, yy: Double) -> V {
        let ccv = cc - c * c
        let ssv = (V(repeating: 1) - cc) - s * s
        let csv = cs - c * s
        let d = ccv * ssv - csv * csv
        let num = ssv * yc * yc + ccv * ys * ys - 2 * csv * yc * ys
        var p = num / (V(repeating: yy) * d)
        // Degenerate fits (D ≤ 0: e.g. all phases equal at this frequency) explain nothing.
        p.replace(with: 0, where: .!(d .> 0))
        return p
    }

    @inline(__always)
    private func store(_ p: V, block: Int, count: Int, out: UnsafeMutablePointer<Double>) {
        let k0 = block * DirectEngine.lanes
        if k0 + DirectEngine.lanes <= count {
            UnsafeMutableRawPointer(out + k0).storeBytes(of: p, as: V.self)
        } else {
            for l in 0..<(count - k0) { out[k0 + l] = p[l] }
        }
    }

    /// K = 2, 3: harmonics by repeated complex multiplication z^h = z^{h−1}·z, sums of h = 1…2K
    /// (weights) and 1…K (weighted values), then the normal equations, all lane-wise. `Order`
    /// makes K a compile-time constant so the harmonic loops unroll and the 6K sums stay in
    /// registers. Frequencies where the sums' error bound may move the power by more than
    /// `SumErrorBound.powerTarget` are appended to `flagged`.
    private func multiHarmonic<Order: HarmonicOrder>(_ ctx: Context, _ order: Order.Type, blocks: Range<Int>,
                                                     grid: FrequencyGrid, out: UnsafeMutablePointer<Double>) {
        let n = ctx.n
        let k = Order.k, hmax = 2 * Order.k
        for b in blocks {
            var cw = InlineArray<7, V>(repeating: V()), sw = cw
            var cy = InlineArray<4, V>(repeating: V()), sy = cy
            for j in 0..<n {
                let c1 = ctx.c[j], s1 = ctx.s[j]
                let w = V(repeating: ctx.w[j]), wy = V(repeating: ctx.wy[j])
                var ch = c1, sh = s1
                for h in 1...hmax {
                    cw[h] = cw[h].addingProduct(w, ch)
                    sw[h] = sw[h].addingProduct(w, sh)
                    if h <= k {
                        cy[h] = cy[h].addingProduct(wy, ch)
                        sy[h] = sy[h].addingProduct(wy, sh)
                    }
                    if h < hmax {
                        let cn = (ch * c1).addingProduct(-sh, s1)
                        sh = (sh * c1).addingProduct(ch, s1)
                        ch = cn
                    }
                }
                let rc = V(repeating: ctx.rot[2 * j]), rs = V(repeating: ctx.rot[2 * j + 1])
                ctx.c[j] = (c1 * rc).addingProduct(-s1, rs)
                ctx.s[j] = (s1 * rc).addingProduct(c1, rs)
            }
            cw[0] = V(repeating: 1)
            sw[0] = V()
            let (p, norm) = LaneNormalEquations<Order>.solve(c: cw, s: sw, yc: cy, ys: sy, yy: ctx.yy)
            store(p, block: b, count: grid.count, out: out)
            let bound = SumErrorBound(tolerance: DirectEngine.sumTolerance(steps: b - blocks.lowerBound, n: n, nterms: k),
                                      absWeightedValues: ctx.absWY, yy: ctx.yy)
            let risky = bound.exceeded(solutionNorm: norm)
            let k0 = b * DirectEngine.lanes
            for l in 0..<min(DirectEngine.lanes, grid.count - k0) where risky[l] { flagged.append(k0 + l) }
        }
    }
}

/// frac(a·b) in (−½, ½] cycles, computed so that the product's integer part (up to ~1e5 for
/// 25 d⁻¹ × 2000 d) does not eat the fraction's precision: a·b is split exactly with an FMA
/// (the rounding error of the product is recovered) before the integer part is removed.
@inline(__always)
func fractionalCycles(_ a: Double, _ b: Double) -> Double {
    let p = a * b
    let err = (-p).addingProduct(a, b)  // exact: a·b − p
    let r = p - p.rounded()             // exact (Sterbenz)
    return r + err
}
