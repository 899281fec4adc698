// GWJob: parallel drivers of the astrometric GW kernels (GWAstrometry); they talk to data only
// through GaiaIO and to other ranks only through MPI collectives.
//
//   ProperMotionSample.swift   shared: open a gaia_source table, column filters and source_id
//                              lists, fixed row blocks (independent of the number of ranks),
//                              collective reads into ProperMotions (radians, µas/yr), drop counts
//   GWCollectives.swift        shared: MPIReduction (exact, rank-independent sums for the
//                              kernels' GWReduction), allgather of a ProperMotions sample
//   VSHRun.swift               `gw-vsh`: read, iterative clipped VSH fit, Ω_GW limits
//   VSHOutputs.swift           its HDF5/ECSV outputs and summary;  VSHPlot.swift  its SVG
//   PlaneWaveInput.swift       `gw-planewave`: the epoch_astrometry columns, per-transit cleaning
//   PlaneWaveRun.swift         `gw-planewave`: cost-balanced fixed blocks, F-statistic sums, exact
//                              reduction, 2F grid, candidates, injection check
//   PlaneWaveOutputs.swift     its HDF5/ECSV outputs and summary;  PlaneWavePlot.swift  its SVG
// Science: Docs/gw-vsh.md, Docs/gw-planewave.md.
