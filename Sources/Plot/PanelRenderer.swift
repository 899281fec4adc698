// Draws one x–y Panel into a rectangle of the figure.

import Foundation

/// Data → pixel mapping of one axis.
struct Scale {
    let lo: Double, hi: Double
    let log: Bool
    let inverted: Bool
    /// Pixel of `lo` and of `hi` (before inversion).
    let p0: Double, p1: Double

    private var f0: Double { log ? log10(lo) : lo }
    private var f1: Double { log ? log10(hi) : hi }

    /// Pixel of `v`; NaN where `v` cannot be drawn (non-finite, ≤ 0 on a log axis). Far-off
    /// values are clamped to ±1e5 px so renderers stay well-behaved.
    func callAsFunction(_ v: Double) -> Double {
        guard v.isFinite else { return .nan }
        let f: Double
        if log {
            guard v > 0 else { return .nan }
            f = log10(v)
        } else {
            f = v
        }
        var t = (f - f0) / (f1 - f0)
        if inverted { t = 1 - t }
        let p = p0 + t * (p1 - p0)
        return min(max(p, -1e5), 1e5)
    }
}

enum PanelRenderer {
    static let grid = "#e6e6e6"
    static let frame = "#333"
    static let refLine = "#666"

    static func render(_ panel: Panel, x rx: Double, y ry: Double, width rw: Double, height rh: Double, id: String,
                       into b: inout SVGBuilder) {
        // --- ranges -------------------------------------------------------------------------
        var xs: [Double] = [], ys: [Double] = []
        var hasBars = false, hasSteps = false, onlyLines = !panel.series.isEmpty
        var allIntegerX = true
        for s in panel.series {
            let n = min(s.x.count, s.y.count)
            for i in 0..<n where s.x[i].isFinite && s.y[i].isFinite {
                xs.append(s.x[i])
                ys.append(s.y[i])
                if allIntegerX && s.x[i] != s.x[i].rounded() { allIntegerX = false }
                if let e = s.yError, i < e.count, e[i].isFinite {
                    ys.append(s.y[i] - abs(e[i]))
                    ys.append(s.y[i] + abs(e[i]))
                }
            }
            switch s.style {
            case .bars:
                hasBars = true
                onlyLines = false
            case .points, .lineAndPoints: onlyLines = false
            case .steps: hasSteps = true
            case .line: break
            }
        }
        for h in panel.hLines where h.y.isFinite { ys.append(h.y) }
        for v in panel.vLines where v.x.isFinite { xs.append(v.x) }
        for a in panel.annotations where a.x.isFinite && a.y.isFinite {
            xs.append(a.x)
            ys.append(a.y)
        }
        if hasBars && !panel.y.log { ys.append(0) }
        if xs.isEmpty { allIntegerX = false }
        // Lines run edge to edge; markers get a margin; bars and steps get room for their half
        // widths at the ends.
        let binned = (hasBars || hasSteps) && !panel.x.log
        var (x0, x1) = resolveRange(panel.x, values: xs, pad: onlyLines || binned ? 0 : 0.04)
        if binned && panel.x.range == nil {
            let sorted = Array(Set(xs)).sorted()
            let gap = zip(sorted.dropFirst(), sorted).map { $0 - $1 }.filter { $0 > 0 }.min() ?? 1
            x0 -= gap * (hasBars ? 0.6 : 0.5)
            x1 += gap * (hasBars ? 0.6 : 0.5)
        }
        var (y0, y1) = resolveRange(panel.y, values: ys, pad: 0.05)
        if hasBars && panel.y.log && panel.y.range == nil && y1 > y0 {
            y0 /= pow(y1 / y0, 0.08)  // room for the shortest bar to show
        }
        if hasBars && !panel.y.log && panel.y.range == nil {
            // Bars start at zero: no margin below a zero baseline.
            if ys.allSatisfy({ $0 >= 0 }) { y0 = 0 }
            if ys.allSatisfy({ $0 <= 0 }) { y1 = 0 }
        }

        // --- layout ---------------------------------------------------------------------------
        let top = ry + (panel.title.isEmpty ? 14 : 34)
        let bottom = ry + rh - (panel.x.label.isEmpty ? 28 : 48)
        let plotH = max(20, bottom - top)
        let yt = ticks(axis: panel.y, lo: y0, hi: y1, target: max(2, Int(plotH / 55)), minStep: 0)
        let yLabelW = yt.labels.map { SVG.textWidth($0, size: 11) }.max() ?? 0
        let left = rx + 10 + (panel.y.label.isEmpty ? 0 : 22) + yLabelW + 8
        let right = rx + rw - 20
        let plotW = max(20, right - left)
        var xt = ticks(axis: panel.x, lo: x0, hi: x1, target: max(2, Int(plotW / 90)), minStep: allIntegerX ? 1 : 0)
        var target = max(2, Int(plotW / 90))
        while target > 2 && labelsCrowded(xt.labels, width: plotW) {
            target -= 1
            xt = ticks(axis: panel.x, lo: x0, hi: x1, target: target, minStep: allIntegerX ? 1 : 0)
        }
        while xt.major.count > 2 && labelsCrowded(xt.labels, width: plotW) {
            // Still crowded (log axes): label every other major tick, the rest become minor.
            var thinned: (major: [Double], minor: [Double], labels: [String]) = ([], xt.minor, [])
            for (i, v) in xt.major.enumerated() {
                if i % 2 == 0 { thinned.major.append(v); thinned.labels.append(xt.labels[i]) } else { thinned.minor.append(v) }
            }
            xt = thinned
        }
        let sx = Scale(lo: x0, hi: x1, log: panel.x.log, inverted: panel.x.inverted, p0: left, p1: right)
        let sy = Scale(lo: y0, hi: y1, log: panel.y.log, inverted: panel.y.inverted, p0: bottom, p1: top)

        // --- frame, grid, ticks ---------------------------------------------------------------
        b.raw("<g class=\"panel\">")
        b.raw("<defs><clipPath id=\"\(id)\"><rect x=\"\(SVG.num(left))\" y=\"\(SVG.num(top))\" width=\"\(SVG.num(plotW))\" height=\"\(SVG.num(plotH))\"/></clipPath></defs>")
        b.rect(left, top, plotW, plotH, fill: "white")
        for v in xt.major { let p = sx(v); if p.isFinite { b.line(p, top, p, bottom, stroke: grid) } }
        for v in yt.major { let p = sy(v); if p.isFinite { b.line(left, p, right, p, stroke: grid) } }
        var ticksPath = ""
        for v in xt.major { let p = sx(v); if p.isFinite { ticksPath += "M\(SVG.num(p)),\(SVG.num(bottom))v5" } }
        for v in xt.minor { let p = sx(v); if p.isFinite && p >= left - 0.5 && p <= right + 0.5 { ticksPath += "M\(SVG.num(p)),\(SVG.num(bottom))v3" } }
        for v in yt.major { let p = sy(v); if p.isFinite { ticksPath += "M\(SVG.num(left)),\(SVG.num(p))h-5" } }
        for v in yt.minor { let p = sy(v); if p.isFinite && p >= top - 0.5 && p <= bottom + 0.5 { ticksPath += "M\(SVG.num(left)),\(SVG.num(p))h-3" } }
        b.path(ticksPath, stroke: frame)
        for (v, l) in zip(xt.major, xt.labels) {
            let p = sx(v)
            if p.isFinite { b.text(l, p, bottom + 18, size: 11, anchor: .middle) }
        }
        for (v, l) in zip(yt.major, yt.labels) {
            let p = sy(v)
            if p.isFinite { b.text(l, left - 8, p + 4, size: 11, anchor: .end) }
        }

        // --- data (clipped) -------------------------------------------------------------------
        b.raw("<g clip-path=\"url(#\(id))\">")
        for h in panel.hLines {
            let p = sy(h.y)
            if p.isFinite { b.line(left, p, right, p, stroke: refLine, dash: "5,4") }
        }
        for v in panel.vLines {
            let p = sx(v.x)
            if p.isFinite { b.line(p, top, p, bottom, stroke: refLine, dash: "5,4") }
        }
        var colors: [String] = []
        var paletteIndex = 0
        for s in panel.series {
            if let c = s.color { colors.append(c) } else {
                colors.append(defaultPalette[paletteIndex % defaultPalette.count])
                paletteIndex += 1
            }
        }
        var samples: [(Double, Double)] = []  // for legend placement
        for (k, s) in panel.series.enumerated() {
            let n = min(s.x.count, s.y.count)
            guard n > 0 else { continue }
            let px = (0..<n).map { sx(s.x[$0]) }
            let py = (0..<n).map { sy(s.y[$0]) }
            let stride = max(1, n / 400)
            for i in Swift.stride(from: 0, to: n, by: stride) where px[i].isFinite && py[i].isFinite { samples.append((px[i], py[i])) }
            drawSeries(s, px: px, py: py, color: colors[k], sx: sx, sy: sy, plotWidth: plotW, into: &b)
        }
        b.raw("</g>")

        // --- reference-line labels, annotations -----------------------------------------------
        for h in panel.hLines {
            guard let label = h.label, !label.isEmpty else { continue }
            let p = sy(h.y)
            if p.isFinite && p >= top && p <= bottom { b.text(label, right - 4, p - 4, size: 11, anchor: .end, fill: "#444") }
        }
        for v in panel.vLines {
            guard let label = v.label, !label.isEmpty else { continue }
            let p = sx(v.x)
            guard p.isFinite && p >= left && p <= right else { continue }
            if p + 4 + SVG.textWidth(label, size: 11) > right { b.text(label, p - 4, top + 13, size: 11, anchor: .end, fill: "#444") } else {
                b.text(label, p + 4, top + 13, size: 11, fill: "#444")
            }
        }
        for a in panel.annotations {
            let px = sx(a.x), py = sy(a.y)
            guard px.isFinite, py.isFinite, px >= left - 0.5, px <= right + 0.5, py >= top - 0.5, py <= bottom + 0.5 else { continue }
            b.raw("<circle cx=\"\(SVG.num(px))\" cy=\"\(SVG.num(py))\" r=\"2.5\" fill=\"#222\"/>")
            let w = SVG.textWidth(a.text, size: 11)
            let ty = py - 6 < top + 10 ? py + 14 : py - 6
            if px + 6 + w > right { b.text(a.text, px - 6, ty, size: 11, anchor: .end) } else { b.text(a.text, px + 6, ty, size: 11) }
        }
        b.rect(left, top, plotW, plotH, fill: "none", stroke: frame)

        // --- legend ------------------------------------------------------------------------------
        let entries = panel.series.indices.filter { panel.series[$0].label.map { !$0.isEmpty } ?? false }
        if panel.legend && !entries.isEmpty {
            let labelW = entries.map { SVG.textWidth(panel.series[$0].label!, size: 11) }.max()!
            let lw = min(plotW - 16, 40 + labelW + 10), lh = Double(entries.count) * 17 + 8
            let corners = [(right - 8 - lw, top + 8), (left + 8, top + 8), (right - 8 - lw, bottom - 8 - lh), (left + 8, bottom - 8 - lh)]
            let best = corners.min { a, c in
                count(samples, inX: a.0, a.1, lw, lh) < count(samples, inX: c.0, c.1, lw, lh)
            }!
            b.rect(best.0, best.1, lw, lh, fill: "white", stroke: "#aaa", extra: "fill-opacity=\"0.9\"")
            for (row, k) in entries.enumerated() {
                let s = panel.series[k]
                let cy = best.1 + 12.5 + Double(row) * 17
                let x0 = best.0 + 8, x1 = best.0 + 32
                let dash = s.dashed ? "6,4" : nil
                switch s.style {
                case .line(let w): b.line(x0, cy, x1, cy, stroke: colors[k], width: min(w, 4), dash: dash)
                case .steps: b.line(x0, cy, x1, cy, stroke: colors[k], width: 1.5, dash: dash)
                case .points(let r):
                    b.raw("<circle cx=\"\(SVG.num((x0 + x1) / 2))\" cy=\"\(SVG.num(cy))\" r=\"\(SVG.num(min(max(r, 2), 5)))\" fill=\"\(colors[k])\"/>")
                case .lineAndPoints:
                    b.line(x0, cy, x1, cy, stroke: colors[k], width: 1.5, dash: dash)
                    b.raw("<circle cx=\"\(SVG.num((x0 + x1) / 2))\" cy=\"\(SVG.num(cy))\" r=\"2.5\" fill=\"\(colors[k])\"/>")
                case .bars: b.rect(x0 + 4, cy - 5, 16, 10, fill: colors[k])
                }
                if s.yError != nil, case .points = s.style { b.line((x0 + x1) / 2, cy - 6, (x0 + x1) / 2, cy + 6, stroke: colors[k]) }
                b.text(s.label!, x1 + 8, cy + 4, size: 11)
            }
        }

        // --- labels -------------------------------------------------------------------------------
        if !panel.x.label.isEmpty { b.text(panel.x.label, (left + right) / 2, bottom + 38, size: 13, anchor: .middle) }
        if !panel.y.label.isEmpty { b.text(panel.y.label, rx + 18, (top + bottom) / 2, size: 13, anchor: .middle, rotate: -90) }
        if !panel.title.isEmpty { b.text(panel.title, (left + right) / 2, ry + 22, size: 14, anchor: .middle, weight: "bold") }
        b.raw("</g>")
    }

