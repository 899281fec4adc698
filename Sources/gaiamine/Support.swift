// What the non-job subcommands (synth, repack, inspect, xp-index) share with the jobs: the MPI
// run and exit policy of `JobRunner.parallel`, and printing on rank 0 only.
import Foundation
import GaiaIO
import GaiaJob
import MPI

let versionString = "GaiaMine \(GaiaMineVersion.current)"

func rootPrint(_ comm: Communicator, _ s: String) {
    if comm.isRoot && !s.isEmpty {
        print(s)
        fflush(stdout)
    }
}

func eprint(_ s: String) {
    FileHandle.standardError.write(("gaiamine: " + s + "\n").data(using: .utf8)!)
}

/// Runs `body` inside MPI with the jobs' error and exit policy (JobRunner.parallel).
func runParallel(_ body: (Communicator) throws -> Void) -> Never { JobRunner.parallel(body) }

func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
