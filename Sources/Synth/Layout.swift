// Where synthetic sources live: sky positions, source_ids and the bulk-download file layout.
//
// The Gaia DR3 bulk download splits the sky into files named `<Prefix>_<start>-<end>.csv.gz`,
// where start–end is an inclusive range of HEALPix level-8 nested pixels (6 digits, 0–786431);
// a file holds exactly the sources with start ≤ source_id >> 43 ≤ end, in ascending source_id.
// Synth splits 0…786431 into `files` contiguous ranges of equal width.

import GaiaFormat
import Numerics

public struct SkyFile: Sendable, Equatable {
    /// Inclusive level-8 HEALPix range.
    public var healpix8Start: Int64
    public var healpix8End: Int64
    /// `XpContinuousMeanSpectrum_000000-003111.csv.gz`.
    public var name: String
    /// Indices into the sorted catalogue: sources[first..<end] are in this file.
    public var first: Int
    public var end: Int
    public var count: Int { end - first }
}

/// One synthetic source: where it is and its identity. Sorted by source_id.
public struct PlacedSource: Sendable {
    public var sourceID: Int64
    public var raDeg: Double
    public var decDeg: Double
    /// Draw order: the per-source random stream is keyed by this, not by the file.
    public var index: Int
}

public enum SkyLayout {
    public static let level8Pixels: Int64 = 12 * 65536  // 786432

    /// Equal-width level-8 ranges for `files` files.
    public static func ranges(files: Int) -> [(Int64, Int64)] {
        precondition(files >= 1 && Int64(files) <= level8Pixels)
        let n = Int64(files)
        return (0..<n).map { k in (k * level8Pixels / n, (k + 1) * level8Pixels / n - 1) }
    }

    public static func fileName(prefix: String, start: Int64, end: Int64) -> String {
        "\(prefix)_\(pad6(start))-\(pad6(end)).csv.gz"
    }

    static func pad6(_ v: Int64) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// How positions are drawn.
    public enum Distribution: Sendable {
        /// Uniform on the sphere (isotropic, e.g. quasars).
        case isotropic
        /// Concentrated toward the Galactic plane: sin b drawn from a mixture of a uniform
        /// halo (weight `halo`) and an exponential disc in |b| with scale height `scaleDeg`.
        case galactic(halo: Double, scaleDeg: Double)
    }

    /// Draws `count` positions from the master stream, gives each a source_id (level-12 pixel of
    /// the position, running number = draw index + 1), sorts by source_id and splits into files.
    public static func place(count: Int, files: Int, prefix: String, seed: UInt64, stream: UInt64,
                             distribution: Distribution) -> (sources: [PlacedSource], files: [SkyFile]) {
        assemble(positions: drawPositions(count: count, seed: seed, stream: stream, distribution: distribution),
                 files: files, prefix: prefix)
    }

    /// The first `count` positions of the master stream (a prefix of any longer draw).
    static func drawPositions(count: Int, seed: UInt64, stream: UInt64, distribution: Distribution) -> [(Double, Double)] {
        var rng = Xoshiro256(seed: seed, stream: stream, index: 0xA11)
        return (0..<count).map { _ in drawPosition(&rng, distribution) }
    }

    /// Sources at `positions` (draw index = array index; running number = draw index + 1, so
    /// source_ids are unique), sorted by source_id and split into the files' level-8 ranges.
    static func assemble(positions: [(Double, Double)], files: Int, prefix: String) -> (sources: [PlacedSource], files: [SkyFile]) {
        var sources: [PlacedSource] = []
        sources.reserveCapacity(positions.count)
        for (i, (ra, dec)) in positions.enumerated() {
            let pix = HEALPix.ang2pixNested(order: 12, raDeg: ra, decDeg: dec)
            sources.append(PlacedSource(sourceID: SourceID.make(level12: pix, running: Int64(i + 1)),
                                        raDeg: ra, decDeg: dec, index: i))
        }
        sources.sort { $0.sourceID < $1.sourceID }
        var out: [SkyFile] = []
        var cursor = 0
        for (a, b) in ranges(files: files) {
            let start = cursor
            while cursor < sources.count && SourceID.healpix(sources[cursor].sourceID, level: 8) <= b { cursor += 1 }
            out.append(SkyFile(healpix8Start: a, healpix8End: b, name: fileName(prefix: prefix, start: a, end: b),
                               first: start, end: cursor))
        }
        return (sources, out)
    }

