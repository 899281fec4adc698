// The NUFFT engine: the harmonic sums of HarmonicSums.swift on a whole regular grid, one type-1
// NUFFT (NUFFT.swift) per harmonic and weight vector, then the shared sums → power step.
//
// For harmonic h and amplitudes a_j (w_j for h = 1 … 2K, w_j·y_j for h = 1 … K) we need
//     Z_h(f_k) = Σ_j a_j exp(2πi·h·f_k·t_j),   f_k = f_min + k·Δf,  k = 0 … M − 1,
// and C_h = Re Z_h, S_h = Im Z_h (likewise YC_h, YS_h). Writing k = K₀ + k′ around the centre
// f_c = f_min + K₀·Δf, K₀ = ⌊M/2⌋,
//     Z_h(f_k) = Σ_j [a_j e^{2πi·h·f_c·t_j}] · e^{i·k′·x_j},   x_j = 2π·h·Δf·t_j,
// a type-1 NUFFT with strengths a_j e^{2πi h f_c t_j} over the modes k′ = −K₀ … M − 1 − K₀ — exactly
// the range `NUFFT` returns, so output index i is grid index k. (Press & Rybicki 1989 and
// Leroy 2012 use the same "shift to the centre, transform the offsets" idea with other
// gridding kernels; nifty-ls does it with FINUFFT.)
//
// Cost per curve: 3K FFTs of n ≈ 2M points dominate; spreading is N·w per transform and the
// w and w·y transforms of a harmonic share their points (kernel values computed once).

import Foundation

/// One instance per thread: it owns FFTW plans and scratch (K = 1 keeps four complex buffers of
/// the FFT length L, 64 MB at L ≈ 1e6; K = 2, 3 add 6K·M doubles of sums).
public final class FFTEngine: PowerEngine {
    public let kind = EngineKind.fft
    /// The transform (owns the FFTW plans, one per FFT length met so far).
    public let nufft: NUFFT

    // Per-point scratch reused between curves: points u + uLow (cycles) and the strengths
    // w·e^{iθ}, w·y·e^{iθ} of the current harmonic.
    private var capacity = 0
    private var cycles = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var cyclesLow = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var weightRe = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var weightIm = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var valueRe = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var valueIm = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    /// C, S, YC, YS rows for K ≥ 2 (6K·M doubles), reused between curves.
    private var sumCapacity = 0
    private var sumBuffer = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    /// Grid indices whose NUFFT power may miss the accuracy target (`SumErrorBound`), reused.
    private var flagged: [Int] = []
    /// Recompute flagged frequencies from exact sums (false only in tests that show why).
    var exactFallback = true
    /// Frequencies of the last `power` call recomputed from exact sums (`SumErrorBound`).
    public private(set) var recomputedCount = 0

    /// `tolerance`: NUFFT error relative to Σ|a_j| (Σw = 1, so ~absolute on C, S).
    /// `planning`: `.estimate` (default) — plans depend only on the FFT length, so a curve gives
    /// bit-identical power on whichever rank computes it (FFTW_MEASURE picks algorithms by
    /// timing, which differ between ranks and runs in the last bits) and planning costs ~1 ms
    /// instead of minutes, for ±5 % speed. `.measure` for long runs that carry wisdom.
    public init(tolerance: Double = 1e-12, planning: FFTPlanning = .estimate) {
        nufft = NUFFT(tolerance: tolerance, planning: planning)
    }

    deinit {
        deallocateScratch()
        sumBuffer.deallocate()
    }

