// All-sky maps: Hammer–Aitoff (equal-area) projection, east to the left, 30° graticule, arrows
// for vector fields (proper motions, VSH glide/rotation patterns) and markers.

import Foundation

public enum HammerAitoff {
    /// Projected (x, y) of longitude `lon` and latitude `lat` (degrees), with `centre` the
    /// longitude at x = 0; x ∈ [−2√2, 2√2] grows to the west (left on the page is east, +lon),
    /// y ∈ [−√2, √2] grows to the north.
    public static func project(lon: Double, lat: Double, centre: Double = 0) -> (x: Double, y: Double) {
        projectRelative(SkyFrame.relativeLongitude(lon, centre: centre), lat)
    }

    /// As `project`, for a longitude `dl` already relative to the centre (±180 are the two edges).
    static func projectRelative(_ dl: Double, _ lat: Double) -> (x: Double, y: Double) {
        let lam = dl * .pi / 180, phi = lat * .pi / 180
        let z = sqrt(1 + cos(phi) * cos(lam / 2))
        return (-2 * sqrt(2) * cos(phi) * sin(lam / 2) / z, sqrt(2) * sin(phi) / z)
    }
}

enum SkyRenderer {
    static func render(_ sky: SkyPanel, x rx: Double, y ry: Double, width rw: Double, height rh: Double, id: String,
                       into b: inout SVGBuilder) {
        let frame = SkyFrame(x: rx, y: ry, width: rw, height: rh, titled: !sky.title.isEmpty, footer: 30, centre: sky.centre,
                             projection: HammerAitoff.projectRelative)
        let bottom = frame.bottom, mapW = frame.mapWidth
        func px(_ lon: Double, _ lat: Double) -> (Double, Double) {
            let p = HammerAitoff.project(lon: lon, lat: lat, centre: sky.centre)
            return (frame.cx + frame.s * p.x, frame.cy - frame.s * p.y)
        }

        b.raw("<g class=\"sky\">")
        frame.background(id: id, into: &b)
        frame.graticule(into: &b)

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
        frame.outlineAndLabels(into: &b)

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
        frame.orientationNote(longitude: sky.longitudeName, latitude: sky.latitudeName, x: rx + 16, y: bottom + 18, into: &b)
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
