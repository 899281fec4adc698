// One-dimensional type-1 non-uniform FFT
//     F(k) = Σ_j c_j · exp(+i·k·x_j),   k = −⌊M/2⌋ … M − 1 − ⌊M/2⌋,
// for real points x_j (any real; only x mod 2π matters) and complex strengths c_j, after
// Barnett, Magland & af Klinteberg (2019, SIAM J. Sci. Comput. 41, C479; "BMK19"):
//
//  1. spread: b_l = Σ_j c_j · φ(2(l − X_j)/w) on a periodic fine grid of n ≥ σM points, where
//     X_j = n·x_j/2π is the point in grid units and φ is the "exponential of semicircle" (ES)
//     kernel of BMK19, φ(z) = exp(β(√(1 − z²) − 1)) for |z| ≤ 1, zero outside, width w points;
//  2. FFT: B(k) = Σ_l b_l · exp(+2πi·k·l/n) (FFTW, backward sign);
//  3. deconvolve: F(k) = B(k) / φ̂(k), with the kernel's Fourier transform (BMK19's
//     "correction factors", evaluated by Gauss–Legendre quadrature since φ̂ has no closed form)
//         φ̂(k) = Σ_{l∈ℤ} φ(2s/w)·e^{2πiks/n} ≈ (w/2)∫_{−1}^{1} φ(z)·cos(π·w·k·z/n) dz.
//     (Poisson summation: the periodised kernel's spectrum is φ̂(k) plus aliases φ̂(k + m·n),
//      m ≠ 0, which the ES kernel makes ≤ ε relative — that is the whole error budget.)
//
// Parameters as in BMK19 / FINUFFT for upsampling σ = 2: β = 2.30·w and a relative error
// ε ≈ 10^{−(w−1)} of Σ|c_j| — ≈ 3·10^{−(w−1)} in the worst case, so w = ⌈log₁₀(3/ε)⌉ + 1
// (14 points for ε = 1e-12; see `ESKernel.init`).
//
// Cost: N·w kernel evaluations and multiply-adds to spread, one complex FFT of n points, M
// multiplies to deconvolve. Only the FFT grows with M; that is why the fine-grid size is rounded up to
// a 2^a·3^b·5^c·7^d length from a short ladder FFTW handles well, and why plans are cached (see
// `NUFFT.ladderSize`).
//
// Threading: a `NUFFT` (and the engine that owns it) belongs to one thread — it reuses its
// buffers between calls. The FFTW planner itself keeps process-global state and is not
// thread-safe even across instances, so plan creation/destruction is serialised by a global lock;
// `fftw_execute_dft` on an existing plan is thread-safe (FFTW manual, "Thread safety").

import CFFTW
import Foundation

/// How hard FFTW searches for a fast plan for each new transform size.
/// Measured on the development machine (2-vCPU EPYC VM, FFTW 3.3.10, ladder lengths):
/// FFTW_ESTIMATE plans in ~1 ms, and the periodogram ran within ±5 % of FFTW_MEASURE plans (up to
/// 1.3× slower when the machine was loaded), while FFTW_MEASURE spends 12–240 s planning each new
/// length (5.4e5 points: 108–214 s, 1.03e6: 121–241 s, machine shared with other jobs). MEASURE
/// pays off only for long runs meeting few lengths, or with wisdom carried between runs
/// (`NUFFT.importWisdom`/`exportWisdom`).
public enum FFTPlanning: Sendable {
    /// Heuristic plan (FFTW_ESTIMATE).
    case estimate
    /// Timed plan (FFTW_MEASURE); plans and wisdom persist in the process.
    case measure

    var flags: UInt32 {
        // PRESERVE_INPUT: the spreading buffer must survive the out-of-place transform, because
        // it is cleared cell by cell (N·w cells) instead of n cells (see `NUFFT.clearSpread`).
        switch self {
        case .estimate: return UInt32(FFTW_ESTIMATE) | UInt32(FFTW_PRESERVE_INPUT)
        case .measure: return UInt32(FFTW_MEASURE) | UInt32(FFTW_PRESERVE_INPUT)
        }
    }
}

