// Typed Swift wrapper of cfitsio (skeleton: filled in by the FITS reader work).
public enum FITSModule {}
