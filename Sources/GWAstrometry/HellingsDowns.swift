// The astrometric Hellings–Downs curve, the fit of its amplitude to binned pair correlations,
// and what the amplitude means: Ω_GW and its upper limit.
//
// Curve. For an isotropic, unpolarised stochastic background of gravitational waves in general
// relativity, in the distant-source limit, the two-point function of the astrometric deflection
// (Book & Flanagan 2011, PRD 83, 024024; in the parallel/perpendicular basis of Mihaylov et al.
// 2018, CQG 35, 095015) has equal parallel and perpendicular parts and no cross part:
//   ⟨μ_i∥ μ_j∥⟩ = ⟨μ_i⊥ μ_j⊥⟩ = A · H(Θ),   ⟨μ_i∥ μ_j⊥⟩ = 0,
//   H(Θ) = 1 − 7x − 6 x² ln x / (1 − x),   x = sin²(Θ/2),
// normalised to H(0) = 1 (so A = ⟨μ∥²⟩ = ⟨μ⊥²⟩ = ⟨|μ|²⟩/2), H(180°) = 0, a zero at 57.11° and a
// minimum of −0.4423 at 99.7°. As a series in the VSH degree l (equal E and B power):
//   H(Θ) = Σ_{l≥2} a_l G_l(cos Θ),  G_l(c) = P_l(c) + (1 − c) P_l'(c) / (l(l+1)),
//   a_l = 24 (2l+1) / ((l−1) l² (l+1)² (l+2)),  Σ a_l = 1,  a_2 = 5/6, a_3 = 7/60.
// (G_l is the parallel = perpendicular correlation of a degree-l field with equal E and B power,
// normalised to G_l(1) = 1, derived in Docs/gw-correlation.md; the per-degree power ∝ a_l is the
// astrometric spectrum of Qin et al. 2019, PRD 99, 063002, the same as the VSH limit's
// GWBackgroundLimit.degreeFraction.) Both forms, and the normalisation against the plane-wave
// deflection formula, are checked in HellingsDownsTests.
//
// Energy density. With ρ_GW = c²⟨ḣ_ij ḣ_ij⟩/(32πG) (Maggiore 2008, Gravitational Waves I,
// Eq. 1.135) and ρ_c = 3H0²c²/(8πG), Ω_GW = ⟨ḣ_ij ḣ_ij⟩/(12 H0²); the deflection gives
// ⟨|μ|²⟩ = ⟨ḣ_ij ḣ_ij⟩/12 averaged over directions and polarisations, so
//   ⟨|μ|²⟩ = H0² Ω_GW   (Book & Flanagan 2011; cf. Gwinn et al. 1997, ApJ 485, 87; the 1/12 is
//                        checked by a plane-wave average in HellingsDownsTests),
//   Ω_GW = 2A / H0²,
// for the energy density in GWs of frequencies 1/T_obs ≳ f ≳ H0 (slower waves are not a
// proper motion; faster ones average out over the observing time T_obs).
//
// Fit. y_k = (C∥_k, C⊥_k) per bin, model A·(H̄_k, H̄_k) with H̄_k the average of H over bin k for
// isotropic pairs (density ∝ sin Θ). Weighted least squares with each bin's 2×2 covariance
// (errors from the scatter, PairSums.swift; or the model errors 1/√Σw with no covariance);
// bins independent, which is exact under the null hypothesis (distinct pairs are uncorrelated)
// and so the right weighting for a detection test and an upper limit:
//   Â = Σ_k hᵀC_k⁻¹y_k / Σ_k hᵀC_k⁻¹h,   σ_A = (Σ_k hᵀC_k⁻¹h)^(−1/2).
// Upper limit: posterior of A for a flat prior on A ≥ 0 and the Gaussian likelihood N(Â, σ_A²),
//   A_UL: [Φ((A_UL − Â)/σ_A) − Φ(−Â/σ_A)] / [1 − Φ(−Â/σ_A)] = confidence.
import Foundation
import Numerics

public enum HellingsDowns {
    /// H(Θ), Θ in radians, normalised to H(0) = 1.
    public static func value(thetaRad t: Double) -> Double {
        let s = sin(t / 2), c = cos(t / 2)
        let x = s * s, y = c * c  // y = 1 − x, accurately also near Θ = 180°
        if x == 0 { return 1 }
        // ln x / (1 − x): ln x directly for small x, log1p(−y) for x near 1 (no cancellation).
        let ratio: Double
        if y == 0 {
            ratio = -1
        } else if x < 0.5 {
            ratio = log(x) / y
        } else {
            ratio = log1p(-y) / y
        }
        return 1 - 7 * x - 6 * x * x * ratio
    }

    /// a_l: the share of degree l in H (Σ_{l≥2} a_l = 1).
    public static func degreeWeight(_ l: Int) -> Double {
        precondition(l >= 2)
        let d = Double(l)
        return 24 * (2 * d + 1) / ((d - 1) * d * d * (d + 1) * (d + 1) * (d + 2))
    }