/// Serialises every call into the FFTW planner (plan creation/destruction, wisdom).
private let fftwPlannerLock = NSLock()

/// The ES kernel of BMK19 for upsampling σ = 2 and its Fourier transform.
struct ESKernel: Sendable {
    /// w: grid points covered by the kernel (its support is w grid spacings).
    let width: Int
    /// β = 2.30·w (BMK19's choice for σ = 2).
    let beta: Double

    /// w from the relative tolerance. BMK19's rule of thumb ε ≈ 10^{−(w−1)} describes typical
    /// errors; the worst case — one point, modes at the band edge |k| ≈ n/4 where 1/φ̂ is largest —
    /// measures ≈ 3·10^{−(w−1)} (w = 13: 2.5e-12; w = 14: 3e-13). So w = ⌈log₁₀(3/ε)⌉ + 1 (14 for
    /// ε = 1e-12) guarantees max |error| ≤ ε·Σ|c_j|. Clamped to 2 … 16 (w = 16 reaches the
    /// float64 floor).
    init(tolerance: Double) {
        let digits = log10(3 / max(tolerance, 1e-16)).rounded(.up)
        width = min(max(Int(digits) + 1, 2), 16)
        beta = 2.30 * Double(width)
    }

    /// φ(z) for |z| ≤ 1 (the caller guarantees it; the max() absorbs rounding at z = ±1).
    @inline(__always) func value(_ z: Double) -> Double {
        exp(beta * ((max(0, 1 - z * z)).squareRoot() - 1))
    }

    /// 1/φ̂(k) for k = 0 … kmax on a fine grid of n points:
    ///     φ̂(k) = w · Σ_q ω_q φ(z_q) cos(π·w·k·z_q/n),
    /// Gauss–Legendre on [0, 1] (the integrand is even). φ is smooth except for a √(1 − z)
    /// corner at z = 1 where φ = e^{−β} ≈ 1e-13, so q = 2w + 4 nodes on the half interval
    /// (FINUFFT uses 1.5w + 2) leaves quadrature error far below ε.
    func inverseKernelFTTable(n: Int, kmax: Int) -> [Double] {
        let (nodes, weights) = GaussLegendre.unitInterval(2 * width + 4)
        let q = nodes.count
        var scaled = [Double](repeating: 0, count: q)  // w · ω_q · φ(z_q)
        var angle = [Double](repeating: 0, count: q)   // π·w·z_q/n
        for i in 0..<q {
            scaled[i] = Double(width) * weights[i] * value(nodes[i])
            angle[i] = Double.pi * Double(width) * nodes[i] / Double(n)
        }
        var out = [Double](repeating: 0, count: kmax + 1)
        for k in 0...kmax {
            var sum = 0.0
            for i in 0..<q { sum += scaled[i] * cos(angle[i] * Double(k)) }
            out[k] = 1 / sum
        }
        return out
    }
}

enum GaussLegendre {
    /// Nodes and weights of the q-point Gauss–Legendre rule (q ≥ 2) mapped to [0, 1]: Newton on
    /// P_q from the initial guesses cos(π(i + ¾)/(q + ½)), weights 2/((1 − x²)P_q'(x)²) halved.
    static func unitInterval(_ q: Int) -> (nodes: [Double], weights: [Double]) {
        precondition(q >= 2)
        /// (P_q(x), P_q'(x)) by the three-term recurrence.
        func legendre(_ x: Double) -> (Double, Double) {
            var p0 = 1.0, p1 = x
            for m in 2...q {
                let p2 = ((2 * Double(m) - 1) * x * p1 - (Double(m) - 1) * p0) / Double(m)
                p0 = p1
                p1 = p2
            }
            return (p1, Double(q) * (x * p1 - p0) / (x * x - 1))
        }
        var nodes = [Double](repeating: 0, count: q)
        var weights = nodes
        for i in 0..<q {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(q) + 0.5))
            for _ in 0..<100 {
                let (p, dp) = legendre(x)
                let dx = p / dp
                x -= dx
                if abs(dx) < 1e-16 { break }
            }
            let dp = legendre(x).1
            nodes[i] = 0.5 * (x + 1)
            weights[i] = 1 / ((1 - x * x) * dp * dp)
        }
        return (nodes, weights)
    }
}

