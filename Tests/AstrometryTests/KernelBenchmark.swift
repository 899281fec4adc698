// The kernel's throughput on Gaia-like sources (70 transits × 10 CCDs, the SM element unused:
// ~630 AF observations each), one thread, workspace reused as the job does. Free of XCTest so the
// same code can be linked into a release-built harness; BenchmarkTests prints it. Time is the
// thread's CPU time, so the figure is per core even on a machine shared with other jobs.

import Astrometry
import Foundation

/// Seconds of CPU time used by the calling thread.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Sources per second of the fast path (and of the reference port, for scale) per configuration.
func kernelBenchmark(sources: Int = 400, seconds: Double = 1.0) -> [(name: String, perSecond: Double)] {
    var rng = SplitMix64(seed: 2026)
    var spec = SyntheticSpec()
    spec.transits = 70
    spec.unusedFraction = 0.02
    spec.outlierFraction = 0.01
    let data = (0..<sources).map { syntheticSource(id: Int64($0), spec, &rng) }
    let configurations: [(String, SolverOptions)] = [
        ("5p", SolverOptions(model: .fiveParameter)),
        ("6p-constrained-colour", SolverOptions(model: .sixParameterConstrainedColour)),
        ("5p fit excess noise", SolverOptions(model: .fiveParameter, fitExcessNoise: true)),
        ("5p with residuals", SolverOptions(model: .fiveParameter, keepResiduals: true)),
    ]
    var out: [(name: String, perSecond: Double)] = []
    for (name, options) in configurations {
        var workspace = AstrometricWorkspace()
        var solved = 0, checksum = 0.0
        let start = threadCPUSeconds()
        var elapsed = 0.0
        repeat {
            for s in data {
                if let r = try? AstrometricSolver.solve(s, options: options, workspace: &workspace) {
                    checksum += r.parameters[2]
                }
                solved += 1
            }
            elapsed = threadCPUSeconds() - start
        } while elapsed < seconds
        precondition(checksum.isFinite)
        out.append((name, Double(solved) / elapsed))
    }
    let start = threadCPUSeconds()
    for s in data.prefix(20) { _ = try? AstrometricSolver.solveReference(s, options: SolverOptions()) }
    out.append(("5p reference port", 20 / (threadCPUSeconds() - start)))
    return out
}
