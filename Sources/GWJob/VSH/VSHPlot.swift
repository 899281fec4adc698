// PREFIX.svg of `gw-vsh`: (1) the fitted VSH field, (2) the observed proper motions averaged in
// ≈ 230 equal-area cells (inverse-variance weights, clipped sources left out), both on
// Hammer–Aitoff maps in equatorial coordinates; (3) the per-degree toroidal and spheroidal power
// with its noise bias; (4) the distribution of the normalised residuals X against the χ(2 dof)
// expectation, with the clipping limit κ·median(X).
//
// The cell sums and the histogram are exact sums over ranks (ExactSum), so the figure, like
// the numbers, does not depend on the number of ranks.
import Foundation
import GWAstrometry
import Numerics
import Plot

public enum VSHPlot {
    /// One sky cell: centre (deg), weighted mean proper motion (µas/yr), number of sources.
    public struct Cell {
        public var raDeg: Double, decDeg: Double
        public var pmra: Double, pmdec: Double
        public var count: Int
    }

    /// Cells: 12 bands equal in sin δ, each cut into round(24 cos δ_mid) equal ranges of α.
    static let bands = 12
    static func cellsPerBand(_ k: Int) -> Int {
        let mid = asin(-1 + (2 * Double(k) + 1) / Double(bands))
        return max(3, Int((24 * cos(mid)).rounded()))
    }
    static var bandOffsets: [Int] {
        var o = [0]
        for k in 0..<bands { o.append(o.last! + cellsPerBand(k)) }
        return o
    }

    static func cell(raRad a: Double, decRad d: Double, offsets: [Int]) -> Int {
        let k = min(bands - 1, max(0, Int((sin(d) + 1) / 2 * Double(bands))))
        let n = cellsPerBand(k)
        var f = a / (2 * .pi)
        f -= f.rounded(.down)
        return offsets[k] + min(n - 1, Int(f * Double(n)))
    }

    /// Weighted mean proper motions per cell over all ranks (unclipped sources).
    static func binnedField(blocks: [ProperMotionBlock], clipped: [[Bool]], reduction: ExactReduction) -> [Cell] {
        let offsets = bandOffsets
        let cells = offsets.last!
        var sums = ExactSum(count: 5 * cells)
        for (b, block) in blocks.enumerated() {
            let d = block.data
            for i in 0..<d.count where !clipped[b][i] {
                let c = cell(raRad: d.ra[i], decRad: d.dec[i], offsets: offsets)
                let wa = 1 / (d.pmraError[i] * d.pmraError[i]), wd = 1 / (d.pmdecError[i] * d.pmdecError[i])
                sums.add(wa * d.pmra[i], to: 5 * c)
                sums.add(wa, to: 5 * c + 1)
                sums.add(wd * d.pmdec[i], to: 5 * c + 2)
                sums.add(wd, to: 5 * c + 3)
                sums.add(1, to: 5 * c + 4)
            }
        }
        let v = reduction.sum(sums).values()
        var out: [Cell] = []
        for k in 0..<bands {
            let n = cellsPerBand(k)
            let dec = asin(-1 + (2 * Double(k) + 1) / Double(bands)) * 180 / .pi
            for j in 0..<n {
                let c = offsets[k] + j
                guard v[5 * c + 4] > 0 else { continue }
                out.append(Cell(raDeg: (Double(j) + 0.5) * 360 / Double(n), decDeg: dec, pmra: v[5 * c] / v[5 * c + 1],
                                pmdec: v[5 * c + 2] / v[5 * c + 3], count: Int(v[5 * c + 4])))
            }
        }
        return out
    }

    /// Histogram of X in bins of 0.25 up to 15 (the last bin holds everything beyond), all ranks.
    static let histogramWidth = 0.25, histogramBins = 60
    static func histogram(_ outcome: VSHFitOutcome, reduction: ExactReduction) -> [Int] {
        var h = [Int](repeating: 0, count: histogramBins)
        for xb in outcome.normalisedResidual {
            for x in xb { h[min(histogramBins - 1, max(0, Int(x / histogramWidth)))] += 1 }
        }
        return reduction.sum(h)
    }

