// Small dense linear algebra in float64 for the reference path and the tests: correlation
// unpacking, textbook Cholesky–Banachiewicz, forward substitution, Mahalanobis distance.
// Clarity over speed: the fast path is BatchedScorer.

public enum XPLinearAlgebra {
    /// The 55×55 correlation matrix (unit diagonal, row-major, symmetric) from the 1485 packed
    /// off-diagonal values: element k goes to (i, j) and (j, i), (i, j) the k-th pair of numpy
    /// `tril_indices(55, -1)` — the lower triangle read row by row (GaiaXPy convention).
    public static func unpackCorrelations(_ packed: [Double], n: Int = xpCoefficientCount) -> [Double] {
        precondition(packed.count == n * (n - 1) / 2)
        var r = [Double](repeating: 0, count: n * n)
        var k = 0
        for i in 0..<n {
            for j in 0..<i {
                r[i * n + j] = packed[k]
                r[j * n + i] = packed[k]
                k += 1
            }
            r[i * n + i] = 1
        }
        return r
    }

    /// Lower Cholesky factor L (row-major n×n, zero above the diagonal) with A = L·Lᵀ, by the
    /// Cholesky–Banachiewicz recurrence (row by row, sums in increasing k):
    ///   L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj  (j < i),   L_ii = √(A_ii − Σ_{k<i} L_ik²).
    /// Only the lower triangle of A is read. Returns nil when a pivot is ≤ 0 or NaN (A not
    /// numerically positive definite), as LAPACK `dpotrf` does.
    public static func cholesky(_ a: [Double], n: Int) -> [Double]? {
        precondition(a.count == n * n)
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = sum / l[j * n + j]
            }
            var d = a[i * n + i]
            for k in 0..<i { d -= l[i * n + k] * l[i * n + k] }
            guard d > 0 else { return nil }  // also catches NaN
            l[i * n + i] = d.squareRoot()
        }
        return l
    }

    /// y with L·y = b (L lower triangular, row-major n×n).
    public static func forwardSubstitute(_ l: [Double], _ b: [Double], n: Int) -> [Double] {
        precondition(l.count == n * n && b.count == n)
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        return y
    }

    /// x with Lᵀ·x = y (back substitution; L lower triangular, row-major n×n).
    public static func backSubstitute(_ l: [Double], _ y: [Double], n: Int) -> [Double] {
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<max(i + 1, n) { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }

    /// Inverse of a symmetric positive-definite A through its Cholesky factor (tests only: the
    /// scorers never form an inverse). nil if A is not positive definite.
    public static func inverseSPD(_ a: [Double], n: Int) -> [Double]? {
        guard let l = cholesky(a, n: n) else { return nil }
        var inv = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[c] = 1
            let x = backSubstitute(l, forwardSubstitute(l, e, n: n), n: n)
            for r in 0..<n { inv[r * n + c] = x[r] }
        }
        return inv
    }

    /// Mahalanobis distance squared rᵀ·Σ⁻¹·r = |y|² with L·y = r, L the Cholesky factor of Σ
    /// (Σ row-major n×n, n = r.count); NaN if Σ is not positive definite. This is GaiaXPy's
    /// `get_chi2(A, r)` = |A·r|² with A = L⁻¹ (there L is the factor of the correlation matrix
    /// and A includes diag(1/e); the value is the same).
    public static func mahalanobis(residual r: [Double], covariance: [Double]) -> Double {
        let n = r.count
        guard let l = cholesky(covariance, n: n) else { return .nan }
        return forwardSubstitute(l, r, n: n).reduce(0) { $0 + $1 * $1 }
    }
}

/// rᵀ·Σ⁻¹·r through the Cholesky factor of Σ (see `XPLinearAlgebra.mahalanobis`).
public func mahalanobis(residual: [Double], covariance: [Double]) -> Double {
    XPLinearAlgebra.mahalanobis(residual: residual, covariance: covariance)
}
