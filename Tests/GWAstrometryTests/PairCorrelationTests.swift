// The fast all-pairs kernel against the slow reference (spherical trigonometry, acos binning),
// analytic single pairs at extreme separations, degenerate pairs, pair counts, block additivity,
// binning rules, determinism. Shared helpers for the other PairCorrelation*Tests at the end.
import Foundation
import XCTest
@testable import GWAstrometry

final class PairCorrelationTests: XCTestCase {
    /// The fast kernel and the reference agree: counts exactly, sums to 1e-12 of the sum of the
    /// terms' magnitudes, for one block with itself and for two blocks (sizes not multiples of 8).
    func testFastMatchesReference() throws {
        var rng = PairTestRandom(seed: 1)
        let a = PairTestData.random(203, rng: &rng), b = PairTestData.random(77, rng: &rng)
        for binning in [try PairBinning.uniform(bins: 36), try PairBinning.uniform(bins: 7, minDeg: 12.5, maxDeg: 151),
                        try PairBinning(edgesDeg: [0, 1, 2, 5, 10, 30, 60, 90, 120, 179, 180]),
                        try PairBinning(edgesDeg: [0, 1e-4, 30, 180])] {  // cells cannot resolve 1e-4°: looping lookup
            let kernel = PairCorrelationKernel(binning: binning)
            let fastDiag = kernel.diagonal(a.sample)
            let refDiag = PairCorrelationReference.sums(a.reference, binning: binning)
            PairTestData.assertClose(fastDiag, refDiag, scale: PairTestData.magnitudes(a.reference, nil, binning), "diagonal \(binning.edgesDeg)")
            let fastCross = kernel.cross(a.sample, b.sample)
            let refCross = PairCorrelationReference.sums(a.reference, b.reference, binning: binning)
            PairTestData.assertClose(fastCross, refCross, scale: PairTestData.magnitudes(a.reference, b.reference, binning), "cross \(binning.edgesDeg)")
        }
    }

    /// Every pair is visited once: N(N−1)/2 within a block, N·M across, for awkward sizes.
    func testPairCounts() throws {
        var rng = PairTestRandom(seed: 2)
        let binning = try PairBinning.uniform(bins: 36)
        let kernel = PairCorrelationKernel(binning: binning)
        let restricted = PairCorrelationKernel(binning: try PairBinning.uniform(bins: 5, minDeg: 20, maxDeg: 120))
        for n in [0, 1, 2, 7, 8, 9, 15, 16, 17, 100] {
            let a = PairTestData.random(n, rng: &rng)
            XCTAssertEqual(kernel.diagonal(a.sample).pairs, n * (n - 1) / 2, "diagonal n = \(n)")
            XCTAssertEqual(restricted.diagonal(a.sample).visited, n * (n - 1) / 2, "diagonal n = \(n), restricted range")
            for m in [0, 1, 8, 13] {
                let b = PairTestData.random(m, rng: &rng)
                XCTAssertEqual(kernel.cross(a.sample, b.sample).pairs, n * m, "cross \(n) × \(m)")
                XCTAssertEqual(restricted.cross(a.sample, b.sample).visited, n * m, "cross \(n) × \(m), restricted range")
            }
        }
    }

    /// diagonal(A ∪ B) = diagonal(A) + diagonal(B) + cross(A, B) (counts exactly).
    func testBlocksAddUp() throws {
        var rng = PairTestRandom(seed: 3)
        let binning = try PairBinning.uniform(bins: 18)
        let kernel = PairCorrelationKernel(binning: binning)
        let all = PairTestData.random(150, rng: &rng)
        let a = all.sample.slice(0..<61), b = all.sample.slice(61..<150)
        var parts = kernel.diagonal(a)
        parts.add(kernel.diagonal(b))
        parts.add(kernel.cross(a, b))
        PairTestData.assertClose(kernel.diagonal(all.sample), parts, scale: PairTestData.magnitudes(all.reference, nil, binning), "blocks")
        // Packing round trip and concatenation.
        XCTAssertEqual(PairSample(packed: all.sample.packed).storage, all.sample.storage)
        XCTAssertEqual(PairSample.concatenate([a, b]).storage, all.sample.storage)
    }

