// The job protocol: what a science case implements to run under `mpirun` with everything else —
// parameters (case file, command-line flags, `--set`), validation reported once, output checks
// before any work, the parameter echo, progress, provenance, PREFIX.yaml, summary, timing and one
// error/exit policy — done once, for every job, by `JobRunner` (Docs/adding-a-job.md).
//
// A job is a type with static members (it holds no state between runs): its name (also its
// subcommand and the `job:` value of a case file), its options (declared once each, as
// `JobOption`s), and three steps — run (collective: partition, read, compute, reduce), write
// (the outputs), summary (a few lines for the log).
import GaiaIO
import MPI

/// The values a job runs with. `init()` gives every default: the declarations read each option
/// with the value found here as its default, so a default is written once, at the property.
public protocol JobOptions {
    init()
    /// The input file (positional argument, key `input`).
    var input: String { get set }
    /// Seconds between progress lines (key `progress_interval`).
    var progressInterval: Double { get set }
    /// Every file the job reads (no output may replace one): the input, and e.g. a catalogue.
    var inputFiles: [String] { get }
    /// Problems that involve several options (single-option checks sit in the declarations):
    /// each names its key as declared (`nterms`, `gw_vsh.lmax`, or `a/b` for a combination).
    func problems() -> [OptionProblem]
}

extension JobOptions {
    public func problems() -> [OptionProblem] { [] }
    public var inputFiles: [String] { [input] }
}

/// One thing wrong with the options: the key (as declared, or a leaf of it) and what is wrong.
public struct OptionProblem: Sendable, Equatable {
    public var key: String
    public var message: String
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
}

public protocol Job {
    associatedtype Options: JobOptions
    associatedtype Result

    /// The subcommand and the `job:` value of a case file, e.g. `periodogram`, `gw-vsh`.
    static var name: String { get }
    /// The case file section of the job's own options (default: the name with `_` for `-`).
    static var section: String { get }
    /// One line for `gaiamine --help`.
    static var abstract: String { get }
    /// More text for `gaiamine NAME --help` (method, outputs, where the doc is).
    static var discussion: String { get }
    /// What the positional argument (key `input`) is.
    static var inputHelp: String { get }
    /// The key of the option a second positional argument sets (crossmatch's catalogue B), if any.
    static var secondInputKey: String? { get }
    /// Output files, as suffixes of the prefix (`.h5`, `.ecsv`, `.svg`; the runner adds `.yaml`).
    static var outputSuffixes: [String] { get }
    /// Every option of the job, in the order of `--help` and of PREFIX.yaml.
    static var options: [JobOption<Options>] { get }

    /// The computation; collective over `context.communicator`.
    static func run(_ options: Options, in context: JobContext) throws -> Result
    /// Writes PREFIX.* (collective: every rank calls it; a job writing from rank 0 only says so).
    static func write(_ result: Result, options: Options, in context: JobContext) throws
    /// Lines for the log after the outputs are written (printed by rank 0).
    static func summary(_ result: Result, options: Options, in context: JobContext) -> String
}

extension Job {
    public static var section: String { name.replacingOccurrences(of: "-", with: "_") }
    public static var discussion: String { "" }
    public static var secondInputKey: String? { nil }
    public static var outputSuffixes: [String] { [".h5", ".ecsv", ".svg"] }
    /// Every output the runner checks and replaces: the job's and the resolved parameter file.
    static var allOutputSuffixes: [String] { outputSuffixes + [".yaml"] }
}

/// A job error with a plain message (agreed over ranks by the runner and printed once).
public struct JobError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
