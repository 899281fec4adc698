import XCTest
@testable import Pairs

final class SeparationTests: XCTestCase {
    /// Unit vector b at exactly θ from a (b = a cos θ + t sin θ, t ⊥ a): separations from 1e-6″ to
    /// 179.999° against the known θ, to 1e-9″.
    func testKnownSeparationsAtEveryScale() {
        var g = SplitMix64(1)
        let thetas: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1, 3.7, 60, 3600, 36000, 324000, 647_996]
        for _ in 0..<200 {
            let (ra, dec) = (g.uniform(0, 360), asin(g.uniform(-1, 1)) * 180 / .pi)
            let a = SkyPoints.unitVector(raDeg: ra, decDeg: dec)
            // A tangent: the normalised cross product of a with a random vector.
            let w = (g.uniform(-1, 1), g.uniform(-1, 1), g.uniform(-1, 1))
            var t = (a.y * w.2 - a.z * w.1, a.z * w.0 - a.x * w.2, a.x * w.1 - a.y * w.0)
            let tn = (t.0 * t.0 + t.1 * t.1 + t.2 * t.2).squareRoot()
            t = (t.0 / tn, t.1 / tn, t.2 / tn)
            for th in thetas {
                let r = th / Separation.arcsecPerRadian
                let b = (a.x * cos(r) + t.0 * sin(r), a.y * cos(r) + t.1 * sin(r), a.z * cos(r) + t.2 * sin(r))
                let s = Separation.arcsec(a.x, a.y, a.z, b.0, b.1, b.2)
                XCTAssertEqual(s, th, accuracy: 1e-9, "θ = \(th)″")
            }
        }
    }

    /// Offsets in declination along a meridian (known exactly) and in ra against Double haversine.
    func testOffsetsAgainstHaversine() {
        var g = SplitMix64(2)
        for _ in 0..<500 {
            let ra = g.uniform(0, 360), dec = g.uniform(-89, 89)
            let off = g.logUniform(1e-6, 1) // arcsec
            let s1 = Separation.arcsec(raDeg1: ra, decDeg1: dec, raDeg2: ra, decDeg2: dec + off / 3600)
            // The rounding of dec + off/3600 itself: ≤ ulp(90°) ≈ 1.4e-14° = 5e-11″.
            XCTAssertEqual(s1, off, accuracy: 1e-9)
            let dra = off / 3600
            let d = dec * .pi / 180, h = sin(dra * .pi / 360)
            let hav = 2 * asin(cos(d) * h) * Separation.arcsecPerRadian
            let s2 = Separation.arcsec(raDeg1: ra, decDeg1: dec, raDeg2: ra + dra, decDeg2: dec)
            XCTAssertEqual(s2, hav, accuracy: 1e-9)
        }
    }

    func testSymmetricBitForBit() {
        var g = SplitMix64(3)
        for i in 0..<20000 {
            let (ra, dec) = (g.uniform(0, 360), g.uniform(-90, 90))
            let scales: [Double] = [1e-4, 0.3, 30, 7200, 400000]
            let sep = scales[i % 5] * g.uniform(0, 1)
            let b = TestSky.offset(ra: ra, dec: dec, sepDeg: sep / 3600, paDeg: g.uniform(0, 360))
            let s1 = Separation.arcsec(raDeg1: ra, decDeg1: dec, raDeg2: b.0, decDeg2: b.1)
            let s2 = Separation.arcsec(raDeg1: b.0, decDeg1: b.1, raDeg2: ra, decDeg2: dec)
            XCTAssertEqual(s1.bitPattern, s2.bitPattern)
        }
    }

    func testAntipodesPolesAndWrap() {
        XCTAssertEqual(Separation.arcsec(raDeg1: 10, decDeg1: 20, raDeg2: 190, decDeg2: -20), 180 * 3600, accuracy: 1e-6)
        XCTAssertEqual(Separation.arcsec(raDeg1: 0, decDeg1: 90, raDeg2: 123, decDeg2: 90), 0, accuracy: 1e-9)
        XCTAssertEqual(Separation.arcsec(raDeg1: 359.9999, decDeg1: 0, raDeg2: 0.0001, decDeg2: 0), 0.72, accuracy: 1e-9)
        XCTAssertEqual(Separation.arcsec(raDeg1: 0, decDeg1: 89.9999, raDeg2: 180, decDeg2: 89.9999), 0.72, accuracy: 1e-9)
        XCTAssertEqual(Separation.arcsec(raDeg1: 0, decDeg1: 0, raDeg2: 90, decDeg2: 0), 90 * 3600, accuracy: 1e-9)
    }

    func testChordBoundNeverBelowTheSeparation() {
        for r: Double in [0, 1e-6, 0.1, 30, 3600, 36000, 647_999] {
            let th = r / Separation.arcsecPerRadian
            let chord = 2 * sin(th / 2)
            XCTAssertGreaterThanOrEqual(Separation.chordSquaredBound(arcsec: r), chord * chord)
        }
        XCTAssertEqual(Separation.chordSquaredBound(arcsec: 648000), .infinity)
    }

    func testSkyPointsRoundTripAndSubset() {
        var p = SkyPoints(raDeg: [0, 359.5, 180, 12.25], decDeg: [0, -89.9, 90, 45])
        p.append(raDeg: 360, decDeg: -10)
        XCTAssertEqual(p.count, 5)
        let (r0, d0) = p.raDec(1)
        XCTAssertEqual(r0, 359.5, accuracy: 1e-11); XCTAssertEqual(d0, -89.9, accuracy: 1e-11)
        XCTAssertEqual(p.raDec(3).raDeg, 12.25, accuracy: 1e-11)
        XCTAssertEqual(p.raDec(4).raDeg, 0, accuracy: 1e-11)        // 360 → 0
        XCTAssertEqual(p.raDec(2).decDeg, 90, accuracy: 1e-11)
        let s = p.subset([3, 1])
        XCTAssertEqual(s.x, [p.x[3], p.x[1]]); XCTAssertEqual(s.z, [p.z[3], p.z[1]])
        XCTAssertEqual(SkyPoints().count, 0)
    }
}
