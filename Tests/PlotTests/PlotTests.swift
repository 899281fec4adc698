import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Plot
import XCTest

/// Parses `svg` as XML (Foundation's XMLParser) and fails the test with the parser's complaint.
func assertWellFormed(_ svg: String, _ name: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
    let parser = XMLParser(data: Data(svg.utf8))
    let ok = parser.parse()
    XCTAssertTrue(ok, "\(name): not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)",
                  file: file, line: line)
}

/// Collects elements and their attributes.
final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var inText = false
    private var current = ""

    static func parse(_ svg: String) -> ElementCollector {
        let c = ElementCollector()
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = c
        XCTAssertTrue(p.parse())
        return c
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        if name == "text" { inText = true; current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current); inText = false }
    }

    func all(_ name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

/// Numbers in an SVG path's `d` as (x, y) pairs (our paths use only absolute M/L with pairs).
func pathPoints(_ d: String) -> [(Double, Double)] {
    let nums = d.split(whereSeparator: { "MLZ ,".contains($0) }).compactMap { Double($0) }
    return stride(from: 0, to: nums.count - 1, by: 2).map { (nums[$0], nums[$0 + 1]) }
}

final class PlotTests: XCTestCase {
    // MARK: ticks

    func testLinearTicks() {
        XCTAssertEqual(Ticks.linear(0, 1, target: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(Ticks.linear(0, 97, target: 5), [0, 20, 40, 60, 80])
        XCTAssertEqual(Ticks.linear(-3.7, 12.2, target: 6), [-2, 0, 2, 4, 6, 8, 10, 12])
        XCTAssertEqual(Ticks.linear(0.0013, 0.0042, target: 4), [0.002, 0.003, 0.004], accuracy: 1e-15)
        XCTAssertEqual(Ticks.linear(0.0013, 0.0042, target: 8), [0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004], accuracy: 1e-15)
        XCTAssertEqual(Ticks.linear(14.9, 15.6, target: 3), [15.0, 15.2, 15.4, 15.6])
        XCTAssertEqual(Ticks.linear(14.9, 15.6, target: 6), [14.9, 15.0, 15.1, 15.2, 15.3, 15.4, 15.5, 15.6], "exact decimals")
        XCTAssertEqual(Ticks.linear(1, 12, target: 12, minStep: 1), Array(1...12).map(Double.init))
        XCTAssertEqual(Ticks.linear(0.5, 12.5, target: 20, minStep: 1).first, 1)
        XCTAssertEqual(Ticks.linear(5, 5), [5], "zero span: the value itself")
        XCTAssertEqual(Ticks.linear(.nan, 1), [])
        // Reversed input gives the same ticks.
        XCTAssertEqual(Ticks.linear(97, 0, target: 5), [0, 20, 40, 60, 80])
        // Steps are always 1, 2 or 5 × 10^k.
        for (lo, hi) in [(0.0, 1e-7), (-1e9, 3e9), (123.4, 123.5), (-0.5, 0.5), (1e300, 3e300)] {
            let step = Ticks.linearStep(lo, hi)
            let m = step / pow(10, log10(step).rounded(.down))
            XCTAssertTrue([1, 2, 5, 10].contains { abs(m - $0) < 1e-9 }, "step \(step) for \(lo)…\(hi)")
            let t = Ticks.linear(lo, hi)
            XCTAssertGreaterThanOrEqual(t.count, 2)
            XCTAssertLessThanOrEqual(t.count, 12)
        }
    }

    func testTickLabels() {
        XCTAssertEqual(Ticks.labels([0, 0.2, 0.4]), ["0.0", "0.2", "0.4"])
        XCTAssertEqual(Ticks.labels([0, 20, 40]), ["0", "20", "40"])
        XCTAssertEqual(Ticks.labels([-2, 0, 2]), ["−2", "0", "2"])
        XCTAssertEqual(Ticks.labels([0.0015, 0.002, 0.0025]), ["0.0015", "0.0020", "0.0025"])
        XCTAssertEqual(Ticks.labels([0, 2e6, 4e6]), ["0", "2×10⁶", "4×10⁶"])
        XCTAssertEqual(Ticks.labels([1e-5, 2e-5]), ["10⁻⁵", "2×10⁻⁵"])
        XCTAssertEqual(Ticks.labels([1.5e6, 2e6, 2.5e6]), ["1.5×10⁶", "2.0×10⁶", "2.5×10⁶"])
    }

    func testLogTicks() {
        let t = Ticks.log(1, 1e5)
        XCTAssertEqual(t.major, [1, 10, 100, 1000, 10000, 100000])
        XCTAssertEqual(Ticks.logLabels(t.major), ["10⁰", "10¹", "10²", "10³", "10⁴", "10⁵"])
        XCTAssertTrue(t.minor.contains(2) && t.minor.contains(90000))
        XCTAssertEqual(Ticks.logLabels([0.01, 0.1, 1, 10]), ["0.01", "0.1", "1", "10"])
        // Many decades: every k-th decade.
        let wide = Ticks.log(1e-20, 1e20, target: 6)
        XCTAssertLessThanOrEqual(wide.major.count, 8)
        XCTAssertTrue(wide.major.contains(1))
        // Less than three decades: 1-2-5.
        XCTAssertEqual(Ticks.log(0.3, 30).major, [0.5, 1, 2, 5, 10, 20], accuracy: 1e-12)
        // Within one decade: linear fallback, still inside the range.
        let narrow = Ticks.log(2.1, 4.9)
        XCTAssertGreaterThanOrEqual(narrow.major.count, 2)
        XCTAssertTrue(narrow.major.allSatisfy { $0 >= 2.1 && $0 <= 4.9 })
        XCTAssertEqual(Ticks.log(-1, 10).major, [])
    }

    // MARK: decimation

    func testDecimationKeepsPeaksAndOrder() {
        var rng = ExampleFigures.LCG(s: 9)
        let n = 100_000
        let x = (0..<n).map { Double($0) }
        var y = (0..<n).map { _ in rng.next() }
        y[31_337] = 50  // one-sample peak
        y[77_777] = -20  // one-sample trough
        let d = Decimation.minMax(x: x, y: y, xRange: 0...Double(n - 1), columns: 800)
        XCTAssertLessThanOrEqual(d.x.count, 4 * 801)
        XCTAssertEqual(d.y.max(), 50)
        XCTAssertEqual(d.y.min(), -20)
        XCTAssertTrue(d.x.contains(31_337) && d.x.contains(77_777))
        XCTAssertEqual(d.x, d.x.sorted(), "original order kept")
        XCTAssertEqual(d.x.first, 0)
        XCTAssertEqual(d.x.last, Double(n - 1))
        // Short input passes unchanged.
        let s = Decimation.minMax(x: [0, 1, 2], y: [1, 3, 2], xRange: 0...2, columns: 800)
        XCTAssertEqual(s.y, [1, 3, 2])
        // NaNs survive as line breaks.
        let withNaN = Decimation.columnMinMax(px: [0, 0.1, 0.2, 0.3, 0.4], py: [1, 2, .nan, 3, 4])
        XCTAssertEqual(withNaN, [0, 1, 2, 3, 4])
    }

    /// In the rendered SVG, a 10⁵-point periodogram keeps its single-sample peak at the top.
    func testRenderedPeriodogramKeepsPeak() throws {
        var rng = ExampleFigures.LCG(s: 5)
        let n = 100_000
        let x = (0..<n).map { Double($0) / Double(n) * 25 }
        var y = (0..<n).map { _ in 0.1 * rng.next() }
        y[54_321] = 1
        var p = Panel(x: Axis("f"), y: Axis("power", range: 0...1))
        p.add(x: x, y: y, style: .line(width: 1))
        let svg = Figure(panels: [.plot(p)]).svg()
        try assertWellFormed(svg)
        let paths = ElementCollector.parse(svg).all("path").filter { $0["stroke"] == defaultPalette[0] }
        XCTAssertEqual(paths.count, 1)
        let pts = pathPoints(paths[0]["d"]!)
        XCTAssertLessThan(pts.count, 4 * 640, "decimated")
        XCTAssertGreaterThan(pts.count, 500)
        // The peak (y = 1, top of the plot area) is there, at the right x.
        let top = pts.map(\.1).min()!
        let frame = ElementCollector.parse(svg).all("rect").first { $0["fill"] == "none" }!
        XCTAssertEqual(top, Double(frame["y"]!)!, accuracy: 0.01)
        let peakX = pts.first { $0.1 == top }!.0
        let left = Double(frame["x"]!)!, width = Double(frame["width"]!)!
        XCTAssertEqual(peakX, left + width * x[54_321] / x[n - 1], accuracy: 0.02)
    }

    // MARK: robustness

    func testNaNsAndInfinitiesAreSkipped() throws {
        var p = Panel(title: "gaps", x: Axis("x"), y: Axis("y"))
        p.add(x: [0, 1, 2, .nan, 4, 5, 6], y: [1, 2, .infinity, 3, 4, -.infinity, 5], label: "line")
        p.add(x: [0, 1, 2, 3], y: [.nan, 1, .nan, 2], yError: [0.1, .nan, 0.2, 0.3], label: "pts", style: .points(radius: 2))
        let svg = Figure(panels: [.plot(p)]).svg()
        try assertWellFormed(svg)
        XCTAssertFalse(svg.contains("nan"), "no NaN coordinates")
        XCTAssertFalse(svg.lowercased().contains("inf"), "no infinite coordinates")
        let c = ElementCollector.parse(svg)
        // Line: segments [0,1] and [4] (single point, not drawn) — only the first is a path with 2 points.
        let line = c.all("path").first { $0["stroke"] == defaultPalette[0] }!
        XCTAssertEqual(pathPoints(line["d"]!).count, 2)
        // Points: only the two finite ones (plus the legend's marker).
        let circles = c.all("circle").filter { $0["r"] == "2" }
        XCTAssertEqual(circles.count, 2 + 1)
        // The y range ignores ±inf: tick labels are small numbers.
        XCTAssertTrue(c.texts.contains("5"))
        // Log axis: zero and negative values skipped, not drawn at -inf.
        var q = Panel(x: Axis("x", log: true), y: Axis("y", log: true))
        q.add(x: [0, 1, 10, 100, -5], y: [1, 0, 10, 100, 3], style: .lineAndPoints)
        let svg2 = Figure(panels: [.plot(q)]).svg()
        try assertWellFormed(svg2)
        XCTAssertEqual(ElementCollector.parse(svg2).all("circle").count, 2)
    }

    func testEmptySeriesAndEmptyFigure() throws {
        var p = Panel(title: "empty", x: Axis("x"), y: Axis("y", log: true))
        p.add(Series(x: [], y: [], label: "nothing"))
        p.add(Series(x: [1, 2], y: [3], label: "mismatched lengths"))
        try assertWellFormed(Figure(panels: [.plot(p)]).svg())
        try assertWellFormed(Figure().svg())
        try assertWellFormed(Figure(panels: [.sky(SkyPanel())]).svg())
        var one = Panel()
        one.add(x: [3], y: [3], style: .bars)
        one.add(x: [3], y: [3], style: .steps)
        try assertWellFormed(Figure(panels: [.plot(one)]).svg())
    }

    func testTextIsEscaped() throws {
        var p = Panel(title: "a < b & c > \"d\" 'e'", x: Axis("σ <µas>"), y: Axis("ctrl\u{1}\u{7}chars\nnewline"))
        p.add(x: [0, 1], y: [0, 1], label: "</text><script>alert(1)</script>")
        p.annotate(x: 0.5, y: 0.5, "&amp; literally")
        let svg = Figure(title: "T&C", panels: [.plot(p)]).svg()
        try assertWellFormed(svg)
        let c = ElementCollector.parse(svg)
        XCTAssertTrue(c.texts.contains("a < b & c > \"d\" 'e'"))
        XCTAssertTrue(c.texts.contains("</text><script>alert(1)</script>"))
        XCTAssertTrue(c.texts.contains("&amp; literally"))
        XCTAssertTrue(c.texts.contains("ctrlchars newline"))
        XCTAssertFalse(c.elements.contains { $0.name == "script" })
    }

    func testInvertedAxisOrder() throws {
        func circleYs(inverted: Bool) -> [Double] {
            var p = Panel(x: Axis("phase"), y: Axis("G", inverted: inverted))
            p.add(x: [0, 1, 2], y: [14, 15, 16], style: .points(radius: 3))
            let c = ElementCollector.parse(Figure(panels: [.plot(p)]).svg())
            return c.all("circle").map { Double($0["cy"]!)! }
        }
        let normal = circleYs(inverted: false), inverted = circleYs(inverted: true)
        XCTAssertEqual(normal.count, 3)
        // SVG y grows downward: normally larger values are higher up (smaller y).
        XCTAssertGreaterThan(normal[0], normal[2])
        XCTAssertLessThan(inverted[0], inverted[2], "inverted: bright (small mag) at the top")
        // Tick labels read top to bottom in increasing order on the inverted axis.
        var p = Panel(x: Axis("x"), y: Axis("G", range: 14...16, inverted: true))
        p.add(x: [0, 1], y: [14, 16])
        let c = ElementCollector.parse(Figure(panels: [.plot(p)]).svg())
        let yLabels = c.elements.enumerated().filter { $0.element.name == "text" && $0.element.attributes["text-anchor"] == "end" }
        let ys = yLabels.map { Double($0.element.attributes["y"]!)! }
        let textsByY = zip(ys, c.texts.filter { Double($0.replacingOccurrences(of: "−", with: "-")) != nil && ["14.0", "14.5", "15.0", "15.5", "16.0"].contains($0) })
        let ordered = textsByY.sorted { $0.0 < $1.0 }.map(\.1)
        XCTAssertEqual(ordered, ["14.0", "14.5", "15.0", "15.5", "16.0"])
    }

    func testHammerAitoff() {
        let c = HammerAitoff.project(lon: 0, lat: 0)
        XCTAssertEqual(c.x, 0, accuracy: 1e-12)
        XCTAssertEqual(c.y, 0, accuracy: 1e-12)
        let np = HammerAitoff.project(lon: 123, lat: 90)
        XCTAssertEqual(np.x, 0, accuracy: 1e-12)
        XCTAssertEqual(np.y, sqrt(2), accuracy: 1e-12)
        // East is left: +90° longitude has negative x.
        XCTAssertLessThan(HammerAitoff.project(lon: 90, lat: 0).x, 0)
        XCTAssertEqual(HammerAitoff.project(lon: 179.999999, lat: 0).x, -2 * sqrt(2), accuracy: 1e-6)
        XCTAssertEqual(HammerAitoff.project(lon: 180.000001, lat: 0).x, 2 * sqrt(2), accuracy: 1e-6)
        // Centre shifts the map.
        XCTAssertEqual(HammerAitoff.project(lon: 266, lat: 0, centre: 266).x, 0, accuracy: 1e-12)
    }

    func testSkyArrowsPointTheRightWay() throws {
        // A northward arrow at the centre points up the page; an eastward one points left.
        var s = SkyPanel(arrows: [(0, 0, 0, 10), (0, 30, 10, 0)], arrowScale: 3)
        s.points = [(0, 0)]
        let svg = Figure(panels: [.sky(s)]).svg()
        try assertWellFormed(svg)
        let c = ElementCollector.parse(svg)
        let shafts = c.all("path").first { $0["stroke"] == "#1f4e9c" && $0["stroke-width"] == "1.1" }!["d"]!
        let segs = shafts.split(separator: "M").map { pathPoints("M" + $0) }
        XCTAssertEqual(segs.count, 2)
        let north = segs[0], east = segs[1]
        XCTAssertEqual(north[1].0 - north[0].0, 0, accuracy: 0.02)
        XCTAssertLessThan(north[1].1, north[0].1, "north is up")
        XCTAssertLessThan(east[1].0, east[0].0, "east is left")
        XCTAssertEqual(east[1].1 - east[0].1, 0, accuracy: 1.0)
        // Length: 10 units × 3 px minus the head (≤ 6 px).
        XCTAssertEqual(north[0].1 - north[1].1, 30 - 6, accuracy: 0.05)
        // Arrows at the map edge and the poles do not produce garbage.
        let edge = SkyPanel(arrows: [(180, 0, 5, 0), (179.9, 10, -5, 5), (0, 90, 1, 1), (0, -90, 0, 1), (.nan, 0, 1, 1), (10, 10, .infinity, 0)])
        let svg2 = Figure(panels: [.sky(edge)]).svg()
        try assertWellFormed(svg2)
        XCTAssertFalse(svg2.contains("nan"))
    }

    func testWriteFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var p = Panel(title: "t")
        p.add(x: [1, 2, 3], y: [1, 4, 9])
        try Figure(panels: [.plot(p)]).write(path: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("<?xml"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
        XCTAssertThrowsError(try Figure().write(path: "/nonexistent-dir/x.svg"))
    }

    /// python3's xml.etree agrees that the example figures are well-formed SVG (skipped without python3).
    func testPythonParsesSVG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (name, fig) in ExampleFigures.all {
            let p = dir.appendingPathComponent(name + ".svg").path
            try fig.write(path: p)
            paths.append(p)
        }
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = ["python3", "-c", """
            import sys, xml.etree.ElementTree as ET
            for p in sys.argv[1:]:
                root = ET.parse(p).getroot()
                assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag
                assert float(root.get('width')) > 0
            print('ok')
            """] + paths
        let out = Pipe()
        proc.standardOutput = out
        proc.standardError = out
        do { try proc.run() } catch { throw XCTSkip("python3 not available") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        if proc.terminationStatus == 127 { throw XCTSkip("python3 not available") }
        XCTAssertEqual(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }

    func testNumberFormatting() {
        XCTAssertEqual(SVG.num(12), "12")
        XCTAssertEqual(SVG.num(12.5), "12.5")
        XCTAssertEqual(SVG.num(-0.004), "0")
        XCTAssertEqual(SVG.num(-0.25), "-0.25")
        XCTAssertEqual(SVG.num(3.05), "3.05")
        XCTAssertEqual(SVG.num(.nan), "0")
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
