// All-sky maps: Hammer–Aitoff (equal-area) projection, east to the left, 30° graticule, arrows
// for vector fields (proper motions, VSH glide/rotation patterns) and markers.

import Foundation

public enum HammerAitoff {
    /// Projected (x, y) of longitude `lon` and latitude `lat` (degrees), with `centre` the
    /// longitude at x = 0; x ∈ [−2√2, 2√2] grows to the west (left on the page is east, +lon),
    /// y ∈ [−√2, √2] grows to the north.
    public static func project(lon: Double, lat: Double, centre: Double = 0) -> (x: Double, y: Double) {
        var l = (lon - centre).truncatingRemainder(dividingBy: 360)
        if l > 180 { l -= 360 } else if l < -180 { l += 360 }
        let lam = l * .pi / 180, phi = lat * .pi / 180
        let z = sqrt(1 + cos(phi) * cos(lam / 2))
        return (-2 * sqrt(2) * cos(phi) * sin(lam / 2) / z, sqrt(2) * sin(phi) / z)
    }
}

enum SkyRenderer {
    static func render(_ sky: SkyPanel, x rx: Double, y ry: Double, width rw: Double, height rh: Double, id: String,
                       into b: inout SVGBuilder) {
        let top = ry + (sky.title.isEmpty ? 14 : 34)
        let bottom = ry + rh - 30
        let availW = rw - 50, availH = max(20, bottom - top - 8)
        let s = min(availW / (4 * sqrt(2)), availH / (2 * sqrt(2)))
        let cx = rx + rw / 2, cy = (top + bottom) / 2
        let mapW = 4 * sqrt(2) * s
        func px(_ lon: Double, _ lat: Double) -> (Double, Double) {
            let p = HammerAitoff.project(lon: lon, lat: lat, centre: sky.centre)
            return (cx + s * p.x, cy - s * p.y)
        }
        // Longitude relative to the centre, so that ±180 is the map's edge.
        func pxRel(_ dl: Double, _ lat: Double) -> (Double, Double) {
            let lam = dl * .pi / 180, phi = lat * .pi / 180
            let z = sqrt(1 + cos(phi) * cos(lam / 2))
            return (cx - s * 2 * sqrt(2) * cos(phi) * sin(lam / 2) / z, cy - s * sqrt(2) * sin(phi) / z)
        }

        b.raw("<g class=\"sky\">")
        b.raw("<defs><clipPath id=\"\(id)\"><ellipse cx=\"\(SVG.num(cx))\" cy=\"\(SVG.num(cy))\" rx=\"\(SVG.num(2 * sqrt(2) * s))\" ry=\"\(SVG.num(sqrt(2) * s))\"/></clipPath></defs>")
        b.raw("<ellipse cx=\"\(SVG.num(cx))\" cy=\"\(SVG.num(cy))\" rx=\"\(SVG.num(2 * sqrt(2) * s))\" ry=\"\(SVG.num(sqrt(2) * s))\" fill=\"#fbfbfb\"/>")

        // Graticule.
        var grid = ""
        for lat in stride(from: -60.0, through: 60.0, by: 30.0) where lat != 0 {
            for (k, dl) in stride(from: -180.0, through: 180.0, by: 3.0).enumerated() {
                let p = pxRel(dl, lat)
                grid += (k == 0 ? "M" : "L") + SVG.num(p.0) + "," + SVG.num(p.1)
            }
        }
        for dl in stride(from: -150.0, through: 150.0, by: 30.0) where dl != 0 {
            for (k, lat) in stride(from: -90.0, through: 90.0, by: 3.0).enumerated() {
                let p = pxRel(dl, lat)
                grid += (k == 0 ? "M" : "L") + SVG.num(p.0) + "," + SVG.num(p.1)
            }
        }
        b.path(grid, stroke: "#d0d0d0", width: 0.8)
        var axes = ""
        for (k, dl) in stride(from: -180.0, through: 180.0, by: 3.0).enumerated() {
            let p = pxRel(dl, 0)
            axes += (k == 0 ? "M" : "L") + SVG.num(p.0) + "," + SVG.num(p.1)
        }
        for (k, lat) in stride(from: -90.0, through: 90.0, by: 3.0).enumerated() {
            let p = pxRel(0, lat)
            axes += (k == 0 ? "M" : "L") + SVG.num(p.0) + "," + SVG.num(p.1)
        }
        b.path(axes, stroke: "#a0a0a0", width: 0.9)

        b.raw("<g clip-path=\"url(#\(id))\">")
        // Markers.
        if !sky.points.isEmpty {
            var out = "<g fill=\"\(SVG.escape(sky.pointColor))\">"
            for pt in sky.points where pt.ra.isFinite && pt.dec.isFinite && abs(pt.dec) <= 90 {
                let p = px(pt.ra, pt.dec)
                out += "<circle cx=\"\(SVG.num(p.0))\" cy=\"\(SVG.num(p.1))\" r=\"\(SVG.num(sky.pointRadius))\"/>"
            }
            b.raw(out + "</g>")
        }

        // Arrows.
        let valid = sky.arrows.filter { $0.ra.isFinite && $0.dec.isFinite && abs($0.dec) <= 90 && $0.dRa.isFinite && $0.dDec.isFinite }
        let mags = valid.map { hypot($0.dRa, $0.dDec) }.sorted()
        var scale = sky.arrowScale ?? 0
        var keyValue = 0.0
        if !mags.isEmpty {
            let ref = mags[min(mags.count - 1, Int(Double(mags.count) * 0.9))]
            let refPos = ref > 0 ? ref : (mags.last! > 0 ? mags.last! : 1)
            if sky.arrowScale == nil || !(scale > 0) { scale = 0.035 * mapW / refPos }
            keyValue = niceValue(refPos)
        }
        var shafts = "", heads = ""
        for a in valid {
            let mag = hypot(a.dRa, a.dDec)
            let len = mag * scale
            guard len >= 0.3 else { continue }
            let p0 = px(a.ra, a.dec)
            guard let u = screenDirection(ra: a.ra, dec: a.dec, east: a.dRa, north: a.dDec, project: px, mapWidth: mapW) else { continue }
            let tip = (p0.0 + u.0 * len, p0.1 + u.1 * len)
            let hl = min(6, 0.4 * len), hw = hl * 0.45
            let baseC = (tip.0 - u.0 * hl, tip.1 - u.1 * hl)
            shafts += "M\(SVG.num(p0.0)),\(SVG.num(p0.1))L\(SVG.num(baseC.0)),\(SVG.num(baseC.1))"
            heads += "M\(SVG.num(tip.0)),\(SVG.num(tip.1))L\(SVG.num(baseC.0 - u.1 * hw)),\(SVG.num(baseC.1 + u.0 * hw))"
                + "L\(SVG.num(baseC.0 + u.1 * hw)),\(SVG.num(baseC.1 - u.0 * hw))Z"
        }
        let color = SVG.escape(sky.arrowColor)
        b.path(shafts, stroke: color, width: 1.1, extra: "stroke-linecap=\"round\"")
        b.path(heads, stroke: nil, fill: color)
        b.raw("</g>")
        b.raw("<ellipse cx=\"\(SVG.num(cx))\" cy=\"\(SVG.num(cy))\" rx=\"\(SVG.num(2 * sqrt(2) * s))\" ry=\"\(SVG.num(sqrt(2) * s))\" fill=\"none\" stroke=\"#333\"/>")
        // Graticule labels (over the arrows, with a halo): longitudes along the equator every 60°,
        // latitudes at the left edge.
        let halo = "stroke=\"#fbfbfb\" stroke-width=\"3\" paint-order=\"stroke\""
        for dl in stride(from: -120.0, through: 120.0, by: 60.0) {
            var lon = (sky.centre + dl).truncatingRemainder(dividingBy: 360)
            if lon < 0 { lon += 360 }
            let p = pxRel(dl, 0)
            b.text(Ticks.format(lon, decimals: 0) + "°", p.0 + 3, p.1 + 12, size: 10, fill: "#555", extra: halo)
        }
        for lat in [-60.0, -30.0, 30.0, 60.0] {
            let p = pxRel(180, lat)
            b.text((lat > 0 ? "+" : "−") + Ticks.format(abs(lat), decimals: 0) + "°", p.0 - 5, p.1 + 4, size: 10, anchor: .end, fill: "#555")
        }


        // Key arrow (bottom right) and axis names (bottom left).
        if keyValue > 0 && scale > 0 {
            let len = keyValue * scale
            let label = Ticks.format(keyValue, decimals: max(0, -Int((log10(keyValue) + 1e-9).rounded(.down)))) + " " + sky.arrowUnit
            let tw = SVG.textWidth(label, size: 11)
            let x1 = rx + rw - 16 - tw - 8, x0 = x1 - len, yk = bottom + 14
            let hl = min(6, 0.4 * len), hw = hl * 0.45
            b.path("M\(SVG.num(x0)),\(SVG.num(yk))L\(SVG.num(x1 - hl)),\(SVG.num(yk))", stroke: color, width: 1.1)
            b.path("M\(SVG.num(x1)),\(SVG.num(yk))L\(SVG.num(x1 - hl)),\(SVG.num(yk - hw))L\(SVG.num(x1 - hl)),\(SVG.num(yk + hw))Z", stroke: nil, fill: color)
            b.text(label, x1 + 8, yk + 4, size: 11)
        }
        b.text("\(sky.longitudeName) increases to the left (east); \(sky.latitudeName) up", rx + 16, bottom + 18, size: 10, fill: "#666")
        if !sky.title.isEmpty { b.text(sky.title, rx + rw / 2, ry + 22, size: 14, anchor: .middle, weight: "bold") }
        b.raw("</g>")
    }

