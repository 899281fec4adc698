// What a figure is made of: axes, data series, panels (x–y plots and all-sky maps), figures.
// Plain values (MapPanel in MapPanel.swift); rendering is in PanelRenderer / SkyRenderer / MapRenderer.

/// One axis of a panel.
public struct Axis {
    public var label: String
    /// Fixed range; nil: from the data (finite values only, with a small margin).
    public var range: ClosedRange<Double>?
    public var log: Bool
    /// Larger values toward the origin (magnitudes: bright at the top).
    public var inverted: Bool

    public init(_ label: String = "", range: ClosedRange<Double>? = nil, log: Bool = false, inverted: Bool = false) {
        self.label = label
        self.range = range
        self.log = log
        self.inverted = inverted
    }

    public init(label: String, range: ClosedRange<Double>? = nil, log: Bool = false, inverted: Bool = false) {
        self.init(label, range: range, log: log, inverted: inverted)
    }
}

/// One data series. Points where x or y is NaN/±inf (or ≤ 0 on a log axis) are skipped; a line
/// is broken there.
public struct Series {
    public enum Style {
        /// Straight segments; long series are decimated to per-pixel min/max (peaks survive).
        case line(width: Double)
        /// Filled circles.
        case points(radius: Double)
        /// Line (1.5 px) with circles (radius 2.5) at the data points.
        case lineAndPoints
        /// Histogram-like steps centred on the x values.
        case steps
        /// Vertical bars from zero (or the bottom of a log axis), width from the x spacing.
        case bars
    }

    public var x: [Double]
    public var y: [Double]
    /// Symmetric 1σ errors drawn as vertical bars with caps.
    public var yError: [Double]?
    /// Shown in the legend; series without a label are not listed.
    public var label: String?
    /// Any SVG colour; nil: the next colour of `defaultPalette`.
    public var color: String?
    public var style: Style
    public var dashed: Bool

    public init(x: [Double], y: [Double], yError: [Double]? = nil, label: String? = nil, color: String? = nil,
                style: Style = .line(width: 1.5), dashed: Bool = false) {
        self.x = x
        self.y = y
        self.yError = yError
        self.label = label
        self.color = color
        self.style = style
        self.dashed = dashed
    }

    /// y against its index 0, 1, 2, … (XP coefficient spectra).
    public init(y: [Double], yError: [Double]? = nil, label: String? = nil, color: String? = nil,
                style: Style = .lineAndPoints, dashed: Bool = false) {
        self.init(x: y.indices.map(Double.init), y: y, yError: yError, label: label, color: color, style: style, dashed: dashed)
    }
}

/// An x–y plot.
public struct Panel {
    public var title: String
    public var x: Axis
    public var y: Axis
    public var series: [Series]
    /// Horizontal reference lines (dashed), with an optional label at their right end.
    public var hLines: [(y: Double, label: String?)]
    /// Vertical reference lines (dashed), with an optional label at their top.
    public var vLines: [(x: Double, label: String?)]
    /// Text at data coordinates (a small dot marks the point).
    public var annotations: [(x: Double, y: Double, text: String)]
    /// Draw a legend of the labelled series (placed in the emptiest corner).
    public var legend: Bool

    public init(title: String = "", x: Axis = Axis(), y: Axis = Axis(), series: [Series] = [], legend: Bool = true) {
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.hLines = []
        self.vLines = []
        self.annotations = []
        self.legend = legend
    }

    public mutating func add(_ s: Series) { series.append(s) }

    public mutating func add(x: [Double], y: [Double], yError: [Double]? = nil, label: String? = nil, color: String? = nil,
                             style: Series.Style = .line(width: 1.5), dashed: Bool = false) {
        series.append(Series(x: x, y: y, yError: yError, label: label, color: color, style: style, dashed: dashed))
    }

    public mutating func hLine(_ y: Double, label: String? = nil) { hLines.append((y, label)) }
    public mutating func vLine(_ x: Double, label: String? = nil) { vLines.append((x, label)) }
    public mutating func annotate(x: Double, y: Double, _ text: String) { annotations.append((x, y, text)) }
}

/// An all-sky map in the Hammer–Aitoff projection (equal area), with a 30° graticule; longitude
/// increases to the left (east left, as on the sky).
public struct SkyPanel {
    public var title: String
    /// Vectors on the sky at (ra, dec) in degrees; (dRa, dDec) in the data's unit (µas/yr…):
    /// dRa is the east component (µα* = µα cos δ), dDec the north one.
    public var arrows: [(ra: Double, dec: Double, dRa: Double, dDec: Double)]
    /// Markers at (ra, dec) in degrees.
    public var points: [(ra: Double, dec: Double)]
    /// Arrow length in pixels per data unit; nil: so that the 90th-percentile vector is ~3.5% of the map width.
    public var arrowScale: Double?
    /// Unit named by the key arrow ("µas/yr").
    public var arrowUnit: String
    public var arrowColor: String
    public var pointColor: String
    public var pointRadius: Double
    /// Longitude at the centre of the map, degrees.
    public var centre: Double
    /// Longitude symbol for the graticule labels ("α" for RA; "l" for Galactic).
    public var longitudeName: String
    public var latitudeName: String

    public init(title: String = "", arrows: [(ra: Double, dec: Double, dRa: Double, dDec: Double)] = [],
                points: [(ra: Double, dec: Double)] = [], arrowScale: Double? = nil, arrowUnit: String = "µas/yr",
                centre: Double = 0) {
        self.title = title
        self.arrows = arrows
        self.points = points
        self.arrowScale = arrowScale
        self.arrowUnit = arrowUnit
        self.arrowColor = "#1f4e9c"
        self.pointColor = "#d62728"
        self.pointRadius = 2
        self.centre = centre
        self.longitudeName = "α"
        self.latitudeName = "δ"
    }
}

public enum PanelKind {
    case plot(Panel)
    case sky(SkyPanel)
    /// A filled Mollweide map with a colour bar.
    case map(MapPanel)
}
