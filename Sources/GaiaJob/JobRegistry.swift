// The jobs a program offers, by name, and the two ways to start one:
//   PROGRAM NAME INPUT --out PREFIX [flags] [--set key=value]   (the job's command line)
//   PROGRAM run CASE.yaml [flags] [--set key=value]             (a case file; `job:` picks the job)
// gaiamine registers its built-in jobs here (Sources/gaiamine/main.swift); a user's package
// calls `JobRegistry([MyJob.self]).main()` and gets the same command line for its own jobs.
import Foundation
import Expressions
import GaiaIO
import MPI

public struct JobRegistry {
    public let jobs: [any Job.Type]

    public init(_ jobs: [any Job.Type]) {
        var seen = Set<String>()
        for j in jobs { precondition(seen.insert(j.name).inserted, "two jobs are named \(j.name)") }
        self.jobs = jobs
    }

    public var names: [String] { jobs.map { $0.name } }

    public func job(named name: String) -> (any Job.Type)? { jobs.first { $0.name == name } }

    /// Handles `arguments` (without the program name) if they start a job or `run`; returns
    /// false otherwise (the caller handles its other subcommands). Exits when it handled them.
    public func dispatch(_ arguments: [String], program: String = "gaiamine") -> Bool {
        guard let first = arguments.first else { return false }
        let rest = Array(arguments.dropFirst())
        if first == "run" { runCase(rest, program: program) }
        guard let job = job(named: first) else { return false }
        command(job, rest, program: program)
    }

    /// `PROGRAM NAME …`.
    func command<J: Job>(_ job: J.Type, _ arguments: [String], program: String) -> Never {
        if arguments.contains("-h") || arguments.contains("--help") {
            print(JobHelp.text(J.self, program: program))
            exit(0)
        }
        JobRunner.parallel { comm in
            try JobRunner.execute(J.self, communicator: comm) {
                try JobArguments(J.self, arguments).parameters()
            }
        }
    }

    /// `PROGRAM run CASE.yaml …`.
    func runCase(_ arguments: [String], program: String) -> Never {
        if arguments.isEmpty || arguments.contains("-h") || arguments.contains("--help") {
            print(runHelp(program: program))
            exit(arguments.isEmpty ? 1 : 0)
        }
        JobRunner.parallel { comm in
            let (file, job) = try comm.collectively { () -> (ParameterFile, any Job.Type) in
                let file = try ParameterFile(path: arguments[0])
                return (file, try self.job(of: file))
            }
            try runCase(job, file: file, arguments: Array(arguments.dropFirst()), communicator: comm)
        }
    }

    private func runCase<J: Job>(_ job: J.Type, file: ParameterFile, arguments: [String], communicator: Communicator) throws {
        try JobRunner.execute(J.self, communicator: communicator) {
            try JobArguments(J.self, arguments, positionalInput: false).apply(to: file)
            return file
        }
    }

    /// The job a case file names (`job:` is required).
    func job(of file: ParameterFile) throws -> any Job.Type {
        let name = try file.string("job")
        if let j = job(named: name) { return j }
        var message = "unknown job '\(name)'"
        if let s = Spelling.closest(to: name, among: names) { message += "; did you mean '\(s)'?" }
        throw file.error(key: "job", message + " (jobs: \(names.joined(separator: ", ")))")
    }

    public func runHelp(program: String = "gaiamine") -> String {
        """
        OVERVIEW: Run a science case from a YAML parameter file (a case file, e.g. Inputs/*.yaml).

        USAGE: \(program) run CASE.yaml [job flags …] [--set section.key=value …]

        The key `job` selects the job: \(names.joined(separator: ", ")). Every other key is an option of
        that job (`\(program) JOB --help` lists them with their keys and defaults); unknown keys are errors.
        Flags of the job and `--set key=value` override the file's values. Every run writes PREFIX.yaml,
        the fully resolved parameters: `\(program) run PREFIX.yaml --set output=OTHER` repeats the run.
        Paths are relative to the working directory.
        """
    }
}
