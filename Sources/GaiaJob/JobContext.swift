// What a running job is given: the communicator, where its outputs go, the resolved parameters
// (for the outputs' attributes), provenance, a progress reporter and a log that prints on rank 0
// only. A job never prints or checks outputs itself: the context and the runner do.
import Foundation
import GaiaIO
import MPI

public final class JobContext {
    public let communicator: Communicator
    /// The job's name (its subcommand), for log lines.
    public let job: String
    /// The output prefix: the job writes `output + suffix` for each of its `outputSuffixes`.
    public let output: String
    /// The resolved parameter file (YAML): stored in every output and written as PREFIX.yaml.
    public let parameters: String
    /// Seconds between progress lines.
    public let progressInterval: Double
    /// Started when the run started (after the parameters were checked).
    public let stopwatch: Stopwatch
    /// A row selection every job applies to its input rows; nil: every row. The seam for a
    /// `--where EXPR` option (expressions are a later addition); no job sets it yet.
    public var rowSelection: (any RowSelection)?

    public init(communicator: Communicator, job: String, output: String, parameters: String, progressInterval: Double,
                rowSelection: (any RowSelection)? = nil) {
        self.communicator = communicator
        self.job = job
        self.output = output
        self.parameters = parameters
        self.progressInterval = progressInterval
        self.rowSelection = rowSelection
        stopwatch = Stopwatch()
    }

    public var isRoot: Bool { communicator.isRoot }

    /// Prints `text` on rank 0 (stdout, flushed: logs of batch jobs show it at once).
    public func log(_ text: String) {
        guard communicator.isRoot, !text.isEmpty else { return }
        print(text)
        fflush(stdout)
    }

    /// A progress reporter printing (stderr) on rank 0 every `progressInterval` seconds.
    public func progress(label: String? = nil, unit: String) -> ProgressReporter {
        ProgressReporter(label: label ?? job, unit: unit, enabled: communicator.isRoot, interval: progressInterval)
    }

    /// Runs `body` on rank 0 only, agreed: an error there becomes every rank's error. For jobs
    /// whose small, identical-on-every-rank results are written by one process.
    public func onRoot(_ body: () throws -> Void) throws {
        try communicator.collectively { if communicator.isRoot { try body() } }
    }

    /// `output + suffix`.
    public func path(_ suffix: String) -> String { output + suffix }
}

/// Which rows of a table a job uses (the seam for expressions: `--where EXPR`). Evaluated a chunk
/// at a time on the rows a rank reads.
public protocol RowSelection {
    /// One flag per row of `rows`: true to keep it.
    func keep(_ table: GaiaTable, rows: RowRange) throws -> [Bool]
    /// The selection as the user wrote it (for logs and outputs).
    var text: String { get }
}
