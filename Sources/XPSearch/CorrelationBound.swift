// The pruning bound the search uses: diagonally preconditioned, so that it stays tight when the
// errors span orders of magnitude (XP errors fall steeply with coefficient index, and the
// plain |Δ|²/λmax(Σ) bound of `PruningBound.lowerBound` is then weaker by that dynamic range).
//
// For M = Σ_t + Σ_i = S_t R_t S_t + S_i R_i S_i (S = diag(s)) and any positive diagonal W,
//     D² = Δᵀ M⁻¹ Δ = (WΔ)ᵀ (W M W)⁻¹ (WΔ) ≥ |WΔ|² / λmax(W M W).
// Take W = diag(1/√(s_t² + s_i²)). Then W M W = A_t R_t A_t + A_i R_i A_i with the diagonal
// A_t = s_t/√(s_t²+s_i²), A_i = s_i/√(s_t²+s_i²) (elements ≤ 1), and for positive semi-definite
// R, xᵀARAx ≤ λmax(R)|Ax|² ≤ λmax(R)·max_k A_k²·|x|², so by Weyl's inequality
//     D²_b ≥ Σ_k Δ_k²/(s_tk² + s_ik²) / (Λ(R_t)·max_k A_tk² + Λ(R_i)·max_k A_ik²),
// with Λ(R) a certified upper bound of λmax of the correlation matrix (unit diagonal, so
// template- and scaling-independent: the per-source index stores Λ(R_i)). Each term needs only
// the source's n coefficients and n errors (DR3, n = 55: 660 of the 6,604 bytes of a band).
public enum CorrelationBound {
    /// Certified upper bound of λmax(R) for a packed n×n correlation matrix (n(n−1)/2 float32,
    /// n given or, when nil, implied by the count). NaN if not finite (missing band).
    public static func lambdaMax(correlations: UnsafeBufferPointer<Float>, basisSize: Int? = nil) -> Double {
        guard let n = basisSize ?? xpBasisSize(correlationCount: correlations.count) else {
            preconditionFailure("CorrelationBound.lambdaMax: \(correlations.count) correlations is no n(n−1)/2")
        }
        let ones = [Float](repeating: 1, count: n)
        return ones.withUnsafeBufferPointer {
            PruningBound.lambdaMaxUpperBound(errors: $0, correlations: correlations, standardDeviation: 1, scaling: .none)
        }
    }

    /// What the bound needs of one template band.
    public struct TemplateBand: Sendable {
        public let coefficients: [Double]
        public let scaledErrorsSquared: [Double]
        public let lambdaR: Double
    }

    /// nil if the template was not prepared for `band`.
    public static func templateBand(_ t: PreparedTemplate, _ band: Band) -> TemplateBand? {
        guard t.bands.contains(band), let b = t.spectrum[band] else { return nil }
        let lambda = b.correlations.map(Float.init).withUnsafeBufferPointer { lambdaMax(correlations: $0, basisSize: b.basisSize) }
        return TemplateBand(coefficients: t.coefficients[band.index],
                            scaledErrorsSquared: t.scaledErrors[band.index].map { $0 * $0 }, lambdaR: lambda)
    }

    /// Lower bound of D²_b for one source band: coefficients (n_b, the template's basis size, which
    /// the data's must equal), errors (n_b, as stored),
    /// `errorScale` = 1 (no scaling) or 1/standard_deviation, `lambdaR` = the source's Λ(R_i).
    /// Shaved by 1e-9 (relative) for rounding here and in the D² it is compared with.
    @inline(__always)
    public static func lowerBound(_ t: TemplateBand, coefficients c: UnsafePointer<Double>, errors e: UnsafePointer<Float>,
                                  errorScale: Double, lambdaR: Double) -> Double {
        var chi = 0.0, maxAt = 0.0, maxAi = 0.0
        for k in 0..<t.coefficients.count {
            let si = Double(e[k]) * errorScale
            let si2 = si * si
            let st2 = t.scaledErrorsSquared[k]
            let denom = st2 + si2
            let d = t.coefficients[k] - c[k]
            chi += d * d / denom
            maxAt = max(maxAt, st2 / denom)
            maxAi = max(maxAi, si2 / denom)
        }
        return chi / (t.lambdaR * maxAt + lambdaR * maxAi) * (1 - 1e-9)
    }
}
