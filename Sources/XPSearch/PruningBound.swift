// Exact (certified) pruning: lower bounds of D² from coefficients and a per-source scalar.

/// For M = Σ_t + Σ_i symmetric positive definite, D²_b = Δᵀ M⁻¹ Δ ≥ |Δ|² / λmax(M) and, by
/// Weyl's inequality, λmax(M) ≤ λmax(Σ_t) + λmax(Σ_i). With certified upper bounds Λ_t ≥ λmax(Σ_t)
/// and Λ_i ≥ λmax(Σ_i) (one scalar per source and band, computed once at index time),
///   D²_b ≥ |c_t − c_i|² / (Λ_t + Λ_i),
/// so a source whose summed bound exceeds the current k-th best χ² cannot be in the top k and
/// need not be read. Valid for the plain distance only (not with scaleFit, whose residual
/// depends on the fitted scale).
///
/// The bound on λmax is the Collatz–Wielandt bound on |Σ| (elementwise absolute values): for a
/// symmetric Σ, λmax(Σ) ≤ ρ(|Σ|) (|xᵀΣx| ≤ |x|ᵀ|Σ||x|), and for the non-negative |Σ| and any
/// positive vector v, ρ(|Σ|) ≤ max_i (|Σ|v)_i / v_i (Collatz 1942; Wielandt 1950; e.g. Horn &
/// Johnson, Matrix Analysis, 2nd ed., Cor. 8.1.29). v comes from a few power iterations on
/// |Σ| started at s (the errors), so the bound approaches ρ(|Σ|); any positive v is valid, so the
/// number of iterations only affects tightness. The rounding of the evaluation (non-negative
/// sums of ≤ n + 8 terms, relative error < 1e-14 for any XP basis size) is covered by the factor 1 + 1e-10.
///
/// Measured (XPSearchTests): bound / true λmax (Jacobi) with 4 iterations is 1.00–1.25 (median
/// 1.08) on synthetic matrices and 1.05–1.57 (median 1.33) on the real DR3 fixture bands, whose
/// alternating-sign correlations make ρ(|Σ|) exceed λmax(Σ); more iterations hardly help there.
/// Cost ≈ 2–2.7 µs per source and band on one AMD Zen 5 core (index time, once per source).
public enum PruningBound {
    /// Power iterations before the final Collatz–Wielandt quotient.
    public static let defaultIterations = 4
    /// Safety factor on the computed bound (rounding).
    public static let safety = 1 + 1e-10

