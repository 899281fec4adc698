import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Plot
import XCTest

/// The raster of a rendered map as drawn: (column, row) → fill colour, decoded from the paths'
/// "Mi,jhN" runs (so the tests read the SVG, not the renderer's internals).
func drawnCells(_ svg: String) -> [Int: [Int: String]] {
    var cells: [Int: [Int: String]] = [:]  // row → column → colour
    for p in ElementCollector.parse(svg).all("path") {
        // Raster paths are the only ones made of integer "Mi,jhN" runs.
        guard let d = p["d"], let colour = p["stroke"], d.hasPrefix("M"), !d.contains("."), !d.contains("L") else { continue }
        for run in d.split(separator: "M") {
            let nums = run.split(whereSeparator: { "h,".contains($0) }).compactMap { Int($0) }
            guard nums.count == 3 else { continue }
            for i in nums[0]..<(nums[0] + nums[2]) { cells[nums[1], default: [:]][i] = colour }
        }
    }
    return cells
}

/// CIE L* of an sRGB colour (IEC 61966-2-1 linearisation, D65 luminance, CIE 1976 L*).
func lightness(_ c: (r: Double, g: Double, b: Double)) -> Double {
    func lin(_ u: Double) -> Double { u <= 0.04045 ? u / 12.92 : pow((u + 0.055) / 1.055, 2.4) }
    let y = 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
    return y > 216.0 / 24389 ? 116 * cbrt(y) - 16 : y * 24389 / 27
}

/// A deterministic hash of a double pair to [0, 1) (splitmix64 finaliser).
func noise(_ a: Double, _ b: Double) -> Double {
    var z = a.bitPattern &* 0x9E37_79B9_7F4A_7C15 ^ b.bitPattern
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Double((z ^ (z >> 31)) >> 11) / 9_007_199_254_740_992
}

final class MapTests: XCTestCase {
    // MARK: projection

    func testMollweideAuxiliaryAngleAgainstMpmath() {
        // θ of 2θ + sin 2θ = π sin φ from mpmath.findroot at 40 digits, for φ the double
        // (lat · π)/180: an independent solver, to ~an ulp also near the poles, where the
        // equation is ill-conditioned in θ.
        for (lat, theta) in [(10.0, 0.13724137577671431297), (45, 0.63358997002180356559), (80, 1.2387968937722816061),
                             (89.9, 1.5554859677593022918), (89.9999, 1.5706432255838971765)] {
            XCTAssertEqual(Mollweide.auxiliaryAngle(lat * .pi / 180), theta, accuracy: 1e-15, "φ = \(lat)")
            XCTAssertEqual(Mollweide.auxiliaryAngle(-lat * .pi / 180), -theta, accuracy: 1e-15, "φ = −\(lat)")
        }
        XCTAssertEqual(Mollweide.auxiliaryAngle(.pi / 2), .pi / 2)
        XCTAssertEqual(Mollweide.auxiliaryAngle(0), 0)
    }

    func testMollweideRoundTrip() throws {
        var lats = Array(stride(from: -90.0, through: 90.0, by: 0.5))
        lats += [89.99, 89.9999, 89.999999, -89.9999, 1e-9, -1e-12]
        for lat in lats {
            for lon in stride(from: -180.0, through: 180.0, by: 7.5) {
                let p = Mollweide.project(lon: lon, lat: lat, centre: 30)
                XCTAssertLessThanOrEqual(p.x * p.x / 8 + p.y * p.y / 2, 1 + 1e-12)
                let q = try XCTUnwrap(Mollweide.inverse(x: p.x, y: p.y, centre: 30), "(\(lon), \(lat))")
                // asin near ±1 amplifies rounding: the inverse latitude is good to ~√ε rad at the poles.
                let tol = abs(lat) > 89 ? 1e-5 : 1e-9
                XCTAssertEqual(q.lat, lat, accuracy: tol, "(\(lon), \(lat))")
                guard abs(lat) < 89.9 else { continue }
                var dl = (q.lon - lon).truncatingRemainder(dividingBy: 360)
                if dl > 180 { dl -= 360 } else if dl < -180 { dl += 360 }
                XCTAssertEqual(dl, 0, accuracy: 1e-9, "(\(lon), \(lat)) → \(q)")
            }
        }
    }

