// What every MPI subcommand shares: start MPI, run, print only on rank 0, turn agreed errors into
// a clean non-zero exit on every rank (and anything else into MPI_Abort, so nobody hangs).
import Foundation
import GaiaIO
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

/// Runs `body` inside MPI. An error that all ranks agreed on (CollectiveError) is printed once by
/// rank 0 and every rank exits with status 1 after MPI_Finalize; any other error aborts the job.
func runParallel(_ body: (Communicator) throws -> Void) -> Never {
    var failed = false
    MPIEnvironment.run { comm in
        do {
            try body(comm)
        } catch let e as CollectiveError {
            if comm.isRoot { for line in e.description.split(separator: "\n") { eprint("error: \(line)") } }
            failed = true
        } catch {
            comm.abort(message: "\(error)")
        }
    }
    exit(failed ? 1 : 0)
}

func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