    /// A pair in a known frame: r_i = x̂, r_j = (cos Θ, sin Θ, 0); e∥ = ŷ at i, (−sin Θ, cos Θ, 0)
    /// at j; e⊥ = ẑ at both. μ_i = a₁e∥ + b₁ẑ, μ_j = a₂e∥(j) + b₂ẑ gives P∥ = a₁a₂, P⊥ = b₁b₂ for
    /// every Θ in (0, π), here down to 1e-9 rad from 0 and from π, in random orientations.
    func testAnalyticPairsAtExtremeSeparations() throws {
        var rng = PairTestRandom(seed: 4)
        let binning = try PairBinning.uniform(bins: 1)
        let kernel = PairCorrelationKernel(binning: binning)
        for theta in [1e-9, 1e-6, 1e-3, 0.3, 1.0, 2.0, Double.pi - 1e-3, Double.pi - 1e-6, Double.pi - 1e-9] {
            for _ in 0..<20 {
                let rot = rng.rotation()
                let (a1, b1, a2, b2) = (rng.normal(), rng.normal(), rng.normal(), rng.normal())
                let ri = SIMD3(1.0, 0, 0), rj = SIMD3(cos(theta), sin(theta), 0)
                let mi = a1 * SIMD3(0, 1.0, 0) + b1 * SIMD3(0, 0, 1.0)
                let mj = a2 * SIMD3(-sin(theta), cos(theta), 0) + b2 * SIMD3(0, 0, 1.0)
                let s = PairSample(positions: [rot(ri), rot(rj)], motions: [rot(mi), rot(mj)], weight: [1, 1])
                let sums = kernel.diagonal(s)
                XCTAssertEqual(sums.pairs, 1)
                XCTAssertEqual(sums.coincident + sums.antipodal, 0)
                // Rounding of n = r_i × r_j is ~1e-16 absolute: relative 1e-16/sin Θ.
                let tol = 1e-14 / sin(theta) * (abs(a1) + abs(b1)) * (abs(a2) + abs(b2))
                XCTAssertEqual(sums[0, 2], a1 * a2, accuracy: tol, "Θ = \(theta)")
                XCTAssertEqual(sums[0, 3], b1 * b2, accuracy: tol, "Θ = \(theta)")
            }
        }
    }

    /// Exactly coincident and exactly antipodal pairs take the great-circle average and are
    /// counted; the reference (bearings) follows the same rule.
    func testDegeneratePairs() throws {
        let binning = try PairBinning.uniform(bins: 4)
        let kernel = PairCorrelationKernel(binning: binning)
        let src = [PairReferenceSource(raDeg: 0, decDeg: 0, pmra: 3, pmdec: 1, weight: 1),
                   PairReferenceSource(raDeg: 0, decDeg: 0, pmra: 2, pmdec: -5, weight: 2),      // coincident with 0
                   PairReferenceSource(raDeg: 180, decDeg: 0, pmra: 7, pmdec: 11, weight: 0.5),  // antipodal to 0 and 1
                   PairReferenceSource(raDeg: 90, decDeg: 0, pmra: 1, pmdec: 1, weight: 1)]
        let sample = PairTestData.sample(src)
        let fast = kernel.diagonal(sample)
        let ref = PairCorrelationReference.sums(src, binning: binning)
        XCTAssertEqual(fast.coincident, 1)
        XCTAssertEqual(fast.antipodal, 2)
        XCTAssertEqual(ref.coincident, 1)
        XCTAssertEqual(ref.antipodal, 2)
        XCTAssertEqual(fast.pairs, 6)
        // Pair (0, 1): at (0°, 0°) e_α and e_δ are ŷ and ẑ in both: μ_0·μ_1 = 3·2 + 1·(−5) = 1.
        // Coincident: P∥ = P⊥ = 1/2, weight 2 → bin 0 gets w P∥ = 1 (and no other pair).
        XCTAssertEqual(fast[0, 0], 1)
        XCTAssertEqual(fast[0, 2], 1, accuracy: 1e-15)
        XCTAssertEqual(fast[0, 3], 1, accuracy: 1e-15)
        PairTestData.assertClose(fast, ref, scale: PairTestData.magnitudes(src, nil, binning), "degenerate")
        // Antipodal pair (0, 2): at (180°, 0°) e_α = −ŷ, e_δ = ẑ: μ_0·μ_2 = 3·(−7) + 1·11 = −10:
        // P∥ = +5, P⊥ = −5, weight 0.5; pair (1, 2): μ_1·μ_2 = 2·(−7) − 5·11 = −69: P∥ = 34.5,
        // P⊥ = −34.5, weight 1. Both in the last bin.
        let k = binning.count - 1
        XCTAssertEqual(fast[k, 0], 2)
        XCTAssertEqual(fast[k, 2], 0.5 * 5 + 1 * 34.5, accuracy: 1e-13)
        XCTAssertEqual(fast[k, 3], -(0.5 * 5 + 1 * 34.5), accuracy: 1e-13)
    }

