// Plane-wave geometry: polarisation tensors, the deflection (analytic cases, transversality,
// vanishing toward the source, rotation covariance, no dipole), along-scan projection, HEALPix.

import Foundation
@testable import GWAstrometry
import XCTest

final class PlaneWaveTests: XCTestCase {
    func v(_ x: Double, _ y: Double, _ z: Double) -> SIMD3<Double> { SIMD3(x, y, z) }
    func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
    func close(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ tol: Double = 1e-14, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThan(((a - b) * (a - b)).sum().squareRoot(), tol, "\(a) vs \(b)", file: file, line: line)
    }

    func testPolarisationBasis() {
        var rng = PWRandom(seed: 1)
        for _ in 0..<50 {
            let b = PlaneWaveBasis(raDeg: rng.uniform(0, 360), decDeg: asin(rng.uniform(-1, 1)) * 180 / .pi)
            XCTAssertEqual(dot(b.m, b.m), 1, accuracy: 1e-15)
            XCTAssertEqual(dot(b.l, b.l), 1, accuracy: 1e-15)
            XCTAssertEqual(dot(b.m, b.l), 0, accuracy: 1e-15)
            XCTAssertEqual(dot(b.m, b.q), 0, accuracy: 1e-15)
            XCTAssertEqual(dot(b.l, b.q), 0, accuracy: 1e-15)
            for e in [b.plus, b.cross] {
                XCTAssertEqual(e.trace, 0, accuracy: 1e-15)
                for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(e.e[i * 3 + j], e.e[j * 3 + i]) } }
                close(e.apply(b.q), v(0, 0, 0))
                XCTAssertEqual(e.contract(e), 2, accuracy: 1e-14)
            }
            XCTAssertEqual(b.plus.contract(b.cross), 0, accuracy: 1e-14)
            // m̂ = −ê_α, l̂ = ê_δ at the source (the pulsar-timing convention).
            close(b.m, -b.source.east)
            close(b.l, b.source.north)
        }
    }

    /// GW source at (α, δ) = (0, 0): q̂ = x̂, m̂ = −ŷ, l̂ = ẑ, e⁺ = ŷŷ − ẑẑ, e× = −(ŷẑ + ẑŷ).
    func testAnalyticDeflections() {
        let b = PlaneWaveBasis(raDeg: 0, decDeg: 0)
        XCTAssertEqual(b.plus.e, [0, 0, 0, 0, 1, 0, 0, 0, -1].map { $0 + 0 }, "e+")
        close(b.cross.apply(v(0, 1, 0)), v(0, 0, -1))
        let q = b.q
        // A star 90° from the source on the + axis moves away from the source by h/2 …
        close(PlaneWave.deflection(star: v(0, 1, 0), source: q, strain: b.plus), v(-0.5, 0, 0))
        // … on the − axis toward it,
        close(PlaneWave.deflection(star: v(0, 0, 1), source: q, strain: b.plus), v(0.5, 0, 0))
        // at 45° between the axes the × polarisation does the same, and the + one moves it
        // across (−½ e⁺n, H = 0).
        let n45 = v(0, 1, 1) / 2.0.squareRoot()
        close(PlaneWave.deflection(star: n45, source: q, strain: b.cross), v(0.5, 0, 0))
        close(PlaneWave.deflection(star: n45, source: q, strain: b.plus), v(0, -2.0.squareRoot() / 4, 2.0.squareRoot() / 4))
        // No deflection toward or away from the source direction.
        close(PlaneWave.deflection(star: q, source: q, strain: b.plus), v(0, 0, 0))
        close(PlaneWave.deflection(star: -q, source: q, strain: b.plus), v(0, 0, 0))
        // A star at 60° from the source in the x–y plane: n = (½, √3/2, 0); H = 3/4,
        // δn = (n − q)·(3/4)/(2·½) − ½(0, √3/2, 0) = (−3/8, √3/8, 0).
        let n60 = v(0.5, 3.0.squareRoot() / 2, 0)
        close(PlaneWave.deflection(star: n60, source: q, strain: b.plus), v(-3.0 / 8, 3.0.squareRoot() / 8, 0))
        // East/north components at (α, δ) = (90°, 0): ê_α = −x̂, ê_δ = ẑ.
        let r = PlaneWave.response(star: StarFrame(raDeg: 90, decDeg: 0), basis: b)
        XCTAssertEqual(r.plusE, 0.5, accuracy: 1e-15)
        XCTAssertEqual(r.plusN, 0, accuracy: 1e-15)
    }

    func testTransverseVanishingAndCovariant() {
        var rng = PWRandom(seed: 2)
        for _ in 0..<200 {
            let star = StarFrame(raDeg: rng.uniform(0, 360), decDeg: asin(rng.uniform(-1, 1)) * 180 / .pi)
            let b = PlaneWaveBasis(raDeg: rng.uniform(0, 360), decDeg: asin(rng.uniform(-1, 1)) * 180 / .pi)
            let h = rng.normal() * b.plus + rng.normal() * b.cross
            let d = PlaneWave.deflection(star: star.n, source: b.q, strain: h)
            XCTAssertEqual(dot(d, star.n), 0, accuracy: 1e-14)
            // Rotation covariance: δn(Rn, Rq, R h Rᵀ) = R δn(n, q, h).
            let rot = rng.rotation()
            func apply(_ x: SIMD3<Double>) -> SIMD3<Double> {
                SIMD3((0..<3).map { i in (0..<3).reduce(0.0) { $0 + rot[i * 3 + $1] * x[$1] } })
            }
            var hr = [Double](repeating: 0, count: 9)
            for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { for l in 0..<3 {
                hr[i * 3 + j] += rot[i * 3 + k] * h.e[k * 3 + l] * rot[j * 3 + l]
            } } } }
            close(PlaneWave.deflection(star: apply(star.n), source: apply(b.q), strain: StrainTensor(hr)), apply(d), 1e-13)
        }
        // Vanishing linearly toward the source: |δn| ≤ C·|n − q| with C ≤ 1.
        let b = PlaneWaveBasis(raDeg: 30, decDeg: 20)
        for eps in [1e-2, 1e-4, 1e-6] {
            let n = b.q + eps * (0.6 * b.m + 0.8 * b.l)
            let nn = n / (n * n).sum().squareRoot()
            let d = PlaneWave.deflection(star: nn, source: b.q, strain: b.plus)
            XCTAssertLessThan((d * d).sum().squareRoot(), 1.01 * eps)
        }
    }

    /// A plane wave's deflection field has no l = 1 (rotation or glide) component: its overlap
    /// with ω × n and g − (g·n) n over the sphere vanishes (equal-area HEALPix quadrature).
    func testNoDipole() {
        let nside = 64
        let b = PlaneWaveBasis(raDeg: 123, decDeg: -37)
        var overlaps = [Double](repeating: 0, count: 6)
        var norm = 0.0
        for p in 0..<HEALPixNested.pixelCount(nside: nside) {
            let c = HEALPixNested.centre(nside: nside, pixel: p)
            let n = StarFrame(raDeg: c.raDeg, decDeg: c.decDeg).n
            let d = PlaneWave.deflection(star: n, source: b.q, strain: 0.7 * b.plus + 0.4 * b.cross)
            norm += (d * d).sum()
            for i in 0..<3 {
                var e = SIMD3<Double>(0, 0, 0)
                e[i] = 1
                let rotation = SIMD3(e.y * n.z - e.z * n.y, e.z * n.x - e.x * n.z, e.x * n.y - e.y * n.x)
                let glide = e - (e * n).sum() * n
                overlaps[i] += (d * rotation).sum()
                overlaps[3 + i] += (d * glide).sum()
            }
        }
        for o in overlaps { XCTAssertLessThan(abs(o) / norm, 1e-3) }
    }

    func testAlongScanDirection() {
        let f = StarFrame(raDeg: 40, decDeg: 10)
        close(f.alongScan(psi: 0), f.north)
        close(f.alongScan(psi: .pi / 2), f.east)
        close(f.alongScan(psi: .pi), -f.north)
    }

    func testHEALPix() {
        XCTAssertEqual(HEALPixNested.pixelCount(nside: 8), 768)
        // nside 1: faces 0–3 at δ = asin(2/3), α = 45°, 135°, …; 4–7 on the equator at 0°, 90°, …
        for k in 0..<4 {
            let c = HEALPixNested.centre(nside: 1, pixel: k)
            XCTAssertEqual(c.raDeg, 45 + 90 * Double(k), accuracy: 1e-12)
            XCTAssertEqual(c.decDeg, asin(2.0 / 3) * 180 / .pi, accuracy: 1e-12)
            let e = HEALPixNested.centre(nside: 1, pixel: 4 + k)
            XCTAssertEqual(e.raDeg, 90 * Double(k), accuracy: 1e-12)
            XCTAssertEqual(e.decDeg, 0, accuracy: 1e-12)
            XCTAssertEqual(HEALPixNested.centre(nside: 1, pixel: 8 + k).decDeg, -asin(2.0 / 3) * 180 / .pi, accuracy: 1e-12)
        }
        for nside in [1, 2, 4, 8, 16, 32] {
            for p in 0..<HEALPixNested.pixelCount(nside: nside) {
                let c = HEALPixNested.centre(nside: nside, pixel: p)
                XCTAssertEqual(HEALPixNested.pixel(nside: nside, raDeg: c.raDeg, decDeg: c.decDeg), p)
            }
        }
        // Nested hierarchy: the parent of a pixel's centre at nside/2 is pixel / 4.
        for p in 0..<HEALPixNested.pixelCount(nside: 16) {
            let c = HEALPixNested.centre(nside: 16, pixel: p)
            XCTAssertEqual(HEALPixNested.pixel(nside: 8, raDeg: c.raDeg, decDeg: c.decDeg), p / 4)
        }
    }
}

/// A small deterministic generator for the plane-wave tests (SplitMix64; Box–Muller).
struct PWRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 ^ 0xD1B5_4A32_D192_ED03 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }
    mutating func normal() -> Double {
        var u = uniform()
        while u == 0 { u = uniform() }
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }
    /// A random rotation matrix (row-major), from a random unit quaternion.
    mutating func rotation() -> [Double] {
        var q = (normal(), normal(), normal(), normal())
        let n = (q.0 * q.0 + q.1 * q.1 + q.2 * q.2 + q.3 * q.3).squareRoot()
        q = (q.0 / n, q.1 / n, q.2 / n, q.3 / n)
        let (w, x, y, z) = q
        return [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
                2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]
    }
}
