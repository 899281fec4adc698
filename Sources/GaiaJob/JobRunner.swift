// The runner: one path from parameters to outputs for every job, so each rule holds everywhere.
//   1. resolve   every option read from the parameters (case file + command-line overrides) with
//                its default; unknown keys are errors ("did you mean"); every check runs; all
//                problems are reported together, once (rank 0), naming the key or the flag.
//   2. outputs   before any work: the output directory exists and is writable, no output would
//                replace the input, existing outputs are kept unless `overwrite`.
//   3. echo      the resolved parameters (what PREFIX.yaml will hold).
//   4. run, write, PREFIX.yaml (temporary name, renamed when complete), summary, total time.
// Errors: what every rank agrees on (bad parameters, bad input found collectively) is printed once
// by rank 0 and every rank exits 1; anything else aborts the MPI job so no rank hangs.
import Foundation
import GaiaIO
import MPI

public enum JobRunner {
    /// The options of one run, resolved.
    public struct Resolved<O: JobOptions> {
        public var options: O
        public var output: String
        public var overwrite: Bool
        /// The common `where` expression (key `<section>.where`); nil: every row.
        public var whereText: String?
        /// The resolved parameter file: PREFIX.yaml and the outputs' `parameters` attribute.
        public var yaml: String
    }

    /// Reads and checks every parameter of `job` (not collective; the same on every rank).
    public static func resolve<J: Job>(_ job: J.Type, _ p: ParameterFile) throws -> Resolved<J.Options> {
        do {
            let name = try p.string("job", default: J.name)
            guard name == J.name else { throw p.error(key: "job", "this is the \(J.name) job, not '\(name)'") }
            var o = J.Options()
            o.input = try p.string("input")
            var output = try p.string("output")
            // `--out result.h5` names the prefix `result`: outputs are always PREFIX + suffix.
            if let s = J.outputSuffixes.first(where: { output.hasSuffix($0) && output.count > $0.count }) {
                output.removeLast(s.count)
            }
            let overwrite = try p.bool("overwrite", default: false)
            o.progressInterval = try p.double("progress_interval", default: o.progressInterval)
            for option in J.options { try option.read(p, option.fullKey(section: J.section), &o) }
            let whereKey = whereKey(J.self)
            let whereText = try p.optionalString(whereKey)
            if let w = whereText, w.trimmingCharacters(in: .whitespaces).isEmpty {
                throw p.error(key: whereKey, "is empty; give an expression, e.g. 'parallax > 1' (Docs/expressions.md), or leave it out")
            }
            try p.checkAllUsed()
            try check(J.self, o, p)
            return Resolved(options: o, output: output, overwrite: overwrite, whereText: whereText, yaml: p.resolvedYAML())
        } catch let e as ParameterError {
            if p.source == JobArguments.commandLineSource, e.file == p.source, let key = e.key {
                throw ParameterError(file: flag(J.self, key: key), e.message)
            }
            throw p.attributed(e)
        }
    }

    /// The key of the `where` option every job has: in the job's own section.
    static func whereKey<J: Job>(_ job: J.Type) -> String { J.section + ".where" }

    /// How the command line names `key`: its flag, or `--set KEY`.
    static func flag<J: Job>(_ job: J.Type, key: String) -> String {
        if let f = commonFlags[key] { return f }
        if key == whereKey(J.self) { return "--where" }
        return J.options.first { $0.fullKey(section: J.section) == key }?.flag ?? "--set \(key)"
    }

    /// Every problem of the options, each named as the user gave it; thrown as one error.
    static func check<J: Job>(_ job: J.Type, _ o: J.Options, _ p: ParameterFile) throws {
        var errors: [ParameterError] = []
        if !(o.progressInterval > 0 && o.progressInterval.isFinite) {
            errors.append(error(J.self, OptionProblem(key: "progress_interval",
                                                      message: "must be a positive number of seconds, got \(o.progressInterval)"), p))
        }
        for option in J.options {
            if let m = option.check(o) { errors.append(error(J.self, OptionProblem(key: option.fullKey(section: J.section), message: m), p)) }
        }
        for problem in o.problems() { errors.append(error(J.self, problem, p)) }
        guard !errors.isEmpty else { return }
        var seen = Set<String>()
        let lines = errors.map(\.description).filter { seen.insert($0).inserted }
        throw JobError(lines.joined(separator: "\n"))
    }