    static func write(_ r: VSHJobResult, path: String) throws {
        let histogram = r.histogram
        let sol = r.solution
        var figure = Figure(columns: 2, panelWidth: 620, panelHeight: 380,
                            title: "GaiaMine gw-vsh: \(r.options.input) — \(r.outcome.solution.sources) sources, lmax \(sol.layout.lmax)")
        // (1) fitted field on the cell centres.
        var basis = VSHBasis(lmax: sol.layout.lmax)
        var arrows: [(ra: Double, dec: Double, dRa: Double, dDec: Double)] = []
        for k in 0..<bands {
            let n = cellsPerBand(k)
            let dec = asin(-1 + (2 * Double(k) + 1) / Double(bands)) * 180 / .pi
            for j in 0..<n {
                let ra = (Double(j) + 0.5) * 360 / Double(n)
                let f = basis.field(coefficients: sol.coefficients, raRad: ra * .pi / 180, decRad: dec * .pi / 180)
                arrows.append((ra, dec, f.0, f.1))
            }
        }
        figure.add(SkyPanel(title: "fitted VSH field, degrees 1–\(sol.layout.lmax) (µas/yr)", arrows: arrows, centre: 180))
        // (2) binned data.
        let data = r.binned.map { (ra: $0.raDeg, dec: $0.decDeg, dRa: $0.pmra, dDec: $0.pmdec) }
        figure.add(SkyPanel(title: "observed proper motions, weighted cell means (µas/yr)", arrows: data, centre: 180))
        // (3) power spectrum.
        var power = Panel(title: "power per degree: P_l = Σ_m |c_lm|² (points) and noise bias (dashed)",
                          x: Axis("degree l", range: 0.5...(Double(sol.layout.lmax) + 0.5)), y: Axis("(µas/yr)²", log: true))
        for (kind, color, label) in [(VSHKind.toroidal, "#1f4e9c", "toroidal P^T (rotation-like)"),
                                     (VSHKind.spheroidal, "#d62728", "spheroidal P^S (glide-like)")] {
            let p = r.powers.filter { $0.kind == kind }
            let shift = kind == .toroidal ? -0.08 : 0.08
            power.add(x: p.map { Double($0.l) + shift }, y: p.map(\.power), yError: p.map(\.error), label: label, color: color,
                      style: .points(radius: 3.5))
            power.add(x: p.map { Double($0.l) }, y: p.map(\.noiseBias), label: nil, color: color, style: .line(width: 1), dashed: true)
        }
        if let q = r.omegaQuadrupole {
            power.annotate(x: 2, y: max(r.powers.filter { $0.l == 2 }.map(\.power).max() ?? 1, 1e-12),
                           String(format: "Ω_GW < %.3g (95%%, l = 2, H0 = %g)", q.upperLimit, r.options.h0))
        }
        figure.add(power)
        // (4) residual distribution.
        let n = Double(histogram.reduce(0, +))
        let xs = (0..<histogramBins).map { (Double($0) + 0.5) * histogramWidth }
        var hist = Panel(title: "normalised residuals X = (rᵀC⁻¹r)^½ (last bin: X ≥ 15)", x: Axis("X"), y: Axis("sources per bin", log: true))
        hist.add(x: xs, y: histogram.map(Double.init), label: "all sources", color: "#444", style: .steps)
        // χ with 2 dof: density x e^{−x²/2}, scaled by the sources and the median ratio.
        let scale = r.outcome.medianX / (2 * log(2.0)).squareRoot()
        let expect = xs.map { x -> Double in
            let u = x / scale
            let e = n * histogramWidth / scale * u * exp(-u * u / 2)
            return e >= 0.1 ? e : .nan  // below a tenth of a source per bin: not drawn
        }
        hist.add(x: xs, y: expect, label: "χ (2 dof) × median/1.177", color: "#2ca02c", style: .line(width: 1.5))
        if r.options.fit.kappa > 0 { hist.vLine(r.options.fit.kappa * r.outcome.medianX, label: "κ·median") }
        figure.add(hist)
        try figure.write(path: path)
    }
}
