// The jobs in ArgumentParser's command tree, so `gaiamine --help` lists them and `gaiamine help
// NAME` explains them. Their command lines are parsed by GaiaJob from the jobs' own option
// declarations (main.swift hands them over before ArgumentParser sees them); these types only
// describe them and forward.
import ArgumentParser
import GaiaJob

struct JobCommand<J: Job>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: J.name, abstract: J.abstract, discussion: JobHelp.text(J.self))
    }

    @Argument(parsing: .captureForPassthrough, help: "Input file, options: see the discussion above.")
    var arguments: [String] = []

    func run() throws { _ = registry.dispatch([J.name] + arguments) }
}

struct RunCaseCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "run", abstract: "Run a science case from a YAML parameter file (see Inputs/).",
                             discussion: registry.runHelp())
    }

    @Argument(parsing: .captureForPassthrough, help: "CASE.yaml, then overrides: --set key=value or the job's flags.")
    var arguments: [String] = []

    func run() throws { _ = registry.dispatch(["run"] + arguments) }
}