    func testMollweideEdges() throws {
        let r2 = sqrt(2.0)
        XCTAssertEqual(Mollweide.project(lon: 0, lat: 90).y, r2, accuracy: 1e-15)
        XCTAssertEqual(Mollweide.project(lon: 123, lat: -90).y, -r2, accuracy: 1e-15)
        XCTAssertEqual(Mollweide.project(lon: 123, lat: -90).x, 0, accuracy: 1e-15)
        // East (+lon) to the left: the rim at centre + 180 is x = −2√2, centre − 180 is x = +2√2.
        XCTAssertEqual(Mollweide.projectRelative(180, 0).x, -2 * r2, accuracy: 1e-15)
        XCTAssertEqual(Mollweide.projectRelative(-180, 0).x, 2 * r2, accuracy: 1e-15)
        XCTAssertLessThan(Mollweide.project(lon: 10, lat: 0).x, 0)
        let edge = try XCTUnwrap(Mollweide.inverse(x: 2 * r2, y: 0, centre: 40))
        XCTAssertEqual(edge.lon, 220, accuracy: 1e-12)
        XCTAssertEqual(edge.lat, 0, accuracy: 1e-12)
        let pole = try XCTUnwrap(Mollweide.inverse(x: 0, y: r2))
        XCTAssertEqual(pole.lat, 90, accuracy: 1e-12)
        XCTAssertNil(Mollweide.inverse(x: 2 * r2, y: 0.1))
        XCTAssertNil(Mollweide.inverse(x: 0, y: 1.5))
        XCTAssertNil(Mollweide.inverse(x: .nan, y: 0))
        // Equal area: the cap above φ is (1 − sin φ)/2 of the ellipse. The segment of the ellipse
        // above y = √2 sin θ has area fraction (π − 2θ − sin 2θ)/(2π).
        for lat in [-75.0, -30, 0, 12, 60, 85] {
            let th = asin(Mollweide.project(lon: 0, lat: lat).y / r2)
            XCTAssertEqual((.pi - 2 * th - sin(2 * th)) / (2 * .pi), (1 - sin(lat * .pi / 180)) / 2, accuracy: 1e-14)
        }
    }

    // MARK: colour maps

    func testColormapEndpointsAndReferenceColours() {
        // Reference colours: matplotlib 3.11 `colors.to_hex(colormaps[name](i))`, i of 256.
        XCTAssertEqual(Colormap.viridis.hex(0), "#440154")
        XCTAssertEqual(Colormap.viridis.hex(1), "#fde725")
        XCTAssertEqual(Colormap.coolwarm.hex(0), "#3b4cc0")
        XCTAssertEqual(Colormap.coolwarm.hex(1), "#b40426")
        XCTAssertGreaterThanOrEqual(Colormap.viridis.anchors.count, 16)
        for (i, hex) in [(32, "#472d7b"), (64, "#3b528b"), (128, "#21918c"), (192, "#5ec962"), (224, "#addc30")] {
            let got = Colormap.viridis.rgb(Double(i) / 255)
            let want = [1, 3, 5].map { Double(Int(hex.dropFirst($0).prefix(2), radix: 16)!) / 255 }
            for (g, w) in zip([got.r, got.g, got.b], want) { XCTAssertEqual(g, w, accuracy: 1.5 / 255, "viridis \(i)") }
        }
        let mid = Colormap.coolwarm.rgb(128.0 / 255)
        XCTAssertEqual(mid.r, 0xdd / 255.0, accuracy: 1.5 / 255)
        XCTAssertEqual(mid.b, 0xdc / 255.0, accuracy: 1.5 / 255)
        // Clamped outside [0, 1]; NaN → the low end.
        XCTAssertEqual(Colormap.viridis.hex(-3), "#440154")
        XCTAssertEqual(Colormap.viridis.hex(7), "#fde725")
        XCTAssertEqual(Colormap.viridis.hex(.nan), "#440154")
    }

