// HEALPix (Górski et al. 2005, ApJ 622, 759) in the NESTED scheme: the pixel of a direction and
// the centre of a pixel, following the reference algorithm of the HEALPix C++ library
// (healpix_base.cc `loc2pix` and `pix2loc`, nested branches) with healpy's conventions
// (`healpy.ang2pix(nside, θ, φ, nest=True)`, `healpy.pix2ang(nside, p, nest=True)`): θ the
// colatitude, φ the longitude (right ascension), base faces 0–3 north, 4–7 equator, 8–11 south,
// nside = 2^order.
//
// The core works on z = cos θ = sin δ and φ in radians, so that each caller chooses its
// trigonometry; the degree forms use DetMath (identical on every machine, what Synth needs for
// byte-identical source_ids and truth files).

public enum HEALPix {
    /// nside = 2^order.
    @inlinable public static func nside(order: Int) -> Int64 { Int64(1) << Int64(order) }

    /// The order of a power-of-two nside, or nil if nside is not 2^k with 0 ≤ k ≤ 29.
    @inlinable public static func order(nside: Int) -> Int? {
        guard nside >= 1, nside <= 1 << 29, nside & (nside - 1) == 0 else { return nil }
        return nside.trailingZeroBitCount
    }

    /// Number of pixels at a level (order): 12·4^order.
    @inlinable public static func pixelCount(order: Int) -> Int64 { 12 << (2 * Int64(order)) }

    /// Mean distance between neighbouring pixel centres, degrees: √(4π/N_pix).
    public static func resolutionDeg(order: Int) -> Double {
        (4 * Double.pi / Double(pixelCount(order: order))).squareRoot() * 180 / .pi
    }

    // MARK: core (z, φ)

    /// Nested pixel index from z = cos θ = sin δ and φ in radians (any real φ; reduced mod 2π).
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
            let jp = min(Int64((tp * tmp).rounded(.down)), nside - 1)
            let jm = min(Int64(((1 - tp) * tmp).rounded(.down)), nside - 1)
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

    /// Centre of a nested pixel as z = cos θ and φ ∈ [0, 2π) in radians.
    public static func pix2zphiNested(order: Int, pixel: Int64) -> (z: Double, phi: Double) {
        precondition(order >= 0 && order <= 29 && pixel >= 0 && pixel < pixelCount(order: order))
        let nside = Int64(1) << Int64(order)
        let npface = nside * nside
        let face = Int(pixel / npface)
        let (ix, iy) = deinterleave(pixel & (npface - 1))
        // Ring number of the face's southernmost corner (in units of nside) and its φ (π/4).
        let jrll: [Int64] = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]
        let jpll: [Int64] = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7]
        let jr = jrll[face] * nside - ix - iy - 1
        var nr: Int64, z: Double, kshift: Int64
        let fact2 = 4.0 / Double(12 * npface)
        if jr < nside {  // north polar cap
            nr = jr
            z = 1 - Double(nr * nr) * fact2
            kshift = 0
        } else if jr > 3 * nside {  // south polar cap
            nr = 4 * nside - jr
            z = Double(nr * nr) * fact2 - 1
            kshift = 0
        } else {  // equatorial belt
            nr = nside
            z = Double(2 * nside - jr) * (2.0 / 3.0) / Double(nside)
            kshift = (jr - nside) & 1
        }
        var jp = (jpll[face] * nr + ix - iy + 1 + kshift) / 2
        if jp > 4 * nside { jp -= 4 * nside }
        if jp < 1 { jp += 4 * nside }
        let phi = (Double(jp) - Double(kshift + 1) * 0.5) * (Double.pi / 2 / Double(nr))
        return (z, phi)
    }

    // MARK: degrees (DetMath trigonometry)

    /// Nested pixel index of the direction (ra, dec) in degrees.
    public static func ang2pixNested(order: Int, raDeg: Double, decDeg: Double) -> Int64 {
        ang2pixNested(order: order, z: DetMath.sin(decDeg * (Double.pi / 180)), phi: raDeg * (Double.pi / 180))
    }

    /// Centre (ra, dec) in degrees of a nested pixel.
    public static func pix2angNested(order: Int, pixel: Int64) -> (raDeg: Double, decDeg: Double) {
        let (z, phi) = pix2zphiNested(order: order, pixel: pixel)
        return (phi * 180 / Double.pi, DetMath.asin(max(-1, min(1, z))) * 180 / Double.pi)
    }

    // MARK: bit interleaving (pixel within a face: x bits even, y bits odd)

    /// Bits of x in the even positions, bits of y in the odd positions (x, y < 2^29).
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
