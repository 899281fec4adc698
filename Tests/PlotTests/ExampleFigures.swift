// One example of each kind of figure GaiaMine draws, from synthetic data. testExamplesRender
// checks they are well-formed; with PLOT_EXAMPLES_DIR set, they are also written there (to look
// at: `rsvg-convert -o x.png x.svg`).

import Foundation
@testable import Plot
import XCTest

enum ExampleFigures {
    /// Deterministic pseudo-random numbers in [0, 1).
    struct LCG {
        var s: UInt64
        mutating func next() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 53)
        }
        mutating func gauss() -> Double {
            let u = max(next(), 1e-300), v = next()
            return sqrt(-2 * log(u)) * cos(2 * .pi * v)
        }
    }

    static func xpSpectra() -> Figure {
        var rng = LCG(s: 1)
        var fig = Figure(columns: 2, panelWidth: 560, panelHeight: 380, title: "XP similarity: template 4295806720 and best matches")
        for band in ["BP", "RP"] {
            let template: [Double] = (0..<55).map { (i: Int) -> Double in
                let x = Double(i)
                let base: Double = 400 * exp(-x / 8) * cos(x * 0.7)
                return i == 0 ? base + 900 : base
            }
            var p = Panel(title: "\(band) coefficients", x: Axis("coefficient index"), y: Axis("coefficient (e⁻/s)"))
            p.add(Series(y: template, label: "template 4295806720", color: "#222"))
            for k in 1...3 {
                var m: [Double] = []
                for c in template {
                    let factor: Double = 1 + 0.03 * Double(k) * rng.gauss()
                    m.append(c * factor + 5 * rng.gauss())
                }
                p.add(Series(y: m, label: "#\(k) 59872638237\(k)4 (χ² = \(String(format: "%.1f", 48.0 + 7 * Double(k))))"))
            }
            p.hLine(0)
            fig.add(p)
        }
        return fig
    }

    static func periodogram() -> Figure {
        var rng = LCG(s: 2)
        let n = 100_000
        let f = (0..<n).map { 0.01 + Double($0) * (25 - 0.01) / Double(n - 1) }
        let f0 = 3.2
        let power = f.map { fr -> Double in
            var p = 0.02 * abs(rng.gauss())
            for (c, a, w) in [(f0, 0.85, 0.004), (f0 + 1.0027, 0.35, 0.004), (f0 - 1.0027, 0.3, 0.004), (2 * f0, 0.2, 0.004)] {
                p += a * exp(-0.5 * pow((fr - c) / w, 2))
            }
            return p
        }
        var fig = Figure(columns: 1, panelWidth: 900, panelHeight: 360)
        var p = Panel(title: "Lomb–Scargle periodogram, source 2135550755683407232 (100 000 frequencies)",
                      x: Axis("frequency (1/d)"), y: Axis("power"))
        p.add(x: f, y: power, label: "G", style: .line(width: 1))
        p.vLine(f0, label: "true f = 3.2 /d")
        p.hLine(0.1, label: "FAP = 0.1%")
        p.annotate(x: f0 + 1.0027, y: 0.35, "1-day alias")
        fig.add(p)
        var q = Panel(title: "same, log–log", x: Axis("frequency (1/d)", log: true), y: Axis("power", log: true))
        q.add(x: f, y: power.map { max($0, 1e-6) }, style: .line(width: 1))
        fig.add(q)
        return fig
    }

    static func lightCurve() -> Figure {
        var rng = LCG(s: 3)
        let period = 0.3125
        var t: [Double] = []
        var mag: [Double] = []
        var err: [Double] = []
        for _ in 0..<70 {
            let time = 1700 + rng.next() * 900
            let ph = (time / period).truncatingRemainder(dividingBy: 1)
            let e = 0.004 + 0.01 * rng.next()
            t.append(ph)
            mag.append(15.2 + 0.25 * sin(2 * .pi * ph) + 0.08 * sin(4 * .pi * ph + 1) + e * rng.gauss())
            err.append(e)
        }
        let phase = t + t.map { $0 + 1 }
        let model = stride(from: 0.0, through: 2.0, by: 0.005).map { ph in 15.2 + 0.25 * sin(2 * .pi * ph) + 0.08 * sin(4 * .pi * ph + 1) }
        var p = Panel(title: "Phase-folded G light curve, P = 0.3125 d", x: Axis("phase", range: 0...2), y: Axis("G (mag)", inverted: true))
        p.add(x: phase, y: mag + mag, yError: err + err, label: "G epoch photometry", style: .points(radius: 2.5))
        p.add(x: Array(stride(from: 0.0, through: 2.0, by: 0.005)), y: model, label: "2-harmonic fit", color: "#d62728", style: .line(width: 1.5))
        return Figure(columns: 1, panelWidth: 640, panelHeight: 400, panels: [.plot(p)])
    }

    static func correlation() -> Figure {
        var rng = LCG(s: 4)
        let theta = stride(from: 2.5, through: 177.5, by: 5.0).map { $0 }
        let model = theta.map { th -> Double in
            let x = (1 - cos(th * .pi / 180)) / 2
            return x > 0 ? 1.5 * x * log(x) - x / 4 + 0.5 : 0.5
        }
        let err = theta.map { _ in 0.04 + 0.03 * rng.next() }
        let data = zip(model, err).map { $0 + $1 * rng.gauss() }
        let fine = stride(from: 0.5, through: 180.0, by: 0.5).map { $0 }
        let fineModel = fine.map { th -> Double in
            let x = (1 - cos(th * .pi / 180)) / 2
            return 1.5 * x * log(x) - x / 4 + 0.5
        }
        var p = Panel(title: "Astrometric correlation vs angular separation", x: Axis("separation θ (deg)", range: 0...180),
                      y: Axis("correlation Γ(θ) (µas²)"))
        p.add(x: theta, y: data, yError: err, label: "binned data (36 bins)", style: .points(radius: 3))
        p.add(x: fine, y: fineModel, label: "Hellings–Downs model", color: "#d62728", style: .line(width: 1.5), dashed: true)
        p.hLine(0)
        return Figure(columns: 1, panelWidth: 640, panelHeight: 420, panels: [.plot(p)])
    }

    static func sky() -> Figure {
        var arrows: [(ra: Double, dec: Double, dRa: Double, dDec: Double)] = []
        // Glide towards (ra, dec) = (266°, −29°) plus a small rotation, on a ~equal-area grid.
        let g = unitVector(ra: 266.4, dec: -28.9)
        for dec in stride(from: -82.5, through: 82.5, by: 7.5) {
            let n = max(1, Int((48 * cos(dec * .pi / 180)).rounded()))
            for k in 0..<n {
                let ra = (Double(k) + 0.5) * 360 / Double(n)
                let a = ra * .pi / 180, d = dec * .pi / 180
                let east = (-sin(a), cos(a), 0.0)
                let north = (-sin(d) * cos(a), -sin(d) * sin(a), cos(d))
                let glide = 5.0
                let ge = glide * (g.0 * east.0 + g.1 * east.1 + g.2 * east.2)
                let gn = glide * (g.0 * north.0 + g.1 * north.1 + g.2 * north.2)
                let rot = 1.5 * cos(d)  // rotation about the z axis: eastward, ∝ cos δ
                arrows.append((ra, dec, ge + rot, gn))
            }
        }
        var s = SkyPanel(title: "Proper-motion field (glide 5 µas/yr + rotation), ICRS", arrows: arrows)
        s.points = [(266.4, -28.9)]
        return Figure(columns: 1, panelWidth: 800, panelHeight: 460, panels: [.sky(s)])
    }

    static func unitVector(ra: Double, dec: Double) -> (Double, Double, Double) {
        let a = ra * .pi / 180, d = dec * .pi / 180
        return (cos(d) * cos(a), cos(d) * sin(a), sin(d))
    }

    static func bars() -> Figure {
        let l = (1...12).map(Double.init)
        let power = [18.0, 6.5, 2.1, 1.2, 0.9, 0.7, 0.75, 0.6, 0.62, 0.55, 0.58, 0.5]
        var p = Panel(title: "VSH power per degree", x: Axis("degree l"), y: Axis("power (µas²/yr²)"))
        p.add(x: l, y: power, label: "E + B", style: .bars)
        p.hLine(0.8, label: "noise level")
        var q = Panel(title: "same, log scale", x: Axis("degree l"), y: Axis("power (µas²/yr²)", log: true))
        q.add(x: l, y: power, style: .bars)
        q.legend = false
        return Figure(columns: 2, panelWidth: 480, panelHeight: 360, panels: [.plot(p), .plot(q)])
    }

    /// Degenerate inputs: nothing to draw, one value, all NaN, huge and tiny numbers, odd text.
    static func edgeCases() -> Figure {
        var empty = Panel(title: "no data", x: Axis("x"), y: Axis("y"))
        empty.add(Series(x: [], y: [], label: "empty series"))
        var single = Panel(title: "one point, constant y", x: Axis("x"), y: Axis("y"))
        single.add(x: [42], y: [7], yError: [0.5], label: "single", style: .points(radius: 3))
        var nan = Panel(title: "all NaN <&> \"quoted\"", x: Axis("x"), y: Axis("y"))
        nan.add(x: [.nan, .nan], y: [1, 2], label: "NaN x")
        var big = Panel(title: "large and small numbers", x: Axis("distance (m)"), y: Axis("rate (1/s)"))
        big.add(x: [1e9, 2e9, 3e9, 4e9], y: [1e-7, 3e-7, 2e-7, 5e-7], label: "series", style: .lineAndPoints)
        var steps = Panel(title: "steps with a gap", x: Axis("bin"), y: Axis("count"))
        steps.add(x: (0..<20).map(Double.init), y: (0..<20).map { $0 == 10 ? .nan : Double(($0 * 7) % 11) }, label: "histogram", style: .steps)
        return Figure(columns: 3, panelWidth: 400, panelHeight: 300, title: "edge cases",
                      panels: [.plot(empty), .plot(single), .plot(nan), .plot(big), .plot(steps)])
    }

    /// Two filled maps: a dipole on ~1.8° cells (HEALPix level-5 sized) with an empty band
    /// (no data), and a signed pattern in the diverging colour map, centred on 180°.
    static func maps() -> Figure {
        func cellCentre(_ lon: Double, _ lat: Double) -> (Double, Double) {
            let band = (lat / 1.83).rounded(.down), b = (band + 0.5) * 1.83
            let w = 1.83 / max(0.05, cos(b * .pi / 180))
            return (((lon / w).rounded(.down) + 0.5) * w, b)
        }
        var dipole = MapPanel(title: "median parallax per pixel (dipole + noise; |b| < 8° empty)", unit: "parallax_median [mas]") { lon, lat in
            guard abs(lat) >= 8 else { return .nan }
            let (l, b) = cellCentre(lon, lat)
            return 0.02 * cos(b * .pi / 180) * cos((l - 60) * .pi / 180) + 0.004 * (noise(l, b) - 0.5) - 0.017
        }
        dipole.longitudeName = "l"
        dipole.latitudeName = "b"
        let signed = MapPanel(title: "sin 2α cos δ + 0.3 (centre 180°)", unit: "signed value", colormap: .coolwarm, centre: 180) { lon, lat in
            sin(2 * lon * .pi / 180) * cos(lat * .pi / 180) + 0.3
        }
        return Figure(columns: 1, panelWidth: 800, panelHeight: 480, panels: [.map(dipole), .map(signed)])
    }

    static var all: [(String, Figure)] {
        [("xp_spectra", xpSpectra()), ("periodogram", periodogram()), ("light_curve", lightCurve()),
         ("correlation", correlation()), ("sky_arrows", sky()), ("bars", bars()), ("edge_cases", edgeCases()),
         ("mollweide_maps", maps())]
    }
}

final class ExampleFigureTests: XCTestCase {
    func testExamplesRender() throws {
        let outDir = ProcessInfo.processInfo.environment["PLOT_EXAMPLES_DIR"]
        for (name, fig) in ExampleFigures.all {
            let svg = fig.svg()
            try assertWellFormed(svg, name)
            // Filled maps: ~0.55 MB per map at most (MapTests), against 1.5 MB for one.
            let limit = name.hasPrefix("mollweide") ? 1_500_000 : 600_000
            XCTAssertLessThan(svg.utf8.count, limit, "\(name): SVG too large (\(svg.utf8.count) bytes)")
            if let outDir {
                try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
                try fig.write(path: outDir + "/" + name + ".svg")
            }
        }
    }
}
