// ExactSum (exactness, order independence, packing) and the Ω_GW limit (spectrum fractions,
// units, and the coverage of the Neyman construction).
import Foundation
import XCTest
@testable import GWAstrometry

final class VSHSumsAndLimitsTests: XCTestCase {
    func testExactSumIsExactAndOrderIndependent() {
        var rng = GWRandom(seed: 7)
        // Values spanning 600 binary orders of magnitude, both signs, and a cancelling pair.
        var v: [Double] = (0..<5000).map { _ in rng.normal() * pow(2, Double(Int(rng.uniform() * 600) - 300)) }
        v += [1e300, -1e300, Double.leastNonzeroMagnitude, -2.5e-308]
        var a = ExactSum(count: 1), b = ExactSum(count: 1)
        for x in v { a.add(x, to: 0) }
        var shuffled = v
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        for x in shuffled { b.add(x, to: 0) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.value(0).bitPattern, b.value(0).bitPattern)
        // Against an exact integer sum: multiples of 2^-30 below 2^20.
        var c = ExactSum(count: 2)
        var exact: Int64 = 0
        for _ in 0..<100_000 {
            let k = Int64(rng.next() % (1 << 50)) - (1 << 49)
            exact += k
            c.add(Double(k) * pow(2, -30), to: 1)
        }
        XCTAssertEqual(c.value(1), Double(exact) * pow(2, -30))
        XCTAssertEqual(c.value(0), 0)
        // Cancellation that defeats double arithmetic.
        var d = ExactSum(count: 1)
        for x in [1e100, 1.0, -1e100, 1e-100] { d.add(x, to: 0) }
        XCTAssertEqual(d.value(0), 1.0)
        // Non-finite values poison their entry only.
        var e = ExactSum(count: 2)
        e.add([Double.nan, 2])
        XCTAssertTrue(e.value(0).isNaN)
        XCTAssertEqual(e.value(1), 2)
    }

    func testExactSumPackingAndMerging() {
        var rng = GWRandom(seed: 8)
        var parts = (0..<3).map { _ in ExactSum(count: 4) }
        var whole = ExactSum(count: 4)
        for _ in 0..<3000 {
            let v = (0..<4).map { _ in rng.normal() * 1e6 }
            let p = Int(rng.next() % 3)
            parts[p].add(v)
            whole.add(v)
        }
        // Merge as an MPI reduction would: normalise, pack the union of occupied digits, add.
        let used = parts.map { p -> Range<Int> in var q = p; q.normalize(); return q.occupiedDigits() }.filter { !$0.isEmpty }
        let digits = used.map(\.lowerBound).min()!..<used.map(\.upperBound).max()!
        var packed = [Int64](repeating: 0, count: 4 * (digits.count + 1))
        for var p in parts {
            p.normalize()
            for (i, w) in p.packed(digits: digits).enumerated() { packed[i] += w }
        }
        let merged = ExactSum(count: 4, digits: digits, packed: packed)
        XCTAssertEqual(merged, whole)
        XCTAssertEqual(merged.values(), whole.values())
        var added = parts[0]
        added.add(parts[1])
        added.add(parts[2])
        XCTAssertEqual(added, whole)
    }

    func testDegreeFractionsAndUnits() {
        XCTAssertEqual(GWBackgroundLimit.degreeFraction(2), 5.0 / 6.0, accuracy: 1e-15)
        XCTAssertEqual(GWBackgroundLimit.degreeFraction(3), 7.0 / 60.0, accuracy: 1e-15)
        let total = (2...5000).reduce(0.0) { $0 + GWBackgroundLimit.degreeFraction($1) }
        XCTAssertEqual(total, 1, accuracy: 1e-12)
        // H0 = 70 km/s/Mpc = 2.2685e-18 /s; 1 µas/yr = 1.53631e-19 rad/s.
        XCTAssertEqual(GWBackgroundLimit(h0: 70).h0MicroarcsecondsPerYear, 14.766, accuracy: 0.002)
        // Ω = (6/5) ⟨μ²⟩_2 / H0² for l = 2.
        let lim = GWBackgroundLimit(h0: 70)
        let h = lim.h0MicroarcsecondsPerYear
        XCTAssertEqual(lim.omega(meanSquare: 2.0, degree: 2), 1.2 * 2.0 / (h * h), accuracy: 1e-15)
    }

    /// A synthetic solution: degrees 1…lmax, noise covariance σ² I, coefficients drawn from
    /// background Ω plus noise.
    static func solution(lmax: Int, omega: Double, sigma: Double, limit: GWBackgroundLimit, rng: inout GWRandom) -> VSHSolution {
        let layout = VSHLayout(lmax: lmax)
        let h2 = limit.h0MicroarcsecondsPerYear * limit.h0MicroarcsecondsPerYear
        var c = [Double](repeating: 0, count: layout.count)
        var cov = [Double](repeating: 0, count: layout.count * layout.count)
        for (j, t) in layout.terms.enumerated() {
            cov[j * layout.count + j] = sigma * sigma
            var v = 0.0
            if t.l >= 2 { v = 4 * Double.pi * GWBackgroundLimit.degreeFraction(t.l) * h2 * omega / (2 * Double(2 * t.l + 1) * t.powerWeight) }
            c[j] = v.squareRoot() * rng.normal() + sigma * rng.normal()
        }
        return VSHSolution(layout: layout, coefficients: c, covariance: cov, chi2: 0, sources: 1000)
    }

    /// The 95 % upper limit covers the true Ω in ≈ 95 % of realisations (binomial 3σ band), for
    /// the quadrupole alone and for degrees 2…4 combined; a strong background is measured.
    func testUpperLimitCoverage() throws {
        let limit = GWBackgroundLimit(h0: 70, confidence: 0.95, draws: 4000, seed: 3)
        var rng = GWRandom(seed: 11)
        let trials = 300
        for degrees in [[2], [2, 3, 4]] {
            var covered = 0
            for _ in 0..<trials {
                let sol = Self.solution(lmax: 4, omega: 0.05, sigma: 1.0, limit: limit, rng: &rng)
                if try limit.limit(sol, degrees: degrees).upperLimit >= 0.05 { covered += 1 }
            }
            let p = Double(covered) / Double(trials)
            XCTAssertEqual(p, 0.95, accuracy: 3 * (0.95 * 0.05 / Double(trials)).squareRoot(), "degrees \(degrees)")
        }
        let strong = Self.solution(lmax: 4, omega: 50, sigma: 0.1, limit: limit, rng: &rng)
        let r = try limit.limit(strong, degrees: [2, 3, 4])
        XCTAssertGreaterThan(r.upperLimit, r.estimate)
        XCTAssertEqual(r.estimate, 50, accuracy: 40)  // 20 complex coefficients: ~40 % scatter
        XCTAssertGreaterThan(r.expectedUpperLimit, 0)
        XCTAssertThrowsError(try limit.limit(strong, degrees: [1]))
    }
}
