// gaiamine: one program, one subcommand per job. Run under `mpirun -np N gaiamine …`.
import ArgumentParser

struct GaiaMine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaiamine",
        abstract: "Mine Gaia data releases where they live: repack eCSV to HDF5, search it in parallel.",
        discussion: """
        Typical use:
          gaiamine synth xp_continuous_mean_spectrum --sources 10000 --files 4 --seed 1 --out data/
          mpirun -np 4 gaiamine repack data/XpContinuousMeanSpectrum_*.csv.gz --out xp.h5
          gaiamine inspect xp.h5
        See Docs/cli.md for every option.
        """,
        version: versionString,
        subcommands: [SynthCommand.self, RepackCommand.self, InspectCommand.self, XPIndexCommand.self, XPSearchCommand.self,
                      PeriodogramCommand.self, GWVSHCommand.self, GWPlaneWaveCommand.self, GWCorrelationCommand.self,
                      RunCommand.self])
}

GaiaMine.main()
