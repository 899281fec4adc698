// A filled all-sky map (Mollweide, equal area) of a scalar field, e.g. a statistic per HEALPix
// pixel, and the raster it is drawn from. Rendering is in MapRenderer.

import Foundation

/// A filled all-sky map in the Mollweide projection (equal area, as healpy's `mollview`): east
/// (increasing longitude) to the left, 30° graticule, a colour bar below.
public struct MapPanel {
    public var title: String
    /// Colour-bar label, e.g. "parallax_median [mas]".
    public var unit: String
    /// Value at (longitude°, latitude°); NaN (or ±inf) = no data, drawn light grey. The caller
    /// looks up its HEALPix pixel (or whatever the map is made of).
    public var value: (Double, Double) -> Double
    /// Colour range; nil: the 2nd–98th percentile of the finite sampled values (robust to
    /// outliers; the raster is equal-area, so this is by sky area), widened to be symmetric about
    /// zero for a diverging colour map (white = 0). A degenerate range becomes ±0.5 around its
    /// value. Values outside are drawn in the end colours.
    public var range: ClosedRange<Double>?
    public var colormap: Colormap
    /// Longitude at the centre of the map, degrees (healpy's default 0).
    public var centre: Double
    /// Raster cells across the map width (rows: half as many).
    public var resolution: Int
    /// Longitude / latitude symbols for the orientation note ("l", "b" for Galactic maps).
    public var longitudeName: String
    public var latitudeName: String

    public init(title: String = "", unit: String = "", range: ClosedRange<Double>? = nil, colormap: Colormap = .viridis,
                centre: Double = 0, resolution: Int = 360, value: @escaping (Double, Double) -> Double) {
        self.title = title
        self.unit = unit
        self.value = value
        self.range = range
        self.colormap = colormap
        self.centre = centre
        self.resolution = resolution
        self.longitudeName = "α"
        self.latitudeName = "δ"
    }

    /// The colour range the map is drawn with (`range`, or the sampled percentiles).
    public func colourRange() -> ClosedRange<Double> { MapRaster(self).range }
}

/// The map sampled on a grid of square cells in the projection plane (columns × rows, cell side
/// 4√2 / columns), row 0 at the top, column 0 at the left (east).
struct MapRaster {
    /// Colour levels: the range is split into 256 levels (as matplotlib's 256-entry colour
    /// tables), so that neighbouring cells of nearly equal value merge into one run.
    static let levels = 256
    /// Marks a cell without data (drawn grey), and one outside the ellipse (not drawn).
    static let noData = -1, outside = -2

    let columns: Int, rows: Int
    /// Side of a cell in projection units.
    let cell: Double
    /// Per cell, row-major: the colour level 0..<levels, `noData` or `outside`.
    let level: [Int]
    let range: ClosedRange<Double>

    init(_ map: MapPanel) {
        columns = max(8, map.resolution)
        rows = (columns + 1) / 2
        cell = 4 * sqrt(2) / Double(columns)
        let x0 = -Double(columns) * cell / 2, y0 = Double(rows) * cell / 2
        var values = [Double](repeating: .nan, count: columns * rows)
        var inside = [Bool](repeating: false, count: columns * rows)
        var centres: [Double] = []  // finite values at cell centres inside the ellipse (equal-area sample)
        for j in 0..<rows {
            let ya = y0 - Double(j + 1) * cell, yb = ya + cell
            for i in 0..<columns {
                let xa = x0 + Double(i) * cell, xb = xa + cell
                // Cells that reach into the ellipse are drawn (the clip path trims them), so the rim
                // is smooth; the ones whose centre is outside take the value at the rim point on the
                // centre's ray.
                let nx = min(max(0, xa), xb), ny = min(max(0, ya), yb)
                guard nx * nx / 8 + ny * ny / 2 < 1 else { continue }
                var x = (xa + xb) / 2, y = (ya + yb) / 2
                let q = x * x / 8 + y * y / 2
                let centreInside = q <= 1
                if !centreInside { let f = (1 - 1e-12) / sqrt(q); x *= f; y *= f }
                guard let p = Mollweide.inverse(x: x, y: y, centre: map.centre) else { continue }
                let v = map.value(p.lon, p.lat)
                values[j * columns + i] = v
                inside[j * columns + i] = true
                if centreInside && v.isFinite { centres.append(v) }
            }
        }
        range = MapRaster.resolve(map.range, sample: &centres, symmetric: map.colormap.diverging)
        let lo = range.lowerBound, span = range.upperBound - range.lowerBound
        let top = Double(MapRaster.levels - 1)
        level = zip(values, inside).map { v, ins in
            guard ins else { return MapRaster.outside }
            guard v.isFinite else { return MapRaster.noData }
            return Int((min(max((v - lo) / span, 0), 1) * top).rounded())
        }
    }

    /// Level of cell (column, row).
    func level(_ i: Int, _ j: Int) -> Int { level[j * columns + i] }

    /// `given` when finite, else the 2nd–98th percentiles of `sample` (made ±max|…| when
    /// `symmetric`); degenerate → ±0.5 around the value; no data at all → 0…1.
    static func resolve(_ given: ClosedRange<Double>?, sample: inout [Double], symmetric: Bool) -> ClosedRange<Double> {
        var lo = 0.0, hi = 1.0
        if let given, given.lowerBound.isFinite, given.upperBound.isFinite {
            (lo, hi) = (given.lowerBound, given.upperBound)
        } else if !sample.isEmpty {
            sample.sort()
            (lo, hi) = (percentile(sorted: sample, 2), percentile(sorted: sample, 98))
            if symmetric { hi = max(abs(lo), abs(hi)); lo = -hi }
        }
        if !(hi > lo) { (lo, hi) = (lo - 0.5, lo + 0.5) }
        return lo...hi
    }

    /// numpy's `percentile` with its default linear interpolation: x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]), h = (n − 1) p / 100.
    static func percentile(sorted x: [Double], _ p: Double) -> Double {
        let h = Double(x.count - 1) * p / 100
        let k = min(Int(h), x.count - 1)
        let w = h - Double(k)
        return k + 1 < x.count ? x[k] + w * (x[k + 1] - x[k]) : x[k]
    }
}