    private static func count(_ pts: [(Double, Double)], inX x: Double, _ y: Double, _ w: Double, _ h: Double) -> Int {
        pts.reduce(0) { $0 + ($1.0 >= x - 4 && $1.0 <= x + w + 4 && $1.1 >= y - 4 && $1.1 <= y + h + 4 ? 1 : 0) }
    }

    private static func labelsCrowded(_ labels: [String], width: Double) -> Bool {
        let total = labels.reduce(0) { $0 + SVG.textWidth($1, size: 11) + 14 }
        return total > width * 0.9
    }

    static func ticks(axis: Axis, lo: Double, hi: Double, target: Int, minStep: Double) -> (major: [Double], minor: [Double], labels: [String]) {
        if axis.log {
            let t = Ticks.log(lo, hi, target: target)
            func mantissa(_ v: Double) -> Double { v / pow(10, (log10(v) + 1e-9).rounded(.down)) }
            let labels: [String]
            if t.major.allSatisfy({ abs(mantissa($0) - 1) < 1e-9 }) {
                labels = Ticks.logLabels(t.major)  // decades
            } else if t.major.allSatisfy({ m in [1.0, 2.0, 5.0].contains { abs(mantissa(m) - $0) < 1e-9 } }) {
                labels = t.major.map(shortNumber)  // 1-2-5 within a few decades
            } else {
                labels = Ticks.labels(t.major)  // linear fallback inside one decade
            }
            return (t.major, t.minor, labels)
        }
        let m = Ticks.linear(lo, hi, target: target, minStep: minStep)
        return (m, [], Ticks.labels(m))
    }