    /// G_l(c) = P_l(c) + (1 − c) P_l'(c)/(l(l+1)): the correlation shape of degree l (G_l(1) = 1).
    public static func degreeShape(_ l: Int, cos c: Double) -> Double {
        // Bonnet's recurrence for P_l and P_l' = l (c P_l − P_{l−1}) / (c² − 1), written as the
        // recurrence P'_{l} = P'_{l−2} + (2l − 1) P_{l−1} to stay finite at c = ±1.
        var p0 = 1.0, p1 = c          // P_{l−2}, P_{l−1} while stepping
        var d0 = 0.0, d1 = 1.0        // P'_{l−2}, P'_{l−1}
        if l == 0 { return 1 }
        if l == 1 { return c + (1 - c) / 2 }
        var pl = 0.0, dl = 0.0
        for k in 2...l {
            let kd = Double(k)
            pl = ((2 * kd - 1) * c * p1 - (kd - 1) * p0) / kd
            dl = d0 + (2 * kd - 1) * p1
            p0 = p1; p1 = pl
            d0 = d1; d1 = dl
        }
        return pl + (1 - c) * dl / Double(l * (l + 1))
    }

    /// Σ_{l=2}^{lmax} a_l G_l(cos Θ): the series form (slow; for checks).
    public static func series(thetaRad t: Double, lmax: Int) -> Double {
        let c = cos(t)
        var s = 0.0
        for l in 2...max(2, lmax) { s += degreeWeight(l) * degreeShape(l, cos: c) }
        return s
    }

    /// The average of H over separations [lo, hi] (degrees) for isotropic pairs (density ∝ sin Θ),
    /// i.e. the mean of H over cos Θ ∈ [cos hi, cos lo]: 64-point Gauss–Legendre in cos Θ.
    public static func binAverage(loDeg: Double, hiDeg: Double) -> Double {
        let c1 = DegreeTrig.cosine(deg: hiDeg), c2 = DegreeTrig.cosine(deg: loDeg)
        let (nodes, weights) = GaussLegendre.rule64
        let half = (c2 - c1) / 2, mid = (c2 + c1) / 2
        var s = 0.0
        for k in nodes.indices {
            let c = mid + half * nodes[k]
            s += weights[k] * value(thetaRad: acos(min(1, max(-1, c))))
        }
        return s / 2
    }

    /// H0 (km/s/Mpc) in µas/yr (Julian year, IAU 2012 au-based parsec: 1 Mpc = 3.0856775814913673e19 km).
    public static func hubbleMicroarcsecondsPerYear(_ kmPerSecondPerMpc: Double) -> Double {
        let perSecond = kmPerSecondPerMpc / 3.0856775814913673e19
        return perSecond * 365.25 * 86400 * (180 / Double.pi) * 3600e6
    }

    /// Ω_GW of an amplitude A (µas²/yr²) for H0 in km/s/Mpc: 2A/H0².
    public static func omega(amplitude a: Double, hubble h0: Double) -> Double {
        let h = hubbleMicroarcsecondsPerYear(h0)
        return 2 * a / (h * h)
    }
}

/// Which correlation components enter the fit.
public enum HellingsDownsComponents: String, Sendable, CaseIterable {
    case both, parallel, perpendicular
}

/// Which per-bin errors weight the fit.
public enum CorrelationErrors: String, Sendable, CaseIterable {
    /// From the scatter of the pair products (robust to misquoted proper-motion errors).
    case scatter
    /// 1/√Σw: assumes the quoted errors are right.
    case model
}

public struct HellingsDownsFit: Sendable {
    public var amplitude: Double
    public var amplitudeError: Double
    /// Bins that entered the fit (finite values, positive-definite covariance).
    public var binsUsed: Int
    /// Data points (2 per bin for both components).
    public var points: Int
    public var chi2: Double
    public var chi2Null: Double
    public var components: HellingsDownsComponents
    public var errors: CorrelationErrors

    public var degreesOfFreedom: Int { max(points - 1, 0) }
    public var significance: Double { amplitude / amplitudeError }
    /// P(χ² ≥ observed) for the fitted model, and for A = 0 (points degrees of freedom); NaN when
    /// there are no degrees of freedom or χ² is NaN (no usable bins).
    public var pValue: Double { ChiSquare.upperTail(chi2, dof: degreesOfFreedom) }
    public var pValueNull: Double { ChiSquare.upperTail(chi2Null, dof: points) }

