// Axis ticks: 1-2-5 steps on linear axes, decades (with 2 and 5 when the range is short) on log
// axes, and labels that show just the digits the step needs.

import Foundation

public enum Ticks {
    /// "Nice" tick values covering [lo, hi] with about `target` intervals: multiples of 1, 2 or 5
    /// × 10^k, all inside the range (with a tolerance of 1e-9 of the span). `minStep` keeps the
    /// step at or above a floor (1 for integer categories).
    public static func linear(_ lo: Double, _ hi: Double, target: Int = 6, minStep: Double = 0) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        let (a, b) = lo <= hi ? (lo, hi) : (hi, lo)
        let step = linearStep(a, b, target: target, minStep: minStep)
        guard step > 0 else { return [a] }
        let eps = (b - a) * 1e-9
        let first = (a / step - 1e-9).rounded(.up)
        let last = (b / step + 1e-9).rounded(.down)
        guard last >= first, last - first < 10_000 else { return [] }
        // i × m / 10^k rather than i × step: 15.1, not 15.100000000000001.
        let e = (log10(step) + 1e-9).rounded(.down)
        let m = (step / pow(10, e)).rounded()
        let exact = abs(m * pow(10, e) - step) <= step * 1e-12
        var out: [Double] = []
        var i = first
        while i <= last {
            var v = !exact ? i * step : (e < 0 ? (i * m) / pow(10, -e) : i * m * pow(10, e))
            if abs(v) < step * 1e-9 { v = 0 }
            if v >= a - eps && v <= b + eps { out.append(v) }
            i += 1
        }
        return out
    }

    /// The step `linear` uses.
    public static func linearStep(_ lo: Double, _ hi: Double, target: Int = 6, minStep: Double = 0) -> Double {
        let span = abs(hi - lo)
        guard span > 0, span.isFinite else { return 0 }
        let raw = span / Double(max(1, target))
        let mag = pow(10, (log10(raw)).rounded(.down))
        // The 1-2-5 step whose interval count is nearest the target (in ratio).
        var step = mag
        var bestScore = Double.infinity
        for m in [1.0, 2.0, 5.0, 10.0] {
            let score = abs(Foundation.log(span / (m * mag) / Double(max(1, target))))
            if score < bestScore - 1e-9 {
                bestScore = score
                step = m * mag
            }
        }
        if minStep > 0 && step < minStep { step = minStep }
        return step
    }

    /// Log-axis ticks for [lo, hi] (both > 0): majors at decades (every k-th decade when there are
    /// many), with 2 and 5 added when fewer than three decades show, minors at 2…9 × 10^k.
    /// Falls back to linear ticks when even 1-2-5 gives fewer than two majors.
    public static func log(_ lo: Double, _ hi: Double, target: Int = 6) -> (major: [Double], minor: [Double]) {
        guard lo > 0, hi > 0, lo.isFinite, hi.isFinite else { return ([], []) }
        let (a, b) = lo <= hi ? (lo, hi) : (hi, lo)
        let tol = 1e-9
        let d0 = Int((log10(a) - tol).rounded(.up)), d1 = Int((log10(b) + tol).rounded(.down))
        let decades = d1 - d0 + 1
        if decades >= 3 {
            let every = max(1, Int((Double(decades) / Double(max(1, target))).rounded(.up)))
            var major: [Double] = []
            var minor: [Double] = []
            var d = d0
            // Align multi-decade steps to multiples of `every` so 10⁰ shows when it can.
            while d <= d1 {
                if ((d % every) + every) % every == 0 { major.append(pow(10, Double(d))) }
                d += 1
            }
            if major.count < 2 { major = (d0...d1).map { pow(10, Double($0)) } }
            if every == 1 && decades <= 8 {
                for e in (d0 - 1)...d1 {
                    for m in 2...9 {
                        let v = Double(m) * pow(10, Double(e))
                        if v >= a * (1 - tol) && v <= b * (1 + tol) { minor.append(v) }
                    }
                }
            } else {
                for e in (d0 - 1)...(d1 + 1) {
                    let v = pow(10, Double(e))
                    if v >= a * (1 - tol) && v <= b * (1 + tol) && !major.contains(v) { minor.append(v) }
                }
            }
            return (major, minor)
        }
        var major: [Double] = []
        var minor: [Double] = []
        for e in (d0 - 1)...(d1 + 1) {
            let p = pow(10, Double(e))
            for m in 1...9 {
                let v = Double(m) * p
                guard v >= a * (1 - tol) && v <= b * (1 + tol) else { continue }
                if m == 1 || m == 2 || m == 5 { major.append(v) } else { minor.append(v) }
            }
        }
        if major.count < 2 {
            return (linear(a, b, target: max(2, min(target, 4))), minor)
        }
        return (major, minor)
    }

    /// Labels for linear ticks with the digits the step needs ("0.25", "1000", "2×10⁻⁵").
    public static func labels(_ ticks: [Double]) -> [String] {
        guard !ticks.isEmpty else { return [] }
        let step = ticks.count > 1 ? zip(ticks.dropFirst(), ticks).map { abs($0 - $1) }.min()! : max(abs(ticks[0]), 1)
        let big = ticks.map(abs).max()!
        guard step > 0 else { return ticks.map { format($0, decimals: 0) } }
        let stepExpExact = Int((log10(step) + 1e-9).rounded(.down))
        if big >= 1e6 || (big < 1e-3 && big > 0) {
            // Scientific: mantissa × 10^e per label, mantissa digits from the step.
            return ticks.map { v in
                if v == 0 { return "0" }
                let e = Int((log10(abs(v)) + 1e-9).rounded(.down))
                let m = v / pow(10, Double(e))
                let decimals = max(0, e - stepExpExact)
                let ms = format(m, decimals: min(decimals, 10))
                return ms == "1" ? "10" + SVG.superscript(e) : (ms == "-1" ? "−10" + SVG.superscript(e) : ms + "×10" + SVG.superscript(e))
            }
        }
        // Decimals for a 1-2-5 step; one more for steps like 0.25 (user ranges).
        var decimals = max(0, -stepExpExact)
        if decimals < 10, ticks.contains(where: { abs($0 - ($0 * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))) > step * 1e-6 }) {
            decimals += 1
        }
        return ticks.map { format($0, decimals: decimals) }
    }

    /// Labels for log-axis majors: plain numbers between 0.001 and 10⁴, powers of ten beyond.
    public static func logLabels(_ ticks: [Double]) -> [String] {
        guard let lo = ticks.min(), let hi = ticks.max() else { return [] }
        let plain = lo >= 1e-3 && hi <= 1e4
        return ticks.map { v in
            let e = log10(v)
            if plain {
                let decimals = max(0, -Int((e + 1e-9).rounded(.down)))
                return format(v, decimals: decimals)
            }
            let ei = Int(e.rounded())
            if abs(e - Double(ei)) < 1e-9 { return "10" + SVG.superscript(ei) }
            let k = Int((e + 1e-9).rounded(.down))
            return format(v / pow(10, Double(k)), decimals: 0) + "×10" + SVG.superscript(k)
        }
    }

    static func format(_ v: Double, decimals: Int) -> String {
        var s = String(format: "%.\(decimals)f", v)
        if s.hasPrefix("-") {
            if Double(s) == 0 { s.removeFirst() } else { s = "−" + s.dropFirst() }  // true minus sign
        }
        return s
    }
}