/// Type-1 NUFFT with cached FFTW plans, reusable buffers and precomputed correction factors.
/// Not thread-safe: one instance per thread.
public final class NUFFT {
    public let tolerance: Double
    public let planning: FFTPlanning
    /// Fine-grid points per mode (σ).
    public static let upsampling = 2.0
    let kernel: ESKernel
    public var kernelWidth: Int { kernel.width }

    /// One transform size: its plan and its 1/φ̂ table (index |k| = 0 … n/4).
    final class Size {
        let n: Int
        let plan: OpaquePointer
        let inverseKernelFT: UnsafeMutablePointer<Double>
        init(n: Int, plan: OpaquePointer, inverseKernelFT table: [Double]) {
            self.n = n
            self.plan = plan
            inverseKernelFT = .allocate(capacity: table.count)
            inverseKernelFT.initialize(from: table, count: table.count)
        }
        deinit { inverseKernelFT.deallocate() }
    }
    private var sizes: [Int: Size] = [:]
    /// Seconds spent creating plans and correction tables, per size (for reports and the cost model).
    public private(set) var setupSeconds: [Int: Double] = [:]

    // fftw_malloc'd (SIMD-aligned) buffers of `capacity` complex numbers, shared by every size: a
    // plan made on one aligned pair may be executed on another (fftw_execute_dft). `grid` is kept
    // all-zero between transforms; `spectra` are output slots (several let a caller combine the
    // raw spectra of a few transforms in one pass, see `transformRaw`).
    private var capacity = 0
    private var grid: UnsafeMutablePointer<Double>?
    private var spectra: [UnsafeMutablePointer<Double>] = []

    // Per point set (shared by every strength vector spread at the same points): the first fine-grid
    // index each point touches (already reduced mod n) and its w kernel values.
    private var pointCount = 0
    private var pointCapacity = 0
    private var firstIndex: UnsafeMutablePointer<Int>?
    private var kernelValues: UnsafeMutablePointer<Double>?
    private var current: Size?

    public init(tolerance: Double = 1e-12, planning: FFTPlanning = .measure) {
        precondition(tolerance > 0, "NUFFT tolerance must be positive")
        self.tolerance = tolerance
        self.planning = planning
        kernel = ESKernel(tolerance: tolerance)
    }

    deinit {
        fftwPlannerLock.lock()
        for size in sizes.values { fftw_destroy_plan(size.plan) }
        fftwPlannerLock.unlock()
        if let grid { fftw_free(grid) }
        for s in spectra { fftw_free(s) }
        firstIndex?.deallocate()
        kernelValues?.deallocate()
    }

    // MARK: sizes and plans

    /// The FFT length used for M modes: the smallest size of the ladder ≥ max(σM, 2w).
    public static func fftSize(modes: Int, kernelWidth: Int = 14) -> Int {
        ladderSize(atLeast: max(Int((upsampling * Double(modes)).rounded(.up)), 2 * kernelWidth))
    }

