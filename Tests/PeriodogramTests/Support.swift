import Foundation
@testable import Periodogram

/// A small deterministic generator (SplitMix64) so test curves are identical everywhere.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// A Gaia-like curve: `n` times clumped in visits over ~`span` days (groups of transits 6 h
/// apart, like the scanning law), a sinusoid of `period`, heteroscedastic Gaussian noise.
func gaiaLikeCurve(n: Int, span: Double = 1035, period: Double = 0.613, amplitude: Double = 0.3,
                   seed: UInt64 = 1, start: Double = 1666.4) -> LightCurve {
    var rng = TestRandom(seed: seed)
    var t: [Double] = []
    while t.count < n {
        let visit = start + rng.uniform() * span
        for s in 0..<(1 + Int(rng.uniform() * 3)) where t.count < n {
            t.append(visit + 0.25 * Double(s) + 0.074 * Double(Int(rng.uniform() * 2)))
        }
    }
    t.sort()
    var y: [Double] = [], e: [Double] = []
    for ti in t {
        let sigma = 0.01 + 0.04 * rng.uniform()
        y.append(15 + amplitude * sin(2 * .pi * ti / period + 0.4) + sigma * rng.normal())
        e.append(sigma)
    }
    return LightCurve(time: t, value: y, error: e)
}

/// Every `stride`-th frequency of `grid`, as its own grid (the reference engine is slow).
func subsample(_ grid: FrequencyGrid, stride: Int, offset: Int = 0) -> FrequencyGrid {
    FrequencyGrid(fmin: grid.frequency(offset), step: grid.step * Double(stride),
                  count: (grid.count - offset + stride - 1) / stride)
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Engines with the exact fallback of SumErrorBound.swift (fft; direct at K ≥ 2).
protocol GuardedEngine: PowerEngine {
    var exactFallback: Bool { get set }
    var recomputedCount: Int { get }
}
extension FFTEngine: GuardedEngine {}
extension DirectEngine: GuardedEngine {}

/// The power of a fresh engine without the fallback and of another with it (returned, for its
/// `recomputedCount`).
func unguardedAndGuarded<E: GuardedEngine>(_ make: () -> E, _ curve: PreparedCurve, grid: FrequencyGrid,
                                           nterms: Int) -> (unguarded: [Double], guarded: [Double], engine: E) {
    let raw = make()
    raw.exactFallback = false
    let unguarded = raw.power(curve, grid: grid, nterms: nterms)
    let engine = make()
    return (unguarded, engine.power(curve, grid: grid, nterms: nterms), engine)
}
