// PREFIX.svg of `pairs`: how the separations of the pairs found compare with those of the
// shifted-copy pairs (chance alignments: El-Badry, Rix & Heintz 2021 Fig. 3 makes the same
// comparison), and Δµ against θ for a sample of pairs (bound pairs lie under the orbital-motion
// envelope Δµ ∝ θ^−1/2 of their eq. 3). Histograms are exact (counts summed over ranks); the
// scatter is up to `sampleRows` pairs found on each rank.
import Foundation
import GaiaIO
import MPI
import Plot

enum PairFigure {
    static let sampleRows = 4000
    static let binsPerDex = 10.0

    struct Histograms { var edges: [Double]; var pairs: [Double]; var shifted: [Double]? }

    /// Counts per bin of log10(sep), the same bins for both tables, on every rank.
    static func histograms(_ r: PairsResult, _ comm: Communicator) -> Histograms? {
        let tables = [r.pairs] + (r.shifted.map { [$0] } ?? [])
        let positive = tables.flatMap { $0.sep.filter { $0 > 0 } }
        let bounds = comm.allreduce([-(positive.min() ?? .infinity), positive.max() ?? -.infinity], .max)
        guard bounds[1].isFinite else { return nil }
        let lo = (log10(-bounds[0]) * binsPerDex).rounded(.down) / binsPerDex
        let hi = max((log10(bounds[1]) * binsPerDex).rounded(.up) / binsPerDex, lo + 1 / binsPerDex)
        let n = min(120, Int(((hi - lo) * binsPerDex).rounded()))
        let edges = (0...n).map { lo + Double($0) * (hi - lo) / Double(n) }
        func counts(_ t: PairTable) -> [Double] {
            var c = [Int](repeating: 0, count: n)
            for s in t.sep where s > 0 { c[min(n - 1, max(0, Int((log10(s) - lo) / (hi - lo) * Double(n))))] += 1 }
            return comm.allreduce(c, .sum).map(Double.init)
        }
        return Histograms(edges: edges, pairs: counts(r.pairs), shifted: r.shifted.map(counts))
    }

    /// (θ, Δµ) of the pairs each rank sampled (PairTable.sample), gathered on rank 0.
    static func sample(_ t: PairTable, _ comm: Communicator) -> (sep: [Double], dpm: [Double]) {
        (comm.gatherv(t.sample.sep), comm.gatherv(t.sample.dpm))
    }

    static func figure(_ r: PairsResult, histogram h: Histograms?, sample: (sep: [Double], dpm: [Double])) -> Figure? {
        guard let h else { return nil }
        let centres = zip(h.edges, h.edges.dropFirst()).map { pow(10, ($0 + $1) / 2) }
        var f = Figure(columns: 1, panelWidth: 760, panelHeight: 360,
                       title: "pairs of \(r.input), radius \(r.radiusText)" + (r.pairWhere.map { ", \($0.count > 80 ? String($0.prefix(77)) + "…" : $0)" } ?? ""))
        var p = Panel(title: "Separations: pairs found against the shifted copy (chance alignments)",
                      x: Axis("sep [arcsec]", log: true), y: Axis("pairs per 0.1 dex"))
        p.add(x: centres, y: h.pairs, label: "pairs (\(r.pairs.kept))", style: .steps)
        if let s = h.shifted, let t = r.shifted {
            p.add(x: centres, y: s, label: String(format: "shifted %.3g° (%d)", r.shiftDeg ?? 0, t.kept), style: .steps, dashed: true)
        }
        f.add(p)
        let keep = zip(sample.sep, sample.dpm).filter { $0.0 > 0 && $0.1 > 0 && $0.1.isFinite }
        if !keep.isEmpty {
            var q = Panel(title: "Proper-motion difference against separation (\(keep.count) pairs)",
                          x: Axis("sep [arcsec]", log: true), y: Axis("Δµ [mas/yr]", log: true), legend: false)
            q.add(x: keep.map(\.0), y: keep.map(\.1), label: "pairs", style: .points(radius: 1.5))
            f.add(q)
        }
        return f
    }
}