    /// Certified upper bound of λmax(Σ), Σ = diag(s)·R·diag(s), from float32 errors (n =
    /// errors.count, the basis size) and packed correlations (n(n−1)/2) as stored; s = errors (`.none`) or errors / standardDeviation.
    /// NaN when an input is not finite (missing band) or the standard deviation is not positive.
    public static func lambdaMaxUpperBound(errors: UnsafeBufferPointer<Float>, correlations: UnsafeBufferPointer<Float>,
                                           standardDeviation: Float, scaling: ErrorScaling,
                                           iterations: Int = defaultIterations) -> Double {
        let n = errors.count
        precondition(n >= 1 && correlations.count >= xpCorrelationCount(n))
        guard Validity.allFinite(errors.baseAddress!, n),
              Validity.allFinite(correlations.baseAddress!, xpCorrelationCount(n)) else { return .nan }
        if scaling == .standardDeviation && !(standardDeviation.isFinite && standardDeviation > 0) { return .nan }
        var s = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let e = Double(errors[k])
            s[k] = abs(scaling == .standardDeviation ? e / Double(standardDeviation) : e)
        }
        return s.withUnsafeBufferPointer { sp in
            collatzWielandt(sp.baseAddress!, correlations.baseAddress!, n: n, iterations: iterations)
        }
    }

    /// Same for a float64 band (templates).
    public static func lambdaMaxUpperBound(_ band: XPBand, scaling: ErrorScaling,
                                           iterations: Int = defaultIterations) -> Double {
        guard band.errors.allSatisfy(\.isFinite), band.correlations.allSatisfy(\.isFinite),
              band.supports(scaling), let s = try? band.scaledErrors(scaling) else { return .nan }
        return s.map { abs($0) }.withUnsafeBufferPointer { sp in
            band.correlations.withUnsafeBufferPointer { cp in
                collatzWielandt(sp.baseAddress!, cp.baseAddress!, n: band.basisSize, iterations: iterations)
            }
        }
    }

    /// Lower bound of D²_b = (c_t − c_i)ᵀ(Σ_t + Σ_i)⁻¹(c_t − c_i): |c_t − c_i|² / (Λ_t + lambdaMax),
    /// Λ_t = `template.lambdaMax[band]`, lambdaMax = the source's `lambdaMaxUpperBound`; scaled
    /// down by 1e-12 (relative) for the rounding of this evaluation. The caller must leave a
    /// margin for the rounding of the computed D² it compares with. 0 if the template was not
    /// prepared for `band`; NaN if a coefficient or lambdaMax is NaN.
    public static func lowerBound(template: PreparedTemplate, coefficients: UnsafeBufferPointer<Double>, band: Band,
                                  lambdaMax: Double) -> Double {
        guard let lt = template.lambdaMax[band] else { return 0 }
        let ct = template.coefficients[band.index]
        precondition(coefficients.count >= ct.count)
        var d = 0.0
        for k in 0..<ct.count {
            let r = ct[k] - coefficients[k]
            d += r * r
        }
        return d / (lt + lambdaMax) * (1 - 1e-12)
    }

    /// max_i (|Σ|v)_i / v_i after `iterations` normalised power steps v ← |Σ|v from v = s, times
    /// `safety`. s ≥ 0 (n), corr packed (n(n−1)/2), float32 or float64. |R| is expanded once into
    /// a dense n×stride float64 matrix (stride = n rounded up to a multiple of 8, rows padded with
    /// zeros: 55 → 56, 51 → 56) so that each |Σ|v is n SIMD row dot products; every term is
    /// non-negative, so any summation order has a relative error below stride·2⁻⁵³ per element.
    static func collatzWielandt<T: BinaryFloatingPoint>(_ s: UnsafePointer<Double>, _ corr: UnsafePointer<T>,
                                                        n: Int, iterations: Int) -> Double {
        let stride = (n + 7) / 8 * 8
        var smax = 0.0
        for i in 0..<n { smax = max(smax, s[i]) }
        guard smax > 0 else { return 0 }  // Σ = 0
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n * stride + 3 * stride) { buffer in
            let a = buffer.baseAddress!
            let v = a + n * stride, u = v + stride, w = u + stride
            // |R|, full, row stride `stride` (columns n..<stride zero).
            var k = 0
            for i in 0..<n {
                for j in 0..<i {
                    let r = abs(Double(corr[k]))
                    a[i * stride + j] = r
                    a[j * stride + i] = r
                    k += 1
                }
                a[i * stride + i] = 1
                for j in n..<stride { a[i * stride + j] = 0 }
            }
            for j in n..<stride { u[j] = 0 }
            for i in 0..<n { v[i] = max(s[i] / smax, 1e-30) }
            // w = |Σ| v = s ⊙ (|R| (s ⊙ v)).
            func apply() {
                for i in 0..<n { u[i] = s[i] * v[i] }
                let ur = UnsafeRawPointer(u)
                for i in 0..<n {
                    let row = UnsafeRawPointer(a + i * stride)
                    var acc = SIMD8<Double>()
                    for c in 0..<(stride / 8) {
                        acc = acc.addingProduct(row.load(fromByteOffset: c * 64, as: SIMD8<Double>.self),
                                                ur.load(fromByteOffset: c * 64, as: SIMD8<Double>.self))
                    }
                    w[i] = s[i] * acc.sum()
                }
            }
            for _ in 0..<iterations {
                apply()
                var m = 0.0
                for i in 0..<n { m = max(m, w[i]) }
                guard m > 0 else { break }
                for i in 0..<n { v[i] = max(w[i] / m, 1e-30) }
            }
            apply()
            var bound = 0.0
            for i in 0..<n { bound = max(bound, w[i] / v[i]) }
            return bound * safety
        }
    }
}
