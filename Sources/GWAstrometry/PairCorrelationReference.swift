// The slow, obviously correct pair correlation: one pair at a time, with spherical trigonometry
// instead of the fast kernel's vector algebra, and Θ itself (acos) for the binning.
//
// For a pair (i, j) given by (α, δ) and (μα*, μδ):
//   cos Θ = sin δ_i sin δ_j + cos δ_i cos δ_j cos(α_j − α_i),   Θ = acos(cos Θ) (clamped).
//   Position angle of j seen from i (from north through east; Smart 1977, Textbook on Spherical
//   Astronomy, §7): φ_ij = atan2(cos δ_j sin(α_j − α_i), cos δ_i sin δ_j − sin δ_i cos δ_j cos(α_j − α_i)).
//   Great-circle frame at i: e∥ = sin φ_ij e_α + cos φ_ij e_δ (towards j), e⊥ = r × e∥
//     = sin φ_ij e_δ − cos φ_ij e_α, so μ_i∥ = μα* sin φ_ij + μδ cos φ_ij, μ_i⊥ = −μα* cos φ_ij + μδ sin φ_ij.
//   At j the frame transported along the great circle: e∥(j) points away from i, i.e. opposite
//     to the direction towards i: μ_j∥ = −(μα* sin φ_ji + μδ cos φ_ji), μ_j⊥ = μα* cos φ_ji − μδ sin φ_ji.
//   Products P∥ = μ_i∥ μ_j∥, P⊥ = μ_i⊥ μ_j⊥, pair weight w_i w_j.
// Degenerate pairs (the same test as the fast kernel: |r_i × r_j|² below the smallest normal
// double) take the great-circle average: coincident P∥ = P⊥ = μ_i·μ_j/2, antipodal
// P∥ = −μ_i·μ_j/2, P⊥ = μ_i·μ_j/2.
import Foundation

public struct PairReferenceSource: Sendable {
    public var raDeg: Double, decDeg: Double
    /// μα* (includes cos δ) and μδ.
    public var pmra: Double, pmdec: Double
    public var weight: Double
    public init(raDeg: Double, decDeg: Double, pmra: Double, pmdec: Double, weight: Double) {
        self.raDeg = raDeg; self.decDeg = decDeg; self.pmra = pmra; self.pmdec = pmdec; self.weight = weight
    }
}

public enum PairCorrelationReference {
    /// (Θ in radians, P∥, P⊥, degenerate: 0 no, 1 coincident, 2 antipodal) of one pair.
    public static func pair(_ i: PairReferenceSource, _ j: PairReferenceSource) -> (theta: Double, parallel: Double, perpendicular: Double, degenerate: Int) {
        let (sai, cai) = DegreeTrig.sinCos(i.raDeg), (sdi, cdi) = DegreeTrig.sinCos(i.decDeg)
        let (saj, caj) = DegreeTrig.sinCos(j.raDeg), (sdj, cdj) = DegreeTrig.sinCos(j.decDeg)
        let ri = SIMD3(cdi * cai, cdi * sai, sdi), rj = SIMD3(cdj * caj, cdj * saj, sdj)
        let dAlpha = (j.raDeg - i.raDeg) * Double.pi / 180
        let cosTheta = sdi * sdj + cdi * cdj * cos(dAlpha)
        let theta = acos(min(1, max(-1, cosTheta)))
        let n = PairVector.cross(ri, rj)
        if PairVector.dot(n, n) < Double.leastNormalMagnitude {
            // μ as 3-vectors: μα* e_α + μδ e_δ.
            let mi = i.pmra * SIMD3(-sai, cai, 0) + i.pmdec * SIMD3(-sdi * cai, -sdi * sai, cdi)
            let mj = j.pmra * SIMD3(-saj, caj, 0) + j.pmdec * SIMD3(-sdj * caj, -sdj * saj, cdj)
            let half = PairVector.dot(mi, mj) / 2
            return PairVector.dot(ri, rj) > 0 ? (theta, half, half, 1) : (theta, -half, half, 2)
        }
        let phiIJ = positionAngle(fromDec: i.decDeg, toRa: j.raDeg - i.raDeg, toDec: j.decDeg)
        let phiJI = positionAngle(fromDec: j.decDeg, toRa: i.raDeg - j.raDeg, toDec: i.decDeg)
        let iPar = i.pmra * sin(phiIJ) + i.pmdec * cos(phiIJ)
        let iPerp = -i.pmra * cos(phiIJ) + i.pmdec * sin(phiIJ)
        let jPar = -(j.pmra * sin(phiJI) + j.pmdec * cos(phiJI))
        let jPerp = j.pmra * cos(phiJI) - j.pmdec * sin(phiJI)
        return (theta, iPar * jPar, iPerp * jPerp, 0)
    }

    /// Position angle (radians, north through east) of a point at RA offset `dRaDeg` and
    /// declination `toDec`, seen from declination `fromDec`.
    static func positionAngle(fromDec: Double, toRa dRaDeg: Double, toDec: Double) -> Double {
        let d1 = fromDec * Double.pi / 180, d2 = toDec * Double.pi / 180, da = dRaDeg * Double.pi / 180
        return atan2(cos(d2) * sin(da), cos(d1) * sin(d2) - sin(d1) * cos(d2) * cos(da))
    }

    /// All pairs i < j of `sources` (`b == nil`), or all (i, j) with i in `a`, j in `b`.
    public static func sums(_ a: [PairReferenceSource], _ b: [PairReferenceSource]? = nil, binning: PairBinning) -> PairSums {
        var s = PairSums(bins: binning.count)
        for i in a.indices {
            let others = b ?? a
            let start = b == nil ? i + 1 : 0
            if start >= others.count { continue }
            for j in start..<others.count {
                let p = pair(a[i], others[j])
                let k = binning.bin(thetaRad: p.theta)
                if k < 0 { s.outside += 1; continue }
                if p.degenerate == 1 { s.coincident += 1 }
                if p.degenerate == 2 { s.antipodal += 1 }
                s.add(bin: k, weight: a[i].weight * others[j].weight, parallel: p.parallel, perpendicular: p.perpendicular)
            }
        }
        return s
    }
}
