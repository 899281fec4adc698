// The K-harmonic normal equations of HarmonicSums.swift (MultiHarmonic), solved for eight
// frequencies at once: the same matrix entries and Cholesky factorisation, with every scalar
// replaced by a SIMD8 lane vector. K is a compile-time constant (`HarmonicOrder`) so the
// (2K+1)² factorisation unrolls completely. It is Numerics' Cholesky recurrence in the same
// operation order, kept separate because its arithmetic type is a lane vector and a failed pivot
// masks one lane instead of ending the factorisation.

/// K as a type, so generic kernels specialise with constant loop bounds.
protocol HarmonicOrder { static var k: Int { get } }
enum TwoHarmonics: HarmonicOrder { static var k: Int { 2 } }
enum ThreeHarmonics: HarmonicOrder { static var k: Int { 3 } }

enum LaneNormalEquations<Order: HarmonicOrder> {
    typealias V = SIMD8<Double>

    /// `c`, `s`: C_h, S_h for h = 0 … 2K (c[0] = 1, s[0] = 0); `yc`, `ys`: h = 1 … K.
    /// The power and ‖x‖₁ of the least-squares solution x = M⁻¹b (constant and harmonic
    /// coefficients), which sizes the effect of errors in the sums (`SumErrorBound`); ‖x‖₁ is
    /// +∞ in lanes whose matrix is not positive definite.
    @inline(__always)
    static func solve(c: InlineArray<7, V>, s: InlineArray<7, V>, yc: InlineArray<4, V>, ys: InlineArray<4, V>,
                      yy: Double) -> (power: V, solutionNorm: V) {
        let k = Order.k, p = 2 * Order.k + 1
        var m = InlineArray<49, V>(repeating: V())
        var b = InlineArray<7, V>(repeating: V())
        @inline(__always) func cc(_ i: Int) -> V { c[abs(i)] }
        @inline(__always) func ss(_ i: Int) -> V { i < 0 ? -s[-i] : s[i] }
        m[0] = V(repeating: 1)
        for a in 1...k {
            m[2 * a - 1] = c[a]; m[(2 * a - 1) * p] = c[a]
            m[2 * a] = s[a]; m[(2 * a) * p] = s[a]
            b[2 * a - 1] = yc[a]
            b[2 * a] = ys[a]
            for bb in 1...k {
                m[(2 * a - 1) * p + 2 * bb - 1] = 0.5 * (cc(a - bb) + cc(a + bb))
                m[(2 * a) * p + 2 * bb] = 0.5 * (cc(a - bb) - cc(a + bb))
                let cosSin = 0.5 * (ss(a + bb) - ss(a - bb))
                m[(2 * a - 1) * p + 2 * bb] = cosSin
                m[(2 * bb) * p + 2 * a - 1] = cosSin
            }
        }
        // Cholesky m = L·Lᵀ in place (lower triangle), tracking lanes whose matrix is not
        // positive definite (undetermined fit): those get power 0, like MultiHarmonic.
        var bad = SIMDMask<V.MaskStorage>(repeating: false)
        for i in 0..<p {
            for j in 0...i {
                var sum = m[i * p + j]
                for q in 0..<j { sum -= m[i * p + q] * m[j * p + q] }
                if i == j {
                    bad .|= .!(sum .> 0)
                    m[i * p + i] = sum.replacing(with: 1, where: .!(sum .> 0)).squareRoot()
                } else {
                    m[i * p + j] = sum / m[j * p + j]
                }
            }
        }
        var x = b
        for i in 0..<p {
            var sum = x[i]
            for q in 0..<i { sum -= m[i * p + q] * x[q] }
            x[i] = sum / m[i * p + i]
        }
        // Explained χ² = bᵀ m⁻¹ b = ‖L⁻¹ b‖², so the back substitution is not needed.
        var explained = V()
        for i in 0..<p { explained = explained.addingProduct(x[i], x[i]) }
        var power = explained / V(repeating: yy)
        power.replace(with: 0, where: bad)
        if !(yy > 0) { power = V() }
        // Back substitution Lᵀx = L⁻¹b for the coefficients themselves.
        for i in stride(from: p - 1, through: 0, by: -1) {
            var sum = x[i]
            for q in (i + 1)..<p { sum -= m[q * p + i] * x[q] }
            x[i] = sum / m[i * p + i]
        }
        var norm = V()
        for i in 0..<p { norm += x[i].replacing(with: -x[i], where: x[i] .< 0) }
        norm.replace(with: .infinity, where: bad)
        return (power, norm)
    }
}
