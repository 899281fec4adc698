// Dense Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite n×n matrix and the
// solves built on it. Matrices are row-major, n·n contiguous Doubles; only the lower triangle of
// A is read and L is lower triangular.
//
// The factorisation is the Cholesky–Banachiewicz recurrence (row by row, every sum taken in
// increasing k; Golub & Van Loan 2013, Matrix Computations, Alg. 4.2.1 in its row form):
//   L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj   (j < i),    L_ii = √(A_ii − Σ_{k<i} L_ik²).
// Each element is the same sequence of IEEE operations whichever loop order computes it, so the
// column-by-column copies this replaces gave the same bits; the substitutions are likewise the
// textbook ones with sums in increasing index. No fused multiply-adds (Swift does not contract
// a·b + c), so Synth's byte-identical output, which uses these, stays identical on every machine.
//
// The pointer forms are the hot-path kernels (no allocation, @inlinable so the caller's loop
// bounds and pivot test specialise them); the array forms wrap them.

/// A pivot (the quantity under L_jj's square root) was rejected: A is not (numerically)
/// positive definite. `index` is the first such row/column j.
public struct NotPositiveDefinite: Error, Equatable, Sendable {
    public let index: Int
    public init(index: Int) { self.index = index }
}

public enum Cholesky {
    /// When a pivot d_j = A_jj − Σ_{k<j} L_jk² is accepted.
    public enum Pivot: Sendable, Equatable {
        /// d > 0 (0, negatives and NaN rejected), LAPACK `dpotrf`'s test.
        case positive
        /// d > floor and d finite: an absolute threshold, e.g. a fraction of max_j A_jj.
        case above(Double)
        /// d > ε·A_jj and d finite: rejects a column whose squared sine of the angle to the span
        /// of the previous ones (in the A inner product) is below ε — a rank test independent of
        /// the column scales.
        case relative(Double)

        @inlinable @inline(__always)
        public func accepts(_ d: Double, diagonal ajj: Double) -> Bool {
            switch self {
            case .positive: return d > 0
            case .above(let floor): return d > floor && d.isFinite
            case .relative(let eps): return d > eps * ajj && d.isFinite
            }
        }
    }

    // MARK: kernels on raw storage

