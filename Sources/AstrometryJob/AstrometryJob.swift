// The astrometric-solution job (skeleton).
import Astrometry
public enum AstrometryJobModule {}