    func testViridisLightnessIsMonotoneAndCoolwarmDiverges() {
        let ls = (0...1000).map { lightness(Colormap.viridis.rgb(Double($0) / 1000)) }
        for k in 1..<ls.count { XCTAssertGreaterThan(ls[k], ls[k - 1], "viridis L* at t = \(Double(k) / 1000)") }
        XCTAssertGreaterThan(ls.last! - ls.first!, 60)
        // Diverging: lightness peaks at the centre, falls off symmetrically to both ends.
        let lc = (0...100).map { lightness(Colormap.coolwarm.rgb(Double($0) / 100)) }
        XCTAssertEqual(lc.indices.max(by: { lc[$0] < lc[$1] })!, 50, accuracy: 2)
        XCTAssertEqual(lc[0], lc[100], accuracy: 6)
    }

    // MARK: maps

    func testLatitudeMapColoursAndColourBar() throws {
        var fig = Figure()
        fig.add(MapPanel(title: "latitude", unit: "latitude [deg]") { _, lat in lat })
        let svg = fig.svg()
        try assertWellFormed(svg, "latitude map")
        // Equal-area raster: the p-th percentile of latitude over the sky is asin(2p − 1).
        let range = MapPanel(unit: "") { _, lat in lat }.colourRange()
        let end = asin(0.96) * 180 / .pi  // 73.74°
        XCTAssertEqual(range.lowerBound, -end, accuracy: 0.3)
        XCTAssertEqual(range.upperBound, end, accuracy: 0.3)
        let cells = drawnCells(svg)
        XCTAssertEqual(cells.count, 180)
        XCTAssertEqual(Set(cells[0]!.values), ["#fde725"])  // north: top of the colour bar
        XCTAssertEqual(Set(cells[179]!.values), ["#440154"])  // south: bottom
        XCTAssertEqual(Set(cells[90]!.values).count, 1)  // a row of the map is one latitude band
        XCTAssertEqual(cells[90]!.count, 360)  // the equator row spans the full width
        XCTAssertEqual(cells[0]!.count, cells[179]!.count)
        XCTAssertLessThan(cells[0]!.count, 60)  // the pole rows are short (the ellipse)
        let c = ElementCollector.parse(svg)
        let stops = c.all("stop").compactMap { $0["stop-color"] }
        XCTAssertEqual(stops.first, "#440154")
        XCTAssertEqual(stops.last, "#fde725")
        XCTAssertTrue(c.texts.contains("latitude [deg]"))
        XCTAssertTrue(c.texts.contains("0"))
        XCTAssertTrue(c.texts.contains("−60") || c.texts.contains("−50"))
        XCTAssertFalse(c.texts.contains("no data"))
        XCTAssertLessThan(svg.utf8.count, 40_000)
    }

    func testEastIsLeftAndCentre() {
        // sin(lon): +1 at lon 90 (east of 0: left), −1 at lon 270 (right).
        let m = MapPanel(range: -1...1) { lon, _ in sin(lon * .pi / 180) }
        let cells = drawnCells(Figure(panels: [.map(m)]).svg())
        XCTAssertEqual(cells[90]![90], "#fde725")
        XCTAssertEqual(cells[90]![270], "#440154")
        // Centred on 90: the middle column shows lon 90.
        var c = m
        c.centre = 90
        let cc = drawnCells(Figure(panels: [.map(c)]).svg())
        XCTAssertEqual(cc[90]![180], "#fde725")
        XCTAssertEqual(cc[90]![179], "#fde725")
    }