    /// Dense clusters: segments whose bounding caps lie in one bin or across one edge take the
    /// register paths; the sums still match the reference.
    func testClusteredSkyTakesCapPaths() throws {
        var rng = PairTestRandom(seed: 7)
        var src: [PairReferenceSource] = []
        for (ra, dec, n) in [(10.0, 20.0, 300), (100.0, -30.0, 200), (12.0, 26.0, 150)] {
            for _ in 0..<n {
                // within ~1° of the centre, in a raster order (neighbours adjacent)
                let u = rng.uniform(), v = rng.uniform()
                src.append(PairReferenceSource(raDeg: ra + 2 * (u - 0.5) / cos(dec * Double.pi / 180), decDeg: dec + 2 * (v - 0.5),
                                               pmra: 50 * rng.normal(), pmdec: 50 * rng.normal(), weight: 0.5 + rng.uniform()))
            }
        }
        src.sort { (Int($0.decDeg * 4), $0.raDeg) < (Int($1.decDeg * 4), $1.raDeg) }
        let a = PairTestData.sample(src)
        let binning = try PairBinning.uniform(bins: 36)
        let kernel = PairCorrelationKernel(binning: binning)
        let fast = kernel.diagonal(a)
        XCTAssertGreaterThan(kernel.paths.single, 0)
        XCTAssertGreaterThan(kernel.paths.two, 0)
        PairTestData.assertClose(fast, PairCorrelationReference.sums(src, binning: binning),
                                 scale: PairTestData.magnitudes(src, nil, binning), "clustered")
        let half = src.count / 2
        let x = PairTestData.sample(Array(src[..<half])), y = PairTestData.sample(Array(src[half...]))
        let cross = kernel.cross(x, y)
        XCTAssertGreaterThan(kernel.paths.single + kernel.paths.two, 0)
        PairTestData.assertClose(cross, PairCorrelationReference.sums(Array(src[..<half]), Array(src[half...]), binning: binning),
                                 scale: PairTestData.magnitudes(Array(src[..<half]), Array(src[half...]), binning), "clustered cross")
    }

    /// The same call twice gives bit-identical sums (fixed summation order).
    func testDeterministic() throws {
        var rng = PairTestRandom(seed: 5)
        let a = PairTestData.random(500, rng: &rng, sorted: true)
        let binning = try PairBinning.uniform(bins: 36)
        let k1 = PairCorrelationKernel(binning: binning), k2 = PairCorrelationKernel(binning: binning)
        XCTAssertEqual(k1.diagonal(a.sample), k2.diagonal(a.sample))
        XCTAssertEqual(k1.diagonal(a.sample), k1.diagonal(a.sample))
        // Spatially sorted data (most chunks take the lane-wise path) still match the reference.
        PairTestData.assertClose(k1.diagonal(a.sample), PairCorrelationReference.sums(a.reference, binning: binning),
                                 scale: PairTestData.magnitudes(a.reference, nil, binning), "sorted")
    }

