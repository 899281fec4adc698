// The iterative VSH fit with outlier clipping, written once for one process and for MPI: the
// data are this process's fixed blocks of sources; everything global goes through a
// `ExactReduction` (exact sums and integer sums), so every rank computes the same solution and the
// same clipping decisions, whatever the number of ranks.
//
// Clipping (Lindegren et al. 2018, A&A 616, A2, Sect. 5.2; Gaia Collaboration, Klioner et al.
// 2021, A&A 649, A9, Sect. 3): after each fit, every source's normalised residual
// X_i = (r_iᵀ C_i⁻¹ r_i)^{1/2} is computed (clipped sources included), and a source is clipped in
// the next fit when X_i > κ · median(X). Iterate until the clipped set no longer changes (or a
// maximum number of iterations). κ = 0 fits once without clipping. For pure noise X follows a
// χ distribution with 2 degrees of freedom, median √(2 ln 2) = 1.177; κ = 5 then clips
// P(X > 5.89) = exp(−17.3) ≈ 3e−8 of the good sources.
//
// The median is exact and rank-independent: the k-th smallest value of the union of every
// rank's X is found by bisection on the IEEE bit pattern of non-negative doubles (monotone in
// the value), counting values ≤ a trial pattern with one integer reduction per step (≤ 64 steps).

import Foundation
import Numerics

public struct VSHFitOptions: Sendable {
    public var lmax = 4
    /// κ of the clipping criterion X > κ · median(X); 0: no clipping.
    public var kappa = 5.0
    public var maxIterations = 20
    public init(lmax: Int = 4, kappa: Double = 5, maxIterations: Int = 20) {
        self.lmax = lmax
        self.kappa = kappa
        self.maxIterations = maxIterations
    }
}

/// One iteration's record.
public struct VSHIteration: Sendable {
    public var iteration: Int
    public var sourcesFitted: Int
    public var clippedNext: Int
    public var medianX: Double
    public var chi2: Double
}

public struct VSHFitOutcome {
    public var solution: VSHSolution
    /// Per local block: which of its sources were clipped in the final fit.
    public var clipped: [[Bool]]
    /// Per local block: X_i of every source against the final solution.
    public var normalisedResidual: [[Double]]
    public var sourcesTotal: Int
    public var sourcesClipped: Int
    public var iterations: [VSHIteration]
    /// Whether the clipped set stopped changing (always true without clipping).
    public var converged: Bool
    /// Median X over all sources against the final solution.
    public var medianX: Double
    /// Seconds this process spent accumulating normal equations and residuals.
    public var kernelSeconds: Double
}