    func testNaNCellsAreGreyAndOutOfRangeClamped() throws {
        let m = MapPanel(unit: "x", range: 0...10) { _, lat in lat > 45 ? .nan : (lat < -45 ? .infinity : 20) }
        let svg = Figure(panels: [.map(m)]).svg()
        try assertWellFormed(svg)
        let cells = drawnCells(svg)
        XCTAssertEqual(Set(cells[0]!.values), [MapRenderer.noDataColor])
        XCTAssertEqual(Set(cells[179]!.values), [MapRenderer.noDataColor])
        XCTAssertEqual(Set(cells[90]!.values), ["#fde725"])  // 20 > 10: the top colour
        XCTAssertTrue(ElementCollector.parse(svg).texts.contains("no data"))
        // The automatic range ignores non-finite values; a constant map gets ±0.5.
        XCTAssertEqual(MapPanel { _, lat in lat > 0 ? .nan : 3 }.colourRange(), 2.5...3.5)
        XCTAssertEqual(MapPanel { _, _ in .nan }.colourRange(), 0...1)
        XCTAssertTrue(drawnCells(Figure(panels: [.map(MapPanel { _, _ in .nan })]).svg()).values
                        .allSatisfy { Set($0.values) == [MapRenderer.noDataColor] })
        XCTAssertEqual(MapPanel(range: 4...4) { _, _ in 1 }.colourRange(), 3.5...4.5)
        // numpy.percentile([3, 1, 10, 2, 4, -7.5], [2, 98]) = −6.65, 9.4; of [5]: 5.
        var sample = [3, 1, 10, 2, 4, -7.5]
        let r = MapRaster.resolve(nil, sample: &sample, symmetric: false)
        XCTAssertEqual(r.lowerBound, -6.65, accuracy: 1e-14)
        XCTAssertEqual(r.upperBound, 9.4, accuracy: 1e-14)
        XCTAssertEqual(MapRaster.percentile(sorted: [5], 98), 5)
        // Diverging maps: symmetric about zero (the 98th percentile of lat + 10 is ~83.7).
        let signed = MapPanel(colormap: .coolwarm) { _, lat in lat + 10 }.colourRange()
        XCTAssertEqual(signed.upperBound, asin(0.96) * 180 / .pi + 10, accuracy: 0.3)
        XCTAssertEqual(signed.lowerBound, -signed.upperBound)
    }

    func testSizeBoundAndDeterminism() throws {
        // Worst case: every cell its own value. HEALPix level 5-like: cells of ~1.8° with noise.
        let worst = MapPanel(unit: "noise", colormap: .coolwarm) { lon, lat in noise(lon, lat) }
        let hpx = MapPanel(unit: "noise") { lon, lat in
            let band = (lat / 1.83).rounded(.down)
            let w = 1.83 / max(0.05, cos((band + 0.5) * 1.83 * .pi / 180))
            return noise(band, (lon / w).rounded(.down))
        }
        for (name, m) in [("worst", worst), ("hpx5", hpx)] {
            let svg = Figure(panels: [.map(m)]).svg()
            try assertWellFormed(svg, name)
            XCTAssertLessThan(svg.utf8.count, 1_500_000, "\(name): \(svg.utf8.count) bytes")
            XCTAssertEqual(svg, Figure(panels: [.map(m)]).svg(), "\(name): not deterministic")
            print("map SVG size, \(name) 360 × 180: \(svg.utf8.count) bytes")
        }
        // Every cell of the ellipse is drawn once: π/4 of the raster, plus the rim cells.
        let cells = drawnCells(Figure(panels: [.map(worst)]).svg())
        let n = cells.values.map(\.count).reduce(0, +)
        XCTAssertEqual(Double(n), Double.pi / 4 * 360 * 180, accuracy: 0.02 * 360 * 180)
    }
}

extension MapTests {
    /// Small panels in a grid, odd and tiny resolutions, long labels, an escaped title: still
    /// well-formed, with the raster and the bar inside each panel.
    func testSmallPanelsAndOddResolutions() throws {
        var fig = Figure(columns: 2, panelWidth: 360, panelHeight: 260, title: "grid")
        for (k, res) in [1, 9, 101, 720].enumerated() {
            var m = MapPanel(title: "res <\(res)> & \"q\"", unit: String(repeating: "unit ", count: 8)) { lon, lat in lon + lat }
            m.resolution = res
            m.centre = Double(k) * 100
            fig.add(m)
        }
        let svg = fig.svg()
        try assertWellFormed(svg, "grid of maps")
        let c = ElementCollector.parse(svg)
        XCTAssertEqual(c.all("linearGradient").count, 4)
        XCTAssertEqual(Set(c.all("linearGradient").compactMap { $0["id"] }).count, 4)  // ids unique per panel
        XCTAssertTrue(c.texts.contains("res <9> & \"q\""))
        for r in c.all("rect") where r["fill"]?.hasPrefix("url(") == true {
            let x = Double(r["x"]!)!, w = Double(r["width"]!)!
            XCTAssertTrue((x >= 0 && x + w <= 360) || (x >= 360 && x + w <= 720), "colour bar outside its panel: \(r)")
        }
        XCTAssertEqual(MapRaster(MapPanel(resolution: 9) { _, _ in 0 }).rows, 5)
    }
}
