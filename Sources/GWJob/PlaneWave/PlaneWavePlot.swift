// PREFIX.svg of the plane-wave search: (top) an all-sky Hammer–Aitoff map, east to the left, of
// max over frequency of 2F per HEALPix direction — each cell of a 3° × 3° raster coloured by the
// pixel containing its centre, runs of equal pixels merged — with the best candidate (○) and, if
// known, the injected direction (+); (bottom) the sky-maximised spectrum max over directions of
// 2F against frequency with the 1 % global false-alarm threshold (Plot.Figure, embedded).
import Foundation
import GWAstrometry
import Plot

enum PlaneWavePlot {
    static let width = 900.0, mapHeight = 470.0, spectrumHeight = 330.0

    static func write(_ r: PlaneWaveResult, sky: [Double], spectrum: [Double], path: String) throws {
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let h = mapHeight + spectrumHeight
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(n(width))\" height=\"\(n(h))\" "
            + "viewBox=\"0 0 \(n(width)) \(n(h))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(h))\" fill=\"white\"/>\n"
        svg += skyMap(r, sky: sky)
        svg += "<g transform=\"translate(0,\(n(mapHeight)))\">\n" + spectrumFigure(r, spectrum: spectrum) + "</g>\n"
        svg += "</svg>\n"
        let partial = path + ".partial"
        do {
            try Data(svg.utf8).write(to: URL(fileURLWithPath: partial))
        } catch {
            unlink(partial)
            throw GWJobError("cannot write \(path): \(error.localizedDescription)")
        }
        if rename(partial, path) != 0 {
            unlink(partial)
            throw GWJobError("cannot rename \(partial) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A viridis-like colour for t ∈ [0, 1] (piecewise linear through 9 samples of matplotlib's viridis).
    static func colour(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
                                                 (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37)]
        let x = max(0, min(1, t.isFinite ? t : 0)) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        func c(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return String(format: "#%02x%02x%02x", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }

    /// The map's frame: the Hammer–Aitoff projection scaled into the panel, east to the left.
    struct SkyFrame {
        let s: Double, cx: Double, cy: Double

        /// dl: longitude relative to the centre (0°), so ±180° is the edge; east (+) to the left.
        func p(_ dl: Double, _ lat: Double) -> (Double, Double) {
            let lam = dl * .pi / 180, phi = lat * .pi / 180
            let z = (1 + cos(phi) * cos(lam / 2)).squareRoot()
            return (cx - s * 2 * 2.0.squareRoot() * cos(phi) * sin(lam / 2) / z, cy - s * 2.0.squareRoot() * sin(phi) / z)
        }

        /// A direction (deg) on the map.
        func point(ra: Double, dec: Double) -> (Double, Double) {
            var dl = ra.truncatingRemainder(dividingBy: 360)
            if dl > 180 { dl -= 360 }
            return p(dl, dec)
        }
    }

    static func skyMap(_ r: PlaneWaveResult, sky: [Double]) -> String {
        let g = r.grid
        let finite = sky.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = max(finite.max() ?? 1, (finite.min() ?? 0) + 1e-9)
        let top = 40.0, bottom = mapHeight - 40
        let frame = SkyFrame(s: min((width - 140) / (4 * 2.0.squareRoot()), (bottom - top) / (2 * 2.0.squareRoot())),
                             cx: (width - 70) / 2, cy: (top + bottom) / 2)
        var out = "<g class=\"sky\">\n"
        out += "<text x=\"\(n(width / 2))\" y=\"24\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\">"
            + escape(String(format: "GaiaMine gw-planewave: max over %d frequencies of 2F per direction (nside %d)", g.frequencyCount, g.nside))
            + "</text>\n"
        out += skyCells(sky, nside: g.nside, lo: lo, hi: hi, frame: frame)
        out += graticule(frame)
        out += markers(r, frame: frame)
        out += colourBar(lo: lo, hi: hi, top: top, bottom: bottom)
        var legend = "α increases to the left (east); δ up. ○ best candidate"
        if r.injection != nil { legend += "; + injected direction" }
        out += "<text x=\"20\" y=\"\(n(mapHeight - 12))\" font-size=\"10\" fill=\"#555\">\(escape(legend))</text>\n"
        return out + "</g>\n"
    }

    /// Raster of 3° cells, runs of one HEALPix pixel merged into one polygon.
    static func skyCells(_ sky: [Double], nside: Int, lo: Double, hi: Double, frame: SkyFrame) -> String {
        let step = 3.0
        var cells = ""
        for band in 0..<Int(180 / step) {
            let lat0 = -90 + Double(band) * step, lat1 = lat0 + step, latc = (lat0 + lat1) / 2
            var runStart = 0, runPixel = -1
            let count = Int(360 / step)
            func flush(_ end: Int) {
                guard runPixel >= 0 else { return }
                let v = sky[runPixel]
                let col = v.isFinite ? colour((v - lo) / (hi - lo)) : "#dddddd"
                // From dl = +180 (left) toward −180: cell k spans dl ∈ [180 − (k+1)·step, 180 − k·step].
                var pts: [String] = []
                for k in runStart...end { let q = frame.p(180 - Double(k) * step, lat1); pts.append("\(n(q.0)),\(n(q.1))") }
                for k in stride(from: end, through: runStart, by: -1) { let q = frame.p(180 - Double(k) * step, lat0); pts.append("\(n(q.0)),\(n(q.1))") }
                cells += "<polygon points=\"\(pts.joined(separator: " "))\" fill=\"\(col)\" stroke=\"\(col)\" stroke-width=\"0.6\"/>\n"
            }
            for k in 0..<count {
                let dl = 180 - (Double(k) + 0.5) * step
                var ra = dl.truncatingRemainder(dividingBy: 360)
                if ra < 0 { ra += 360 }
                let pix = HEALPixNested.pixel(nside: nside, raDeg: ra, decDeg: latc)
                if pix != runPixel {
                    flush(k)
                    runStart = k
                    runPixel = pix
                }
            }
            flush(count)
        }
        return cells
    }

    /// Graticule (every 30°), outline and longitude labels.
    static func graticule(_ frame: SkyFrame) -> String {
        var grid = ""
        for lat in stride(from: -60.0, through: 60.0, by: 30.0) {
            grid += stride(from: -180.0, through: 180.0, by: 3.0).enumerated().map { k, dl in
                let q = frame.p(dl, lat); return (k == 0 ? "M" : "L") + "\(n(q.0)),\(n(q.1))"
            }.joined()
        }
        for dl in stride(from: -150.0, through: 150.0, by: 30.0) {
            grid += stride(from: -90.0, through: 90.0, by: 3.0).enumerated().map { k, lat in
                let q = frame.p(dl, lat); return (k == 0 ? "M" : "L") + "\(n(q.0)),\(n(q.1))"
            }.joined()
        }
        var out = "<path d=\"\(grid)\" fill=\"none\" stroke=\"#ffffff\" stroke-opacity=\"0.45\" stroke-width=\"0.7\"/>\n"
        out += "<ellipse cx=\"\(n(frame.cx))\" cy=\"\(n(frame.cy))\" rx=\"\(n(2 * 2.0.squareRoot() * frame.s))\" ry=\"\(n(2.0.squareRoot() * frame.s))\" fill=\"none\" stroke=\"#333\"/>\n"
        for dl in stride(from: -120.0, through: 120.0, by: 60.0) {
            let qq = frame.p(dl, 0)
            var lon = dl.truncatingRemainder(dividingBy: 360)
            if lon < 0 { lon += 360 }
            out += "<text x=\"\(n(qq.0 + 3))\" y=\"\(n(qq.1 + 12))\" font-size=\"10\" fill=\"#eeeeee\">\(Int(lon))°</text>\n"
        }
        return out
    }

    /// Best candidate (circle), injection (cross).
    static func markers(_ r: PlaneWaveResult, frame: SkyFrame) -> String {
        var out = ""
        if let c = r.candidates.first {
            let q = frame.point(ra: c.raDeg, dec: c.decDeg)
            out += "<circle cx=\"\(n(q.0))\" cy=\"\(n(q.1))\" r=\"9\" fill=\"none\" stroke=\"white\" stroke-width=\"2.5\"/>\n"
            out += "<circle cx=\"\(n(q.0))\" cy=\"\(n(q.1))\" r=\"9\" fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>\n"
        }
        if let i = r.injection {
            let q = frame.point(ra: i.raDeg, dec: i.decDeg)
            out += "<path d=\"M\(n(q.0 - 7)),\(n(q.1))L\(n(q.0 + 7)),\(n(q.1))M\(n(q.0)),\(n(q.1 - 7))L\(n(q.0)),\(n(q.1 + 7))\" stroke=\"#e41a1c\" stroke-width=\"2.5\"/>\n"
        }
        return out
    }

    /// The colour bar of 2F from lo to hi.
    static func colourBar(lo: Double, hi: Double, top: Double, bottom: Double) -> String {
        let bx = width - 75, by0 = top + 20, bh = bottom - top - 40
        var out = ""
        for k in 0..<100 {
            let t = Double(k) / 99
            out += "<rect x=\"\(n(bx))\" y=\"\(n(by0 + bh * (1 - Double(k + 1) / 100)))\" width=\"16\" height=\"\(n(bh / 100 + 0.6))\" fill=\"\(colour(t))\"/>\n"
        }
        out += "<rect x=\"\(n(bx))\" y=\"\(n(by0))\" width=\"16\" height=\"\(n(bh))\" fill=\"none\" stroke=\"#333\"/>\n"
        for t in Ticks.linear(lo, hi, target: 6) where t >= lo && t <= hi {
            let y = by0 + bh * (1 - (t - lo) / (hi - lo))
            out += "<text x=\"\(n(bx + 20))\" y=\"\(n(y + 4))\" font-size=\"10\">\(Ticks.labels([t])[0])</text>\n"
        }
        out += "<text x=\"\(n(bx + 8))\" y=\"\(n(by0 - 8))\" font-size=\"11\" text-anchor=\"middle\">2F</text>\n"
        return out
    }

    static func spectrumFigure(_ r: PlaneWaveResult, spectrum: [Double]) -> String {
        var fig = Figure(columns: 1, panelWidth: width, panelHeight: spectrumHeight)
        var panel = Panel(title: "Sky-maximised F-statistic spectrum", x: Axis("frequency (nHz)"), y: Axis("max over directions of 2F"))
        panel.add(Series(x: r.grid.frequencies, y: spectrum, label: "max 2F", color: "#1f4e9c", style: .line(width: 1.3)))
        panel.hLine(r.threshold, label: "global FAP 1 %")
        panel.hLine(4, label: "χ²₄ mean")
        // The best candidate and the injection (one line, labelled once, when they coincide).
        if let i = r.injection { panel.vLine(i.frequencyNHz, label: "injected") }
        if let c = r.candidates.first, r.injection.map({ abs($0.frequencyNHz - c.frequencyNHz) > r.grid.df }) ?? true {
            panel.vLine(c.frequencyNHz, label: "best")
        }
        fig.add(panel)
        // The figure's own document, without its XML declaration, nested in ours.
        return fig.svg().split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("<?xml") }.joined(separator: "\n") + "\n"
    }
}
