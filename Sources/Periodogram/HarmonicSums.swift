// The trigonometric sums from which the K-harmonic generalised Lomb–Scargle power follows at
// every grid frequency, and that power. Engines differ only in how they obtain the sums
// (direct phase rotation or NUFFT); the step from sums to power is shared.
//
// With normalised weights (Σw = 1), values centred (Σwy = 0) and ω = 2πf:
//   C_h = Σ w cos(hωt),  S_h = Σ w sin(hωt)            h = 1 … 2K
//   YC_h = Σ w y cos(hωt), YS_h = Σ w y sin(hωt)        h = 1 … K
// The normal matrix of the model c + Σ a_h cos(hωt) + b_h sin(hωt) has entries, by the
// product-to-sum identities (VanderPlas 2018, ApJS 236, 16, §5.2; Palmer 2009, ApJ 695, 496):
//   ⟨1,1⟩ = 1, ⟨1,cos a⟩ = C_a, ⟨1,sin a⟩ = S_a,
//   ⟨cos a, cos b⟩ = ½(C_{a−b} + C_{a+b}), ⟨sin a, sin b⟩ = ½(C_{a−b} − C_{a+b}),
//   ⟨cos a, sin b⟩ = ½(S_{a+b} − S_{a−b}),   with C_0 = 1, S_0 = 0, C_{−m} = C_m, S_{−m} = −S_m,
// and right-hand side (0, YC_a, YS_a). Power = rhsᵀ M⁻¹ rhs / YY (ZK09 eq. 4 as explained χ²).

import Numerics

/// Sums for every frequency of a grid, structure of arrays: `cosW[(h−1)·count + k]` is C_h(f_k).
public struct HarmonicSums: Sendable {
    public let nterms: Int
    public let count: Int
    /// C_h for h = 1 … 2K.
    public var cosW: [Double]
    /// S_h for h = 1 … 2K.
    public var sinW: [Double]
    /// YC_h for h = 1 … K.
    public var cosWY: [Double]
    /// YS_h for h = 1 … K.
    public var sinWY: [Double]

    public init(nterms: Int, count: Int) {
        self.nterms = nterms
        self.count = count
        cosW = [Double](repeating: 0, count: 2 * nterms * count)
        sinW = cosW
        cosWY = [Double](repeating: 0, count: nterms * count)
        sinWY = cosWY
    }

    /// The power at every frequency (standard normalisation), given YY = Σ w y².
    public func power(yy: Double) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        let n = count
        if nterms == 1 {
            for k in 0..<n {
                out[k] = SingleHarmonic.power(c: cosW[k], s: sinW[k], c2: cosW[n + k], s2: sinW[n + k],
                                              yc: cosWY[k], ys: sinWY[k], yy: yy)
            }
            return out
        }
        var c = [Double](repeating: 0, count: 2 * nterms + 1)
        var s = c
        var yc = [Double](repeating: 0, count: nterms + 1)
        var ys = yc
        for k in 0..<n {
            c[0] = 1; s[0] = 0
            for h in 1...(2 * nterms) {
                c[h] = cosW[(h - 1) * n + k]
                s[h] = sinW[(h - 1) * n + k]
            }
            for h in 1...nterms {
                yc[h] = cosWY[(h - 1) * n + k]
                ys[h] = sinWY[(h - 1) * n + k]
            }
            out[k] = MultiHarmonic.power(nterms: nterms, c: c, s: s, yc: yc, ys: ys, yy: yy)
        }
        return out
    }
}

/// K = 1: ZK09 eqs. (5), (10)–(15) with Y = 0, written with Ĉ = Σw cos² = ½(1 + C₂) and
/// Ŝ = Σw cos·sin = ½S₂ so that no time offset τ (and no arctan) is needed:
///   CC = Ĉ − C², SS = 1 − Ĉ − S², CS = Ŝ − C·S, D = CC·SS − CS²,
///   p = (SS·YC² + CC·YS² − 2·CS·YC·YS) / (YY·D).
public enum SingleHarmonic {
    @inline(__always)
    public static func power(c: Double, s: Double, c2: Double, s2: Double, yc: Double, ys: Double, yy: Double) -> Double {
        powerFromSquares(c: c, s: s, cc: 0.5 * (1 + c2), cs: 0.5 * s2, yc: yc, ys: ys, yy: yy)
    }

