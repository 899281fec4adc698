// Per-source astrometric solutions from epoch astrometry (skeleton).
public enum AstrometryModule {}
