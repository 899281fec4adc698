// Numerics: small, pure numerical building blocks shared by the kernels, Synth and the jobs
// (the swift-numerics model: no MPI, no HDF5, no Gaia words). One implementation each of what
// several science cases need — dense Cholesky factorisation and solves, χ² / incomplete-gamma
// tails, nested HEALPix, and the deterministic elementary functions Synth's byte-identical
// output relies on — each with its reference and citation beside it.
//
//   Cholesky.swift          factor (pivot test chosen by the caller), substitutions, solve, inverse, xᵀA⁻¹x
//   ChiSquare.swift         χ² upper tails and their logs via the regularized incomplete gamma functions
//   HEALPix.swift           nested ang2pix / pix2ang (healpy nest=True)
//   DetMath.swift           exp, log, sin, cos, … from IEEE +−×÷√ only: identical bits on every machine
//   SymmetricPacking.swift  packed symmetric matrices in numpy tril_indices order
// (No type is named `Numerics`, so `Numerics.Cholesky` names this module's type.)
