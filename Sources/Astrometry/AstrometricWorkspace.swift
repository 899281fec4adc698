// The fast path's scratch: the selected CCD observations of one source in compact form (design
// rows, abscissae, measurement variances, downweights) and the p×p normal equations. A caller
// solving many sources keeps one workspace per thread, so the hot path allocates nothing but the
// result arrays; `AstrometricSolver.solve(_:options:)` makes a fresh one per call.

import Numerics

public struct AstrometricWorkspace {
    /// Selected observations and parameters of the current source.
    var n = 0
    var p = 5
    /// n·p design rows.
    var x: [Double] = []
    /// centroid_pos_al (the pre-fit residual h).
    var h: [Double] = []
    /// σ² = centroid_pos_error_al² (`observation_variances`; no excess attitude noise in the data).
    var v: [Double] = []
    /// AGIS downweights (`DesignEquation.weight`), 1 unless the robust estimate changes them.
    var d: [Double] = []
    /// Post-fit residuals of the last solve.
    var r: [Double] = []
    /// Each selected observation's position in the source's transits × nCCD grid.
    var position: [Int32] = []
    /// Sort scratch for the sextiles.
    var sorted: [Double] = []
    var normals = [Double](repeating: 0, count: 36)
    var factor = [Double](repeating: 0, count: 36)
    var rhs = [Double](repeating: 0, count: 6)
    var beta = [Double](repeating: 0, count: 6)

    public init() {}

    /// Room for `m` observations (grows only).
    mutating func reserve(_ m: Int) {
        guard h.count < m else { return }
        let c = max(m, 2 * h.count)
        x = [Double](repeating: 0, count: c * 6)
        h = [Double](repeating: 0, count: c)
        v = h; d = h; r = h; sorted = h
        position = [Int32](repeating: 0, count: c)
    }

    /// N = Σ wᵢ xᵢxᵢᵀ and rhs = Σ wᵢ xᵢ hᵢ with wᵢ = dᵢ / (σᵢ² + esv) (gaiasupdate
    /// `construct_full_normals`, which forms the same sums as (√w X)ᵀ(√w X)), plus the 6p prior
    /// 1/0.085e-3² on the pseudo-colour diagonal; then the Cholesky factor and β = N⁻¹ rhs.
    /// Throws when N is not numerically positive definite (a pivot below 1e-12 of its diagonal:
    /// a column within ~1e-6 rad of the span of the previous ones).
    mutating func solveNormals(excessVariance esv: Double) throws(NotPositiveDefinite) {
        let n = self.n, p = self.p
        x.withUnsafeBufferPointer { x in
        h.withUnsafeBufferPointer { h in
        v.withUnsafeBufferPointer { v in
        d.withUnsafeBufferPointer { d in
        normals.withUnsafeMutableBufferPointer { nm in
        rhs.withUnsafeMutableBufferPointer { b in
            for k in 0..<(p * p) { nm[k] = 0 }
            for k in 0..<p { b[k] = 0 }
            if p == 5 {
                Self.accumulate(5, n, x.baseAddress!, h.baseAddress!, v.baseAddress!, d.baseAddress!, esv,
                                nm.baseAddress!, b.baseAddress!)
            } else {
                Self.accumulate(6, n, x.baseAddress!, h.baseAddress!, v.baseAddress!, d.baseAddress!, esv,
                                nm.baseAddress!, b.baseAddress!)
                nm[35] += 1 / (AstrometricDesign.pseudocolourPrior * AstrometricDesign.pseudocolourPrior)
            }
        } } } } } }
        try normals.withUnsafeBufferPointer { (a) throws(NotPositiveDefinite) in
            try factor.withUnsafeMutableBufferPointer { (l) throws(NotPositiveDefinite) in
                try Cholesky.factor(a.baseAddress!, into: l.baseAddress!, n: p, pivot: .relative(1e-12))
            }
        }
        factor.withUnsafeBufferPointer { l in
            rhs.withUnsafeBufferPointer { b in
                beta.withUnsafeMutableBufferPointer { y in
                    Cholesky.forwardSubstitute(l.baseAddress!, n: p, b.baseAddress!, into: y.baseAddress!)
                    Cholesky.backSubstitute(l.baseAddress!, n: p, y.baseAddress!, into: y.baseAddress!)
                }
            }
        }
    }

    /// The lower triangle of N and rhs; `p` a constant at each call site so the loops unroll.
    @inline(__always)
    static func accumulate(_ p: Int, _ n: Int, _ x: UnsafePointer<Double>, _ h: UnsafePointer<Double>,
                           _ v: UnsafePointer<Double>, _ d: UnsafePointer<Double>, _ esv: Double,
                           _ nm: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
        for i in 0..<n {
            let w = d[i] / (v[i] + esv)
            let row = x + i * 6
            for a in 0..<p {
                let wa = w * row[a]
                b[a] += wa * h[i]
                for c in 0...a { nm[a * p + c] += wa * row[c] }
            }
        }
        for a in 0..<p { for c in 0..<a { nm[c * p + a] = nm[a * p + c] } }
    }

    /// rᵢ = hᵢ − xᵢ·β for every selected observation.
    mutating func computeResiduals() {
        let n = self.n, p = self.p
        x.withUnsafeBufferPointer { x in
        h.withUnsafeBufferPointer { h in
        beta.withUnsafeBufferPointer { beta in
        r.withUnsafeMutableBufferPointer { r in
            for i in 0..<n {
                var s = 0.0
                for a in 0..<p { s += x[i * 6 + a] * beta[a] }
                r[i] = h[i] - s
            }
        } } } }
    }

    /// Σ rᵢ² dᵢ / (σᵢ² + esv) and its derivative −Σ rᵢ² dᵢ / (σᵢ² + esv)² after a solve at `esv`
    /// (`get_weighted_ssr_and_derivative`).
    mutating func weightedSSR(excessVariance esv: Double) throws(NotPositiveDefinite) -> (Double, Double) {
        try solveNormals(excessVariance: esv)
        computeResiduals()
        var ssr = 0.0, derivative = 0.0
        for i in 0..<n {
            let inverse = 1 / (v[i] + esv)
            let rr = r[i] * r[i] * d[i]
            ssr += rr * inverse
            derivative += rr * (inverse * inverse)
        }
        return (ssr, -derivative)
    }
}
