// Draws a MapPanel: the raster as one path per colour level (runs of equal colour along each
// row merged into one stroke), clipped to the Mollweide ellipse, the graticule over it, and a
// colour bar below.

import Foundation

enum MapRenderer {
    /// Cells without data (healpy's `badcolor` is grey too).
    static let noDataColor = "#cccccc"

    static func render(_ map: MapPanel, x rx: Double, y ry: Double, width rw: Double, height rh: Double, id: String,
                       into b: inout SVGBuilder) {
        let frame = SkyFrame(x: rx, y: ry, width: rw, height: rh, titled: !map.title.isEmpty, footer: 72, centre: map.centre,
                             projection: Mollweide.projectRelative)
        let raster = MapRaster(map)
        b.raw("<g class=\"map\">")
        frame.background(id: id, into: &b)
        cells(raster, map.colormap, frame: frame, clip: id, into: &b)
        frame.graticule(grid: "#ffffff", axes: "#ffffff", extra: "stroke-opacity=\"0.45\"", into: &b)
        frame.outlineAndLabels(into: &b)
        colourBar(raster, map, frame: frame, x: rx, width: rw, id: id + "-bar",
                  hasNoData: raster.level.contains(MapRaster.noData), into: &b)
        frame.orientationNote(longitude: map.longitudeName, latitude: map.latitudeName, x: rx + 16, y: frame.bottom + 66, into: &b)
        if !map.title.isEmpty { b.text(map.title, rx + rw / 2, ry + 22, size: 14, anchor: .middle, weight: "bold") }
        b.raw("</g>")
    }

    /// The raster in cell units (a transform scales them to the page, so coordinates are small
    /// integers): per colour level one path, a horizontal stroke one cell wide ("Mi,jhN", butt
    /// caps: exactly the cells' squares) per run of equal level along a row; strokes take a third
    /// fewer bytes than rectangles. Whole-figure sizes at 360 × 180: a map of latitude 34 kB; the
    /// worst case, each of the ~51 000 cells in the ellipse a run of its own, 0.49 MB; a HEALPix
    /// level-5 map (pixels ~1.8 cells wide) of noise 0.26 MB (measured in MapTests).
    static func cells(_ raster: MapRaster, _ colormap: Colormap, frame: SkyFrame, clip: String, into b: inout SVGBuilder) {
        var runs = [String](repeating: "", count: MapRaster.levels + 1)  // index level + 1: no data first
        for j in 0..<raster.rows {
            var i = 0
            while i < raster.columns {
                let l = raster.level(i, j)
                var k = i + 1
                while k < raster.columns && raster.level(k, j) == l { k += 1 }
                if l != MapRaster.outside { runs[l + 1] += "M\(i),\(j)h\(k - i)" }
                i = k
            }
        }
        let x0 = frame.cx - Double(raster.columns) * raster.cell * frame.s / 2
        let y0 = frame.cy - Double(raster.rows) * raster.cell * frame.s / 2 + raster.cell * frame.s / 2  // strokes on row centres
        // Scale to 4 decimals: at 2 the map's width could be off by a pixel over 360 cells.
        let scale = String(format: "%.4f", raster.cell * frame.s)
        b.raw("<g clip-path=\"url(#\(clip))\"><g transform=\"translate(\(SVG.num(x0)) \(SVG.num(y0))) scale(\(scale))\" "
            + "shape-rendering=\"crispEdges\">")
        for (index, d) in runs.enumerated() where !d.isEmpty {
            let colour = index == 0 ? noDataColor : colormap.hex(Double(index - 1) / Double(MapRaster.levels - 1))
            b.path(d, stroke: colour)
        }
        b.raw("</g></g>")
    }

    /// A horizontal bar (a gradient through the colour map's anchors, which SVG interpolates
    /// linearly in sRGB as the map does), ticks and labels, the unit below, and a "no data" key.
    static func colourBar(_ raster: MapRaster, _ map: MapPanel, frame: SkyFrame, x rx: Double, width rw: Double, id: String,
                          hasNoData: Bool, into b: inout SVGBuilder) {
        let lo = raster.range.lowerBound, hi = raster.range.upperBound
        let barW = max(40, min(0.6 * frame.mapWidth, rw - 220)), barH = 10.0
        let bx = frame.cx - barW / 2, by = frame.bottom + 10
        var grad = "<defs><linearGradient id=\"\(id)\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">"
        let n = map.colormap.anchors.count
        for (k, a) in map.colormap.anchors.enumerated() {
            grad += "<stop offset=\"\(String(format: "%.4f", Double(k) / Double(n - 1)))\" stop-color=\"\(Colormap.hex(a))\"/>"
        }
        b.raw(grad + "</linearGradient></defs>")
        let span = String(format: "%.6g … %.6g", lo, hi)
        b.raw("<rect x=\"\(SVG.num(bx))\" y=\"\(SVG.num(by))\" width=\"\(SVG.num(barW))\" height=\"\(SVG.num(barH))\" "
            + "fill=\"url(#\(id))\" stroke=\"#333\" stroke-width=\"0.6\"><title>\(SVG.escape(map.colormap.name + ": " + span))</title></rect>")
        let ticks = Ticks.linear(lo, hi, target: 5)
        var marks = ""
        for (v, label) in zip(ticks, Ticks.labels(ticks)) {
            let tx = bx + (v - lo) / (hi - lo) * barW
            marks += "M\(SVG.num(tx)),\(SVG.num(by + barH))L\(SVG.num(tx)),\(SVG.num(by + barH + 4))"
            b.text(label, tx, by + barH + 15, size: 10, anchor: .middle, fill: "#333")
        }
        b.path(marks, stroke: "#333", width: 0.8)
        if !map.unit.isEmpty { b.text(map.unit, frame.cx, by + barH + 32, size: 11, anchor: .middle) }
        if hasNoData {
            b.rect(bx + barW + 16, by, barH, barH, fill: noDataColor, stroke: "#333", extra: "stroke-width=\"0.6\"")
            b.text("no data", bx + barW + 16 + barH + 5, by + barH - 1, size: 10, fill: "#333")
        }
    }
}
