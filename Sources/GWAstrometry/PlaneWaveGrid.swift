// The plane-wave search grid: a uniform frequency grid × the centres of a HEALPix grid of sky
// directions (Górski et al. 2005, ApJ 622, 759; NESTED numbering, as Gaia's source_id uses).
//
// HEALPix here is the reference algorithm of the HEALPix library (healpix_base.cc `pix2loc` and
// `loc2pix`, nested branch; the same as healpy.pix2ang/ang2pix(nside, …, nest=True)), as in
// Synth/HEALPix.swift — repeated because this module depends on nothing.
//
// Grid point index: g = i_f · N_dir + i_dir (frequency-major).

import Foundation

public struct PlaneWaveGrid: Sendable, Equatable {
    /// Frequencies, nHz: f_i = fMin + i·df, i = 0 … count−1 with f ≤ fMax (+ rounding slack).
    public let frequencies: [Double]
    public let fMin: Double, fMax: Double, df: Double
    public let nside: Int
    /// Direction i_dir: the centre of nested HEALPix pixel i_dir (ICRS degrees).
    public let directions: [(raDeg: Double, decDeg: Double)]

    public var frequencyCount: Int { frequencies.count }
    public var directionCount: Int { directions.count }
    public var count: Int { frequencies.count * directions.count }

    public static func == (a: Self, b: Self) -> Bool {
        a.frequencies == b.frequencies && a.nside == b.nside
    }

    /// Checks the grid (problems name the option) and builds it.
    public init(fMin: Double, fMax: Double, df: Double, nside: Int) throws {
        guard fMin.isFinite, fMin > 0 else { throw PlaneWaveError("f_min must be a positive frequency in nHz, got \(fMin)") }
        guard fMax.isFinite, fMax >= fMin else { throw PlaneWaveError("f_max must be ≥ f_min (\(fMin) nHz), got \(fMax)") }
        guard df.isFinite, df > 0 else { throw PlaneWaveError("df must be positive (nHz), got \(df)") }
        guard nside >= 1, nside <= 256, nside & (nside - 1) == 0 else {
            throw PlaneWaveError("nside must be a power of two from 1 to 256, got \(nside)")
        }
        let n = Int(((fMax - fMin) / df * (1 + 1e-12)).rounded(.down)) + 1
        guard n <= 1 << 20 else { throw PlaneWaveError("(f_max − f_min)/df + 1 = \(n) frequencies: too many (at most 2^20)") }
        self.fMin = fMin
        self.fMax = fMax
        self.df = df
        self.nside = nside
        frequencies = (0..<n).map { fMin + Double($0) * df }
        directions = (0..<(12 * nside * nside)).map { HEALPixNested.centre(nside: nside, pixel: $0) }
    }

    public func index(frequency i: Int, direction j: Int) -> Int { i * directions.count + j }
}

public struct PlaneWaveError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum HEALPixNested {
    public static func pixelCount(nside: Int) -> Int { 12 * nside * nside }

    /// Mean distance between neighbouring pixel centres, degrees (√(4π/N_pix)).
    public static func resolution(nside: Int) -> Double {
        (4 * Double.pi / Double(pixelCount(nside: nside))).squareRoot() * 180 / .pi
    }

    /// Centre (ra, dec) in degrees of a nested pixel.
    public static func centre(nside: Int, pixel: Int) -> (raDeg: Double, decDeg: Double) {
        let npface = nside * nside
        let face = pixel / npface
        let (ix, iy) = deinterleave(pixel & (npface - 1))
        let jrll = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]
        let jpll = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7]
        let jr = jrll[face] * nside - ix - iy - 1
        var nr: Int, z: Double, kshift: Int
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
        var jp = (jpll[face] * nr + ix - iy + 1 + kshift) / 2
        if jp > 4 * nside { jp -= 4 * nside }
        if jp < 1 { jp += 4 * nside }
        let phi = (Double(jp) - Double(kshift + 1) * 0.5) * (Double.pi / 2 / Double(nr))
        return (phi * 180 / .pi, asin(max(-1, min(1, z))) * 180 / .pi)
    }

    /// Nested pixel of (ra, dec) in degrees.
    public static func pixel(nside: Int, raDeg: Double, decDeg: Double) -> Int {
        let z = sin(decDeg * .pi / 180), za = abs(z)
        var tt = (raDeg * .pi / 180) * (2 / Double.pi)
        tt -= 4 * (tt / 4).rounded(.down)
        if tt >= 4 { tt = 0 }
        var face: Int, ix: Int, iy: Int
        if za <= 2.0 / 3.0 {
            let t1 = Double(nside) * (0.5 + tt), t2 = Double(nside) * (z * 0.75)
            let jp = Int((t1 - t2).rounded(.down)), jm = Int((t1 + t2).rounded(.down))
            let ifp = jp / nside, ifm = jm / nside
            if ifp == ifm { face = ifp | 4 } else if ifp < ifm { face = ifp } else { face = ifm + 8 }
            ix = jm & (nside - 1)
            iy = nside - (jp & (nside - 1)) - 1
        } else {
            let ntt = min(3, Int(tt.rounded(.down)))
            let tp = tt - Double(ntt)
            let tmp = Double(nside) * (3 * (1 - za)).squareRoot()
            let jp = min(Int((tp * tmp).rounded(.down)), nside - 1)
            let jm = min(Int(((1 - tp) * tmp).rounded(.down)), nside - 1)
            if z >= 0 { face = ntt; ix = nside - jm - 1; iy = nside - jp - 1 } else { face = ntt + 8; ix = jp; iy = jm }
        }
        return face * nside * nside + interleave(ix, iy)
    }

    static func interleave(_ x: Int, _ y: Int) -> Int {
        var r = 0
        for b in 0..<30 { r |= ((x >> b) & 1) << (2 * b) | ((y >> b) & 1) << (2 * b + 1) }
        return r
    }

    static func deinterleave(_ p: Int) -> (Int, Int) {
        var x = 0, y = 0
        for b in 0..<30 { x |= ((p >> (2 * b)) & 1) << b; y |= ((p >> (2 * b + 1)) & 1) << b }
        return (x, y)
    }
}