    /// A problem named by its key: `key` is a declared key or leaf, `a/b/c` several of them.
    static func error<J: Job>(_ job: J.Type, _ problem: OptionProblem, _ p: ParameterFile) -> ParameterError {
        let parts = problem.key.split(separator: "/").map(String.init)
        let options = parts.map { part in J.options.first { $0.key == part || $0.leaf == part || $0.fullKey(section: J.section) == part } }
        let keys = zip(parts, options).map { part, option in option?.fullKey(section: J.section) ?? part }
        if p.source == JobArguments.commandLineSource || keys.contains(where: { p.origins[$0] != nil }) {
            // Given on the command line: name the flags.
            let flags = keys.map { flag(J.self, key: $0) }
            return ParameterError(file: flags.joined(separator: "/"), problem.message)
        }
        if keys.count == 1 { return p.error(key: keys[0], problem.message) }
        let first = keys[0]
        let prefix = first.contains(".") ? String(first[..<first.lastIndex(of: ".")!]) + "." : ""
        let joined = prefix + keys.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }.joined(separator: "/")
        return ParameterError(file: p.source, key: joined, line: p.line(of: first), problem.message)
    }

    /// Flags of the keys every job has.
    static let commonFlags = ["input": "<input>", "output": "--out", "overwrite": "--overwrite",
                              "progress_interval": "--progress-interval"]

    /// Collective, before any work: the outputs can be written and replace nothing they must not.
    public static func checkOutputs(prefix: String, suffixes: [String], inputs: [String], overwrite: Bool,
                                    communicator comm: Communicator) throws {
        try comm.collectively {
            guard comm.isRoot else { return }
            // The directory part by hand: corelibs Foundation's NSString.deletingLastPathComponent
            // traps on a one-character relative path (`--out x`, seen with Swift 6.3.1).
            let d = prefix.lastIndex(of: "/").map { $0 == prefix.startIndex ? "/" : String(prefix[..<$0]) } ?? "."
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
                throw JobError("output directory \(d) does not exist")
            }
            guard FileManager.default.isWritableFile(atPath: d) else { throw JobError("output directory \(d) is not writable") }
            let canonical = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
            for s in suffixes {
                if let file = inputs.first(where: { canonical(prefix + s) == canonical($0) }) {
                    throw JobError("--out \(prefix): \(prefix)\(s) would replace the input file \(file)")
                }
            }
            if !overwrite {
                for s in suffixes where FileManager.default.fileExists(atPath: prefix + s) {
                    throw JobError("\(prefix)\(s) exists; pass --overwrite (overwrite: true) to replace it")
                }
            }
        }
    }

    /// Runs `job` with the parameters `makeParameters` gives (called on every rank). Collective.
    public static func execute<J: Job>(_ job: J.Type, communicator comm: Communicator,
                                       parameters makeParameters: () throws -> ParameterFile) throws {
        let r = try comm.collectively { try resolve(J.self, try makeParameters()) }
        try checkOutputs(prefix: r.output, suffixes: J.allOutputSuffixes, inputs: r.options.inputFiles, overwrite: r.overwrite,
                         communicator: comm)
        let context = JobContext(communicator: comm, job: J.name, output: r.output, parameters: r.yaml,
                                 progressInterval: r.options.progressInterval, whereText: r.whereText)
        context.log("\(J.name): parameters\n" + r.yaml.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        let result = try J.run(r.options, in: context)
        try comm.collectively {
            // A job that never asked for its selection would silently ignore the filter.
            if r.whereText != nil && !context.selectionRequested {
                throw JobError("\(J.name) does not apply --where (\(whereKey(J.self))); leave it out")
            }
        }
        try J.write(result, options: r.options, in: context)
        try comm.collectively { if comm.isRoot { try writeAtomically(r.yaml, to: context.path(".yaml")) } }
        context.log(J.summary(result, options: r.options, in: context))
        let wall = comm.elapsed(since: context.stopwatch.wallStart)
        let cpu = comm.allreduce(context.stopwatch.cpu, .sum)
        context.log(String(format: "%@: total %.2f s wall, %.2f CPU-s on %d rank(s); resolved parameters in %@.yaml",
                           J.name, wall, cpu, comm.size, r.output))
    }

    /// Writes `text` to `path` under a temporary name, renamed when complete.
    public static func writeAtomically(_ text: String, to path: String) throws {
        let partial = path + ".partial"
        do {
            try text.write(toFile: partial, atomically: false, encoding: .utf8)
            guard rename(partial, path) == 0 else { throw JobError("cannot rename \(partial) to \(path)") }
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// Runs `body` under MPI and exits: 0 on success; 1 on an error every rank agreed on (printed
    /// once, by rank 0); anything else ends the whole MPI job (MPI_Abort), so no rank hangs.
    public static func parallel(_ body: (Communicator) throws -> Void) -> Never {
        var failed = false
        MPIEnvironment.run { comm in
            do {
                try body(comm)
            } catch let e as CollectiveError {
                if comm.isRoot { for line in e.description.split(separator: "\n") { printError(String(line)) } }
                failed = true
            } catch {
                comm.abort(message: "\(error)")
            }
        }
        exit(failed ? 1 : 0)
    }

    /// `gaiamine: error: …` on stderr.
    public static func printError(_ line: String) {
        FileHandle.standardError.write(("gaiamine: error: " + line + "\n").data(using: .utf8)!)
    }
}
