// PREFIX.svg of `astrometric-solution`: the distribution of √(χ²/dof) (the unit-weight error,
// ≈ 1 for a good model and correct errors) and of parallax/σ(parallax) with N(0, 1) for
// reference. The histograms are integer sums over ranks, so the figure does not depend on the
// number of ranks.
import Foundation
import Plot

enum AstrometrySolutionPlot {
    static func write(_ r: AstrometrySolutionResult, path: String) throws {
        let s = r.statistics
        var figure = Figure(columns: 2, panelWidth: 560, panelHeight: 360,
                            title: "GaiaMine astrometric-solution: \(r.options.input) — \(s.solved) sources, model \(r.options.model.rawValue)")
        let ux = (0..<Tally.uweBins).map { (Double($0) + 0.5) * Tally.uweWidth }
        var uwe = Panel(title: "unit-weight error √(χ²/(n_obs − p)) (last bin: ≥ \(Double(Tally.uweBins - 1) * Tally.uweWidth))",
                        x: Axis("√(χ²/dof)"), y: Axis("sources per bin", log: true))
        uwe.add(x: ux, y: s.uweHistogram.map(Double.init), label: "sources", color: "#444", style: .steps)
        uwe.vLines.append((x: 1, label: "1"))
        figure.add(uwe)
        let px = (0..<Tally.pullBins).map { Tally.pullLow + (Double($0) + 0.5) * Tally.pullWidth }
        let n = Double(s.parallaxHistogram.reduce(0, +))
        let gauss = px.map { x -> Double in
            let e = n * Tally.pullWidth * exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            return e >= 0.1 ? e : .nan
        }
        var pull = Panel(title: "parallax / parallax_error (end bins hold the tails)", x: Axis("ϖ/σϖ"), y: Axis("sources per bin", log: true))
        pull.add(x: px, y: s.parallaxHistogram.map(Double.init), label: "sources", color: "#444", style: .steps)
        pull.add(x: px, y: gauss, label: "N(0, 1)", color: "#c33", style: .line(width: 1.2))
        figure.add(pull)
        try figure.write(path: path)
    }
}
