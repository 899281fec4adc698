// Pairs: the pure geometry of pair searches and cross-matches (no MPI, no HDF5).
//   SkyPoints.swift     unit vectors of (ra, dec), structure of arrays
//   Separation.swift    angular separation, stable at every scale and symmetric bit for bit
//   MeridianShift.swift the shifted catalogue of El-Badry, Rix & Heintz (2021) §3
//   PairSet.swift       one side of a search (points, radii, keys, sides) and the found pairs
//   Zones.swift         declination zones sorted by ra (Gray, Nieto-Santisteban & Szalay 2006)
//   SkyIndex.swift      every indexed point within a radius of a position (the zone walk)
//   PairSearch.swift    queries against an index with the attribution rule that finds every pair
//                       once (fast path), and its brute-force O(N·M) reference
//   BoundingCaps.swift  caps bounding the points of each occupied HEALPix cell, and the halo routing
//                       that tells which other rank needs which point
// The parallel drivers (halo exchange, large-radius broadcast, outputs) are TableJobs' Pairs*
// and Crossmatch*; Docs/pairs.md describes the design.