    static func drawPosition(_ rng: inout Xoshiro256, _ d: Distribution) -> (Double, Double) {
        switch d {
        case .isotropic:
            let z = rng.uniform(-1, 1)
            let ra = rng.uniform(0, 360)
            return (ra, DetMath.asin(z) * 180 / Double.pi)
        case .galactic(let halo, let scale):
            let l = rng.uniform(0, 360)
            var b: Double
            if rng.chance(halo) {
                b = DetMath.asin(rng.uniform(-1, 1)) * 180 / Double.pi
            } else {
                var u = rng.uniform()
                while u <= 0 { u = rng.uniform() }
                b = min(90, -scale * DetMath.log(u))
                if rng.chance(0.5) { b = -b }
            }
            return Coordinates.galacticToICRS(lDeg: l, bDeg: b)
        }
    }
}

/// Frame rotations (ICRS ↔ Galactic ↔ ecliptic), with the matrices the Gaia archive uses.
public enum Coordinates {
    /// ICRS → Galactic rotation A_G' (Hipparcos Vol. 1, §1.5.3, Eq. 1.5.11; ESA 1997), as used for
    /// Gaia `l`, `b`. Rows are the Galactic axes expressed in ICRS.
    public static let icrsToGalactic: [[Double]] = [
        [-0.0548755604162154, -0.8734370902348850, -0.4838350155487132],
        [+0.4941094278755837, -0.4448296299600112, +0.7469822444972189],
        [-0.8676661490190047, -0.1980763734312015, +0.4559837761750669],
    ]

    /// Obliquity of the ecliptic used for ecl_lon/ecl_lat: 84381.41100″ (the value the Gaia
    /// documentation quotes), as a plain rotation about the ICRS x axis. DR3's own ecl_lon differs
    /// from this by ~35 mas (ecl_lat by ~2 mas) for the sample rows: DR3 includes some further
    /// convention (equinox offset?) not reproduced here. Irrelevant for synthetic data.
    public static let obliquityRad = 84381.411 / 3600.0 * Double.pi / 180

    public static func unitVector(raDeg: Double, decDeg: Double) -> (Double, Double, Double) {
        let a = raDeg * Double.pi / 180, d = decDeg * Double.pi / 180
        let cd = DetMath.cos(d)
        return (cd * DetMath.cos(a), cd * DetMath.sin(a), DetMath.sin(d))
    }

    public static func angles(_ v: (Double, Double, Double)) -> (lonDeg: Double, latDeg: Double) {
        var lon = DetMath.atan2(v.1, v.0) * 180 / Double.pi
        if lon < 0 { lon += 360 }
        if lon >= 360 { lon -= 360 }
        let r = (v.0 * v.0 + v.1 * v.1).squareRoot()
        return (lon, DetMath.atan2(v.2, r) * 180 / Double.pi)
    }

    public static func icrsToGalactic(raDeg: Double, decDeg: Double) -> (lDeg: Double, bDeg: Double) {
        let u = unitVector(raDeg: raDeg, decDeg: decDeg)
        let m = icrsToGalactic
        let g = (m[0][0] * u.0 + m[0][1] * u.1 + m[0][2] * u.2,
                 m[1][0] * u.0 + m[1][1] * u.1 + m[1][2] * u.2,
                 m[2][0] * u.0 + m[2][1] * u.1 + m[2][2] * u.2)
        let a = angles(g)
        return (a.lonDeg, a.latDeg)
    }

    public static func galacticToICRS(lDeg: Double, bDeg: Double) -> (Double, Double) {
        let g = unitVector(raDeg: lDeg, decDeg: bDeg)
        let m = icrsToGalactic  // orthogonal: the inverse is the transpose
        let u = (m[0][0] * g.0 + m[1][0] * g.1 + m[2][0] * g.2,
                 m[0][1] * g.0 + m[1][1] * g.1 + m[2][1] * g.2,
                 m[0][2] * g.0 + m[1][2] * g.1 + m[2][2] * g.2)
        let a = angles(u)
        return (a.lonDeg, a.latDeg)
    }

    public static func icrsToEcliptic(raDeg: Double, decDeg: Double) -> (lonDeg: Double, latDeg: Double) {
        let u = unitVector(raDeg: raDeg, decDeg: decDeg)
        let ce = DetMath.cos(obliquityRad), se = DetMath.sin(obliquityRad)
        let e = (u.0, ce * u.1 + se * u.2, -se * u.1 + ce * u.2)
        return angles(e)
    }
}
