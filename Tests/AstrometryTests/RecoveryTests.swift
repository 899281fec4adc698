// Injection–recovery: noise-free sources give back the planted parameters; noisy ones give
// pulls (estimate − truth)/formal error distributed as N(0, 1), which checks the formal errors
// (a 10 % error in them moves the pull dispersion by 10 %, the tolerance is 5 %, the statistical
// spread over 2000 sources 1.6 %); the robust mode finds planted outliers and excess noise.

import XCTest
@testable import Astrometry

final class RecoveryTests: XCTestCase {
    func testNoiseFreeRecovery() throws {
        var rng = SplitMix64(seed: 1)
        for model in AstrometricModel.allCases {
            for fit in [false, true] {
                for perCCD in [false, true] {
                    var spec = SyntheticSpec()
                    spec.noise = false
                    spec.agisExcessNoise = 0.1
                    spec.perCCDColour = perCCD
                    spec.truth = [1.7, -0.4, 5.2, -11.3, 23.9, 0]   // the prior holds ν at 0
                    let s = syntheticSource(id: 1, spec, &rng)
                    let options = SolverOptions(model: model, fitExcessNoise: fit)
                    for r in [try AstrometricSolver.solve(s, options: options),
                              try AstrometricSolver.solveReference(s, options: options)] {
                        for (a, b) in zip(r.parameters, spec.truth) { XCTAssertEqual(a, b, accuracy: 1e-9) }
                        XCTAssertLessThan(r.chi2, 1e-12)
                        XCTAssertEqual(r.nOutliers, 0)
                        if fit { XCTAssertEqual(r.excessNoise, 0); XCTAssertEqual(r.excessNoiseSignificance, 0) }
                    }
                }
            }
        }
    }

    /// Mean and standard deviation of each parameter's pull over `count` sources.
    func pulls(_ spec: SyntheticSpec, _ options: SolverOptions, count: Int, seed: UInt64)
        throws -> (mean: [Double], std: [Double], chi2PerDof: Double, solutions: [AstrometricSolution]) {
        var rng = SplitMix64(seed: seed)
        let p = options.model.parameterCount
        var sum = [Double](repeating: 0, count: p), sum2 = sum
        var chi2 = 0.0
        var workspace = AstrometricWorkspace()
        var solutions: [AstrometricSolution] = []
        for id in 0..<count {
            var spec = spec
            spec.transits = 40 + id % 40
            let s = syntheticSource(id: Int64(id), spec, &rng)
            let r = try AstrometricSolver.solve(s, options: options, workspace: &workspace)
            for a in 0..<p {
                let z = (r.parameters[a] - spec.truth[a]) / r.errors[a]
                sum[a] += z
                sum2[a] += z * z
            }
            chi2 += r.chi2 / Double(r.nObs - p)
            solutions.append(r)
        }
        let n = Double(count)
        let mean = sum.map { $0 / n }
        let std = (0..<p).map { ((sum2[$0] / n - mean[$0] * mean[$0]) * n / (n - 1)).squareRoot() }
        return (mean, std, chi2 / n, solutions)
    }

    func testPullsAreStandardNormal() throws {
        var spec = SyntheticSpec()
        spec.agisExcessNoise = 0
        let five = try pulls(spec, SolverOptions(model: .fiveParameter), count: 2000, seed: 2)
        for a in 0..<5 {
            XCTAssertEqual(five.mean[a], 0, accuracy: 0.09, "parameter \(a)")   // 4/√2000
            XCTAssertEqual(five.std[a], 1, accuracy: 0.05, "parameter \(a)")
        }
        print("pulls", five.mean, five.std, five.chi2PerDof)
        XCTAssertEqual(five.chi2PerDof, 1, accuracy: 0.01)

        // AGIS excess noise in the data and in the file: the default mode adds it to every σ².
        spec.extraNoise = 0.25
        spec.agisExcessNoise = 0.25
        spec.truth[5] = 0
        let six = try pulls(spec, SolverOptions(model: .sixParameterConstrainedColour), count: 2000, seed: 3)
        for a in 0..<5 {
            XCTAssertEqual(six.mean[a], 0, accuracy: 0.09, "parameter \(a)")
            XCTAssertEqual(six.std[a], 1, accuracy: 0.05, "parameter \(a)")
        }
    }

    func testRobustModeFindsExcessNoiseAndOutliers() throws {
        var spec = SyntheticSpec()
        spec.agisExcessNoise = .nan
        spec.extraNoise = 0.5
        spec.outlierFraction = 0.02
        let r = try pulls(spec, SolverOptions(model: .fiveParameter, fitExcessNoise: true), count: 400, seed: 4)
        print("robust pulls", r.mean, r.std)
        let noise = r.solutions.map(\.excessNoise)
        let meanNoise = noise.reduce(0, +) / Double(noise.count)
        print("noise", meanNoise, Double(r.solutions.map(\.nOutliers).reduce(0, +)) / Double(r.solutions.map { $0.nObs + $0.nOutliers }.reduce(0, +)), r.solutions.map(\.excessNoiseSignificance).min()!)
        XCTAssertEqual(meanNoise, 0.5, accuracy: 0.025)
        XCTAssertGreaterThan(r.solutions.map(\.excessNoiseSignificance).min()!, 5)
        // ~2 % of ~530 observations planted at 10–40 σ: all downweighted below 0.2, few others.
        let outliers = r.solutions.map(\.nOutliers).reduce(0, +)
        let observations = r.solutions.map { $0.nObs + $0.nOutliers }.reduce(0, +)
        XCTAssertEqual(Double(outliers) / Double(observations), 0.02, accuracy: 0.004)
        for a in 0..<5 { XCTAssertEqual(r.std[a], 1, accuracy: 0.12, "parameter \(a)") }
    }
}