    /// L of A (n×n row-major, lower triangle read) into `l` (n×n; only its lower triangle is
    /// written). `l` may be `a` itself (in-place factorisation): A_ij is read before L_ij is
    /// written.
    @inlinable @inline(__always)
    public static func factor(_ a: UnsafePointer<Double>, into l: UnsafeMutablePointer<Double>, n: Int,
                              pivot: Pivot = .positive) throws(NotPositiveDefinite) {
        for i in 0..<n {
            for j in 0..<i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = sum / l[j * n + j]
            }
            let aii = a[i * n + i]
            var d = aii
            for k in 0..<i { d -= l[i * n + k] * l[i * n + k] }
            guard pivot.accepts(d, diagonal: aii) else { throw NotPositiveDefinite(index: i) }
            l[i * n + i] = d.squareRoot()
        }
    }

    /// y = L⁻¹ b (forward substitution). `y` may be `b` (in place).
    @inlinable @inline(__always)
    public static func forwardSubstitute(_ l: UnsafePointer<Double>, n: Int, _ b: UnsafePointer<Double>,
                                         into y: UnsafeMutablePointer<Double>) {
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
    }

    /// x = L⁻ᵀ y (back substitution). `x` may be `y` (in place).
    @inlinable @inline(__always)
    public static func backSubstitute(_ l: UnsafePointer<Double>, n: Int, _ y: UnsafePointer<Double>,
                                      into x: UnsafeMutablePointer<Double>) {
        var i = n - 1
        while i >= 0 {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
            i -= 1
        }
    }

    // MARK: array forms

    /// L (row-major n×n, zero above the diagonal) with A = L·Lᵀ.
    @inlinable
    public static func factor(_ a: [Double], n: Int, pivot: Pivot = .positive) throws(NotPositiveDefinite) -> [Double] {
        precondition(a.count >= n * n)
        var l = [Double](repeating: 0, count: n * n)
        guard n > 0 else { return l }
        var failure: NotPositiveDefinite?
        a.withUnsafeBufferPointer { a in
            l.withUnsafeMutableBufferPointer { l in
                do throws(NotPositiveDefinite) {
                    try factor(a.baseAddress!, into: l.baseAddress!, n: n, pivot: pivot)
                } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return l
    }

    /// L⁻¹ b.
    @inlinable
    public static func forward(_ l: [Double], n: Int, _ b: [Double]) -> [Double] {
        substituted(l, n: n, b) { forwardSubstitute($0, n: $1, $2, into: $3) }
    }

    /// L⁻ᵀ y.
    @inlinable
    public static func backward(_ l: [Double], n: Int, _ y: [Double]) -> [Double] {
        substituted(l, n: n, y) { backSubstitute($0, n: $1, $2, into: $3) }
    }

    /// A copy of v with `kernel` (a substitution) applied to it in place.
    @inlinable @inline(__always)
    static func substituted(_ l: [Double], n: Int, _ v: [Double],
                            _ kernel: (UnsafePointer<Double>, Int, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void)
        -> [Double] {
        precondition(l.count >= n * n && v.count >= n)
        var out = v
        guard n > 0 else { return out }
        l.withUnsafeBufferPointer { l in
            out.withUnsafeMutableBufferPointer { o in kernel(l.baseAddress!, n, o.baseAddress!, o.baseAddress!) }
        }
        return out
    }

    /// x = A⁻¹ b = L⁻ᵀ L⁻¹ b from the factor L of A.
    @inlinable
    public static func solve(factor l: [Double], n: Int, _ b: [Double]) -> [Double] {
        backward(l, n: n, forward(l, n: n, b))
    }

    /// xᵀ A⁻¹ x = ‖L⁻¹x‖² (the squared Mahalanobis distance of x under covariance A), the squares
    /// summed in increasing index.
    @inlinable
    public static func inverseQuadraticForm(factor l: [Double], n: Int, _ x: [Double]) -> Double {
        forward(l, n: n, x).reduce(0) { $0 + $1 * $1 }
    }

    /// xᵀ A⁻¹ x through the factor of A (the squared Mahalanobis distance of x under covariance
    /// A); NaN if A fails the pivot test.
    @inlinable
    public static func inverseQuadraticForm(_ a: [Double], n: Int, _ x: [Double], pivot: Pivot = .positive) -> Double {
        guard let l = try? factor(a, n: n, pivot: pivot) else { return .nan }
        return inverseQuadraticForm(factor: l, n: n, x)
    }

    /// L·z (sums in increasing k): correlated normal deviates with covariance L·Lᵀ from z ~ N(0, I).
    @inlinable
    public static func lowerTimes(_ l: [Double], n: Int, _ z: [Double]) -> [Double] {
        precondition(l.count >= n * n && z.count >= n)
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var s = 0.0
            for k in 0...i { s += l[i * n + k] * z[k] }
            out[i] = s
        }
        return out
    }

    /// A⁻¹ = L⁻ᵀ L⁻¹ (symmetric, row-major n×n) from the factor L of A: first L⁻¹ column by
    /// column, (L⁻¹)_jj = 1/L_jj, (L⁻¹)_ij = −Σ_{j≤c<i} L_ic (L⁻¹)_cj / L_ii; then
    /// (A⁻¹)_ab = Σ_{c≥max(a,b)} (L⁻¹)_ca (L⁻¹)_cb.
    @inlinable
    public static func inverse(factor l: [Double], n: Int) -> [Double] {
        precondition(l.count >= n * n)
        var inv = [Double](repeating: 0, count: n * n)  // L⁻¹, lower
        for j in 0..<n {
            inv[j * n + j] = 1 / l[j * n + j]
            for i in (j + 1)..<max(n, j + 1) {
                var s = 0.0
                for c in j..<i { s -= l[i * n + c] * inv[c * n + j] }
                inv[i * n + j] = s / l[i * n + i]
            }
        }
        var out = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in 0...a {
                var s = 0.0
                for c in a..<n { s += inv[c * n + a] * inv[c * n + b] }
                out[a * n + b] = s
                out[b * n + a] = s
            }
        }
        return out
    }
}
