// One clock for every job: wall time (monotonic), CPU time of the calling thread, the job's
// time over ranks (the slowest rank: a collective run ends when its last rank does), and one
// rate formula, so that every summary's "N items in T s, R items/s" means the same thing.
import Foundation
import MPI

public enum Clock {
    /// Monotonic wall-clock seconds (CLOCK_MONOTONIC: unaffected by clock adjustments).
    public static func wall() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds of the calling thread (kernel time unaffected by other processes).
    public static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds of the whole process (all threads).
    public static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Items per second; 0 for an empty run, and never a division by zero for a very fast one.
    public static func rate(_ count: Int, seconds: Double) -> Double {
        count == 0 ? 0 : Double(count) / max(seconds, 1e-9)
    }
}

/// Wall and CPU time since it was started.
public struct Stopwatch: Sendable {
    public let wallStart: Double
    public let cpuStart: Double
    public init() {
        wallStart = Clock.wall()
        cpuStart = Clock.processCPU()
    }
    public var wall: Double { Clock.wall() - wallStart }
    public var cpu: Double { Clock.processCPU() - cpuStart }
}

extension Communicator {
    /// Collective: the job's wall time since `start`, the largest over ranks (the same on every rank).
    public func elapsed(since start: Double) -> Double { allreduce(Clock.wall() - start, .max) }
}
