// Weighted least-squares fit of VSH coefficients to proper motions, each source weighted by the
// inverse of its full 2×2 covariance (MK12 Sect. 4.1; Lindegren et al. 2018, A&A 616, A2,
// Sect. 5.2): minimise Σ_i r_iᵀ C_i⁻¹ r_i, r_i = μ_i − X_i x, with X_i the 2 × K matrix of the
// real basis functions (VSHBasis) at source i. Normal equations N x = b,
//   N = Σ_i X_iᵀ C_i⁻¹ X_i,  b = Σ_i X_iᵀ C_i⁻¹ μ_i,  Cov(x) = N⁻¹.
//
// Fast path (`VSHNormalEquations.add`): with C_i = L_i L_iᵀ, the whitened rows L_i⁻¹ X_i are
// accumulated as rank-4 updates of the lower triangle of N (two sources per pass over N, SIMD
// over columns), so each block of sources costs ≈ K² multiply–adds per source and touches N
// (in L1/L2 cache) once per two sources. Blocks of sources are summed in a fixed order and the
// block sums added exactly (ExactSum), which makes the result independent of how blocks were
// distributed. Solve by Cholesky; covariance N⁻¹ from the inverse factor.
//
// Reference (`VSHReferenceFit`): the design matrix of all sources with the reference basis
// (explicit Legendre polynomials), whitened, solved by Householder QR without forming N
// (Golub & Van Loan 2013, Matrix Computations, Alg. 5.2.1); Cov(x) = R⁻¹R⁻ᵀ. Slow and memory
// hungry (2n × K doubles); used by the tests to check the fast path.

import Foundation
import Numerics

public struct VSHError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Sums of a block of sources: N (lower triangle), b, Σ μᵀC⁻¹μ and the number of sources.
public struct VSHNormalEquations {
    public let layout: VSHLayout
    /// K, and the row stride of `matrix` (K rounded up to a multiple of 4).
    public let size: Int
    let stride: Int
    /// Row-major, stride `stride`; entries (j, k ≤ j) hold N_jk (the rest is scratch).
    var matrix: [Double]
    public private(set) var rhs: [Double]
    /// Σ μᵀ C⁻¹ μ over the sources (for χ² = this − xᵀb, and checks).
    public private(set) var weightedSquares = 0.0
    public private(set) var sources = 0
    /// Workspace: whitened rows of two sources (4 × stride) and the basis.
    private var rows: [Double]
    private var basisAlpha: [Double], basisDelta: [Double]

    public init(layout: VSHLayout) {
        self.layout = layout
        size = layout.count
        stride = (layout.count + 3) & ~3
        matrix = [Double](repeating: 0, count: stride * stride)
        rhs = [Double](repeating: 0, count: layout.count)
        rows = [Double](repeating: 0, count: 4 * stride)
        basisAlpha = [Double](repeating: 0, count: stride)
        basisDelta = [Double](repeating: 0, count: stride)
    }

    /// N_jk (either triangle).
    public func normal(_ j: Int, _ k: Int) -> Double { j >= k ? matrix[j * stride + k] : matrix[k * stride + j] }

