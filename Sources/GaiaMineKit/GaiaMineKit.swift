// GaiaMineKit: GaiaMine as a library. `import GaiaMineKit` gives a user's own SwiftPM package the
// job framework (Job, JobOption, JobRunner, JobRegistry), the shared data layer (GaiaTable,
// CollectiveChunks, row partitions, ResultFile/ParallelResultFile, provenance, progress, clocks),
// the eCSV layer, the MPI and HDF5 wrappers, the pure numerics and the SVG plots. A job defined
// outside GaiaMine runs under mpirun with parameters, partition, collective reads, progress,
// outputs and provenance for free: see Examples/light-curve-stats and Docs/adding-a-job.md.
@_exported import Aggregates
@_exported import Expressions
@_exported import GaiaFormat
@_exported import GaiaIO
@_exported import GaiaJob
@_exported import HDF5
@_exported import LightCurves
@_exported import MPI
@_exported import Numerics
@_exported import Plot
