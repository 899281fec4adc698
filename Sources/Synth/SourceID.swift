// Gaia source_id arithmetic (the pixel itself: Numerics.HEALPix, nested scheme).
//
// Gaia DR3 source_id = HEALPix level-12 nested index · 2^35 + a running number (< 2^35), so
// source_id >> 35 is the level-12 pixel and source_id >> (35 + 2·(12 − k)) the level-k pixel; the
// bulk files are named by level-8 ranges (source_id >> 43). (Gaia DR3 documentation, §14.1.1
// "source_id"; the file ranges: https://cdn.gea.esac.esa.int/Gaia/gdr3/ "_MD5SUM.txt".)

/// Gaia source_id arithmetic.
public enum SourceID {
    /// Bits below the level-12 HEALPix index.
    public static let runningBits = 35
    /// source_id from a level-12 nested pixel and a running number < 2^35.
    public static func make(level12 pixel: Int64, running: Int64) -> Int64 {
        precondition(running >= 0 && running < (Int64(1) << 35))
        return (pixel << 35) | running
    }
    /// The HEALPix pixel at `level` (0–12) containing the source.
    public static func healpix(_ sourceID: Int64, level: Int) -> Int64 {
        sourceID >> Int64(35 + 2 * (12 - level))
    }
}