    /// Adds the sources `indices` of `d` (fast path). `basis` must have this layout's lmax.
    /// `trig`, if given, holds (sin δ, cos δ, cos α, sin α) of every source of `d` (saves the
    /// trigonometric functions when the same sources are fitted again).
    public mutating func add(_ d: ProperMotions, indices: [Int], basis: inout VSHBasis, trig: [SIMD4<Double>]? = nil) {
        precondition(basis.layout == layout)
        let k = size, st = stride
        var pairStart = 0
        while pairStart < indices.count {
            let n = min(2, indices.count - pairStart)
            rows.withUnsafeMutableBufferPointer { rp in
                let r = rp.baseAddress!
                for j in 0..<(4 * st) { r[j] = 0 }
                for s in 0..<n {
                    let i = indices[pairStart + s]
                    basisAlpha.withUnsafeMutableBufferPointer { ap in
                        basisDelta.withUnsafeMutableBufferPointer { dp in
                            if let t = trig?[i] {
                                basis.evaluate(sinDec: t[0], cosDec: t[1], cosRA: t[2], sinRA: t[3], alpha: ap.baseAddress!, delta: dp.baseAddress!)
                            } else {
                                basis.evaluate(raRad: d.ra[i], decRad: d.dec[i], alpha: ap.baseAddress!, delta: dp.baseAddress!)
                            }
                            let w = d.whitening(i)
                            let r1 = r + (2 * s) * st, r2 = r + (2 * s + 1) * st
                            let a = ap.baseAddress!, de = dp.baseAddress!
                            for j in 0..<k {
                                let u = a[j] * w.ia
                                r1[j] = u
                                r2[j] = (de[j] * w.id - w.rho * u) * w.ir
                            }
                            let z1 = d.pmra[i] * w.ia
                            let z2 = (d.pmdec[i] * w.id - w.rho * z1) * w.ir
                            rhs.withUnsafeMutableBufferPointer { b in
                                for j in 0..<k { b[j] += r1[j] * z1 + r2[j] * z2 }
                            }
                            weightedSquares += z1 * z1 + z2 * z2
                        }
                    }
                }
                matrix.withUnsafeMutableBufferPointer { mp in
                    Self.rank4Update(mp.baseAddress!, rows: r, size: k, stride: st)
                }
            }
            sources += n
            pairStart += n
        }
    }

    /// N[j, 0...j] += Σ_{r<4} row_r[j] · row_r[0...j], four columns at a time.
    @inline(__always)
    static func rank4Update(_ m: UnsafeMutablePointer<Double>, rows r: UnsafeMutablePointer<Double>, size k: Int, stride st: Int) {
        let raw = UnsafeMutableRawPointer(m)
        let r0 = UnsafeRawPointer(r), r1 = UnsafeRawPointer(r + st), r2 = UnsafeRawPointer(r + 2 * st), r3 = UnsafeRawPointer(r + 3 * st)
        for j in 0..<k {
            let c0 = SIMD4(repeating: r[j]), c1 = SIMD4(repeating: r[st + j])
            let c2 = SIMD4(repeating: r[2 * st + j]), c3 = SIMD4(repeating: r[3 * st + j])
            let rowBytes = j * st * 8
            var c = 0
            while c <= j {
                let o = c * 8
                var acc = raw.loadUnaligned(fromByteOffset: rowBytes + o, as: SIMD4<Double>.self)
                acc += c0 * r0.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                acc += c1 * r1.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                acc += c2 * r2.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                acc += c3 * r3.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                raw.storeBytes(of: acc, toByteOffset: rowBytes + o, as: SIMD4<Double>.self)
                c += 4
            }
        }
    }

    // MARK: exact combination of blocks

    /// Number of values in `packed()`: K(K+1)/2 (lower triangle) + K + 2.
    public var packedCount: Int { size * (size + 1) / 2 + size + 2 }

    /// Lower triangle row by row, then b, Σ μᵀC⁻¹μ, number of sources.
    public func packed() -> [Double] {
        var out = [Double]()
        out.reserveCapacity(packedCount)
        for j in 0..<size { for c in 0...j { out.append(matrix[j * stride + c]) } }
        out += rhs
        out.append(weightedSquares)
        out.append(Double(sources))
        return out
    }

    /// Rebuilds normal equations from `packed()` values (e.g. exact sums over blocks).
    public init(layout: VSHLayout, packed v: [Double]) {
        self.init(layout: layout)
        precondition(v.count == packedCount)
        var p = 0
        for j in 0..<size { for c in 0...j { matrix[j * stride + c] = v[p]; p += 1 } }
        for j in 0..<size { rhs[j] = v[p]; p += 1 }
        weightedSquares = v[p]
        sources = Int(v[p + 1])
    }
}