public enum VSHClippedFit {
    /// Runs the fit over this process's `blocks`. `progress(iteration, blocks done)` is called
    /// after each block for progress lines.
    public static func run(blocks: [ProperMotionBlock], options o: VSHFitOptions, reduction: ExactReduction,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> VSHFitOutcome {
        guard o.lmax >= 1 && o.lmax <= VSHLayout.maximumDegree else {
            throw VSHError("lmax must be between 1 and \(VSHLayout.maximumDegree), got \(o.lmax)")
        }
        guard o.kappa >= 0 && o.kappa.isFinite else { throw VSHError("the clipping factor κ must be ≥ 0 (0: no clipping), got \(o.kappa)") }
        guard o.maxIterations >= 1 else { throw VSHError("max iterations must be ≥ 1, got \(o.maxIterations)") }
        let layout = VSHLayout(lmax: o.lmax)
        var basis = VSHBasis(lmax: o.lmax)
        var clipped = blocks.map { [Bool](repeating: false, count: $0.data.count) }
        let total = reduction.sum([blocks.reduce(0) { $0 + $1.data.count }])[0]
        // (sin δ, cos δ, cos α, sin α) of every source, once for all iterations.
        let tTrig = clock()
        let trig = blocks.map { b in (0..<b.data.count).map { i in SIMD4(sin(b.data.dec[i]), cos(b.data.dec[i]), cos(b.data.ra[i]), sin(b.data.ra[i])) } }
        var history: [VSHIteration] = []
        var kernel = clock() - tTrig
        var alpha = [Double](repeating: 0, count: layout.count), delta = alpha
        var iteration = 0
        while true {
            iteration += 1
            // --- fit with the current clipped set --------------------------------------------
            let t0 = clock()
            var exact = ExactSum(count: VSHNormalEquations(layout: layout).packedCount)
            for (b, block) in blocks.enumerated() {
                var ne = VSHNormalEquations(layout: layout)
                let keep = (0..<block.data.count).filter { !clipped[b][$0] }
                ne.add(block.data, indices: keep, basis: &basis, trig: trig[b])
                exact.add(ne.packed())
                progress(iteration, b + 1)
            }
            kernel += clock() - t0
            let ne = VSHNormalEquations(layout: layout, packed: reduction.sum(exact).values())
            let solution = try VSHSolution(ne)
            // --- residuals of every source ----------------------------------------------------
            let t1 = clock()
            var x = [[Double]]()
            x.reserveCapacity(blocks.count)
            var chi2Used = ExactSum(count: 1)
            alpha.withUnsafeMutableBufferPointer { ap in
                delta.withUnsafeMutableBufferPointer { dp in
                    for (b, block) in blocks.enumerated() {
                        var xb = [Double](repeating: 0, count: block.data.count)
                        for i in 0..<block.data.count {
                            let c2 = solution.residualChi2(block.data, i, basis: &basis, trig: trig[b][i], alpha: ap.baseAddress!, delta: dp.baseAddress!)
                            xb[i] = c2.squareRoot()
                            if !clipped[b][i] { chi2Used.add(c2, to: 0) }
                        }
                        x.append(xb)
                    }
                }
            }
            kernel += clock() - t1
            let chi2 = reduction.sum(chi2Used).value(0)
            let median = try globalMedian(x.flatMap { $0 }, total: total, reduction: reduction)
            // --- next clipped set -------------------------------------------------------------
            var next = clipped
            var changed = 0, nClipped = 0
            if o.kappa > 0 {
                let limit = o.kappa * median
                for b in blocks.indices {
                    for i in x[b].indices {
                        let c = x[b][i] > limit || !x[b][i].isFinite
                        if c != clipped[b][i] { changed += 1 }
                        if c { nClipped += 1 }
                        next[b][i] = c
                    }
                }
            }
            let g = reduction.sum([changed, nClipped])
            history.append(VSHIteration(iteration: iteration, sourcesFitted: solution.sources, clippedNext: g[1], medianX: median, chi2: chi2))
            let converged = o.kappa == 0 || g[0] == 0
            if converged || iteration >= o.maxIterations {
                let nowClipped = reduction.sum([clipped.reduce(0) { $0 + $1.filter { $0 }.count }])[0]
                return VSHFitOutcome(solution: solution, clipped: clipped, normalisedResidual: x, sourcesTotal: total,
                                     sourcesClipped: nowClipped, iterations: history, converged: converged,
                                     medianX: median, kernelSeconds: kernel)
            }
            clipped = next
        }
    }

    /// Median of the union of every participant's values (all finite ones, ≥ 0; non-finite values
    /// count as +∞): mean of the two middle values for an even count. Exact.
    public static func globalMedian(_ local: [Double], total: Int, reduction: ExactReduction) throws -> Double {
        guard total > 0 else { throw VSHError("no sources") }
        let sorted = local.map { $0.isNaN ? Double.infinity : $0 }.sorted()
        if total % 2 == 1 { return kthSmallest(sorted, k: total / 2, reduction: reduction) }
        let a = kthSmallest(sorted, k: total / 2 - 1, reduction: reduction)
        let b = kthSmallest(sorted, k: total / 2, reduction: reduction)
        return (a + b) / 2
    }

    /// The k-th smallest (0-based) of the union of every participant's sorted non-negative values.
    public static func kthSmallest(_ sorted: [Double], k: Int, reduction: ExactReduction) -> Double {
        // Smallest bit pattern P with #{v ≤ value(P)} ≥ k + 1; +∞ is 0x7FF0…0.
        var lo: UInt64 = 0, hi: UInt64 = Double.infinity.bitPattern
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let v = Double(bitPattern: mid)
            let local = upperBound(sorted, v)
            if reduction.sum([local])[0] >= k + 1 { hi = mid } else { lo = mid + 1 }
        }
        return Double(bitPattern: lo)
    }

    /// Number of elements ≤ v in a sorted array.
    static func upperBound(_ a: [Double], _ v: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] <= v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func clock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
