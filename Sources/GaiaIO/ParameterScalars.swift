// How a ParameterFile reads scalar text: YAML nulls, exact integers (source_ids up to 2^63 − 1),
// numbers, booleans; how it writes numbers and strings back as YAML. Values are interpreted from the scalar's text, not YAML's typing.

import Foundation
import GaiaFormat
import Yams

extension ParameterFile {
    static func isNull(_ s: Node.Scalar) -> Bool {
        guard s.style == .plain || s.style == .any else { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL"
    }

    /// Decimal (optional sign, `_` separators allowed), hex `0x…`, or a number in exponent form
    /// whose value is a whole number (`1e6`), within Int64.
    static func parseInt64(_ text: String) -> Int64? {
        var t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        guard !t.isEmpty else { return nil }
        var negative = false
        if t.hasPrefix("+") || t.hasPrefix("-") {
            negative = t.hasPrefix("-")
            t.removeFirst()
        }
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            guard let m = UInt64(t.dropFirst(2), radix: 16) else { return nil }
            return negative ? (m <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- m) : nil) : (m <= UInt64(Int64.max) ? Int64(m) : nil)
        }
        if t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Int64((negative ? "-" : "") + t)
        }
        // Exponent form: exact only when the mantissa digits and exponent give a whole number.
        let parts = t.lowercased().split(separator: "e", omittingEmptySubsequences: false)
        guard parts.count == 2, let exp = Int(parts[1]), exp >= 0, exp <= 19 else { return nil }
        let mant = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard mant.count <= 2, !mant[0].isEmpty || (mant.count == 2 && !mant[1].isEmpty),
              mant.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        var frac = mant.count == 2 ? String(mant[1]) : ""
        while frac.hasSuffix("0") { frac.removeLast() }
        guard frac.count <= exp else { return nil }
        let digits = String(mant[0]) + frac + String(repeating: "0", count: exp - frac.count)
        return Int64((negative ? "-" : "") + (digits.isEmpty ? "0" : digits))
    }

    static func parseInt(_ text: String) -> Int? { parseInt64(text).flatMap { Int(exactly: $0) } }

    static func intDetail(_ text: String) -> String? {
        let t = text.replacingOccurrences(of: "_", with: "")
        if let d = Double(t), d.isFinite {
            if d.rounded() != d { return "not a whole number" }
            return "outside the 64-bit integer range"
        }
        return nil
    }

    /// Decimal or exponent numbers, `.inf`/`-.inf`/`.nan` (YAML) and `inf`/`nan`.
    static func parseDouble(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        switch t.lowercased() {
        case ".inf", "+.inf", "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-.inf", "-inf", "-infinity": return -.infinity
        case ".nan", "nan": return .nan
        default: break
        }
        // Swift's Double(String) also takes hex floats ("0x1p-3"); fine, but not words.
        guard let first = t.first, first.isNumber || first == "." || first == "-" || first == "+" else { return nil }
        return Double(t)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "y", "1": return true
        case "false", "no", "off", "n", "0": return false
        default: return nil
        }
    }

    /// A Double as YAML that both YAML 1.1 (PyYAML) and 1.2 read as the same float: shortest
    /// round-trip digits, always with a '.', exponent signed; `.inf`, `-.inf`, `.nan`.
    public static func yamlDouble(_ x: Double) -> String {
        if x.isNaN { return ".nan" }
        if x.isInfinite { return x < 0 ? "-.inf" : ".inf" }
        var s = x.description  // "1e-05", "1e+16", "0.1", "100.0"
        if let e = s.firstIndex(of: "e") {
            var mant = String(s[..<e])
            var exp = String(s[s.index(after: e)...])
            if !mant.contains(".") { mant += ".0" }
            if !exp.hasPrefix("-") && !exp.hasPrefix("+") { exp = "+" + exp }
            s = mant + "e" + exp
        } else if !s.contains(".") {
            s += ".0"
        }
        return s
    }

    public static func yamlString(_ s: String) -> String { ECSVWriter.yamlScalar(s) }

    static func kind(_ n: Node) -> String {
        switch n {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping (section)"
        case .sequence: return "a list"
        }
    }

    static func describe(_ error: YamlError) -> (Int?, String) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            var p = problem
            if let context { p += " (\(context.text) at line \(context.mark.line))" }
            return (mark.line, p)
        default:
            return (nil, "\(error)")
        }
    }
}
