// Numerics: small, pure numerical building blocks shared by the kernels, Synth and the jobs
// (the swift-numerics model: no MPI, no HDF5, no Gaia words). One implementation each of what
// several science cases need — dense Cholesky factorisation and solves, χ² / incomplete-gamma
// tails, nested HEALPix, and the deterministic elementary functions Synth's byte-identical
// output relies on — each with its reference and citation beside it.
public enum Numerics {}
