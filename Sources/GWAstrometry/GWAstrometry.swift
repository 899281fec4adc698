// GWAstrometry: astrometric gravitational-wave kernels — pure science and arithmetic (no MPI, no
// HDF5); their parallel drivers live in GWJob and talk to data only through GaiaIO.
//
//   ProperMotions.swift        the sources every kernel takes (α, δ in radians; µ, σ_µ, ρ)
//   VSHBasis.swift             real vector spherical harmonics of any degree (Mignard & Klioner
//                              2012 conventions): fast recurrences + explicit reference
//   VSHFit.swift               normal equations with full 2×2 covariances (fast, blocked) and a
//                              dense-QR reference; Cholesky solve and covariance
//   VSHClippedFit.swift        the iterative fit with κ·median(X) clipping over fixed blocks,
//                              written against Numerics' ExactReduction (one process or MPI)
//   VSHVectors.swift           rotation and glide vectors, Galactic components, directions
//   VSHPower.swift             per-degree power, noise bias, χ² and Z
//   GWBackgroundLimit.swift    Ω_GW upper limit from the l ≥ 2 power (Neyman, Monte Carlo)
//   PairSample.swift           sources as unit vectors + tangent-frame µ for the pair kernel
//   PairBinning.swift          angular bins by cos Θ thresholds (no acos per pair)
//   PairCorrelation.swift      all-pairs µ∥/µ⊥ correlation, SIMD, over block pairs (fast path)
//   PairCorrelationReference.swift   the same by explicit spherical trigonometry (slow)
//   PairSums.swift             per-bin sums and the weighted-mean estimator with errors
//   HellingsDowns.swift        astrometric HD curve, amplitude fit, Ω_GW estimate and limit
//   PlaneWave.swift            plane GW: polarisation basis, deflection, along-scan projection
//   AstrometricFit.swift       5-parameter along-scan fit and its projector
//   PlaneWaveSource.swift, PlaneWaveGrid.swift   a source for the search; frequency × HEALPix grid
//   FStatistic.swift           fast F-statistic sums over the grid, added exactly in fixed point
//                              (+ FStatisticReference.swift)
//   PlaneWaveStatistic.swift   2F, false-alarm probabilities
// Exact sums (ExactSum, FixedPointSums) and ExactReduction come from Numerics.
// Dense Cholesky factorisation and solves and nested HEALPix come from Numerics.
// Science and equations: Docs/gw-vsh.md, Docs/gw-correlation.md, Docs/gw-planewave.md.