    /// Weighted least squares of A · H̄_k to the bins (see the file comment).
    public init(bins: [BinnedCorrelation], components: HellingsDownsComponents = .both, errors: CorrelationErrors = .scatter) {
        self.components = components
        self.errors = errors
        var fisher = 0.0, b = 0.0, used = 0, points = 0
        var terms: [(h: Double, y: SIMD2<Double>, inv: (Double, Double, Double))] = []
        for bin in bins {
            let h = HellingsDowns.binAverage(loDeg: bin.thetaMinDeg, hiDeg: bin.thetaMaxDeg)
            var vp: Double, vq: Double, cv: Double
            switch errors {
            case .scatter:
                vp = bin.parallelError * bin.parallelError
                vq = bin.perpendicularError * bin.perpendicularError
                cv = bin.covariance
            case .model:
                vp = bin.modelError * bin.modelError
                vq = vp
                cv = 0
            }
            let y = SIMD2(bin.parallel, bin.perpendicular)
            // Inverse covariance entries (i11, i22, i12) of the components used.
            var inv: (Double, Double, Double)
            switch components {
            case .both:
                let det = vp * vq - cv * cv
                guard vp > 0, vq > 0, det > 0, det.isFinite, y.x.isFinite, y.y.isFinite else { continue }
                inv = (vq / det, vp / det, -cv / det)
                points += 2
            case .parallel:
                guard vp > 0, vp.isFinite, y.x.isFinite else { continue }
                inv = (1 / vp, 0, 0)
                points += 1
            case .perpendicular:
                guard vq > 0, vq.isFinite, y.y.isFinite else { continue }
                inv = (0, 1 / vq, 0)
                points += 1
            }
            used += 1
            let yx = components == .perpendicular ? 0 : y.x, yy = components == .parallel ? 0 : y.y
            let hx = components == .perpendicular ? 0 : h, hy = components == .parallel ? 0 : h
            fisher += hx * (inv.0 * hx + inv.2 * hy) + hy * (inv.2 * hx + inv.1 * hy)
            b += hx * (inv.0 * yx + inv.2 * yy) + hy * (inv.2 * yx + inv.1 * yy)
            terms.append((h, SIMD2(yx, yy), inv))
        }
        binsUsed = used
        self.points = points
        if fisher > 0 {
            amplitude = b / fisher
            amplitudeError = 1 / fisher.squareRoot()
        } else {
            amplitude = .nan
            amplitudeError = .nan
        }
        var c2 = 0.0, c0 = 0.0
        for t in terms {
            let hx = components == .perpendicular ? 0 : t.h, hy = components == .parallel ? 0 : t.h
            let rx = t.y.x - amplitude * hx, ry = t.y.y - amplitude * hy
            c2 += rx * (t.inv.0 * rx + t.inv.2 * ry) + ry * (t.inv.2 * rx + t.inv.1 * ry)
            c0 += t.y.x * (t.inv.0 * t.y.x + t.inv.2 * t.y.y) + t.y.y * (t.inv.2 * t.y.x + t.inv.1 * t.y.y)
        }
        chi2 = c2
        chi2Null = c0
    }

    /// Upper limit on A at `confidence` (flat prior on A ≥ 0, Gaussian likelihood).
    public func upperLimit(confidence: Double = 0.95) -> Double {
        guard amplitude.isFinite, amplitudeError > 0 else { return .nan }
        return HellingsDownsFit.upperLimit(estimate: amplitude, error: amplitudeError, confidence: confidence)
    }

    /// A_UL = Â + σ z with Q(z) = (1 − confidence) Q(−Â/σ), Q the standard normal upper tail.
    public static func upperLimit(estimate a: Double, error s: Double, confidence: Double) -> Double {
        precondition(confidence > 0 && confidence < 1)
        let target = (1 - confidence) * HellingsDowns.NormalTail.upper(-a / s)
        return a + s * HellingsDowns.NormalTail.inverseUpper(target)
    }
}

extension HellingsDowns {
/// Standard normal upper tail Q(z) = ½ erfc(z/√2) and its inverse.
public enum NormalTail {
    public static func upper(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// z with Q(z) = p, 0 < p < 1 (bisection on log Q: monotone, 1e-15 relative).
    public static func inverseUpper(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "NormalTail.inverseUpper: p = \(p)")
        var lo = -40.0, hi = 40.0
        let target = log(p)
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if log(upper(mid)) > target { lo = mid } else { hi = mid }
            if hi - lo < 1e-15 * max(1, abs(mid)) { break }
        }
        return (lo + hi) / 2
    }
}

/// 64-point Gauss–Legendre rule on [−1, 1] (nodes by Newton iteration on P_64; computed once).
enum GaussLegendre {
    static let rule64: (nodes: [Double], weights: [Double]) = rule(64)

    static func rule(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var x = [Double](repeating: 0, count: n), w = x
        for i in 0..<n {
            var z = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var dp = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = z
                for k in 2...n {
                    let p2 = ((2 * Double(k) - 1) * z * p1 - (Double(k) - 1) * p0) / Double(k)
                    p0 = p1; p1 = p2
                }
                dp = Double(n) * (z * p1 - p0) / (z * z - 1)
                let dz = p1 / dp
                z -= dz
                if abs(dz) < 1e-16 { break }
            }
            x[i] = z
            w[i] = 2 / ((1 - z * z) * dp * dp)
        }
        return (x, w)
    }
}
}