    /// The FFT lengths the engine uses, ascending: n = 2^a·3^b·5^c·7^d with 1 ≤ a ≤ 8, b ≤ 5,
    /// c ≤ 5, d ≤ 3, thinned so consecutive lengths differ by ≥ 5 % (~12 per octave; the length
    /// chosen exceeds σM by at most 8 %, 3 % on average).
    ///
    /// Why these: timed on the development machine (FFTW 3.3.10, AVX-512), lengths with a large
    /// power of two (2^12 … 2^20 · small), 3^≥7, 5^≥6 or 7^≥4 ran 1.5–2× slower per n·log n than
    /// mixed-radix neighbours such as 544320 = 2⁶·3⁵·5·7 or 588000 = 2⁵·3·5³·7² (large power-of-two
    /// strides conflict in the caches). Why a ladder and not every such length: with per-curve
    /// grids every curve has its own M, and an FFTW_MEASURE plan costs 12–240 s per new length
    /// there; 12 lengths per octave bound a DR3-like run (baselines 700–1040 d) to 9 plans.
    static let ladder: [Int] = {
        var all: [Int] = []
        for a in 1...8 {
            for b in 0...5 {
                for c in 0...5 {
                    for d in 0...3 {
                        all.append((1 << a) * Int(pow(3.0, Double(b))) * Int(pow(5.0, Double(c)))
                                   * Int(pow(7.0, Double(d))))
                    }
                }
            }
        }
        var ladder: [Int] = []
        for n in all.sorted() where ladder.last.map({ Double(n) >= 1.05 * Double($0) }) ?? true {
            ladder.append(n)
        }
        return ladder
    }()

    /// The smallest ladder length ≥ m.
    static func ladderSize(atLeast m: Int) -> Int {
        var lo = 0, hi = ladder.count - 1
        precondition(ladder[hi] >= m, "NUFFT: \(m) modes exceed the largest FFT length")
        while lo < hi {
            let mid = (lo + hi) / 2
            if ladder[mid] >= m { hi = mid } else { lo = mid + 1 }
        }
        return ladder[lo]
    }

    /// Number of plans held (one per distinct FFT length seen).
    public var cachedPlanCount: Int { sizes.count }

    /// Select (creating on first use) the plan and correction table for M modes.
    @discardableResult
    func prepare(modes: Int) -> Int {
        let n = NUFFT.fftSize(modes: modes, kernelWidth: kernel.width)
        if let size = sizes[n] {
            current = size
            return n
        }
        let start = DispatchTime.now().uptimeNanoseconds
        ensureCapacity(n)
        fftwPlannerLock.lock()
        let plan = fftw_plan_dft_1d(Int32(n), complexPointer(grid!), complexPointer(spectra[0]),
                                    FFTW_BACKWARD, planning.flags)
        fftwPlannerLock.unlock()
        guard let plan else { fatalError("FFTW could not plan a transform of \(n) points") }
        // FFTW_MEASURE scribbles on the arrays while timing; restore the all-zero invariant.
        grid!.update(repeating: 0, count: 2 * capacity)
        // The table covers every |k| a size can serve (M ≤ n/σ ⇒ |k| ≤ n/4), so it is built once.
        let size = Size(n: n, plan: plan, inverseKernelFT: kernel.inverseKernelFTTable(n: n, kmax: n / 4))
        sizes[n] = size
        current = size
        setupSeconds[n] = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return n
    }

    private func ensureCapacity(_ n: Int, slots: Int = 1) {
        if n > capacity {
            if let grid { fftw_free(grid) }
            grid = NUFFT.allocateComplex(n)
            for i in spectra.indices {
                fftw_free(spectra[i])
                spectra[i] = NUFFT.allocateComplex(n)
            }
            capacity = n
        }
        while spectra.count < slots { spectra.append(NUFFT.allocateComplex(capacity)) }
    }

    private static func allocateComplex(_ n: Int) -> UnsafeMutablePointer<Double> {
        let p = fftw_malloc(2 * n * MemoryLayout<Double>.stride)!.bindMemory(to: Double.self, capacity: 2 * n)
        p.initialize(repeating: 0, count: 2 * n)
        return p
    }

