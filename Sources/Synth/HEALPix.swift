// HEALPix (Górski et al. 2005, ApJ 622, 759) in the NESTED scheme, as Gaia uses it for source_id
// and for the bulk-download file ranges.
//
// Gaia DR3 source_id = HEALPix level-12 nested index · 2^35 + a running number (< 2^35), so
// source_id >> 35 is the level-12 pixel and source_id >> (35 + 2·(12 − k)) the level-k pixel; the
// bulk files are named by level-8 ranges (source_id >> 43). (Gaia DR3 documentation, §14.1.1
// "source_id"; the file ranges: https://cdn.gea.esac.esa.int/Gaia/gdr3/ "_MD5SUM.txt".)
//
// ang2pix follows the reference algorithm of the HEALPix library (healpix_base.cc `loc2pix`,
// nested branch), the same conventions as healpy.ang2pix(nside, θ, φ, nest=True): θ colatitude,
// φ longitude (here right ascension), faces 0–11.

public enum HEALPix {
    /// Number of pixels at a level (order): 12·4^order.
    public static func pixelCount(order: Int) -> Int64 { 12 << (2 * Int64(order)) }

    /// Nested pixel index of the direction (ra, dec) in degrees at `order` (nside = 2^order).
    public static func ang2pixNested(order: Int, raDeg: Double, decDeg: Double) -> Int64 {
        let phi = raDeg * (Double.pi / 180)
        let z = DetMath.sin(decDeg * (Double.pi / 180))
        return ang2pixNested(order: order, z: z, phi: phi)
    }

    /// Nested pixel index from z = cos θ = sin δ and φ in radians.
    public static func ang2pixNested(order: Int, z: Double, phi: Double) -> Int64 {
        precondition(order >= 0 && order <= 29)
        let nside = Int64(1) << Int64(order)
        let za = abs(z)
        // tt ∈ [0, 4): φ in units of π/2.
        var tt = phi * (2 / Double.pi)
        tt = tt - 4 * (tt / 4).rounded(.down)
        if tt >= 4 { tt = 0 }
        var face: Int64, ix: Int64, iy: Int64
        if za <= 2.0 / 3.0 {  // equatorial region
            let temp1 = Double(nside) * (0.5 + tt)
            let temp2 = Double(nside) * (z * 0.75)
            let jp = Int64((temp1 - temp2).rounded(.down))  // ascending edge line index
            let jm = Int64((temp1 + temp2).rounded(.down))  // descending edge line index
            let ifp = jp >> Int64(order)
            let ifm = jm >> Int64(order)
            if ifp == ifm { face = ifp | 4 } else if ifp < ifm { face = ifp } else { face = ifm + 8 }
            ix = jm & (nside - 1)
            iy = nside - (jp & (nside - 1)) - 1
        } else {  // polar caps
            let ntt = min(3, Int64(tt.rounded(.down)))
            let tp = tt - Double(ntt)
            let tmp = Double(nside) * (3 * (1 - za)).squareRoot()
            var jp = Int64((tp * tmp).rounded(.down))
            var jm = Int64(((1 - tp) * tmp).rounded(.down))
            jp = min(jp, nside - 1)
            jm = min(jm, nside - 1)
            if z >= 0 {
                face = ntt
                ix = nside - jm - 1
                iy = nside - jp - 1
            } else {
                face = ntt + 8
                ix = jp
                iy = jm
            }
        }
        return face * nside * nside + interleave(ix, iy)
    }

    /// Centre (ra, dec) in degrees of a nested pixel (healpix_base.cc `pix2loc`).
    public static func pix2angNested(order: Int, pixel: Int64) -> (raDeg: Double, decDeg: Double) {
        let nside = Int64(1) << Int64(order)
        let npface = nside * nside
        let face = pixel / npface
        let (ix, iy) = deinterleave(pixel & (npface - 1))
        let jrll: [Int64] = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]
        let jpll: [Int64] = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7]
        let jr = jrll[Int(face)] * nside - ix - iy - 1
        var nr: Int64, z: Double, kshift: Int64
        let fact2 = 4.0 / Double(12 * npface)
        if jr < nside {
            nr = jr
            z = 1 - Double(nr * nr) * fact2
            kshift = 0
        } else if jr > 3 * nside {
            nr = 4 * nside - jr
            z = Double(nr * nr) * fact2 - 1
            kshift = 0
        } else {
            nr = nside
            z = Double(2 * nside - jr) * (2.0 / 3.0) / Double(nside)
            kshift = (jr - nside) & 1
        }
        var jp = (jpll[Int(face)] * nr + ix - iy + 1 + kshift) / 2
        if jp > 4 * nside { jp -= 4 * nside }
        if jp < 1 { jp += 4 * nside }
        let phi = (Double(jp) - Double(kshift + 1) * 0.5) * (Double.pi / 2 / Double(nr))
        return (phi * 180 / Double.pi, DetMath.asin(max(-1, min(1, z))) * 180 / Double.pi)
    }

    /// Bits of x in the even positions, bits of y in the odd positions.
    @inline(__always) static func interleave(_ x: Int64, _ y: Int64) -> Int64 {
        spread(x) | (spread(y) << 1)
    }

    @inline(__always) static func spread(_ v: Int64) -> Int64 {
        var x = UInt64(v) & 0xFFFF_FFFF
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x << 2)) & 0x3333_3333_3333_3333
        x = (x | (x << 1)) & 0x5555_5555_5555_5555
        return Int64(x)
    }

    @inline(__always) static func compact(_ v: UInt64) -> Int64 {
        var x = v & 0x5555_5555_5555_5555
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333
        x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF
        return Int64(x)
    }

    static func deinterleave(_ p: Int64) -> (Int64, Int64) {
        (compact(UInt64(p)), compact(UInt64(p) >> 1))
    }
}

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
