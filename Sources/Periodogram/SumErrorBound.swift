// When approximate trigonometric sums are not good enough for the power, and the fallback.
//
// The fft engine's sums carry the NUFFT error (NUFFT.swift): |δC_h|, |δS_h| ≤ ε·Σw = ε and
// |δYC_h|, |δYS_h| ≤ ε·Σ|w·y|, with ε = 1e-12. The power is p = bᵀM⁻¹b / YY (HarmonicSums.swift),
// and to first order in perturbations δM, δb of a symmetric system
//     δ(bᵀM⁻¹b) = 2·δbᵀx − xᵀ·δM·x,    x = M⁻¹b
// (differentiate bᵀx with M·δx = δb − δM·x; cf. Higham 2002, Accuracy and Stability of Numerical
// Algorithms, 2nd ed., §7.1). Every entry of δM is ≤ ε_w (each entry is C_h, S_h or
// ½(C_{a−b} ± C_{a+b}); the ⟨1,1⟩ entry is exact) and every entry of δb ≤ ε_y, so
//     |δp| ≤ (2·ε_y·‖x‖₁ + ε_w·‖x‖₁²) / YY.
// x holds the fitted model's constant and harmonic coefficients. At ordinary frequencies they are
// of the order of the data's scatter and the bound is ~1e-11. Where the (2K+1)² normal matrix is
// ill-conditioned — a few low frequencies of sparse curves (N ≈ 20–40; condition numbers 1e5–1e7
// at K = 3), where the K harmonics are nearly degenerate on the sampled phases — the
// least-squares coefficients are large, errors of 1e-12 in the sums were amplified to
// |δp| ≈ 4e-8, and the bound flags exactly those frequencies. They are recomputed from exact sums
// (`ExactPower`, by the definition: design matrix and normal equations from products), at
// O(N·K²) each, which costs little because they are
// few (see Docs/periodogram.md).
//
// The bound is a posteriori and per frequency, so it needs no condition-number estimate: ‖x‖₁ comes
// with the solve (one back substitution). Second-order terms matter only when ‖M⁻¹‖·ε ≳ 1, i.e.
// condition numbers ≳ 1e12, where any fit is undetermined (power then depends on rounding in
// every engine, astropy included).

import Foundation

struct SumErrorBound {
    /// Flag a frequency when its power may be off by more than this (a tenth of the 1e-9
    /// accuracy contract: margin for the NUFFT's measured, not proven, error constant).
    static let powerTarget = 1e-10

    /// ε_w: the error bound of every weight sum C_h, S_h.
    let weightSums: Double
    /// ε_y: the error bound of every weighted-value sum YC_h, YS_h.
    let valueSums: Double
    /// powerTarget · YY: the bound compared without dividing by YY.
    let limit: Double

    /// Bounds for sums computed with relative error `tolerance`·Σ|strength| (the NUFFT's).
    init(tolerance: Double, curve: PreparedCurve) {
        self.init(tolerance: tolerance, absWeightedValues: SumErrorBound.absWeightedValues(curve), yy: curve.yy)
    }

    /// The same with Σ|w·y| and YY given (the direct engine's tolerance changes block by block).
    init(tolerance: Double, absWeightedValues: Double, yy: Double) {
        weightSums = tolerance
        valueSums = tolerance * absWeightedValues
        limit = SumErrorBound.powerTarget * yy
    }

    /// Σ|w·y|: the strength sum of the weighted-value sums YC_h, YS_h (Σw = 1 for C_h, S_h).
    static func absWeightedValues(_ curve: PreparedCurve) -> Double {
        var absWY = 0.0
        for v in curve.weightedValue { absWY += abs(v) }
        return absWY
    }

    /// True when a power solved with ‖x‖₁ = `solutionNorm` may miss `powerTarget` (also for
    /// ‖x‖₁ = +∞, a matrix that was not positive definite with the approximate sums).
    @inline(__always) func exceeded(solutionNorm x: Double) -> Bool {
        !(x * (2 * valueSums + weightSums * x) <= limit)
    }

    /// The same for eight frequencies at once.
    @inline(__always) func exceeded(solutionNorm x: SIMD8<Double>) -> SIMDMask<SIMD8<Double>.MaskStorage> {
        .!(x * (2 * valueSums + weightSums * x) .<= SIMD8(repeating: limit))
    }
}

/// The power at one grid frequency by the definition (`FourierFit`: design matrix, normal
/// equations formed from products cos·cos, sin·sin, …, Gaussian elimination), with each point's
/// phase from the exactly reduced f_k·t (`FrequencyGrid.cycles`). Forming the matrix from
/// products rather than from the product-to-sum identities matters exactly where the fallback is
/// used: at an ill-conditioned frequency an entry like ⟨sin a, sin a⟩ = ½(1 − C_{2a}) loses its
/// leading digits to cancellation when C_{2a} ≈ 1, whereas Σw·sin² keeps them. O(N·K²) per
/// frequency; for the few frequencies `SumErrorBound` flags.
enum ExactPower {
    /// Replace `power` at the grid indices `flagged` by the exact power (both engines' fallback).
    static func recompute(_ power: inout [Double], at flagged: [Int], curve: PreparedCurve, grid: FrequencyGrid,
                          nterms: Int) {
        for k in flagged { power[k] = ExactPower.power(curve, grid: grid, index: k, nterms: nterms) }
    }

    static func power(_ curve: PreparedCurve, grid: FrequencyGrid, index k: Int, nterms: Int) -> Double {
        FourierFit(curve, nterms: nterms) { i, h in 2 * Double.pi * Double(h) * grid.cycles(at: k, time: curve.time[i]) }.power
    }
}