    /// Compact label for a 1-2-5 log tick.
    private static func shortNumber(_ v: Double) -> String {
        if v >= 1e-3 && v < 1e5 {
            let e = Int((log10(v) + 1e-9).rounded(.down))
            return Ticks.format(v, decimals: max(0, -e))
        }
        return Ticks.logLabels([v]).first ?? ""
    }

    /// Range of an axis: the fixed one, or the finite data (positive only on log axes) with
    /// `pad` of the span added at each end; degenerate and empty ranges widened sensibly.
    static func resolveRange(_ axis: Axis, values: [Double], pad: Double) -> (Double, Double) {
        if let r = axis.range, r.lowerBound.isFinite, r.upperBound.isFinite, r.upperBound > r.lowerBound,
           !axis.log || r.lowerBound > 0 {
            return (r.lowerBound, r.upperBound)
        }
        if axis.log {
            let v = values.filter { $0 > 0 && $0.isFinite }
            guard let mn = v.min(), let mx = v.max() else { return (1, 10) }
            var l0 = log10(mn), l1 = log10(mx)
            if l1 - l0 < 1e-12 { l0 -= 0.5; l1 += 0.5 }
            let p = (l1 - l0) * pad
            return (pow(10, l0 - p), pow(10, l1 + p))
        }
        let v = values.filter(\.isFinite)
        guard var mn = v.min(), var mx = v.max() else { return (0, 1) }
        if mx - mn <= abs(mx) * 1e-12 {
            let d = mn == 0 ? 1 : abs(mn) * 0.1
            mn -= d
            mx += d
        } else {
            let p = (mx - mn) * pad
            mn -= p
            mx += p
        }
        return (mn, mx)
    }