    /// The power (bit for bit as `power`) and ‖x‖₁ of the least-squares solution x = (c, a, b):
    /// a = (SS·YC − CS·YS)/D, b = (CC·YS − CS·YC)/D, and the constant c = −(a·C + b·S) from the
    /// first normal equation (Σwy = 0). ‖x‖₁ sizes the effect of errors in the sums
    /// (`SumErrorBound`); it is +∞ when D ≤ 0.
    @inline(__always)
    public static func solve(c: Double, s: Double, c2: Double, s2: Double, yc: Double, ys: Double,
                             yy: Double) -> (power: Double, solutionNorm: Double) {
        let cc = 0.5 * (1 + c2), cs = 0.5 * s2
        let ccv = cc - c * c
        let ssv = (1 - cc) - s * s
        let csv = cs - c * s
        let d = ccv * ssv - csv * csv
        guard d > 0 else { return (0, .infinity) }
        guard yy > 0 else { return (0, 0) }
        let a = (ssv * yc - csv * ys) / d, b = (ccv * ys - csv * yc) / d
        let power = (ssv * yc * yc + ccv * ys * ys - 2 * csv * yc * ys) / (yy * d)
        return (power, abs(a * c + b * s) + abs(a) + abs(b))
    }

    /// The same with Ĉ = Σw cos² and Ŝ = Σw cos·sin accumulated directly (direct engine).
    @inline(__always)
    public static func powerFromSquares(c: Double, s: Double, cc: Double, cs: Double,
                                        yc: Double, ys: Double, yy: Double) -> Double {
        let ccv = cc - c * c
        let ssv = (1 - cc) - s * s
        let csv = cs - c * s
        let d = ccv * ssv - csv * csv
        guard d > 0, yy > 0 else { return 0 }
        return (ssv * yc * yc + ccv * ys * ys - 2 * csv * yc * ys) / (yy * d)
    }
}

/// K ≥ 2: build the (2K+1)² normal matrix from the sums and solve it by Cholesky (it is
/// symmetric positive definite whenever the fit is determined). Runs once per frequency, so it
/// works in a stack buffer: no allocation.
public enum MultiHarmonic {
    /// `c`, `s`: index 0 … 2K (c[0] = 1, s[0] = 0); `yc`, `ys`: index 1 … K (index 0 unused).
    public static func power(nterms k: Int, c: [Double], s: [Double], yc: [Double], ys: [Double], yy: Double) -> Double {
        c.withUnsafeBufferPointer { c in
            s.withUnsafeBufferPointer { s in
                yc.withUnsafeBufferPointer { yc in
                    ys.withUnsafeBufferPointer { ys in
                        power(nterms: k, c: c.baseAddress!, s: s.baseAddress!, yc: yc.baseAddress!, ys: ys.baseAddress!, yy: yy)
                    }
                }
            }
        }
    }

    @inline(__always)
    public static func power(nterms k: Int, c: UnsafePointer<Double>, s: UnsafePointer<Double>,
                             yc: UnsafePointer<Double>, ys: UnsafePointer<Double>, yy: Double) -> Double {
        let p = 2 * k + 1
        guard yy > 0 else { return 0 }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * p * p + 2 * p) { buf in
            let m = buf.baseAddress!, b = m + p * p, l = b + p, x = l + p * p
            @inline(__always) func cc(_ i: Int) -> Double { c[abs(i)] }
            @inline(__always) func ss(_ i: Int) -> Double { i < 0 ? -s[-i] : s[i] }
            m[0] = 1
            b[0] = 0
            for a in 1...k {
                m[2 * a - 1] = c[a]; m[(2 * a - 1) * p] = c[a]
                m[2 * a] = s[a]; m[(2 * a) * p] = s[a]
                b[2 * a - 1] = yc[a]
                b[2 * a] = ys[a]
                for bb in 1...k {
                    m[(2 * a - 1) * p + 2 * bb - 1] = 0.5 * (cc(a - bb) + cc(a + bb))
                    m[(2 * a) * p + 2 * bb] = 0.5 * (cc(a - bb) - cc(a + bb))
                    let cosSin = 0.5 * (ss(a + bb) - ss(a - bb))  // ⟨cos a, sin b⟩
                    m[(2 * a - 1) * p + 2 * bb] = cosSin
                    m[(2 * bb) * p + 2 * a - 1] = cosSin
                }
            }
            do throws(NotPositiveDefinite) { try Cholesky.factor(m, into: l, n: p) } catch { return 0 }
            Cholesky.forwardSubstitute(l, n: p, b, into: x)
            Cholesky.backSubstitute(l, n: p, x, into: x)
            var explained = 0.0
            for r in 0..<p { explained += b[r] * x[r] }
            return explained / yy
        }
    }
}
