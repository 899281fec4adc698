// Pairs: the pure geometry of pair searches and cross-matches (no MPI, no HDF5).
//   SkyPoints      unit vectors of (ra, dec), structure of arrays
//   Separation     angular separation, stable at every scale and symmetric bit for bit
//   SkyIndex       declination zones sorted by ra: every indexed point within a radius of a position
//   PairSearch     queries against an index with the attribution rule that finds every pair once
//                  (fast path), and its brute-force O(N·M) reference
//   BoundingCaps   caps bounding the points of each occupied HEALPix cell, and the halo routing
//                  that tells which other rank needs which point
// The parallel drivers (halo exchange, large-radius broadcast, outputs) are TableJobs' Pairs*
// and Crossmatch*; Docs/pairs.md describes the design.