/// The least-squares solution and its covariance.
public struct VSHSolution: Sendable {
    public let layout: VSHLayout
    public let coefficients: [Double]
    /// K × K, row-major.
    public let covariance: [Double]
    /// Σ r_iᵀC_i⁻¹r_i of the sources fitted (from the normal equations: Σ μᵀC⁻¹μ − xᵀb).
    public let chi2: Double
    public let sources: Int

    public init(layout: VSHLayout, coefficients: [Double], covariance: [Double], chi2: Double, sources: Int) {
        self.layout = layout
        self.coefficients = coefficients
        self.covariance = covariance
        self.chi2 = chi2
        self.sources = sources
    }

    public var count: Int { coefficients.count }
    public func error(_ k: Int) -> Double { covariance[k * count + k].squareRoot() }
    public func covariance(_ j: Int, _ k: Int) -> Double { covariance[j * count + k] }

    /// Sub-covariance of the unknowns `idx`.
    public func covariance(of idx: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: idx.count * idx.count)
        for (a, j) in idx.enumerated() { for (b, k) in idx.enumerated() { out[a * idx.count + b] = covariance[j * count + k] } }
        return out
    }

    /// Degrees of freedom of the fit: 2 n − K.
    public var degreesOfFreedom: Int { 2 * sources - count }

    /// Solves N x = b by Cholesky (N = L Lᵀ); Cov(x) = N⁻¹ = L⁻ᵀ L⁻¹. Throws if N is not
    /// positive definite to working precision (too few sources, or a sky coverage that leaves
    /// some harmonic undetermined at this lmax).
    public init(_ ne: VSHNormalEquations) throws {
        let k = ne.size
        layout = ne.layout
        sources = ne.sources
        guard ne.sources * 2 >= k else {
            throw VSHError("\(ne.sources) source(s) cannot determine \(k) VSH coefficients (lmax \(ne.layout.lmax) needs at least \((k + 1) / 2))")
        }
        // N (lower triangle) as a dense k × k matrix; a pivot below 1e-13 of the largest diagonal
        // element marks a coefficient the sources do not determine.
        var normal = [Double](repeating: 0, count: k * k)
        var maxDiag = 0.0
        for j in 0..<k {
            for c in 0...j { normal[j * k + c] = ne.normal(j, c) }
            maxDiag = max(maxDiag, ne.normal(j, j))
        }
        let l: [Double]
        do throws(NotPositiveDefinite) { l = try Cholesky.factor(normal, n: k, pivot: .above(maxDiag * 1e-13)) } catch {
            throw VSHError("the normal matrix is not positive definite at coefficient \(ne.layout.terms[error.index].name): "
                + "the \(ne.sources) source(s) do not determine all \(k) coefficients of degree ≤ \(ne.layout.lmax) "
                + "(too few sources or too little of the sky covered; lower lmax)")
        }
        let x = Cholesky.solve(factor: l, n: k, ne.rhs)
        coefficients = x
        covariance = Cholesky.inverse(factor: l, n: k)
        var xb = 0.0
        for j in 0..<k { xb += x[j] * ne.rhs[j] }
        chi2 = ne.weightedSquares - xb
    }

    /// The fitted field at source i of `d` and the residual's X² = rᵀC⁻¹r. `trig`: as in
    /// VSHNormalEquations.add, for source i.
    public func residualChi2(_ d: ProperMotions, _ i: Int, basis: inout VSHBasis, trig: SIMD4<Double>? = nil,
                             alpha: UnsafeMutablePointer<Double>, delta: UnsafeMutablePointer<Double>) -> Double {
        if let t = trig {
            basis.evaluate(sinDec: t[0], cosDec: t[1], cosRA: t[2], sinRA: t[3], alpha: alpha, delta: delta)
        } else {
            basis.evaluate(raRad: d.ra[i], decRad: d.dec[i], alpha: alpha, delta: delta)
        }
        var u = 0.0, v = 0.0
        for k in 0..<count { u += coefficients[k] * alpha[k]; v += coefficients[k] * delta[k] }
        return d.chi2(i, residual: d.pmra[i] - u, d.pmdec[i] - v)
    }
}

