// Covariance and correlation matrices for the XP and astrometry generators and their truth.
// Matrices are row-major [Double] of n·n elements; the factorisations and solves are Numerics'
// Cholesky, the tril_indices packing Numerics' SymmetricPacking.

import Numerics

public enum LinearAlgebra {
    /// Σ = diag(σ)·C·diag(σ).
    public static func covariance(sigma: [Double], correlation c: [Double], n: Int) -> [Double] {
        var s = c
        for i in 0..<n { for j in 0..<n { s[i * n + j] = sigma[i] * c[i * n + j] * sigma[j] } }
        return s
    }
}

/// Random correlation matrices with a realistic structure, generated through their Cholesky
/// factor W (lower triangular, unit-norm rows): C = W·Wᵀ then has a unit diagonal and is
/// positive definite whenever every W[i][i] ≠ 0, and correlated noise is W·z for z ~ N(0, I).
/// Off-diagonal W[i][j] = a·z·(e^{−(i−j−1)/ℓ} + c): correlations strongest next to the diagonal,
/// decaying with distance, with a weak long-range floor. For the XP bases (a, ℓ, c) =
/// (0.3, 8, 0.1) gives mean |C[i][i+k]| ≈ 0.19, 0.17, 0.15, 0.12, 0.07, 0.04, 0.02 for
/// k = 1, 2, 3, 5, 10, 20, 40 and smallest eigenvalues ~0.01–0.03, like the DR3 matrices of
/// 18 Sco and Proxima Cen (0.20, 0.17, 0.18, 0.13, 0.10, 0.05, 0.07; 0.02).
public struct CorrelationFactor {
    public let n: Int
    /// W, row-major lower triangular.
    public var w: [Double]

    public init(n: Int, rng: inout Xoshiro256, amplitude a: Double, length ell: Double, floor c: Double) {
        self.n = n
        var w = [Double](repeating: 0, count: n * n)
        var decay = [Double](repeating: 0, count: n)
        for d in 0..<n { decay[d] = DetMath.exp(-Double(d) / ell) + c }
        for i in 0..<n {
            var norm = 1.0
            w[i * n + i] = 1
            for j in 0..<i {
                let v = a * rng.normal() * decay[i - j - 1]
                w[i * n + j] = v
                norm += v * v
            }
            let inv = 1 / norm.squareRoot()
            for j in 0...i { w[i * n + j] *= inv }
        }
        self.w = w
    }

    /// C = W·Wᵀ (symmetric, unit diagonal up to rounding; the diagonal is set to exactly 1).
    public func correlation() -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        w.withUnsafeBufferPointer { w in
            c.withUnsafeMutableBufferPointer { c in
                for i in 0..<n {
                    c[i * n + i] = 1
                    for j in 0..<i {
                        var s = 0.0
                        for k in 0...j { s += w[i * n + k] * w[j * n + k] }
                        c[i * n + j] = s
                        c[j * n + i] = s
                    }
                }
            }
        }
        return c
    }

    /// W·z.
    public func apply(_ z: [Double]) -> [Double] { Cholesky.lowerTimes(w, n: n, z) }
}
