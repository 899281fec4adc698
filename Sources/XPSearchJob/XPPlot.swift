// PREFIX.svg: each template (black) and its five best matches, BP and RP side by side, in
// coefficient space (coefficient k of the Hermite-function basis of De Angeli et al. 2023),
// normalised by the template's Euclidean norm; matches multiplied by their fitted scale.
import Foundation
import GaiaIO
import Plot
import XPSearch

enum XPPlot {
    static let shown = 5

    static func write(_ r: XPSearchResult, input: String, path: String) throws {
        let table = try GaiaTable(path: input, table: XPColumns.table)
        defer { try? table.close() }
        var figure = Figure(columns: 2, panelWidth: 560, panelHeight: 340,
                            title: "GaiaMine xp-search: templates and best matches (coefficients / |template|)")
        for (t, template) in r.templates.enumerated() {
            for b in Band.allCases {
                var panel = Panel(title: "\(template.name) — \(b.rawValue.uppercased())",
                                  x: Axis("coefficient index"), y: Axis("coefficient / |template|"))
                guard let tc = template[b]?.coefficients else {
                    panel.annotate(x: 27, y: 0, "template has no \(b.rawValue.uppercased()) spectrum")
                    panel.add(Series(y: [Double](repeating: 0, count: r.basisSizes[b] ?? xpCoefficientCount), style: .line(width: 0)))
                    figure.add(panel)
                    continue
                }
                let norm = max(sqrt(tc.reduce(0) { $0 + $1 * $1 }), .leastNormalMagnitude)
                panel.add(Series(y: tc.map { $0 / norm }, label: "template", color: "black", style: .line(width: 2.5)))
                for m in r.matches[t].prefix(shown) {
                    guard let row = try table.rowIndex(ofSourceID: m.sourceID) else { continue }
                    let c = try table.read(XPColumns.coefficients(b), rows: RowRange(start: row, count: 1), as: Double.self)
                    if c.contains(where: { $0.isNaN }) { continue }
                    panel.add(Series(y: c.map { $0 * m.scale / norm },
                                     label: String(format: "%lld χ²=%.4g", m.sourceID, m.chi2), style: .line(width: 1.2)))
                }
                figure.add(panel)
            }
        }
        try figure.write(path: path)
    }
}