    /// Binning: the cosine rule equals the count of thresholds at or above c for random and
    /// edge values; it agrees with the Θ rule away from edges; cuts; bad edges are refused.
    func testBinning() throws {
        var rng = PairTestRandom(seed: 6)
        for b in [try PairBinning.uniform(bins: 36), try PairBinning.uniform(bins: 180), try PairBinning.uniform(bins: 5, minDeg: 10, maxDeg: 100),
                  try PairBinning(edgesDeg: [0, 0.01, 0.02, 1, 179.99, 180])] {
            let t = b.edgesDeg.map { DegreeTrig.cosine(deg: $0) }
            func brute(_ c: Double) -> Int {
                if b.edgesDeg[0] > 0 && c > t[0] { return -1 }
                if b.edgesDeg[b.count] < 180 && c < t[b.count] { return -1 }
                return (1..<b.count).filter { c <= t[$0] }.count
            }
            var probes = (0..<20000).map { _ in 2 * rng.uniform() - 1 }
            probes += t + t.map { $0.nextUp } + t.map { $0.nextDown } + [1, -1, 1.0.nextUp, (-1.0).nextDown, 0]
            for c in probes {
                XCTAssertEqual(b.bin(cos: c), brute(c), "c = \(c), edges \(b.edgesDeg)")
                let theta = acos(min(1, max(-1, c)))
                let nearEdge = b.edgesDeg.contains { abs($0 * Double.pi / 180 - theta) < 1e-9 }
                if !nearEdge { XCTAssertEqual(b.bin(thetaRad: theta), b.bin(cos: c), "c = \(c)") }
            }
        }
        // The kernel's extended-bin lookup (0 below θ_0, K + 1 above θ_K) agrees with the rule.
        for b in [try PairBinning.uniform(bins: 36), try PairBinning.uniform(bins: 7, minDeg: 12.5, maxDeg: 151),
                  try PairBinning(edgesDeg: [0, 1e-4, 30, 180]), try PairBinning(edgesDeg: [3, 3.01, 90])] {
            let kernel = PairCorrelationKernel(binning: b)
            let t = b.edgesDeg.map { DegreeTrig.cosine(deg: $0) }
            var probes = (0..<20000).map { _ in 2 * rng.uniform() - 1 }
            probes += t + t.map { $0.nextUp } + t.map { $0.nextDown } + [1, -1, 1.0.nextUp, (-1.0).nextDown]
            for c in probes {
                let k = b.bin(cos: c)
                let e = kernel.lookup(c)
                if k >= 0 { XCTAssertEqual(e, k + 1, "c = \(c), edges \(b.edgesDeg)") } else {
                    XCTAssertTrue(e == 0 || e == b.count + 1, "c = \(c), edges \(b.edgesDeg): extended bin \(e)")
                }
            }
        }
        let b = try PairBinning.uniform(bins: 36)
        XCTAssertEqual(b.bin(cos: 0), 18)           // Θ = 90° opens bin [90°, 95°)
        XCTAssertEqual(b.bin(cos: 1.0.nextUp), 0)   // rounding above 1: still bin 0
        XCTAssertEqual(b.bin(cos: -1), 35)
        XCTAssertThrowsError(try PairBinning(edgesDeg: [0]))
        XCTAssertThrowsError(try PairBinning(edgesDeg: [0, 90, 90]))
        XCTAssertThrowsError(try PairBinning(edgesDeg: [-1, 90]))
        XCTAssertThrowsError(try PairBinning(edgesDeg: [0, 181]))
        XCTAssertThrowsError(try PairBinning.uniform(bins: 0))
        XCTAssertThrowsError(try PairBinning(edgesDeg: [0, 1e-12, 1]))  // not separable in cos Θ
    }
}

// MARK: - helpers shared by the PairCorrelation*Tests

