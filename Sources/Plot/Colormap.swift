// Colour maps for filled maps: a value t ∈ [0, 1] → sRGB colour, by linear interpolation in sRGB
// between equally spaced anchors (as matplotlib's LinearSegmentedColormap does). Tables in
// ColormapTables.swift.

import Foundation

public struct Colormap {
    public var name: String
    /// sRGB components in [0, 1], anchor k at t = k / (count − 1).
    public var anchors: [(r: Double, g: Double, b: Double)]
    /// A diverging map (its middle colour means zero): automatic colour ranges are made
    /// symmetric about zero.
    public var diverging: Bool

    /// At least two anchors; components are clamped to [0, 1] when used.
    public init(name: String, anchors: [(r: Double, g: Double, b: Double)], diverging: Bool = false) {
        precondition(anchors.count >= 2, "a colour map needs at least two anchors")
        self.name = name
        self.anchors = anchors
        self.diverging = diverging
    }

    /// matplotlib's default sequential map (monotone lightness): for magnitudes, counts, medians.
    public static let viridis = Colormap(name: "viridis", anchors: viridisAnchors.map { (r: $0.0, g: $0.1, b: $0.2) })
    /// Moreland's diverging blue–white–red map: for signed quantities centred on zero.
    public static let coolwarm = Colormap(name: "coolwarm", anchors: coolwarmAnchors.map { (r: $0.0, g: $0.1, b: $0.2) },
                                          diverging: true)

    /// Colour at `t`, clamped to [0, 1] (NaN → 0).
    public func rgb(_ t: Double) -> (r: Double, g: Double, b: Double) {
        let u = t.isNaN ? 0 : min(max(t, 0), 1)
        let f = u * Double(anchors.count - 1)
        let i = min(Int(f), anchors.count - 2)
        let w = f - Double(i)
        let a = anchors[i], c = anchors[i + 1]
        func mix(_ x: Double, _ y: Double) -> Double { min(max(x + w * (y - x), 0), 1) }
        return (mix(a.r, c.r), mix(a.g, c.g), mix(a.b, c.b))
    }

    /// `rgb(t)` as "#rrggbb" (components rounded to 8 bits).
    public func hex(_ t: Double) -> String { Colormap.hex(rgb(t)) }

    static func hex(_ c: (r: Double, g: Double, b: Double)) -> String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for v in [c.r, c.g, c.b] {
            let k = Int((min(max(v, 0), 1) * 255).rounded())
            s.append(digits[k >> 4])
            s.append(digits[k & 15])
        }
        return s
    }
}
