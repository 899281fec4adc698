// The shifted catalogue of El-Badry, Rix & Heintz (2021, MNRAS 506, 2269) §3: every star is moved
// a fixed angle along its meridian, so that pairs between the original and the shifted copy are
// chance alignments with the same sky density structure as the real pairs.
import Foundation

public enum MeridianShift {
    /// Moves a position `byDeg` along the great circle toward the north celestial pole (negative:
    /// toward the south pole). Over a pole the meridian continues on the opposite side: dec → 180 − dec
    /// (north) or −180 − dec (south), ra → ra + 180. ra of the result in [0, 360).
    public static func shifted(raDeg: Double, decDeg: Double, byDeg: Double) -> (raDeg: Double, decDeg: Double) {
        // t: the angle along the full meridian circle through the position, in (−180, 180].
        var t = (decDeg + byDeg).truncatingRemainder(dividingBy: 360)
        if t > 180 { t -= 360 } else if t <= -180 { t += 360 }
        var ra = raDeg, dec = t
        if t > 90 { dec = 180 - t; ra += 180 } else if t < -90 { dec = -180 - t; ra += 180 }
        ra = ra.truncatingRemainder(dividingBy: 360)
        if ra < 0 { ra += 360 }
        if ra >= 360 { ra = 0 }
        return (ra, dec)
    }
}
