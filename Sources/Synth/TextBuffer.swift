// A growable byte buffer with the number spellings of the Gaia DR3 bulk files.
//
// Gaia's files were written by Java (DPAC's software), and the numbers look exactly like Java's
// Double.toString / Float.toString: the shortest decimal that reads back to the same binary
// value, written
//   * plainly when 10^-3 ≤ |x| < 10^7, always with a fractional part: `2016.0`, `0.0137324175`;
//   * otherwise as d.ddd…E<exp>: one digit before the point, at least one after, an upper-case
//     `E`, a `-` only for negative exponents, no zero padding: `5.565606E-4`, `1.0E10`;
//   * `NaN` for not-a-number, `Infinity` / `-Infinity`.
// float32 columns use the shortest digits for the 32-bit value (Float.toString), float64 columns
// for the 64-bit value. The shortest digits come from Swift's own `description` (exact shortest
// round-trip, Steele–White/Grisu-free "SwiftDtoa"), only re-spelled here.
// (Java before JDK 19 occasionally printed one digit more than the shortest; Gaia's files may
// contain such values. Readers must not depend on either.)

public struct TextBuffer {
    public var bytes: [UInt8]

    public init(capacity: Int = 1 << 16) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always) public mutating func byte(_ b: UInt8) { bytes.append(b) }

    public mutating func ascii(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    // MARK: integers

    public mutating func int(_ v: Int64) {
        if v == 0 { bytes.append(UInt8(ascii: "0")); return }
        var x = v.magnitude
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { p in
            while x > 0 {
                p[n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(p[i]) }
        }
    }

    @inline(__always) public mutating func int(_ v: Int) { int(Int64(v)) }

    // MARK: floating point, Java style

    public mutating func float64(_ v: Double) {
        if v.isNaN { ascii("NaN"); return }
        if v.isInfinite { if v < 0 { ascii("-Infinity") } else { ascii("Infinity") }; return }
        var d = v.description
        d.withUTF8 { javaRespell($0, magnitude: v.magnitude) }
    }

    public mutating func float32(_ v: Float) {
        if v.isNaN { ascii("NaN"); return }
        if v.isInfinite { if v < 0 { ascii("-Infinity") } else { ascii("Infinity") }; return }
        var d = v.description
        d.withUTF8 { javaRespell($0, magnitude: Double(v.magnitude)) }
    }

    /// Re-spells Swift's shortest representation (`0.0005521873`, `1e+10`, `-2.3473627e-05`,
    /// `102.93398893929992`) the Java way.
    private mutating func javaRespell(_ s: UnsafeBufferPointer<UInt8>, magnitude: Double) {
        // Collect sign, significant digits and the decimal exponent of the first digit.
        var i = 0
        var negative = false
        if s[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 24 digit bytes
        var nd = 0
        var pointPos = -1  // number of integer-part digits seen (incl. leading zeros) before '.'
        var intDigits = 0
        var exp10 = 0
        var leadingZeros = 0  // zeros after the point before the first significant digit
        var seenSignificant = false
        withUnsafeMutableBytes(of: &digits) { dp in
            while i < s.count {
                let c = s[i]
                if c == UInt8(ascii: ".") {
                    pointPos = intDigits
                } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    i += 1
                    var eneg = false
                    if s[i] == UInt8(ascii: "-") { eneg = true; i += 1 } else if s[i] == UInt8(ascii: "+") { i += 1 }
                    var e = 0
                    while i < s.count { e = e * 10 + Int(s[i] - UInt8(ascii: "0")); i += 1 }
                    exp10 = eneg ? -e : e
                    break
                } else {
                    if pointPos < 0 { intDigits += 1 }
                    if c == UInt8(ascii: "0") && !seenSignificant {
                        if pointPos >= 0 { leadingZeros += 1 }
                    } else {
                        seenSignificant = true
                        if nd < 24 { dp[nd] = c; nd += 1 }
                    }
                }
                i += 1
            }
            // Trim trailing zeros of the significand ("100.0" → digits "1").
            while nd > 1 && dp[nd - 1] == UInt8(ascii: "0") { nd -= 1 }
            if nd == 0 {  // zero
                if negative { bytes.append(UInt8(ascii: "-")) }
                bytes.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "."), UInt8(ascii: "0")])
                return
            }
            // Decimal exponent of the first significant digit.
            // Integer part with significant digits: "102.9" → intDigits 3 (no leading zeros in Swift output).
            var e: Int
            let intPartIsZero = intDigits == 1 && s[negative ? 1 : 0] == UInt8(ascii: "0")
            if intPartIsZero {
                e = -(leadingZeros + 1)
            } else {
                e = intDigits - 1
            }
            e += exp10
            if negative { bytes.append(UInt8(ascii: "-")) }
            if magnitude >= 1e-3 && magnitude < 1e7 {
                if e < 0 {
                    bytes.append(UInt8(ascii: "0")); bytes.append(UInt8(ascii: "."))
                    for _ in 0..<(-e - 1) { bytes.append(UInt8(ascii: "0")) }
                    for k in 0..<nd { bytes.append(dp[k]) }
                } else {
                    for k in 0...e { bytes.append(k < nd ? dp[k] : UInt8(ascii: "0")) }
                    bytes.append(UInt8(ascii: "."))
                    if nd > e + 1 {
                        for k in (e + 1)..<nd { bytes.append(dp[k]) }
                    } else {
                        bytes.append(UInt8(ascii: "0"))
                    }
                }
            } else {
                bytes.append(dp[0])
                bytes.append(UInt8(ascii: "."))
                if nd > 1 {
                    for k in 1..<nd { bytes.append(dp[k]) }
                } else {
                    bytes.append(UInt8(ascii: "0"))
                }
                bytes.append(UInt8(ascii: "E"))
                int(Int64(e))
            }
        }
    }

    // MARK: arrays, the CDN way: "[a,b,c]" (CSV-quoted, no spaces)

    public mutating func float64Array(_ a: UnsafeBufferPointer<Double>) {
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: "["))
        for k in 0..<a.count {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            float64(a[k])
        }
        bytes.append(UInt8(ascii: "]")); bytes.append(UInt8(ascii: "\""))
    }

    public mutating func float64Array(_ a: [Double]) { a.withUnsafeBufferPointer { float64Array($0) } }

    /// Elements are rounded to float32 (the declared subtype) before spelling.
    public mutating func float32Array(_ a: UnsafeBufferPointer<Double>) {
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: "["))
        for k in 0..<a.count {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            float32(Float(a[k]))
        }
        bytes.append(UInt8(ascii: "]")); bytes.append(UInt8(ascii: "\""))
    }

    public mutating func float32Array(_ a: [Double]) { a.withUnsafeBufferPointer { float32Array($0) } }

    public mutating func float32Array(_ a: [Float]) {
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: "["))
        for k in 0..<a.count {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            float32(a[k])
        }
        bytes.append(UInt8(ascii: "]")); bytes.append(UInt8(ascii: "\""))
    }

    /// Integer arrays; `nil` elements are written `null`.
    public mutating func intArray(_ a: [Int64?]) {
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: "["))
        for k in 0..<a.count {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            if let v = a[k] { int(v) } else { ascii("null") }
        }
        bytes.append(UInt8(ascii: "]")); bytes.append(UInt8(ascii: "\""))
    }

    /// float64 arrays with missing elements (`nil` → `null`; NaN → `NaN`).
    public mutating func float64Array(_ a: [Double?]) {
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: "["))
        for k in 0..<a.count {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            if let v = a[k] { float64(v) } else { ascii("null") }
        }
        bytes.append(UInt8(ascii: "]")); bytes.append(UInt8(ascii: "\""))
    }

    /// Boolean arrays as JSON strings inside a CSV-quoted cell: `"[""False"",""True""]"`.
    public mutating func boolArray(_ a: [Bool]) {
        bytes.append(UInt8(ascii: "\"")); bytes.append(UInt8(ascii: "["))
        for k in 0..<a.count {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            if a[k] { ascii("\"\"True\"\"") } else { ascii("\"\"False\"\"") }
        }
        bytes.append(UInt8(ascii: "]")); bytes.append(UInt8(ascii: "\""))
    }

    public mutating func null() { ascii("null") }
    public mutating func comma() { bytes.append(UInt8(ascii: ",")) }
    public mutating func newline() { bytes.append(UInt8(ascii: "\n")) }
}

/// The Java spellings as Strings (for tests and headers).
public enum GaiaNumber {
    public static func float64(_ v: Double) -> String {
        var b = TextBuffer(capacity: 32)
        b.float64(v)
        return String(decoding: b.bytes, as: UTF8.self)
    }

    public static func float32(_ v: Float) -> String {
        var b = TextBuffer(capacity: 32)
        b.float32(v)
        return String(decoding: b.bytes, as: UTF8.self)
    }
}