    // MARK: - series

    static func drawSeries(_ s: Series, px: [Double], py: [Double], color: String, sx: Scale, sy: Scale, plotWidth: Double,
                           into b: inout SVGBuilder) {
        let n = px.count
        let dash = s.dashed ? " stroke-dasharray=\"6,4\"" : ""
        // Error bars under the markers.
        if let err = s.yError {
            var d = ""
            let cap = n <= 150 ? 3.0 : 0.0
            for i in 0..<min(n, err.count) where px[i].isFinite && s.y[i].isFinite && err[i].isFinite && err[i] != 0 {
                var lo = sy(s.y[i] - abs(err[i])), hi = sy(s.y[i] + abs(err[i]))
                if !lo.isFinite { lo = sy.inverted ? sy.p1 : sy.p0 }  // y − σ ≤ 0 on a log axis: to the low end
                if !hi.isFinite { continue }
                d += "M\(SVG.num(px[i])),\(SVG.num(lo))V\(SVG.num(hi))"
                if cap > 0 {
                    d += "M\(SVG.num(px[i] - cap)),\(SVG.num(lo))h\(SVG.num(2 * cap))M\(SVG.num(px[i] - cap)),\(SVG.num(hi))h\(SVG.num(2 * cap))"
                }
            }
            b.path(d, stroke: color, extra: "stroke-opacity=\"0.8\"")
        }
        switch s.style {
        case .line(let w):
            b.path(linePath(px: px, py: py, plotWidth: plotWidth), stroke: color, width: w,
                   extra: "stroke-linejoin=\"round\" stroke-linecap=\"round\"" + dash)
        case .lineAndPoints:
            b.path(linePath(px: px, py: py, plotWidth: plotWidth), stroke: color, width: 1.5,
                   extra: "stroke-linejoin=\"round\"" + dash)
            drawPoints(px: px, py: py, radius: 2.5, color: color, into: &b)
        case .points(let r):
            drawPoints(px: px, py: py, radius: r, color: color, into: &b)
        case .steps:
            b.path(stepPath(px: px, py: py), stroke: color, width: 1.5, extra: "stroke-linejoin=\"miter\"" + dash)
        case .bars:
            let xsSorted = px.filter(\.isFinite).sorted()
            let gaps = zip(xsSorted.dropFirst(), xsSorted).map { $0 - $1 }.filter { $0 > 0.01 }
            let w = min(max((gaps.min() ?? plotWidth / 10) * 0.8, 1), 80)
            // From zero (or the low end of the axis when zero is not on it).
            let base = sy.log ? (sy.inverted ? sy.p1 : sy.p0) : sy(min(max(0, sy.lo), sy.hi))
            var d = ""
            for i in 0..<n where px[i].isFinite && py[i].isFinite {
                d += "M\(SVG.num(px[i] - w / 2)),\(SVG.num(base))H\(SVG.num(px[i] + w / 2))V\(SVG.num(py[i]))H\(SVG.num(px[i] - w / 2))Z"
            }
            b.path(d, stroke: nil, fill: color, extra: "fill-opacity=\"0.85\"")
        }
    }

