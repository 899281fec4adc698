// A tiny deterministic JSON writer for the truth files (keys in the order given, numbers as
// shortest round-trip decimals, two-space indentation).

public indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func int(_ v: Int) -> JSONValue { .int(Int64(v)) }
    public static func doubles(_ v: [Double]) -> JSONValue { .array(v.map { .double($0) }) }
    public static func ints(_ v: [Int64]) -> JSONValue { .array(v.map { .int($0) }) }

    public func render() -> String {
        var out = ""
        write(into: &out, indent: 0)
        out += "\n"
        return out
    }

    private func write(into out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let v): out += String(v)
        case .uint(let v): out += String(v)
        case .double(let v):
            if v.isFinite {
                // Swift's shortest round-trip text is valid JSON except for a missing fraction or
                // an exponent like "1e+16" (valid) — both fine; integers keep ".0".
                out += v.description
            } else {
                out += "null"
            }
        case .string(let s): out += JSONValue.quote(s)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            // Arrays of scalars on one line, arrays of containers one per line.
            let scalars = a.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if scalars {
                out += "["
                for (k, v) in a.enumerated() {
                    if k > 0 { out += ", " }
                    v.write(into: &out, indent: indent)
                }
                out += "]"
            } else {
                out += "[\n"
                for (k, v) in a.enumerated() {
                    out += String(repeating: " ", count: indent + 2)
                    v.write(into: &out, indent: indent + 2)
                    out += k + 1 < a.count ? ",\n" : "\n"
                }
                out += String(repeating: " ", count: indent) + "]"
            }
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{\n"
            for (k, (key, v)) in o.enumerated() {
                out += String(repeating: " ", count: indent + 2) + JSONValue.quote(key) + ": "
                v.write(into: &out, indent: indent + 2)
                out += k + 1 < o.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
