// Upper limit on the energy density Ω_GW of an isotropic stochastic gravitational-wave background
// from the VSH power of degrees l ≥ 2.
//
// Physics. A background with wavelengths longer than the baseline makes the apparent positions
// of distant sources move coherently, with mean-square proper motion ⟨μ²⟩ = H0² Ω_GW summed over
// degrees (Gwinn et al. 1997, ApJ 485, 87; Book & Flanagan 2011, PRD 83, 024024), in equal E
// (spheroidal) and B (toroidal) parts, most of it in the quadrupole: the degree-l part is
//   ⟨μ²⟩_l = f_l H0² Ω_GW,   f_l = 24 (2l+1) / [(l−1) l² (l+1)² (l+2)],
// a spectrum that sums to 1 over l ≥ 2 and gives f_2 = 5/6, f_3 = 7/60, f_4 = 3/100 — the
// quadrupole fraction 5/6 that Gwinn et al. (1997) and Darling, Truebenbach & Paine (2018, ApJ
// 861, 113) use in Ω_GW = (6/5) ⟨μ²⟩_2 / H0². (GaiaMine's derivation of f_l for l > 2 from the
// 5/6 normalisation is documented in Docs/gw-vsh.md; the l = 2 relation is the published one.)
// With ⟨μ²⟩_l = (P_l^T + P_l^S)/(4π) (VSHPower.swift), an isotropic background gives each
// complex coefficient of degree l the variance E|c_lm|² = 4π f_l H0² Ω_GW / (2 (2l+1)): real
// m = 0 coefficients that variance, real and imaginary parts of m ≥ 1 half of it.
//
// Estimator. Per degree, Ω̂_l = (P̂_l^T + P̂_l^S − noise bias) / (4π f_l H0²) is unbiased; degrees
// are combined with inverse-variance weights under the noise-only hypothesis,
// w_l ∝ 1/Var(Ω̂_l | Ω = 0), Var = 2 tr((D Σ_l)²)/(4π f_l H0²)² (VSHPower.swift).
//
// Upper limit. Neyman construction by Monte Carlo: the fitted coefficients are
// c = √Ω · s + n with s ~ N(0, diag(v_j)) the background (per unit Ω) and n ~ N(0, Σ) the noise
// (Σ the fit covariance of those degrees, correlations included). The 95 % upper limit is the Ω
// at which P(Ω̂ ≤ Ω̂_obs | Ω) = 0.05, found by bisection with common random numbers
// (Ω̂(Ω) = A Ω + B √Ω + C for each draw, so one set of draws serves every Ω). The expected limit
// (sensitivity) is the same with Ω̂_obs replaced by the noise-only median of Ω̂. Power at
// degrees beyond lmax leaking into the fitted ones on a non-uniform sky is neglected.

import Foundation
import Numerics

public struct GWBackgroundLimit: Sendable {
    /// The Hubble constant, km/s/Mpc.
    public var h0: Double
    public var confidence = 0.95
    public var draws = 20000
    public var seed: UInt64 = 20_180_611

    public init(h0: Double = 70, confidence: Double = 0.95, draws: Int = 20000, seed: UInt64 = 20_180_611) {
        self.h0 = h0
        self.confidence = confidence
        self.draws = draws
        self.seed = seed
    }

    /// H0 as an angular rate in µas/yr (the unit of the coefficients): H0 [1/s] divided by one
    /// µas/yr in rad/s (1 µas = π/(180·3600·10⁶) rad, 1 yr = 365.25 d, 1 Mpc = 3.0856775814913673e19 km).
    public var h0MicroarcsecondsPerYear: Double {
        let perSecond = h0 / 3.0856775814913673e19
        let uasPerYear = Double.pi / (180 * 3600 * 1e6) / (365.25 * 86400)
        return perSecond / uasPerYear
    }

    /// f_l: fraction of ⟨μ²⟩ in degree l ≥ 2.
    public static func degreeFraction(_ l: Int) -> Double {
        precondition(l >= 2)
        let d = Double(l)
        return 24 * (2 * d + 1) / ((d - 1) * d * d * (d + 1) * (d + 1) * (d + 2))
    }

    /// Ω_GW equivalent to a mean-square proper motion `meanSquare` ((µas/yr)²) in degree l.
    public func omega(meanSquare: Double, degree l: Int) -> Double {
        meanSquare / (Self.degreeFraction(l) * h0MicroarcsecondsPerYear * h0MicroarcsecondsPerYear)
    }

    public struct Result: Sendable {
        public var degrees: [Int]
        /// Ω̂ (unbiased; may be negative) and its noise-only standard deviation.
        public var estimate: Double
        public var estimateError: Double
        /// Upper limit at `confidence` (0 when Ω̂ lies below the 5 % noise quantile).
        public var upperLimit: Double
        /// The limit expected from noise alone (median Ω̂ under Ω = 0).
        public var expectedUpperLimit: Double
        /// P(Ω̂ ≤ Ω̂_obs | Ω = 0): a small value means less power than noise should give.
        public var noiseQuantile: Double
    }