    /// Polyline with breaks at non-drawable points, decimated to per-pixel-column min/max when
    /// there are many more points than pixels.
    static func linePath(px: [Double], py: [Double], plotWidth: Double) -> String {
        let keep: [Int] = px.count > Int(2 * plotWidth) ? Decimation.columnMinMax(px: px, py: py) : Array(px.indices)
        var d = ""
        d.reserveCapacity(keep.count * 14)
        var run: [Int] = []
        func flush() {
            if run.count >= 2 {
                d += "M" + SVG.num(px[run[0]]) + "," + SVG.num(py[run[0]]) + "L"
                for (j, i) in run.dropFirst().enumerated() { d += (j == 0 ? "" : " ") + SVG.num(px[i]) + "," + SVG.num(py[i]) }
            }
            run.removeAll(keepingCapacity: true)
        }
        for i in keep {
            if px[i].isFinite && py[i].isFinite { run.append(i) } else { flush() }
        }
        flush()
        return d
    }

    /// Steps centred on the points: each value held from the midpoint with the previous point
    /// to the midpoint with the next (half a spacing beyond the ends).
    static func stepPath(px: [Double], py: [Double]) -> String {
        var d = ""
        var run: [Int] = []
        func flush() {
            guard !run.isEmpty else { return }
            let xs = run.map { px[$0] }, ys = run.map { py[$0] }
            let half0 = xs.count > 1 ? (xs[1] - xs[0]) / 2 : 3
            let halfN = xs.count > 1 ? (xs[xs.count - 1] - xs[xs.count - 2]) / 2 : 3
            d += "M\(SVG.num(xs[0] - half0)),\(SVG.num(ys[0]))"
            for j in 0..<xs.count {
                let end = j + 1 < xs.count ? (xs[j] + xs[j + 1]) / 2 : xs[j] + halfN
                d += "H\(SVG.num(end))"
                if j + 1 < xs.count { d += "V\(SVG.num(ys[j + 1]))" }
            }
            run.removeAll()
        }
        for i in px.indices {
            if px[i].isFinite && py[i].isFinite { run.append(i) } else { flush() }
        }
        flush()
        return d
    }

    static func drawPoints(px: [Double], py: [Double], radius: Double, color: String, into b: inout SVGBuilder) {
        // Thousands of points: one marker per half-pixel cell is indistinguishable.
        var seen = Set<Int64>()
        let dedupe = px.count > 3000
        var out = "<g fill=\"\(color)\">"
        let r = SVG.num(radius)
        for i in px.indices where px[i].isFinite && py[i].isFinite {
            if dedupe {
                let key = Int64((px[i] * 2).rounded()) &* 1_000_003 &+ Int64((py[i] * 2).rounded())
                if !seen.insert(key).inserted { continue }
            }
            out += "<circle cx=\"\(SVG.num(px[i]))\" cy=\"\(SVG.num(py[i]))\" r=\"\(r)\"/>"
        }
        out += "</g>"
        b.raw(out)
    }
}