/// SplitMix64 with uniform and normal draws (tests only).
struct PairTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
    /// A uniformly random point on the sphere (ra, dec in degrees).
    mutating func sky() -> (ra: Double, dec: Double) {
        let z = 2 * uniform() - 1
        return (360 * uniform(), asin(z) * 180 / Double.pi)
    }
    /// A uniformly random rotation (from a random unit quaternion).
    mutating func rotation() -> (SIMD3<Double>) -> SIMD3<Double> {
        var q = SIMD4(normal(), normal(), normal(), normal())
        q /= (q * q).sum().squareRoot()
        let (w, x, y, z) = (q[0], q[1], q[2], q[3])
        let m = [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]
        return { v in SIMD3(m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z,
                            m[6] * v.x + m[7] * v.y + m[8] * v.z) }
    }
}

enum PairTestData {
    struct Set {
        var reference: [PairReferenceSource]
        var sample: PairSample
    }

    static func sample(_ src: [PairReferenceSource]) -> PairSample {
        PairSample(raDeg: src.map(\.raDeg), decDeg: src.map(\.decDeg), pmra: src.map(\.pmra), pmdec: src.map(\.pmdec),
                   weight: src.map(\.weight))
    }

    /// n random sources (µ ~ N(0, 100²), weights in [0.5, 2]); `sorted`: by declination band then
    /// RA (a stand-in for HEALPix order: neighbours on the sky are neighbours in the arrays).
    static func random(_ n: Int, rng: inout PairTestRandom, sorted: Bool = false) -> Set {
        var src = (0..<n).map { _ -> PairReferenceSource in
            let p = rng.sky()
            return PairReferenceSource(raDeg: p.ra, decDeg: p.dec, pmra: 100 * rng.normal(), pmdec: 100 * rng.normal(),
                                       weight: 0.5 + 1.5 * rng.uniform())
        }
        if sorted { src.sort { (Int(($0.decDeg + 90) / 10), $0.raDeg) < (Int(($1.decDeg + 90) / 10), $1.raDeg) } }
        return Set(reference: src, sample: sample(src))
    }

    /// Per bin and quantity, the sum of the terms' natural magnitudes (|μ_i||μ_j| for a product).
    static func magnitudes(_ a: [PairReferenceSource], _ b: [PairReferenceSource]?, _ binning: PairBinning) -> PairSums {
        var s = PairSums(bins: binning.count)
        for i in a.indices {
            let others = b ?? a
            let start = b == nil ? i + 1 : 0
            if start >= others.count { continue }
            for j in start..<others.count {
                let p = PairCorrelationReference.pair(a[i], others[j])
                let k = binning.bin(thetaRad: p.theta)
                if k < 0 { continue }
                // Rounding in either geometry is relative to |μ_i||μ_j|, not to the product itself.
                let m = (a[i].pmra * a[i].pmra + a[i].pmdec * a[i].pmdec).squareRoot()
                    * (others[j].pmra * others[j].pmra + others[j].pmdec * others[j].pmdec).squareRoot()
                s.add(bin: k, weight: a[i].weight * others[j].weight, parallel: m, perpendicular: m)
            }
        }
        return s
    }

    /// Counts equal, every other sum within 1e-12 of its scale (the magnitude sums).
    static func assertClose(_ x: PairSums, _ y: PairSums, scale: PairSums, _ label: String, rtol: Double = 1e-12,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.bins, y.bins, label, file: file, line: line)
        XCTAssertEqual(x.coincident, y.coincident, label, file: file, line: line)
        XCTAssertEqual(x.antipodal, y.antipodal, label, file: file, line: line)
        XCTAssertEqual(x.outside, y.outside, label, file: file, line: line)
        for k in 0..<x.bins {
            XCTAssertEqual(x[k, 0], y[k, 0], "\(label): bin \(k) pair count", file: file, line: line)
            for q in 1..<PairSums.quantities {
                let tol = rtol * max(scale[k, q], 1e-300)
                XCTAssertEqual(x[k, q], y[k, q], accuracy: tol, "\(label): bin \(k) quantity \(q)", file: file, line: line)
            }
        }
    }
}
