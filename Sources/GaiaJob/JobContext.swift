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
    /// The run's `where` expression (key `<section>.where`, flag `--where`, common to every job);
    /// nil: every row. Jobs get it compiled with `selection(for:)`.
    public let whereText: String?
    /// Whether the job asked for its selection (the runner refuses a `where` a job ignored).
    public private(set) var selectionRequested = false

    public init(communicator: Communicator, job: String, output: String, parameters: String, progressInterval: Double,
                whereText: String? = nil) {
        self.communicator = communicator
        self.job = job
        self.output = output
        self.parameters = parameters
        self.progressInterval = progressInterval
        self.whereText = whereText
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

    /// The run's `--where` compiled against `table`'s columns, or nil when none was given. Call it
    /// on every rank right after opening the table, before the bulk reads (inside the job's
    /// `collectively` open, so a bad expression is reported once, with its caret, and the job
    /// ends with exit 1 and no output); then `keep(rows:collective:)` per block read.
    public func selection(for table: GaiaTable) throws -> TableSelection? {
        selectionRequested = true
        guard let w = whereText else { return nil }
        return try TableSelection(w, table: table, label: "--where")
    }

    /// `output + suffix`.
    public func path(_ suffix: String) -> String { output + suffix }
}
