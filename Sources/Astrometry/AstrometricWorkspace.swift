// The fast path's scratch: the selected CCD observations of one source in compact form (design
// rows, abscissae, measurement variances, downweights) and the p×p normal equations. A caller
// solving many sources keeps one workspace per thread, so the hot path allocates nothing but the
// result arrays; `AstrometricSolver.solve(_:options:)` makes a fresh one per call.

import Numerics

public struct AstrometricWorkspace: Sendable {
    /// Selected observations and parameters of the current source.
    var n = 0
    var p = 5
    /// Column stride of `x`: the capacity, a multiple of 4.
    var stride = 0
    /// Design columns (structure of arrays: column a at a·stride), zero beyond n.
    var x: [Double] = []
    /// centroid_pos_al (the pre-fit residual h).
    var h: [Double] = []
    /// σ² = centroid_pos_error_al² (`observation_variances`; no excess attitude noise in the data).
    var v: [Double] = []
    /// AGIS downweights (`DesignEquation.weight`), 1 unless the robust estimate changes them;
    /// 0 in the padding up to the next multiple of 4, which therefore adds nothing to the sums.
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

    /// Room for `m` observations plus the padding (grows only).
    mutating func reserve(_ m: Int) {
        let needed = (m + 3) & ~3
        guard stride < needed else { return }
        stride = max(needed, 2 * stride)
        x = [Double](repeating: 0, count: stride * 6)
        h = [Double](repeating: 0, count: stride)
        v = [Double](repeating: 1, count: stride)
        d = h; r = h; sorted = h
        position = [Int32](repeating: 0, count: stride)
    }

    /// Zero weight, unit variance and zero design in the padding after the n observations.
    mutating func pad() {
        for i in n..<((n + 3) & ~3) {
            d[i] = 0; v[i] = 1; h[i] = 0
            for a in 0..<6 { x[a * stride + i] = 0 }
        }
    }

    /// N = Σ wᵢ xᵢxᵢᵀ and rhs = Σ wᵢ xᵢ hᵢ with wᵢ = dᵢ / (σᵢ² + esv) (gaiasupdate
    /// `construct_full_normals`, which forms the same sums as (√w X)ᵀ(√w X)), plus the 6p prior
    /// 1/0.085e-3² on the pseudo-colour diagonal; then the Cholesky factor and β = N⁻¹ rhs.
    /// Throws when N is not numerically positive definite (a pivot below 1e-12 of its diagonal:
    /// a column within ~1e-6 rad of the span of the previous ones).
    mutating func solveNormals(excessVariance esv: Double) throws(NotPositiveDefinite) {
        let p = self.p, blocks = (n + 3) / 4, stride = self.stride
        x.withUnsafeBufferPointer { x in
        h.withUnsafeBufferPointer { h in
        v.withUnsafeBufferPointer { v in
        d.withUnsafeBufferPointer { d in
        normals.withUnsafeMutableBufferPointer { nm in
        rhs.withUnsafeMutableBufferPointer { b in
            let columns = Columns(x: x.baseAddress!, h: h.baseAddress!, v: v.baseAddress!, d: d.baseAddress!, stride: stride)
            if p == 5 {
                Self.accumulate(5, blocks, columns, esv, nm.baseAddress!, b.baseAddress!)
            } else {
                Self.accumulate(6, blocks, columns, esv, nm.baseAddress!, b.baseAddress!)
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

    struct Columns {
        let x: UnsafePointer<Double>, h: UnsafePointer<Double>, v: UnsafePointer<Double>, d: UnsafePointer<Double>
        let stride: Int
        @inline(__always) func load(_ base: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
            UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Double>.self)
        }
    }

    /// N (full) and rhs, four observations per step in SIMD lanes (the lanes are added at the end,
    /// so the sums differ from a sequential sum only by rounding); `p` a constant at each call
    /// site so the loops unroll into registers.
    @inline(__always)
    static func accumulate(_ p: Int, _ blocks: Int, _ c: Columns, _ esv: Double,
                           _ nm: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>) {
        withUnsafeTemporaryAllocation(of: SIMD4<Double>.self, capacity: 27) { acc in
            for k in 0..<27 { acc[k] = .zero }
            let esv4 = SIMD4<Double>(repeating: esv)
            for block in 0..<blocks {
                let i = block * 4
                let w = c.load(c.d, i) / (c.load(c.v, i) + esv4)
                let h = c.load(c.h, i)
                var k = 0
                for a in 0..<p {
                    let xa = c.load(c.x + a * c.stride, i)
                    let wa = w * xa
                    acc[21 + a] += wa * h
                    for e in 0...a {
                        acc[k] += wa * c.load(c.x + e * c.stride, i)
                        k += 1
                    }
                }
            }
            var k = 0
            for a in 0..<p {
                b[a] = acc[21 + a].sum()
                for e in 0...a {
                    let value = acc[k].sum()
                    nm[a * p + e] = value
                    nm[e * p + a] = value
                    k += 1
                }
            }
        }
    }

    /// rᵢ = hᵢ − xᵢ·β for every selected observation.
    mutating func computeResiduals() {
        let n = self.n, p = self.p, stride = self.stride
        x.withUnsafeBufferPointer { x in
        h.withUnsafeBufferPointer { h in
        beta.withUnsafeBufferPointer { beta in
        r.withUnsafeMutableBufferPointer { r in
            for i in 0..<n {
                var s = 0.0
                for a in 0..<p { s += x[a * stride + i] * beta[a] }
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
