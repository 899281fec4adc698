// The Ω_GW limit (spectrum fractions, units, and the coverage of the Neyman construction).
// (ExactSum's tests: Tests/NumericsTests/ExactSumTests.swift.)
import Foundation
import XCTest
@testable import GWAstrometry

final class VSHSumsAndLimitsTests: XCTestCase {
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
