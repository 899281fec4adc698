// PREFIX.svg of the all-pairs correlation: the binned parallel and perpendicular correlations
// with their errors against separation, the fitted astrometric Hellings–Downs curve A·H(Θ) and,
// dashed, the curve at the upper limit; below, the normalised residuals of the fit.
import Foundation
import GWAstrometry
import Plot

enum CorrelationPlot {
    static func write(_ r: CorrelationResult, path: String) throws {
        let f = r.fit
        let scatter = r.options.errors == .scatter
        let bins = r.bins
        let centres = bins.map { ($0.thetaMinDeg + $0.thetaMaxDeg) / 2 }
        // Slight horizontal offsets so the two components' error bars do not overlap.
        let shift = bins.isEmpty ? 0 : 0.12 * (bins[0].thetaMaxDeg - bins[0].thetaMinDeg)
        var figure = Figure(columns: 1, panelWidth: 820, panelHeight: 430,
                            title: "GaiaMine gw-correlation: \(r.statistics.sources) sources, \(r.statistics.pairsTotal) pairs")
        var top = Panel(title: String(format: "Binned correlations, fit A·H(Θ): A = %.3g ± %.3g µas²/yr²; %g%% upper limit %.3g",
                                      f.amplitude, f.amplitudeError, 100 * r.options.confidence, r.upperLimit),
                        x: Axis("separation Θ (deg)", range: r.options.thetaMinDeg...r.options.thetaMaxDeg),
                        y: Axis("correlation (µas²/yr²)"))
        top.add(x: centres.map { $0 - shift }, y: bins.map(\.parallel),
                yError: bins.map { scatter ? $0.parallelError : $0.modelError }, label: "∥ (along the great circle)",
                color: "#1f4e9c", style: .points(radius: 3))
        top.add(x: centres.map { $0 + shift }, y: bins.map(\.perpendicular),
                yError: bins.map { scatter ? $0.perpendicularError : $0.modelError }, label: "⊥ (across)",
                color: "#d62728", style: .points(radius: 3))
        let fine = stride(from: r.options.thetaMinDeg, through: r.options.thetaMaxDeg, by: (r.options.thetaMaxDeg - r.options.thetaMinDeg) / 360).map { $0 }
        let h = fine.map { HellingsDowns.value(thetaRad: $0 * Double.pi / 180) }
        if f.amplitude.isFinite {
            top.add(x: fine, y: h.map { $0 * f.amplitude }, label: "fit A·H(Θ)", color: "black", style: .line(width: 1.8))
        }
        if r.upperLimit.isFinite {
            top.add(x: fine, y: h.map { $0 * r.upperLimit }, label: "upper limit", color: "#555555", style: .line(width: 1.2), dashed: true)
        }
        top.hLine(0)
        figure.add(top)
        var bottom = Panel(title: "Normalised residuals (data − fit) / error",
                           x: Axis("separation Θ (deg)", range: r.options.thetaMinDeg...r.options.thetaMaxDeg), y: Axis("residual / σ"))
        func pull(_ y: Double, _ e: Double, _ b: BinnedCorrelation) -> Double {
            let model = f.amplitude * HellingsDowns.binAverage(loDeg: b.thetaMinDeg, hiDeg: b.thetaMaxDeg)
            return (y - model) / e
        }
        bottom.add(x: centres.map { $0 - shift }, y: bins.map { pull($0.parallel, scatter ? $0.parallelError : $0.modelError, $0) },
                   label: "∥", color: "#1f4e9c", style: .points(radius: 3))
        bottom.add(x: centres.map { $0 + shift }, y: bins.map { pull($0.perpendicular, scatter ? $0.perpendicularError : $0.modelError, $0) },
                   label: "⊥", color: "#d62728", style: .points(radius: 3))
        bottom.hLine(0)
        bottom.hLine(2, label: "±2σ")
        bottom.hLine(-2)
        figure.add(bottom)
        try figure.write(path: path)
    }
}
