// gaiamine: one program, one subcommand per job. Run under `mpirun -np N gaiamine …`.
//
// The registry below is the one place a job is added to the program (Docs/adding-a-job.md): its
// subcommand, `--help`, and `gaiamine run CASE.yaml` with `job: NAME` all follow from it.
import ArgumentParser
import AstrometryJob
import CShims
import GaiaJob
import GWJob
import PeriodogramJob
import TableJobs
import XPSearchJob

let registry = JobRegistry([
    XPSearchCase.self,
    PeriodogramCase.self,
    GWVSHCase.self,
    GWCorrelationCase.self,
    GWPlaneWaveCase.self,
    SelectCase.self,
    AggregateCase.self,
    PairsCase.self,
    CrossmatchCase.self,
    AstrometrySolutionCase.self,
])

struct GaiaMine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaiamine",
        abstract: "Mine Gaia data releases where they live: repack eCSV to HDF5, search it in parallel.",
        discussion: """
        Typical use:
          gaiamine synth xp_continuous_mean_spectrum --sources 10000 --files 4 --seed 1 --out data/
          mpirun -np 4 gaiamine repack data/XpContinuousMeanSpectrum_*.csv.gz --out xp.h5
          gaiamine inspect xp.h5
          mpirun -np 4 gaiamine run Inputs/xp_solar_twins.yaml --set output=twins
        See Docs/cli.md for every option.
        """,
        version: versionString,
        subcommands: [SynthCommand.self, RepackCommand.self, InspectCommand.self, XPIndexCommand.self,
                      JobCommand<XPSearchCase>.self, JobCommand<PeriodogramCase>.self, JobCommand<GWVSHCase>.self,
                      JobCommand<GWPlaneWaveCase>.self, JobCommand<GWCorrelationCase>.self,
                      JobCommand<SelectCase>.self, JobCommand<AggregateCase>.self,
                      JobCommand<PairsCase>.self, JobCommand<CrossmatchCase>.self,
                      JobCommand<AstrometrySolutionCase>.self, RunCaseCommand.self])
}

// Jobs read tables in chunks of a few MB per column and evaluate expressions into arrays of that
// size: keep such buffers in the heap for reuse (~10 % of a filter's time; CShims says why).
gaia_keep_large_buffers()

// Jobs and `run` parse their own command lines (from the option declarations); the rest is
// ArgumentParser's.
if !registry.dispatch(Array(CommandLine.arguments.dropFirst())) {
    GaiaMine.main()
}