    /// The limit from `degrees` (each 2 ≤ l ≤ lmax) of a solution.
    public func limit(_ sol: VSHSolution, degrees: [Int]) throws -> Result {
        guard !degrees.isEmpty, degrees.allSatisfy({ $0 >= 2 && $0 <= sol.layout.lmax }) else {
            throw VSHError("Ω_GW needs degrees 2…lmax (lmax ≥ 2), got \(degrees)")
        }
        let h2 = h0MicroarcsecondsPerYear * h0MicroarcsecondsPerYear
        // Per coefficient j: degree slot, power weight d_j, signal variance per unit Ω v_j.
        var idx: [Int] = [], slot: [Int] = [], d: [Double] = [], v: [Double] = []
        for (k, l) in degrees.enumerated() {
            for j in sol.layout.degreeRange(l) {
                idx.append(j)
                slot.append(k)
                let dj = sol.layout.terms[j].powerWeight
                d.append(dj)
                v.append(4 * Double.pi * Self.degreeFraction(l) * h2 / (2 * Double(2 * l + 1) * dj))
            }
        }
        let n = idx.count
        let sigma = sol.covariance(of: idx)
        // Per-degree normalisation g_l = w_l / (4π f_l H0²), with inverse-variance weights.
        var bias = [Double](repeating: 0, count: degrees.count)
        var variance = [Double](repeating: 0, count: degrees.count)
        for a in 0..<n {
            bias[slot[a]] += d[a] * sigma[a * n + a]
            for b in 0..<n where slot[b] == slot[a] { variance[slot[a]] += 2 * d[a] * sigma[a * n + b] * d[b] * sigma[b * n + a] }
        }
        let scale = degrees.map { 4 * Double.pi * Self.degreeFraction($0) * h2 }
        let omegaVariance = (0..<degrees.count).map { variance[$0] / (scale[$0] * scale[$0]) }
        let wsum = omegaVariance.reduce(0) { $0 + 1 / $1 }
        let w = omegaVariance.map { 1 / $0 / wsum }
        let g = (0..<degrees.count).map { w[$0] / scale[$0] }
        let biasTerm = (0..<degrees.count).reduce(0.0) { $0 + g[$1] * bias[$1] }
        // Observed estimate.
        var observed = -biasTerm
        for a in 0..<n { observed += g[slot[a]] * d[a] * sol.coefficients[idx[a]] * sol.coefficients[idx[a]] }
        let estimateError = (1 / wsum).squareRoot()
        // Monte Carlo: per draw, Ω̂(Ω) = A Ω + B √Ω + C.
        guard let lchol = try? Cholesky.factor(sigma, n: n, pivot: .above(0)) else {
            throw VSHError("coefficient covariance not positive definite")
        }
        var rng = GWRandom(seed: seed)
        var qa = [Double](repeating: 0, count: draws), qb = qa, qc = qa
        var z = [Double](repeating: 0, count: n)
        for t in 0..<draws {
            for a in 0..<n { z[a] = rng.normal() }
            let noise = Cholesky.lowerTimes(lchol, n: n, z)
            var A = 0.0, B = 0.0, C = -biasTerm
            for a in 0..<n {
                let u = rng.normal() * v[a].squareRoot()
                let gd = g[slot[a]] * d[a]
                A += gd * u * u
                B += 2 * gd * u * noise[a]
                C += gd * noise[a] * noise[a]
            }
            qa[t] = A; qb[t] = B; qc[t] = C
        }
        func fractionBelow(_ omega: Double, _ threshold: Double) -> Double {
            let r = omega.squareRoot()
            var k = 0
            for t in 0..<draws where qa[t] * omega + qb[t] * r + qc[t] <= threshold { k += 1 }
            return Double(k) / Double(draws)
        }
        let alpha = 1 - confidence
        func upper(_ threshold: Double) -> Double {
            if fractionBelow(0, threshold) <= alpha { return 0 }
            var hi = max(estimateError, abs(threshold), 1e-300)
            var guardCount = 0
            while fractionBelow(hi, threshold) > alpha && guardCount < 200 { hi *= 2; guardCount += 1 }
            var lo = 0.0
            for _ in 0..<60 {
                let mid = 0.5 * (lo + hi)
                if fractionBelow(mid, threshold) > alpha { lo = mid } else { hi = mid }
                if hi - lo <= 1e-6 * hi { break }
            }
            return hi
        }
        let noiseOnly = qc.sorted()
        let median = noiseOnly[draws / 2]
        return Result(degrees: degrees, estimate: observed, estimateError: estimateError, upperLimit: upper(observed),
                      expectedUpperLimit: upper(median), noiseQuantile: fractionBelow(0, observed))
    }
}

/// xoshiro256** (Blackman & Vigna 2021, ACM TOMS 47, 36) seeded by SplitMix64; normal deviates
/// by Box–Muller. Deterministic: the same seed gives the same limits on every rank.
struct GWRandom {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spare: Double?

    init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (next(), next(), next(), next())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9007199254740992.0 }

    mutating func normal() -> Double {
        if let v = spare { spare = nil; return v }
        let r = (-2 * log(uniform())).squareRoot(), th = 2 * Double.pi * uniform()
        spare = r * sin(th)
        return r * cos(th)
    }
}
