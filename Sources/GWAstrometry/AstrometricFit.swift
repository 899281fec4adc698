// The 5-parameter astrometric solution of one source from its along-scan abscissae, and the
// projector that removes it — what a signal loses to the fit is part of the plane-wave model.
//
// Along-scan model per transit k (Lindegren et al. 2012, A&A 538, A78, the AL observation
// equation of the source update; the design of the Gaia DR4 source update, ESA `gaiasupdate`,
// `epoch_astrometry.py`):
//     w_k = sin ψ_k Δα* + cos ψ_k Δδ + f_k ϖ + τ_k sin ψ_k µα* + τ_k cos ψ_k µδ
// ψ_k the scan position angle (north through east), f_k the AL parallax factor, τ_k the time from
// the reference epoch in Julian years; Δα* = Δα cos δ. Design row x_k = (sin ψ, cos ψ, f, τ sin ψ,
// τ cos ψ), weights W = diag(1/σ_k²). Weighted least squares: A = XᵀWX = LLᵀ (Cholesky),
// β̂ = A⁻¹XᵀW w, residuals r̃ = w − Xβ̂ = P w with the W-orthogonal projector
//     P = I − X A⁻¹ XᵀW,   PX = 0,   P² = P,   (WP)ᵀ = WP.
// The column space of X does not depend on the time origin, so neither does P: τ may be counted
// from any epoch (the search uses J2017.5 for every source, the GW phase reference).

import Foundation
import Numerics

/// One source's along-scan series after cleaning (only transits the search uses).
public struct AlongScanSeries: Sendable {
    public var sourceID: Int64
    public var frame: StarFrame
    /// Julian years from J2017.5.
    public var tau: [Double] = []
    public var sinPsi: [Double] = []
    public var cosPsi: [Double] = []
    public var parallaxFactor: [Double] = []
    /// Abscissae and their standard errors, mas.
    public var value: [Double] = []
    public var sigma: [Double] = []

    public init(sourceID: Int64, raDeg: Double, decDeg: Double) {
        self.sourceID = sourceID
        frame = StarFrame(raDeg: raDeg, decDeg: decDeg)
    }

    public var count: Int { tau.count }

    /// Appends one transit: ψ in radians.
    public mutating func append(tau t: Double, psi: Double, parallaxFactor f: Double, value v: Double, sigma s: Double) {
        tau.append(t)
        sinPsi.append(sin(psi))
        cosPsi.append(cos(psi))
        parallaxFactor.append(f)
        value.append(v)
        sigma.append(s)
    }

    /// Design row k.
    @inline(__always)
    public func design(_ k: Int) -> (Double, Double, Double, Double, Double) {
        (sinPsi[k], cosPsi[k], parallaxFactor[k], tau[k] * sinPsi[k], tau[k] * cosPsi[k])
    }
}

public enum FitFailure: Error, Equatable, Sendable {
    /// Fewer transits than `minimum` (at least 6: five parameters and one degree of freedom).
    case tooFewTransits(Int)
    /// XᵀWX is (numerically) singular: the scan angles or times do not constrain 5 parameters.
    case degenerateDesign
}

public struct FiveParameterFit: Sendable {
    /// Cholesky factor L of A = XᵀWX (row-major 5×5, lower).
    public let factor: [Double]
    /// β̂ = (Δα*, Δδ, ϖ, µα*, µδ) in mas, mas/yr at τ = 0.
    public let parameters: [Double]
    /// r̃ = P w, mas.
    public let residuals: [Double]
    /// Σ r̃²/σ².
    public let chi2: Double

    /// A pivot of the Cholesky factorisation below this fraction of its diagonal element (squared
    /// cosine of the angle between a design column and the span of the previous ones) marks A as
    /// singular.
    public static let pivotTolerance = 1e-10

    public init(_ s: AlongScanSeries, minimumTransits: Int = 6) throws {
        let n = s.count
        guard n >= max(minimumTransits, 6) else { throw FitFailure.tooFewTransits(n) }
        var a = [Double](repeating: 0, count: 25), b = [Double](repeating: 0, count: 5)
        for k in 0..<n {
            let x = s.design(k), w = 1 / (s.sigma[k] * s.sigma[k])
            let xs = [x.0, x.1, x.2, x.3, x.4]
            for i in 0..<5 {
                b[i] += xs[i] * w * s.value[k]
                for j in 0...i { a[i * 5 + j] += xs[i] * w * xs[j] }
            }
        }
        guard let l = try? Cholesky.factor(a, n: 5, pivot: .relative(Self.pivotTolerance)) else {
            throw FitFailure.degenerateDesign
        }
        factor = l
        let beta = Cholesky.solve(factor: l, n: 5, b)
        parameters = beta
        var r = [Double](repeating: 0, count: n)
        var c2 = 0.0
        for k in 0..<n {
            let x = s.design(k)
            r[k] = s.value[k] - (x.0 * beta[0] + x.1 * beta[1] + x.2 * beta[2] + x.3 * beta[3] + x.4 * beta[4])
            c2 += r[k] * r[k] / (s.sigma[k] * s.sigma[k])
        }
        residuals = r
        chi2 = c2
    }

    /// P v = v − X A⁻¹ XᵀW v for a series v over the same transits.
    public func project(_ v: [Double], series s: AlongScanSeries) -> [Double] {
        var b = [Double](repeating: 0, count: 5)
        for k in 0..<s.count {
            let x = s.design(k), w = v[k] / (s.sigma[k] * s.sigma[k])
            b[0] += x.0 * w; b[1] += x.1 * w; b[2] += x.2 * w; b[3] += x.3 * w; b[4] += x.4 * w
        }
        let beta = Cholesky.solve(factor: factor, n: 5, b)
        return (0..<s.count).map { k in
            let x = s.design(k)
            return v[k] - (x.0 * beta[0] + x.1 * beta[1] + x.2 * beta[2] + x.3 * beta[3] + x.4 * beta[4])
        }
    }
}
