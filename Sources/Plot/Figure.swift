// A figure: panels laid out in a grid, written as one self-contained SVG file (no scripts, no
// external fonts or images), viewable in any browser and convertible with rsvg-convert.

import Foundation

public struct Figure {
    public var columns: Int
    public var panelWidth: Double
    public var panelHeight: Double
    /// Optional title above all panels.
    public var title: String?
    public var panels: [PanelKind]

    public init(columns: Int = 1, panelWidth: Double = 640, panelHeight: Double = 400, title: String? = nil,
                panels: [PanelKind] = []) {
        self.columns = max(1, columns)
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
        self.title = title
        self.panels = panels
    }

    public mutating func add(_ panel: Panel) { panels.append(.plot(panel)) }
    public mutating func add(_ sky: SkyPanel) { panels.append(.sky(sky)) }
    public mutating func add(_ map: MapPanel) { panels.append(.map(map)) }

    public var width: Double { Double(max(1, columns)) * panelWidth }
    public var height: Double {
        let rows = max(1, (panels.count + max(1, columns) - 1) / max(1, columns))
        return titleHeight + Double(rows) * panelHeight
    }
    private var titleHeight: Double { (title?.isEmpty ?? true) ? 0 : 34 }

    /// The figure as an SVG document.
    public func svg() -> String {
        var b = SVGBuilder()
        let w = SVG.num(width), h = SVG.num(height)
        b.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        b.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
            + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">")
        b.rect(0, 0, width, height, fill: "white")
        if let title, !title.isEmpty { b.text(title, width / 2, 24, size: 16, anchor: .middle, weight: "bold") }
        let cols = max(1, columns)
        for (i, p) in panels.enumerated() {
            let x = Double(i % cols) * panelWidth
            let y = titleHeight + Double(i / cols) * panelHeight
            switch p {
            case .plot(let panel):
                PanelRenderer.render(panel, x: x, y: y, width: panelWidth, height: panelHeight, id: "clip\(i)", into: &b)
            case .sky(let sky):
                SkyRenderer.render(sky, x: x, y: y, width: panelWidth, height: panelHeight, id: "clip\(i)", into: &b)
            case .map(let map):
                MapRenderer.render(map, x: x, y: y, width: panelWidth, height: panelHeight, id: "clip\(i)", into: &b)
            }
        }
        b.raw("</svg>")
        return b.out
    }

    /// Writes the SVG to `path` (via `path.partial`, renamed when complete).
    public func write(path: String) throws {
        let partial = path + ".partial"
        let url = URL(fileURLWithPath: partial)
        do {
            try Data(svg().utf8).write(to: url)
        } catch {
            unlink(partial)
            throw PlotError(message: "cannot write \(path): \(error.localizedDescription)")
        }
        if rename(partial, path) != 0 {
            let err = String(cString: strerror(errno))
            unlink(partial)
            throw PlotError(message: "cannot rename \(partial) to \(path): \(err)")
        }
    }
}

public struct PlotError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