    /// The sums C_h, S_h (h = 1 … 2K) and YC_h, YS_h (h = 1 … K) at every grid frequency.
    public func sums(_ curve: PreparedCurve, grid: FrequencyGrid, nterms: Int) -> HarmonicSums {
        precondition(nterms >= 1, "nterms must be ≥ 1")
        var out = HarmonicSums(nterms: nterms, count: grid.count)
        out.cosW.withUnsafeMutableBufferPointer { c in
            out.sinW.withUnsafeMutableBufferPointer { s in
                out.cosWY.withUnsafeMutableBufferPointer { yc in
                    out.sinWY.withUnsafeMutableBufferPointer { ys in
                        fillSums(curve, grid: grid, nterms: nterms, cosW: c.baseAddress!, sinW: s.baseAddress!,
                                 cosWY: yc.baseAddress!, sinWY: ys.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    /// `sums(…).power(yy:)`, computed without the intermediate allocations: K = 1 straight from
    /// the raw spectra, K = 2, 3 from reused sum buffers eight frequencies at a time. For
    /// K ≤ 3, frequencies where the NUFFT's sum errors may move the power by more than
    /// `SumErrorBound.powerTarget` (ill-conditioned normal matrices) are recomputed from exact
    /// sums (SumErrorBound.swift).
    public func power(_ curve: PreparedCurve, grid: FrequencyGrid, nterms: Int) -> [Double] {
        let bound = SumErrorBound(tolerance: nufft.tolerance, curve: curve)
        flagged.removeAll(keepingCapacity: true)
        var out: [Double]
        switch nterms {
        case 1: out = singleHarmonicPower(curve, grid: grid, bound: bound)
        case 2: out = multiHarmonicPower(curve, grid: grid, TwoHarmonics.self, bound: bound)
        case 3: out = multiHarmonicPower(curve, grid: grid, ThreeHarmonics.self, bound: bound)
        default: out = sums(curve, grid: grid, nterms: nterms).power(yy: curve.yy)
        }
        recomputedCount = exactFallback ? flagged.count : 0
        if exactFallback {
            ExactPower.recompute(&out, at: flagged, curve: curve, grid: grid, nterms: nterms)
        }
        return out
    }

    /// Row h of C/S starts at (h − 1)·M of cosW/sinW (h = 1 … 2K), likewise YC/YS (h = 1 … K).
    private func fillSums(_ curve: PreparedCurve, grid: FrequencyGrid, nterms: Int,
                          cosW: UnsafeMutablePointer<Double>, sinW: UnsafeMutablePointer<Double>,
                          cosWY: UnsafeMutablePointer<Double>, sinWY: UnsafeMutablePointer<Double>) {
        let m = grid.count
        nufft.prepare(modes: m)
        for h in 1...(2 * nterms) {
            let row = (h - 1) * m
            loadHarmonic(h, curve, grid)
            nufft.transform(re: weightRe, im: weightIm, modes: m, outRe: cosW + row, outIm: sinW + row)
            if h <= nterms {
                nufft.transform(re: valueRe, im: valueIm, modes: m, outRe: cosWY + row, outIm: sinWY + row)
            }
        }
    }

    private func singleHarmonicPower(_ curve: PreparedCurve, grid: FrequencyGrid, bound: SumErrorBound) -> [Double] {
        // The three raw spectra (W₁, WY₁, W₂) are deconvolved and turned into power in a single
        // pass, never stored as sums: the M-long sum arrays would otherwise be written and read
        // back, about a quarter of the engine's memory traffic.
        let m = grid.count
        nufft.prepare(modes: m)
        loadHarmonic(1, curve, grid)
        let w1 = nufft.transformRaw(re: weightRe, im: weightIm, slot: 0)
        let wy1 = nufft.transformRaw(re: valueRe, im: valueIm, slot: 1)
        loadHarmonic(2, curve, grid)
        let w2 = nufft.transformRaw(re: weightRe, im: weightIm, slot: 2)
        let yy = curve.yy, n = w1.n, half = m / 2
        let corr = w1.inverseKernelFT
        return [Double](unsafeUninitializedCapacity: m) { out, initialized in
            // Output i is mode k′ = i − half, at FFT index k′ mod n.
            @inline(__always) func emit(_ i: Int, _ index: Int, _ c: Double) {
                let a = w1.values + 2 * index, b = w2.values + 2 * index, y = wy1.values + 2 * index
                let (p, norm) = SingleHarmonic.solve(c: a[0] * c, s: a[1] * c, c2: b[0] * c, s2: b[1] * c,
                                                     yc: y[0] * c, ys: y[1] * c, yy: yy)
                out[i] = p
                if bound.exceeded(solutionNorm: norm) { flagged.append(i) }
            }
            for i in 0..<half { emit(i, n - half + i, corr[half - i]) }
            for k in 0..<(m - half) { emit(half + k, k, corr[k]) }
            initialized = m
        }
    }

    /// K = 2, 3: sums into a reused buffer, then the direct engine's lane-wise normal equations
    /// (LaneNormalEquations.swift, the same matrix and Cholesky as MultiHarmonic) on eight
    /// frequencies at a time — MultiHarmonic allocates per frequency and would cost more than the
    /// transforms.
    private func multiHarmonicPower<Order: HarmonicOrder>(_ curve: PreparedCurve, grid: FrequencyGrid,
                                                          _ order: Order.Type, bound: SumErrorBound) -> [Double] {
        typealias V = SIMD8<Double>
        let k = Order.k, m = grid.count
        if sumCapacity < 6 * k * m {
            sumBuffer.deallocate()
            sumCapacity = 6 * k * m
            sumBuffer = .allocate(capacity: sumCapacity)
        }
        let cosW = sumBuffer, sinW = cosW + 2 * k * m, cosWY = sinW + 2 * k * m, sinWY = cosWY + k * m
        fillSums(curve, grid: grid, nterms: k, cosW: cosW, sinW: sinW, cosWY: cosWY, sinWY: sinWY)
        let yy = curve.yy
        return [Double](unsafeUninitializedCapacity: m) { out, initialized in
            for start in stride(from: 0, to: m, by: 8) {
                let full = start + 8 <= m
                @inline(__always) func lanes(_ row: UnsafeMutablePointer<Double>) -> V {
                    if full { return UnsafeRawPointer(row + start).loadUnaligned(as: V.self) }
                    // The last, partial block repeats its final frequency in the unused lanes.
                    var v = V()
                    for l in 0..<8 { v[l] = row[min(start + l, m - 1)] }
                    return v
                }
                var c = InlineArray<7, V>(repeating: V()), s = InlineArray<7, V>(repeating: V())
                var yc = InlineArray<4, V>(repeating: V()), ys = InlineArray<4, V>(repeating: V())
                c[0] = V(repeating: 1)
                for h in 1...(2 * k) {
                    c[h] = lanes(cosW + (h - 1) * m)
                    s[h] = lanes(sinW + (h - 1) * m)
                }
                for h in 1...k {
                    yc[h] = lanes(cosWY + (h - 1) * m)
                    ys[h] = lanes(sinWY + (h - 1) * m)
                }
                let (p, norm) = LaneNormalEquations<Order>.solve(c: c, s: s, yc: yc, ys: ys, yy: yy)
                let risky = bound.exceeded(solutionNorm: norm)
                for l in 0..<min(8, m - start) {
                    out[start + l] = p[l]
                    if risky[l] { flagged.append(start + l) }
                }
            }
            initialized = m
        }
    }

    /// Points and strengths of harmonic h into the scratch arrays, and the points into the NUFFT.
    private func loadHarmonic(_ h: Int, _ curve: PreparedCurve, _ grid: FrequencyGrid) {
        let n = curve.count
        if n > capacity {
            deallocateScratch()
            capacity = max(n, 2 * capacity)
            cycles = .allocate(capacity: capacity); cyclesLow = .allocate(capacity: capacity)
            weightRe = .allocate(capacity: capacity); weightIm = .allocate(capacity: capacity)
            valueRe = .allocate(capacity: capacity); valueIm = .allocate(capacity: capacity)
        }
        let center = grid.count / 2
        let hStep = Double(h) * grid.step
        let hStepLow = (-hStep).addingProduct(Double(h), grid.step)
        let hFmin = Double(h) * grid.fmin
        let hCenter = Double(h * center)  // exact integer
        curve.time.withUnsafeBufferPointer { t in
            curve.weight.withUnsafeBufferPointer { w in
                curve.weightedValue.withUnsafeBufferPointer { wy in
                    for j in 0..<n {
                        // Point x_j/2π = h·Δf·t_j cycles, as an unevaluated sum from error-free
                        // products: the NUFFT multiplies it by |k′| up to ~1e5.
                        let u = hStep * t[j]
                        cycles[j] = u
                        cyclesLow[j] = (-u).addingProduct(hStep, t[j]) + hStepLow * t[j]
                        // Strength phase h·f_c·t_j = h·f_min·t_j + (h·K₀)·Δf·t_j, up to ~1e5 cycles:
                        // only its fractional part matters, taken from error-free products so it
                        // is good to ~1e-16 cycles instead of ~1e-11.
                        let phase = FFTEngine.fractionalProduct(hFmin, t[j])
                            + FFTEngine.fractionalProduct(hCenter, grid.step, t[j])
                        let angle = 2 * Double.pi * phase
                        let c = cos(angle), s = sin(angle)
                        weightRe[j] = w[j] * c; weightIm[j] = w[j] * s
                        valueRe[j] = wy[j] * c; valueIm[j] = wy[j] * s
                    }
                }
            }
        }
        nufft.setPoints(cycles: cycles, cyclesLow: cyclesLow, count: n)
    }

    private func deallocateScratch() {
        for p in [cycles, cyclesLow, weightRe, weightIm, valueRe, valueIm] { p.deallocate() }
    }

    /// frac(a·b) ∈ [−½, ½] (+ a few ulps), from the exact product a·b = p + e.
    @inline(__always) static func fractionalProduct(_ a: Double, _ b: Double) -> Double {
        let p = a * b
        let e = (-p).addingProduct(a, b)
        return (p - p.rounded()) + e
    }

    /// frac(a·b·c) from error-free products: a·b = p + e, p·c = q + g, so a·b·c = q + g + e·c.
    @inline(__always) static func fractionalProduct(_ a: Double, _ b: Double, _ c: Double) -> Double {
        let p = a * b
        let e = (-p).addingProduct(a, b)
        let q = p * c
        let g = (-q).addingProduct(p, c)
        return (q - q.rounded()) + (g + e * c)
    }

    // MARK: cost model

    /// Seconds per curve for `n` points, `count` grid frequencies and `nterms` harmonics, plans
    /// already made (planning is a one-off per FFT length: `NUFFT.setupSeconds`).
    ///
    ///     t = 3K·[a·L·log₂L·(1 + 2L/(L + L_c)) + p·N] + g_K·M + t₀,   L = NUFFT.fftSize(M)
    ///
    /// 3K transforms, each an FFT whose cost per L·log₂L rises from a (in cache) towards 3a as the
    /// buffers spill out of the caches (the shape of FFTW's own L·log₂L curve here: 0.22 ns at
    /// 6.6e4 points, 0.35 at 5.4e5, 0.43 at 1.1e6, 0.6 at ≥ 4.4e6), plus spreading p per point;
    /// g_K per frequency covers deconvolution and the power solve (K = 2, 3: the lane-wise
    /// Cholesky). Fitted (rms 8 %, worst 19 %) to 48 runs N = 40 … 2000, T = 500 … 2000 d,
    /// f_max = 25 d⁻¹, oversampling 10 (M = 1.25e5 … 5e5, L = 2.6e5 … 1.03e6), K = 1 … 3, best of
    /// 10 thread-CPU times, with a then rescaled (×0.92) to a quieter rerun, which the model
    /// matches within 1–14 % (18 runs). Machine: AMD EPYC (Zen 5) 2-vCPU KVM guest, AVX-512,
    /// 32 MB L3, FFTW 3.3.10, FFTW_MEASURE plans (from wisdom), release -Ounchecked, -target-cpu
    /// native, one thread (the direct engine's model is within 4 % of its timings there). On the
    /// ladder lengths FFTW_ESTIMATE plans ran within ±5 % of FFTW_MEASURE ones.
    public static func estimatedSeconds(n: Int, count: Int, nterms: Int) -> Double {
        let l = Double(NUFFT.fftSize(modes: count))
        let fft = Cost.fftPerPointLog * l * log2(l) * (1 + 2 * l / (l + Cost.cacheHalfLength))
        // K > 3 goes through HarmonicSums.power (MultiHarmonic, allocating per frequency):
        // 455 ns per frequency measured at K = 4, scaled as K² beyond.
        let perFrequency = nterms <= 3 ? Cost.perFrequency[max(nterms, 1) - 1]
            : Cost.multiHarmonicK4 * Double(nterms * nterms) / 16
        return Double(3 * nterms) * (fft + Cost.perPoint * Double(n)) + perFrequency * Double(count) + Cost.fixed
    }

    enum Cost {
        /// a: seconds per L·log₂L of one in-cache FFT.
        static let fftPerPointLog = 0.21e-9
        /// L_c: FFT length at which the out-of-cache penalty is half way (points).
        static let cacheHalfLength = 1e6
        /// p: seconds per light-curve point per transform (kernel values, spreading, clearing).
        static let perPoint = 80e-9
        /// g_K for K = 1, 2, 3: seconds per grid frequency.
        static let perFrequency = [0.5e-9, 37e-9, 59e-9]
        static let multiHarmonicK4 = 455e-9
        static let fixed = 20e-6
    }
}