/// The slow reference: dense whitened design matrix with the reference basis, Householder QR.
public enum VSHReferenceFit {
    /// Solution (coefficients, covariance, χ²) for the sources `indices` of `d`.
    public static func solve(_ d: ProperMotions, indices: [Int], lmax: Int) throws -> VSHSolution {
        let layout = VSHLayout(lmax: lmax)
        let k = layout.count, n = 2 * indices.count
        guard n >= k else { throw VSHError("too few sources") }
        // Column-major A (n × k) and z (n).
        var a = [Double](repeating: 0, count: n * k)
        var z = [Double](repeating: 0, count: n)
        for (r, i) in indices.enumerated() {
            let (al, de) = VSHReferenceBasis.evaluate(layout: layout, raRad: d.ra[i], decRad: d.dec[i])
            // Explicit whitening by the inverse Cholesky factor of C_i.
            let sa = d.pmraError[i], sd = d.pmdecError[i], rho = d.correlation[i]
            let c = (1 - rho * rho).squareRoot()
            for j in 0..<k {
                a[j * n + 2 * r] = al[j] / sa
                a[j * n + 2 * r + 1] = (de[j] / sd - rho * al[j] / sa) / c
            }
            z[2 * r] = d.pmra[i] / sa
            z[2 * r + 1] = (d.pmdec[i] / sd - rho * d.pmra[i] / sa) / c
        }
        // Householder QR: A = Q R, applied to z as we go.
        var rdiag = [Double](repeating: 0, count: k)
        for j in 0..<k {
            var norm = 0.0
            for i in j..<n { norm += a[j * n + i] * a[j * n + i] }
            norm = norm.squareRoot()
            guard norm > 0 else { throw VSHError("rank-deficient design matrix") }
            let alpha = a[j * n + j] > 0 ? -norm : norm
            // v = a_j[j...] − alpha e_1, stored in place.
            a[j * n + j] -= alpha
            var vnorm2 = 0.0
            for i in j..<n { vnorm2 += a[j * n + i] * a[j * n + i] }
            rdiag[j] = alpha
            for c in (j + 1)..<max(k, j + 1) {
                var s = 0.0
                for i in j..<n { s += a[j * n + i] * a[c * n + i] }
                let f = 2 * s / vnorm2
                for i in j..<n { a[c * n + i] -= f * a[j * n + i] }
            }
            var s = 0.0
            for i in j..<n { s += a[j * n + i] * z[i] }
            let f = 2 * s / vnorm2
            for i in j..<n { z[i] -= f * a[j * n + i] }
        }
        // R (upper): R_jj = rdiag[j], R_jc = a[c * n + j] for c > j.
        func r(_ j: Int, _ c: Int) -> Double { j == c ? rdiag[j] : a[c * n + j] }
        var x = [Double](repeating: 0, count: k)
        for j in stride(from: k - 1, through: 0, by: -1) {
            var s = z[j]
            for c in (j + 1)..<max(k, j + 1) { s -= r(j, c) * x[c] }
            x[j] = s / r(j, j)
        }
        // R⁻¹ (upper), Cov = R⁻¹ R⁻ᵀ.
        var rinv = [Double](repeating: 0, count: k * k)
        for c in 0..<k {
            rinv[c * k + c] = 1 / r(c, c)
            for j in stride(from: c - 1, through: 0, by: -1) {
                var s = 0.0
                for t in (j + 1)...c { s -= r(j, t) * rinv[t * k + c] }
                rinv[j * k + c] = s / r(j, j)
            }
        }
        var cov = [Double](repeating: 0, count: k * k)
        for p in 0..<k {
            for q in 0..<k {
                var s = 0.0
                for t in max(p, q)..<k { s += rinv[p * k + t] * rinv[q * k + t] }
                cov[p * k + q] = s
            }
        }
        var chi2 = 0.0
        for i in k..<n { chi2 += z[i] * z[i] }
        return VSHSolution(layout: layout, coefficients: x, covariance: cov, chi2: chi2, sources: indices.count)
    }
}