    /// Unit vector on the page for a vector with `east`/`north` components at (ra, dec): the
    /// projected direction of a short step along the vector's bearing on the sphere.
    static func screenDirection(ra: Double, dec: Double, east: Double, north: Double,
                                project: (Double, Double) -> (Double, Double), mapWidth: Double) -> (Double, Double)? {
        let theta = atan2(east, north)  // bearing from north through east
        let phi1 = dec * .pi / 180, lam1 = ra * .pi / 180
        let p0 = project(ra, dec)
        for sign in [1.0, -1.0] {
            let d = sign * 0.2 * .pi / 180
            let phi2 = asin(sin(phi1) * cos(d) + cos(phi1) * sin(d) * cos(theta))
            let lam2 = lam1 + atan2(sin(theta) * sin(d) * cos(phi1), cos(d) - sin(phi1) * sin(phi2))
            let p1 = project(lam2 * 180 / .pi, phi2 * 180 / .pi)
            var v = (p1.0 - p0.0, p1.1 - p0.1)
            let n = hypot(v.0, v.1)
            // A step across the map's edge (longitude ±180 from the centre) jumps: step backwards instead.
            guard n > 0, n < 0.1 * mapWidth else { continue }
            v = (sign * v.0 / n, sign * v.1 / n)
            return v
        }
        return nil
    }

    /// The 1-2-5 × 10^k value nearest to `v` (for the key arrow).
    static func niceValue(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let e = (log10(v)).rounded(.down)
        let m = v / pow(10, e)
        let nice: Double = m < 1.5 ? 1 : (m < 3.5 ? 2 : (m < 7.5 ? 5 : 10))
        return nice * pow(10, e)
    }
}