    @inline(__always) private func complexPointer(_ p: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: fftw_complex.self)
    }

    // MARK: the three steps

    /// Set the points, in cycles (x/2π; any real, wrapped here), for the size chosen by `prepare`:
    /// each point's first grid index and its w kernel values, computed once for every strength
    /// vector that follows. `cyclesLow`, if given, is a low-order part — point j is at
    /// cycles[j] + cyclesLow[j] — so a caller can pass h·Δf·t_j from an error-free product (the
    /// phase k·u with |k| ~ 1e5 otherwise inherits u's rounding, ~1e-12 cycles).
    func setPoints(cycles: UnsafePointer<Double>, cyclesLow: UnsafePointer<Double>? = nil, count: Int) {
        guard let size = current else { preconditionFailure("NUFFT.prepare(modes:) first") }
        let w = kernel.width
        if count > pointCapacity {
            firstIndex?.deallocate()
            kernelValues?.deallocate()
            pointCapacity = max(count, 2 * pointCapacity)
            firstIndex = .allocate(capacity: pointCapacity)
            kernelValues = .allocate(capacity: pointCapacity * w)
        }
        pointCount = count
        let n = size.n
        let dn = Double(n)
        let halfWidth = 0.5 * Double(w)
        let toZ = 2 / Double(w)
        for j in 0..<count {
            // u − round(u) is exact in floating point (a wrap to [0, 1) by u − floor(u) is not for
            // u < 0), and the fma residual keeps the offset from the grid exact: the kernel is
            // evaluated at the true position even when X = u·n is ~1e5 grid units.
            let u = cycles[j] - cycles[j].rounded()       // [−½, ½]
            let x = u * dn                                // X, grid units
            let xLow = (-x).addingProduct(u, dn)          // u·n = x + xLow exactly
            let left = (x - halfWidth).rounded(.up)       // first grid point with l − X ≥ −w/2
            var offset = (left - x) - xLow                // left − X ∈ [−w/2, −w/2 + 1)
            if let cyclesLow { offset -= cyclesLow[j] * dn }
            let base = kernelValues! + j * w
            for s in 0..<w {
                base[s] = kernel.value((offset + Double(s)) * toZ)
            }
            var first = Int(left) % n
            if first < 0 { first += n }
            firstIndex![j] = first
        }
    }

    /// Spread strengths (re, im) at the current points, transform, and write the deconvolved
    /// modes k = −⌊M/2⌋ … M−1−⌊M/2⌋ to outRe[0..<M], outIm[0..<M].
    func transform(re: UnsafePointer<Double>, im: UnsafePointer<Double>, modes: Int,
                   outRe: UnsafeMutablePointer<Double>, outIm: UnsafeMutablePointer<Double>) {
        let raw = transformRaw(re: re, im: im, slot: 0)
        deconvolve(raw, modes: modes, outRe: outRe, outIm: outIm)
    }

    /// The spectrum of one transform before deconvolution: B(k) at interleaved (re, im) index
    /// 2·(k mod n), and 1/φ̂(|k|) for |k| ≤ n/4, so F(k) = B(k)·inverseKernelFT[|k|]. Valid until
    /// the next transform into the same slot or the next `prepare`.
    struct RawSpectrum {
        let n: Int
        let values: UnsafePointer<Double>
        let inverseKernelFT: UnsafePointer<Double>
    }

    /// Spread and transform into output slot `slot` without deconvolving, so that a caller needing
    /// a few transforms at once (the K = 1 periodogram) reads each spectrum only once.
    @discardableResult
    func transformRaw(re: UnsafePointer<Double>, im: UnsafePointer<Double>, slot: Int) -> RawSpectrum {
        guard let size = current else { preconditionFailure("NUFFT.prepare(modes:) first") }
        ensureCapacity(size.n, slots: slot + 1)
        spread(re: re, im: im, n: size.n)
        fftw_execute_dft(size.plan, complexPointer(grid!), complexPointer(spectra[slot]))
        clearSpread(n: size.n)
        return RawSpectrum(n: size.n, values: spectra[slot], inverseKernelFT: size.inverseKernelFT)
    }

    private func spread(re: UnsafePointer<Double>, im: UnsafePointer<Double>, n: Int) {
        let w = kernel.width
        let g = grid!
        for j in 0..<pointCount {
            let first = firstIndex![j]
            let ker = kernelValues! + j * w
            let cr = re[j], ci = im[j]
            if first + w <= n {
                let cell = g + 2 * first
                for s in 0..<w {
                    cell[2 * s] += cr * ker[s]
                    cell[2 * s + 1] += ci * ker[s]
                }
            } else {  // the kernel wraps around the periodic grid
                for s in 0..<w {
                    var l = first + s
                    if l >= n { l -= n }
                    g[2 * l] += cr * ker[s]
                    g[2 * l + 1] += ci * ker[s]
                }
            }
        }
    }

    /// Restore `grid` to zero by clearing only the cells the points touched (N·w of n).
    private func clearSpread(n: Int) {
        let w = kernel.width
        let g = grid!
        for j in 0..<pointCount {
            let first = firstIndex![j]
            for s in 0..<w {
                var l = first + s
                if l >= n { l -= n }
                g[2 * l] = 0
                g[2 * l + 1] = 0
            }
        }
    }

    private func deconvolve(_ raw: RawSpectrum, modes m: Int, outRe: UnsafeMutablePointer<Double>,
                            outIm: UnsafeMutablePointer<Double>) {
        let half = m / 2
        let spec = raw.values, corr = raw.inverseKernelFT
        // k = −half … −1 sit at FFT indices n − half … n − 1, outputs 0 … half − 1.
        let neg = spec + 2 * (raw.n - half)
        for i in 0..<half {
            let c = corr[half - i]
            outRe[i] = neg[2 * i] * c
            outIm[i] = neg[2 * i + 1] * c
        }
        // k = 0 … m − 1 − half at FFT indices 0 …, outputs half ….
        let posRe = outRe + half, posIm = outIm + half
        for k in 0..<(m - half) {
            let c = corr[k]
            posRe[k] = spec[2 * k] * c
            posIm[k] = spec[2 * k + 1] * c
        }
    }

    // MARK: convenience API

    /// F(k) = Σ_j c_j exp(+i·k·x_j) for k = −⌊M/2⌋ … M − 1 − ⌊M/2⌋ (element i is k = i − ⌊M/2⌋),
    /// to relative accuracy ~`tolerance`·Σ|c_j|. Points x_j in radians, any real value.
    public func type1(points x: [Double], re: [Double], im: [Double], modes: Int) -> (re: [Double], im: [Double]) {
        precondition(x.count == re.count && x.count == im.count, "NUFFT inputs differ in length")
        precondition(modes > 0, "NUFFT needs at least one mode")
        prepare(modes: modes)
        let cycles = x.map { $0 / (2 * Double.pi) }
        cycles.withUnsafeBufferPointer { setPoints(cycles: $0.baseAddress!, count: x.count) }
        var outRe = [Double](repeating: 0, count: modes)
        var outIm = outRe
        re.withUnsafeBufferPointer { r in
            im.withUnsafeBufferPointer { i in
                outRe.withUnsafeMutableBufferPointer { or in
                    outIm.withUnsafeMutableBufferPointer { oi in
                        transform(re: r.baseAddress!, im: i.baseAddress!, modes: modes,
                                  outRe: or.baseAddress!, outIm: oi.baseAddress!)
                    }
                }
            }
        }
        return (outRe, outIm)
    }

    // MARK: wisdom

    /// Load FFTW wisdom (e.g. saved by an earlier run) so that `.measure` plans for sizes already
    /// measured are created in milliseconds. Returns false if the file is missing or unreadable.
    public static func importWisdom(from path: String) -> Bool {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        return fftw_import_wisdom_from_filename(path) != 0
    }

    /// Save the wisdom accumulated by this process (all sizes planned so far).
    public static func exportWisdom(to path: String) -> Bool {
        fftwPlannerLock.lock()
        defer { fftwPlannerLock.unlock() }
        return fftw_export_wisdom_to_filename(path) != 0
    }
}
