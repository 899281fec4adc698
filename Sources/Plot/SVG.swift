// Text-level helpers for writing SVG: XML escaping, compact coordinates, and text width
// estimates (there is no font engine here; widths are estimated for DejaVu Sans / Helvetica,
// which is enough to keep labels from overlapping).

import Foundation

enum SVG {
    /// `s` as XML character data or attribute value: `& < > " '` as entities; characters XML 1.0
    /// cannot hold (C0 controls other than tab, U+FFFE, U+FFFF) dropped; line breaks become spaces
    /// (SVG text is one line).
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\r", "\u{2028}", "\u{2029}": out += " "
            case "\t": out += " "
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF || (u.value >= 0x7F && u.value < 0xA0) { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals, no trailing zeros ("12", "12.5", "-0.25").
    static func num(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 100).rounded()
        if abs(r) >= 1e15 { return String(Int64(x.rounded())) }
        let i = Int64(r)
        if i == 0 { return "0" }
        let neg = i < 0
        let a = neg ? -i : i
        let whole = a / 100, frac = a % 100
        var s = neg ? "-" : ""
        s += String(whole)
        if frac != 0 {
            s += frac % 10 == 0 ? "." + String(frac / 10) : (frac < 10 ? ".0" + String(frac) : "." + String(frac))
        }
        return s
    }

    /// Estimated rendered width of `s` at `size` px.
    static func textWidth(_ s: String, size: Double) -> Double {
        var w = 0.0
        for u in s.unicodeScalars {
            switch u {
            case "i", "j", "l", ".", ",", ":", ";", "'", "|", "!", "I": w += 0.30
            case "f", "t", "r", "(", ")", "[", "]", " ", "-", "/": w += 0.40
            case "0"..."9", "+", "=", "<", ">", "−", "×", "µ", "°": w += 0.64
            case "m", "w", "M", "W", "@": w += 0.92
            case "A"..."Z": w += 0.70
            case "\u{2070}"..."\u{209F}", "\u{00B2}", "\u{00B3}", "\u{00B9}": w += 0.40  // superscripts
            default: w += u.value >= 0x2E80 ? 1.0 : 0.60  // CJK full width
            }
        }
        return w * size
    }

    /// Superscript digits and minus, for "10⁻³" and "×10⁶" labels.
    static func superscript(_ n: Int) -> String {
        let map: [Character: String] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                                        "8": "⁸", "9": "⁹", "-": "⁻"]
        return String(n).map { map[$0] ?? String($0) }.joined()
    }
}

/// Accumulates SVG elements.
struct SVGBuilder {
    var out = ""

    mutating func raw(_ s: String) { out += s; out += "\n" }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil, extra: String = "") {
        out += "<line x1=\"\(SVG.num(x1))\" y1=\"\(SVG.num(y1))\" x2=\"\(SVG.num(x2))\" y2=\"\(SVG.num(y2))\" stroke=\"\(stroke)\""
        if width != 1 { out += " stroke-width=\"\(SVG.num(width))\"" }
        if let dash { out += " stroke-dasharray=\"\(dash)\"" }
        if !extra.isEmpty { out += " " + extra }
        out += "/>\n"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, extra: String = "") {
        out += "<rect x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\" width=\"\(SVG.num(max(0, w)))\" height=\"\(SVG.num(max(0, h)))\" fill=\"\(fill)\""
        if let stroke { out += " stroke=\"\(stroke)\"" }
        if !extra.isEmpty { out += " " + extra }
        out += "/>\n"
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start,
                       weight: String? = nil, fill: String = "#222", rotate: Double? = nil, extra: String = "") {
        out += "<text x=\"\(SVG.num(x))\" y=\"\(SVG.num(y))\""
        if size != 12 { out += " font-size=\"\(SVG.num(size))\"" }
        if anchor != .start { out += " text-anchor=\"\(anchor.rawValue)\"" }
        if let weight { out += " font-weight=\"\(weight)\"" }
        if fill != "#222" { out += " fill=\"\(fill)\"" }
        if let rotate { out += " transform=\"rotate(\(SVG.num(rotate)) \(SVG.num(x)) \(SVG.num(y)))\"" }
        if !extra.isEmpty { out += " " + extra }
        out += ">" + SVG.escape(s) + "</text>\n"
    }

    mutating func path(_ d: String, stroke: String?, width: Double = 1, fill: String = "none", extra: String = "") {
        guard !d.isEmpty else { return }
        out += "<path d=\"\(d)\" fill=\"\(fill)\""
        if let stroke { out += " stroke=\"\(stroke)\""; if width != 1 { out += " stroke-width=\"\(SVG.num(width))\"" } }
        if !extra.isEmpty { out += " " + extra }
        out += "/>\n"
    }
}

/// Default colour cycle (matplotlib's tab10: distinguishable, colour-blind tolerable).
public let defaultPalette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                             "#bcbd22", "#17becf"]
