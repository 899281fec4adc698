// GWJob: parallel drivers of the astrometric GW kernels (GWAstrometry); they talk to data only
// through GaiaIO and to other ranks only through MPI collectives (exact sums: Numerics' ExactSum
// and FixedPointSums, reduced by GaiaIO's MPIReduction). One folder per science case.
//
// Shared/
//   GWJob.swift                this index
//   GWOptions.swift            what the cases' options share: table, source selection, checks
//   SourceSelection.swift      column filters and source_id lists
//   ProperMotionSample.swift   open a gaia_source table, apply the selection, fixed row blocks
//                              (independent of the number of ranks), collective reads into
//                              ProperMotions (radians, µas/yr), drop counts
// VSH/                         `gw-vsh`
//   VSHCase.swift              the job: options, steps
//   VSHRun.swift               read, iterative clipped VSH fit, Ω_GW limits
//   VSHOutputs.swift           its HDF5/ECSV outputs and summary;  VSHPlot.swift  its SVG
// Correlation/                 `gw-correlation`
//   CorrelationCase.swift      the job: options, steps
//   CorrelationRun.swift       read, reduce, binned Hellings–Downs correlation and fit
//   CorrelationRing.swift      fixed blocks dealt to ranks; the systolic ring over block pairs
//   CorrelationOutputs.swift   its HDF5/ECSV outputs and summary;  CorrelationPlot.swift  its SVG
// PlaneWave/                   `gw-planewave`
//   PlaneWaveCase.swift        the job: options, steps
//   PlaneWaveInput.swift       the epoch_astrometry columns, per-transit cleaning
//   PlaneWaveRun.swift         read in rounds of fixed blocks, F-statistic sums, exact reduction
//   PlaneWavePartition.swift   fixed blocks split over ranks by modelled cost
//   PlaneWaveCandidates.swift  2F grid, candidates, injection check (rank 0)
//   PlaneWaveOutputs.swift     its HDF5/ECSV outputs and summary;  PlaneWavePlot.swift  its SVG
// Science: Docs/gw-vsh.md, Docs/gw-correlation.md, Docs/gw-planewave.md.
