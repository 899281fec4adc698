// Proper motions of a set of sources, as every GW kernel takes them (structure of arrays).
// Positions in radians; proper motions and their errors in one unit — GaiaMine's drivers use
// µas/yr throughout, so coefficients, rotation and glide come out in µas/yr.

public struct ProperMotions: Sendable, Equatable {
    public var sourceID: [Int64] = []
    /// Row of the source in its table (for messages and for fixed-block bookkeeping).
    public var row: [Int] = []
    /// Right ascension α and declination δ, radians.
    public var ra: [Double] = []
    public var dec: [Double] = []
    /// μ_α* = μ_α cos δ (Gaia's pmra) and μ_δ.
    public var pmra: [Double] = []
    public var pmdec: [Double] = []
    /// Standard errors of μ_α* and μ_δ, and their correlation coefficient ρ.
    public var pmraError: [Double] = []
    public var pmdecError: [Double] = []
    public var correlation: [Double] = []

    public init() {}

    public var count: Int { ra.count }
    public var isEmpty: Bool { ra.isEmpty }

    public mutating func reserveCapacity(_ n: Int) {
        sourceID.reserveCapacity(n); row.reserveCapacity(n); ra.reserveCapacity(n); dec.reserveCapacity(n)
        pmra.reserveCapacity(n); pmdec.reserveCapacity(n); pmraError.reserveCapacity(n)
        pmdecError.reserveCapacity(n); correlation.reserveCapacity(n)
    }

    public mutating func append(sourceID id: Int64, row r: Int, ra a: Double, dec d: Double, pmra ua: Double, pmdec ud: Double,
                                pmraError sa: Double, pmdecError sd: Double, correlation rho: Double) {
        sourceID.append(id); row.append(r); ra.append(a); dec.append(d); pmra.append(ua); pmdec.append(ud)
        pmraError.append(sa); pmdecError.append(sd); correlation.append(rho)
    }

    /// The sources at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ProperMotions {
        var o = ProperMotions()
        o.reserveCapacity(indices.count)
        for i in indices {
            o.append(sourceID: sourceID[i], row: row[i], ra: ra[i], dec: dec[i], pmra: pmra[i], pmdec: pmdec[i],
                     pmraError: pmraError[i], pmdecError: pmdecError[i], correlation: correlation[i])
        }
        return o
    }

    /// Whitening of source i's 2×2 covariance C = [[σ_α², ρσ_ασ_δ], [ρσ_ασ_δ, σ_δ²]] = L Lᵀ
    /// (Cholesky): L⁻¹ (u, v) = (u/σ_α, (v/σ_δ − ρ u/σ_α)/√(1−ρ²)), so that for a residual r,
    /// rᵀC⁻¹r = |L⁻¹r|². Returns (1/σ_α, 1/σ_δ, ρ, 1/√(1−ρ²)).
    @inline(__always)
    public func whitening(_ i: Int) -> (ia: Double, id: Double, rho: Double, ir: Double) {
        let rho = correlation[i]
        return (1 / pmraError[i], 1 / pmdecError[i], rho, 1 / (1 - rho * rho).squareRoot())
    }

    /// rᵀC⁻¹r of a residual (u, v) of source i: the squared normalised residual X² (2 degrees of
    /// freedom for a correct model and errors).
    @inline(__always)
    public func chi2(_ i: Int, residual u: Double, _ v: Double) -> Double {
        let w = whitening(i)
        let z1 = u * w.ia
        let z2 = (v * w.id - w.rho * z1) * w.ir
        return z1 * z1 + z2 * z2
    }
}

/// One fixed block of rows' selected sources. `index` is global: blocks are cut from the table
/// the same way whatever the number of ranks (GWJob.ProperMotionSample.blocks), so sums made per
/// block and combined exactly do not depend on who read which block.
public struct ProperMotionBlock: Sendable {
    public var index: Int
    public var data: ProperMotions
    public init(index: Int, data: ProperMotions) {
        self.index = index
        self.data = data
    }
}
