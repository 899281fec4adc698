// Deterministic pseudo-random numbers: the same seed gives the same bytes on every run, machine
// and thread count. No Foundation or system randomness is used anywhere in Synth.
//
//   SplitMix64     Steele, Lea & Flood 2014 (OOPSLA '14), "Fast splittable pseudorandom number
//                  generators"; used only to expand a 64-bit seed into generator states.
//   xoshiro256**   Blackman & Vigna 2021, "Scrambled linear pseudorandom number generators",
//                  ACM TOMS 47, 36; period 2^256 − 1.
//   normals        Box–Muller (Box & Muller 1958, Ann. Math. Stat. 29, 610), both values used.
//
// Every source gets its own generator, seeded from (run seed, table, stream, source index), so
// the content of a source does not depend on which file or thread generates it.

import Numerics

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment, output mixed by the
/// Stafford "Mix13" finaliser.
public struct SplitMix64 {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// The finaliser alone: a good 64-bit hash for combining seeds.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** with uniform, normal and small-integer helpers.
public struct Xoshiro256: RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Double = 0
    private var hasSpare = false

    /// State from SplitMix64(seed), as the xoshiro authors recommend.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// A generator for one (seed, stream, index) triple, independent of all others.
    public init(seed: UInt64, stream: UInt64, index: UInt64 = 0) {
        let k = SplitMix64.mix(SplitMix64.mix(seed ^ 0x5EED_5EED_5EED_5EED) ^ SplitMix64.mix(stream &* 0x2545_F491_4F6C_DD1D))
        self.init(seed: SplitMix64.mix(k ^ index))
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Xoshiro256.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [a, b).
    @inline(__always)
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Uniform integer in 0..<n (Lemire's multiply-shift; the bias for n ≪ 2^64 is negligible
    /// and, more importantly here, deterministic).
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// True with probability p.
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// Standard normal by Box–Muller; the second value of each pair is kept for the next call.
    public mutating func normal() -> Double {
        if hasSpare { hasSpare = false; return spareNormal }
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        let r = (-2.0 * DetMath.log(u1)).squareRoot()
        let a = 2.0 * Double.pi * u2
        spareNormal = r * DetMath.sin(a)
        hasSpare = true
        return r * DetMath.cos(a)
    }

    public mutating func normal(_ mean: Double, _ sd: Double) -> Double { mean + sd * normal() }

    /// Index drawn with the given (unnormalised) weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = uniform() * total
        for (i, w) in weights.enumerated() {
            if u < w { return i }
            u -= w
        }
        return weights.count - 1
    }

    /// A value in [lo, hi] with density ∝ 10^(slope·x) (star counts rising toward faint
    /// magnitudes: slope = d log10 N / dm), by inverting the cumulative distribution.
    public mutating func powerLawMagnitude(_ lo: Double, _ hi: Double, slope: Double) -> Double {
        let k = slope * DetMath.ln10
        let u = uniform()
        let a = DetMath.exp(k * lo), b = DetMath.exp(k * hi)
        return DetMath.log(a + u * (b - a)) / k
    }
}
