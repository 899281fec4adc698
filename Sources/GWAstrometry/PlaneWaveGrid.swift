// The plane-wave search grid: a uniform frequency grid × the centres of a HEALPix grid of sky
// directions (Górski et al. 2005, ApJ 622, 759; NESTED numbering, as Gaia's source_id uses).
//
// The pixel arithmetic is Numerics.HEALPix (healpy's nest=True conventions); this module converts
// between its (z, φ) and degrees with the system sin/asin, as the search has always done.
//
// Grid point index: g = i_f · N_dir + i_dir (frequency-major).

import Foundation
import Numerics

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

/// Nested HEALPix by nside (a power of two, checked by PlaneWaveGrid), in ICRS degrees.
public enum HEALPixNested {
    public static func pixelCount(nside: Int) -> Int { 12 * nside * nside }

    /// Mean distance between neighbouring pixel centres, degrees (√(4π/N_pix)).
    public static func resolution(nside: Int) -> Double { HEALPix.resolutionDeg(order: order(nside)) }

    /// Centre (ra, dec) in degrees of a nested pixel.
    public static func centre(nside: Int, pixel: Int) -> (raDeg: Double, decDeg: Double) {
        let (z, phi) = HEALPix.pix2zphiNested(order: order(nside), pixel: Int64(pixel))
        return (phi * 180 / .pi, asin(max(-1, min(1, z))) * 180 / .pi)
    }

    /// Nested pixel of (ra, dec) in degrees.
    public static func pixel(nside: Int, raDeg: Double, decDeg: Double) -> Int {
        Int(HEALPix.ang2pixNested(order: order(nside), z: sin(decDeg * .pi / 180), phi: raDeg * .pi / 180))
    }

    static func order(_ nside: Int) -> Int {
        guard let o = HEALPix.order(nside: nside) else { preconditionFailure("nside \(nside) is not a power of two") }
        return o
    }
}
