import ArgumentParser
import Foundation
import GaiaIO
import MPI
import XPSearch
import XPSearchJob

struct XPIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xp-index",
        abstract: "Add the exact pruning index (λmax bounds of the XP covariances) to a repacked XP file.",
        discussion: "Run once after `repack`; `xp-search` then reads errors and correlations only for sources that can still enter the top-k.")

    @Argument(help: "Repacked xp_continuous_mean_spectrum HDF5 file (modified in place).")
    var file: String

    @Option(name: .long, help: "Rows per collective read.")
    var blockRows = 4096

    func validate() throws {
        guard blockRows > 0 else { throw ValidationError("--block-rows must be positive") }
    }

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    func run() throws {
        runParallel { comm in
            let s = try XPIndex.build(path: file, communicator: comm, blockRows: blockRows, progressInterval: progressInterval)
            rootPrint(comm, String(format: "xp-index: done: %d sources (%d without BP, %d without RP; %d BP and %d RP coefficients) in %.2f s on %d rank(s), %.0f sources/s",
                                   s.rows, s.missing[.bp] ?? 0, s.missing[.rp] ?? 0, s.basisSizes[.bp] ?? 0, s.basisSizes[.rp] ?? 0,
                                   s.seconds, comm.size, Double(s.rows) / max(s.seconds, 1e-9)))
        }
    }
}
