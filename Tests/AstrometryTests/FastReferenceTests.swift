// The fast path (streaming normals, Cholesky) against the reference port (full design matrix,
// √w scaling, LU) on random sources covering both models, both excess-noise modes, scalar and
// per-CCD colour factors, nulls, unused CCDs and gross outliers.

import XCTest
@testable import Astrometry

final class FastReferenceTests: XCTestCase {
    /// |a − b| ≤ tol·max(|a|, |b|, floor): relative, with an absolute floor for values near 0.
    func assertClose(_ a: [Double], _ b: [Double], _ tol: Double, floor: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) where !(x.isNaN && y.isNaN) {
            let scale = max(abs(x), abs(y), floor)
            XCTAssertLessThanOrEqual(abs(x - y), tol * scale, "\(what): \(x) vs \(y)", file: file, line: line)
        }
    }

    func compare(_ s: SourceObservations, _ options: SolverOptions, tol: Double = 1e-11,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let fast = try AstrometricSolver.solve(s, options: options)
        let reference = try AstrometricSolver.solveReference(s, options: options)
        let tag = "source \(s.sourceID) \(options.model.rawValue) fit=\(options.fitExcessNoise)"
        assertClose(fast.parameters, reference.parameters, tol, floor: 1e-6, tag + " parameters", file: file, line: line)
        assertClose(fast.errors, reference.errors, tol, floor: 0, tag + " errors", file: file, line: line)
        // Covariances relative to √(C_ii C_jj), i.e. correlations to an absolute tolerance.
        let p = options.model.parameterCount
        let scaled = { (c: [Double]) in c.indices.map { c[$0] / (c[($0 / p) * (p + 1)] * c[($0 % p) * (p + 1)]).squareRoot() } }
        assertClose(scaled(fast.covariance), scaled(reference.covariance), tol, floor: 1, tag + " covariance", file: file, line: line)
        assertClose(fast.correlation, reference.correlation, tol, floor: 1, tag + " correlation", file: file, line: line)
        assertClose([fast.chi2, fast.excessNoise, fast.excessNoiseSignificance],
                    [reference.chi2, reference.excessNoise, reference.excessNoiseSignificance], tol, floor: 1e-9,
                    tag + " chi2/noise", file: file, line: line)
        XCTAssertEqual(fast.nObs, reference.nObs, tag, file: file, line: line)
        XCTAssertEqual(fast.nOutliers, reference.nOutliers, tag, file: file, line: line)
        XCTAssertEqual(fast.rejected, reference.rejected, tag, file: file, line: line)
        if options.keepResiduals {
            assertClose(fast.residuals, reference.residuals, tol, floor: 1, tag + " residuals", file: file, line: line)
            assertClose(fast.weights, reference.weights, tol, floor: 0, tag + " weights", file: file, line: line)
            XCTAssertEqual(fast.residuals.map(\.isNaN), reference.residuals.map(\.isNaN), tag, file: file, line: line)
        }
    }

    func testRandomSources() throws {
        var rng = SplitMix64(seed: 13)
        var outliersSeen = 0, noiseFitted = 0
        for id in 0..<60 {
            var spec = SyntheticSpec()
            spec.transits = 8 + Int(rng.uniform() * 80)
            spec.perCCDColour = id % 3 == 0
            spec.nullFraction = id % 4 == 0 ? 0.05 : 0
            spec.unusedFraction = id % 5 == 0 ? 0.2 : 0.02
            spec.outlierFraction = id % 2 == 0 ? 0.03 : 0
            spec.extraNoise = id % 7 < 3 ? 0.5 * rng.uniform() : 0
            spec.agisExcessNoise = id % 6 == 0 ? .nan : 0.3 * rng.uniform()
            spec.truth[5] = 1e-4 * rng.gaussian()
            var s = syntheticSource(id: Int64(id), spec, &rng)
            if id % 9 == 0 {   // CCD angles far apart within a transit: the fast path's direct sin/cos branch
                for j in s.scanPosAngle.indices where j % 3 == 0 { s.scanPosAngle[j] += 40 * rng.uniform() - 20 }
            }
            for model in AstrometricModel.allCases {
                for fit in [false, true] {
                    try compare(s, SolverOptions(model: model, fitExcessNoise: fit, keepResiduals: id % 2 == 1))
                    if fit {
                        let r = try AstrometricSolver.solve(s, options: SolverOptions(model: model, fitExcessNoise: true))
                        outliersSeen += r.nOutliers
                        if r.excessNoise > 0 { noiseFitted += 1 }
                    }
                }
            }
        }
        // The set exercises the robust branch, not only the χ² ≤ dof shortcut.
        XCTAssertGreaterThan(outliersSeen, 50)
        XCTAssertGreaterThan(noiseFitted, 25)
    }

    func testRejectionCountsAndErrors() throws {
        var rng = SplitMix64(seed: 7)
        var s = syntheticSource(id: 5, SyntheticSpec(transits: 6), &rng)
        s.obsTimeTCB[1] = Int64.min           // time null first, although also used
        s.usedByAGISAL[2] = 0
        s.usedByAGISAL[3] = -1
        s.obsTimeBaryCorr[2] = .nan           // transit 2: 10 CCDs; the SM one is unused first
        s.scanPosAngle[4] = .nan
        s.centroidPosAL[5] = .nan
        s.centroidPosErrorAL[6] = .nan
        let r = try AstrometricSolver.solve(s, options: SolverOptions(model: .fiveParameter))
        var expected = [Int](repeating: 0, count: 6)
        expected[ObservationRejection.timeNull.rawValue] = 1
        expected[ObservationRejection.notUsedByAGIS.rawValue] = 6 + 2   // SM of each transit + 2
        expected[ObservationRejection.baryCorrNull.rawValue] = 9
        expected[ObservationRejection.scanAngleNull.rawValue] = 1
        expected[ObservationRejection.valueNull.rawValue] = 1
        expected[ObservationRejection.errorNull.rawValue] = 1
        XCTAssertEqual(r.rejected, expected)
        XCTAssertEqual(r.nObs, 60 - expected.reduce(0, +))
        XCTAssertEqual(r.rejected, try AstrometricSolver.solveReference(s, options: SolverOptions()).rejected)

        var none = s
        none.usedByAGISAL = none.usedByAGISAL.map { _ in 0 }
        XCTAssertThrowsError(try AstrometricSolver.solve(none, options: SolverOptions())) {
            XCTAssertEqual($0 as? AstrometricSolverError, .noObservations(sourceID: 5))
        }
        XCTAssertThrowsError(try AstrometricSolver.solveReference(none, options: SolverOptions()))
        var few = s
        few.usedByAGISAL = few.usedByAGISAL.indices.map { $0 < 4 ? 1 : 0 }
        few.obsTimeTCB[1] = 0
        XCTAssertThrowsError(try AstrometricSolver.solve(few, options: SolverOptions())) {
            XCTAssertEqual($0 as? AstrometricSolverError, .singular(sourceID: 5))
        }
        // One transit only: all CCDs share θ and f, so the 5×5 normals have rank ≤ 3.
        var one = syntheticSource(id: 6, SyntheticSpec(transits: 1), &rng)
        one.agisSourceExcessNoise = 0
        XCTAssertThrowsError(try AstrometricSolver.solve(one, options: SolverOptions())) {
            XCTAssertEqual($0 as? AstrometricSolverError, .singular(sourceID: 6))
        }
        var short = s
        short.scanPosAngle.removeLast()
        XCTAssertThrowsError(try AstrometricSolver.solve(short, options: SolverOptions())) {
            XCTAssertEqual($0 as? AstrometricSolverError,
                           .invalidInput(sourceID: 5, reason: "scan_pos_angle has 59 values, expected 60"))
        }
    }

    /// A workspace reused across sources of different sizes and models gives the bits of a fresh one
    /// (the padding after each source's observations is reset; stale rows beyond it are never read).
    func testWorkspaceReuse() throws {
        var rng = SplitMix64(seed: 99)
        var workspace = AstrometricWorkspace()
        for id in 0..<30 {
            var spec = SyntheticSpec()
            spec.transits = [70, 9, 33, 4 + id][id % 4]
            spec.outlierFraction = 0.03
            let s = syntheticSource(id: Int64(id), spec, &rng)
            let options = SolverOptions(model: AstrometricModel.allCases[id % 2], fitExcessNoise: id % 3 == 0,
                                        keepResiduals: true)
            let reused = try AstrometricSolver.solve(s, options: options, workspace: &workspace)
            let fresh = try AstrometricSolver.solve(s, options: options)
            XCTAssertEqual(reused.parameters, fresh.parameters)
            XCTAssertEqual(reused.covariance, fresh.covariance)
            XCTAssertEqual(reused.chi2, fresh.chi2)
            XCTAssertEqual(reused.weights, fresh.weights)
            XCTAssertEqual(reused.residuals.map(\.bitPattern), fresh.residuals.map(\.bitPattern))
        }
    }
}
