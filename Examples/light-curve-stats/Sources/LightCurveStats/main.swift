// The program: GaiaMine's command line for this package's job —
//   light-curve-stats light-curve-stats INPUT --out PREFIX [--chunk-rows N] [--set key=value]
//   light-curve-stats run CASE.yaml
import Foundation
import GaiaMineKit

let registry = JobRegistry([LightCurveStatsJob.self])
if !registry.dispatch(Array(CommandLine.arguments.dropFirst()), program: "light-curve-stats") {
    print("usage: light-curve-stats light-curve-stats INPUT --out PREFIX [options] | run CASE.yaml\n"
          + "       light-curve-stats light-curve-stats --help")
    exit(CommandLine.arguments.count > 1 ? 1 : 0)
}
