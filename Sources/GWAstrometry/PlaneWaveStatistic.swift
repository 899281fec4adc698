// The F-statistic at one grid point from its accumulated sums, and its significance.
//
// For fixed frequency and direction the along-scan signal is linear in four amplitudes
// a = (a₊c, a₊s, a×c, a×s) (h_A(τ) = a_Ac cos ωτ + a_As sin ωτ, in mas of deflection per the
// PlaneWave.swift unit): s = Σ_a a_a h̃_a with h̃_a the templates after the 5-parameter projection.
// With x_a = Σ h̃_a W r̃ and M_ab = Σ h̃_a W h̃_b summed over all sources and transits, the
// log-likelihood ratio maximised over a is
//     F = ½ xᵀ M⁻¹ x,   â = M⁻¹ x,   Cov(â) = M⁻¹
// (the ℱ-statistic of Jaranowski, Królak & Schutz 1998, PRD 58, 063001, derived there for ground-based
// detectors; the algebra is the same for any signal linear in four amplitudes). Under Gaussian noise x ~ N(0, M), so
// 2F ~ χ²₄ with survival function Q(2F) = e^{−F}(1 + F); with a signal of squared SNR ρ² = aᵀMa,
// 2F ~ χ²₄(ρ²) (non-central), E[2F] = 4 + ρ².
//
// Significance over the grid (Docs/gw-planewave.md): the local false-alarm probability of a point is
// p = Q(2F); over N trials the global one is 1 − (1 − p)^N. GaiaMine takes N = the number of grid
// points, which overcounts the independent trials on an oversampled grid (neighbouring points
// are correlated), so the global FAP is conservative.

import Foundation
import Numerics

public enum FStatisticComponent {
    /// x₀…x₃ then M's upper triangle row by row: M00 M01 M02 M03 M11 M12 M13 M22 M23 M33.
    public static let count = 14
    /// Index of M_ab (any order) among the 14.
    public static func m(_ a: Int, _ b: Int) -> Int {
        let (i, j) = a <= b ? (a, b) : (b, a)
        return 4 + [0, 4, 7, 9][i] + (j - i)
    }
}

public struct FStatisticValue: Sendable, Equatable {
    /// 2F (NaN where M is not positive definite, e.g. no sources).
    public var twoF: Double
    /// â = M⁻¹x = (a₊c, a₊s, a×c, a×s), mas of deflection.
    public var amplitudes: [Double]
    /// Standard errors √diag(M⁻¹), mas.
    public var errors: [Double]

    public static let undefined = FStatisticValue(twoF: .nan, amplitudes: [.nan, .nan, .nan, .nan], errors: [.nan, .nan, .nan, .nan])
}

public enum PlaneWaveStatistic {
    /// 2F, â and σ(â) from one grid point's 14 sums (x then M's upper triangle).
    public static func solve(_ c: ArraySlice<Double>) -> FStatisticValue {
        let b = c.startIndex
        var m = [Double](repeating: 0, count: 16)
        for i in 0..<4 { for j in 0..<4 { m[i * 4 + j] = c[b + FStatisticComponent.m(i, j)] } }
        let x = (0..<4).map { c[b + $0] }
        // Cholesky M = LLᵀ with a relative pivot test.
        guard let l = try? Cholesky.factor(m, n: 4, pivot: .relative(1e-12)) else { return .undefined }
        let z = Cholesky.forward(l, n: 4, x)
        let twoF = z.reduce(0) { $0 + $1 * $1 }
        let a = Cholesky.backward(l, n: 4, z)
        let errors = (0..<4).map { i -> Double in
            var e = [Double](repeating: 0, count: 4)
            e[i] = 1
            return Cholesky.inverseQuadraticForm(factor: l, n: 4, e).squareRoot()  // (M⁻¹)_ii = ‖L⁻¹ e_i‖²
        }
        return FStatisticValue(twoF: twoF, amplitudes: a, errors: errors)
    }

    public static func solve(_ c: [Double]) -> FStatisticValue { solve(c[...]) }

    /// P(χ²₄ > 2F) = e^{−F}(1 + F).
    public static func localFalseAlarm(twoF: Double) -> Double {
        guard twoF > 0 else { return twoF.isNaN ? .nan : 1 }
        let f = twoF / 2
        return exp(-f) * (1 + f)
    }

    /// ln P(χ²₄ > 2F) (finite far beyond the double range of the probability).
    public static func logLocalFalseAlarm(twoF: Double) -> Double {
        guard twoF > 0 else { return twoF.isNaN ? .nan : 0 }
        let f = twoF / 2
        return -f + log1p(f)
    }

    /// 1 − (1 − p)^N for the local probability of 2F and N trials, computed without cancellation.
    public static func globalFalseAlarm(twoF: Double, trials: Int) -> Double {
        let p = localFalseAlarm(twoF: twoF)
        guard p.isFinite else { return .nan }
        if p >= 1 { return 1 }
        let n = Double(max(trials, 1))
        return -expm1(n * log1p(-p))
    }

    /// The 2F at which the global false-alarm probability over `trials` equals `fap`.
    public static func threshold(globalFalseAlarm fap: Double, trials: Int) -> Double {
        precondition(fap > 0 && fap < 1)
        // Local p* = 1 − (1 − fap)^{1/N}; solve e^{−F}(1 + F) = p* for F by Newton on ln.
        let n = Double(max(trials, 1))
        let target = log(-expm1(log1p(-fap) / n))
        var f = max(1.0, -target)
        for _ in 0..<60 {
            let g = -f + log1p(f) - target  // decreasing in F
            let dg = -1 + 1 / (1 + f)
            let step = g / dg
            f -= step
            if abs(step) < 1e-13 * f { break }
        }
        return 2 * f
    }
}
