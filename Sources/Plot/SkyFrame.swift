// The frame the all-sky projections share. Hammer–Aitoff (SkyPanel) and Mollweide (MapPanel)
// both map the sphere onto the ellipse 2√2 × √2, so placement in the panel, the clip path, the
// 30° graticule, the outline and the labels are one piece of code; only the projection differs.

import Foundation

struct SkyFrame {
    /// Page coordinates of the projection plane's origin, and page units per projection unit.
    let cx: Double, cy: Double, s: Double
    /// Page y of the bottom of the map area (captions, keys and colour bars go below it).
    let bottom: Double
    /// Longitude at the centre of the map, degrees.
    let centre: Double
    /// (longitude relative to the centre, latitude), degrees → projection-plane (x, y).
    let projection: (Double, Double) -> (x: Double, y: Double)

    /// The largest ellipse that fits the panel below its title (if any) and above `footer` px.
    init(x rx: Double, y ry: Double, width rw: Double, height rh: Double, titled: Bool, footer: Double,
         centre: Double, projection: @escaping (Double, Double) -> (x: Double, y: Double)) {
        let top = ry + (titled ? 34 : 14)
        bottom = ry + rh - footer
        let availW = rw - 50, availH = max(20, bottom - top - 8)
        s = min(availW / (4 * sqrt(2)), availH / (2 * sqrt(2)))
        cx = rx + rw / 2
        cy = (top + bottom) / 2
        self.centre = centre
        self.projection = projection
    }

    var mapWidth: Double { 4 * sqrt(2) * s }

    /// `lon − centre` in [−180, 180] (degrees).
    static func relativeLongitude(_ lon: Double, centre: Double) -> Double {
        var l = (lon - centre).truncatingRemainder(dividingBy: 360)
        if l > 180 { l -= 360 } else if l < -180 { l += 360 }
        return l
    }

    /// Page point of (longitude relative to the centre, latitude).
    func page(_ dl: Double, _ lat: Double) -> (Double, Double) {
        let p = projection(dl, lat)
        return (cx + s * p.x, cy - s * p.y)
    }

    private var ellipse: String {
        "<ellipse cx=\"\(SVG.num(cx))\" cy=\"\(SVG.num(cy))\" rx=\"\(SVG.num(2 * sqrt(2) * s))\" ry=\"\(SVG.num(sqrt(2) * s))\""
    }

    /// The clip path `id` (the ellipse) and the map's background.
    func background(id: String, into b: inout SVGBuilder) {
        b.raw("<defs><clipPath id=\"\(id)\">" + ellipse + "/></clipPath></defs>")
        b.raw(ellipse + " fill=\"#fbfbfb\"/>")
    }

    /// Parallels every 30° and meridians every 30° (polylines at 3° steps), the equator and the
    /// central meridian stronger.
    func graticule(grid: String = "#d0d0d0", axes axisColor: String = "#a0a0a0", extra: String = "", into b: inout SVGBuilder) {
        func polyline(_ points: [(Double, Double)]) -> String {
            var d = ""
            for (k, p) in points.enumerated() { d += (k == 0 ? "M" : "L") + SVG.num(p.0) + "," + SVG.num(p.1) }
            return d
        }
        let lons = Array(stride(from: -180.0, through: 180.0, by: 3.0)), lats = Array(stride(from: -90.0, through: 90.0, by: 3.0))
        var lines = ""
        for lat in stride(from: -60.0, through: 60.0, by: 30.0) where lat != 0 { lines += polyline(lons.map { page($0, lat) }) }
        for dl in stride(from: -150.0, through: 150.0, by: 30.0) where dl != 0 { lines += polyline(lats.map { page(dl, $0) }) }
        b.path(lines, stroke: grid, width: 0.8, extra: extra)
        b.path(polyline(lons.map { page($0, 0) }) + polyline(lats.map { page(0, $0) }), stroke: axisColor, width: 0.9, extra: extra)
    }

    /// The ellipse's outline, and the graticule labels (with a halo, over whatever the map
    /// holds): longitudes along the equator every 60°, latitudes at the left edge.
    func outlineAndLabels(into b: inout SVGBuilder) {
        b.raw(ellipse + " fill=\"none\" stroke=\"#333\"/>")
        let halo = "stroke=\"#fbfbfb\" stroke-width=\"3\" paint-order=\"stroke\""
        for dl in stride(from: -120.0, through: 120.0, by: 60.0) {
            var lon = (centre + dl).truncatingRemainder(dividingBy: 360)
            if lon < 0 { lon += 360 }
            let p = page(dl, 0)
            b.text(Ticks.format(lon, decimals: 0) + "°", p.0 + 3, p.1 + 12, size: 10, fill: "#555", extra: halo)
        }
        for lat in [-60.0, -30.0, 30.0, 60.0] {
            let p = page(180, lat)
            b.text((lat > 0 ? "+" : "−") + Ticks.format(abs(lat), decimals: 0) + "°", p.0 - 5, p.1 + 4, size: 10, anchor: .end, fill: "#555")
        }
    }

    /// "α increases to the left (east); δ up" at page (x, y).
    func orientationNote(longitude: String, latitude: String, x: Double, y: Double, into b: inout SVGBuilder) {
        b.text("\(longitude) increases to the left (east); \(latitude) up", x, y, size: 10, fill: "#666")
    }
}
