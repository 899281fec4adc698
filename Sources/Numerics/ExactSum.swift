// Exact, order-independent sums of doubles: a vector of long fixed-point accumulators (Kulisch &
// Miranker 1981, "Computer Arithmetic in Theory and Practice"; the "large superaccumulator" of
// Neal 2015, arXiv:1505.05571). A sum does not depend on the order of its terms, so reductions
// over MPI ranks (GaiaIO's MPIReduction: normalise, pack the digits in use, MPI_Allreduce of
// Int64) give bit-identical results for any number of ranks and any order of completion.
//
// Representation of entry e: value = Σ_k digit[e][k] · 2^(32k − 1088), Int64 digits holding 32
// bits plus carry headroom. 2^−1088 is below the smallest subnormal (2^−1074); `digits` = 70
// digits reach 2^1152, above the largest double times 2^64 terms. A term touches three digits,
// each by less than 2^32, so 2^30 additions fit before carries must be propagated (done
// automatically). Canonical form (`normalize`): digits 0…68 in [0, 2^32), the top digit signed.
// A non-finite term poisons its entry only (its value becomes NaN); the count of such terms is
// kept per entry and travels with the packed digits.
// `value(e)` is the correctly rounded (to nearest, ties to even) double of the exact sum for
// normal results.

public struct ExactSum: Sendable, Equatable {
    /// Digits per entry.
    public static let digits = 70
    static let offset = 1088
    static let digitMask: Int64 = 0xFFFF_FFFF

    /// Number of entries.
    public let count: Int
    /// count × digits, entry-major.
    private var digit: [Int64]
    /// Non-finite terms added to each entry.
    private var nonFinite: [Int64]
    /// Additions since the last normalisation (per entry at most this many).
    private var pending = 0

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        digit = [Int64](repeating: 0, count: count * Self.digits)
        nonFinite = [Int64](repeating: 0, count: count)
    }

    /// From `packed(digits:)` output (possibly summed over ranks): per entry, the digits
    /// `digits` followed by the non-finite count.
    public init(count: Int, digits range: Range<Int>, packed: [Int64]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= Self.digits, "ExactSum: digit range \(range) out of 0..<\(Self.digits)")
        precondition(packed.count == count * (range.count + 1), "ExactSum: \(packed.count) packed values, expected \(count * (range.count + 1))")
        self.init(count: count)
        let w = range.count + 1
        for e in 0..<count {
            for (j, k) in range.enumerated() { digit[e * Self.digits + k] = packed[e * w + j] }
            nonFinite[e] = packed[e * w + range.count]
        }
        pending = 1 << 29  // sums of several normalised accumulators: normalise early
        normalize()
    }

    public static func == (a: ExactSum, b: ExactSum) -> Bool {
        guard a.count == b.count else { return false }
        var x = a, y = b
        x.normalize(); y.normalize()
        return x.digit == y.digit && x.nonFinite == y.nonFinite
    }

    /// Adds x exactly to entry e.
    public mutating func add(_ x: Double, to e: Int) {
        guard x.isFinite else { nonFinite[e] += 1; return }
        if x == 0 { return }
        if pending >= 1 << 30 { normalize() }
        pending += 1
        let bits = x.significandBitPattern
        let be = Int(x.exponentBitPattern)
        let m: UInt64 = be == 0 ? bits : bits | (1 << 52)
        let exponent = be == 0 ? -1074 : be - 1075  // |x| = m · 2^exponent
        let position = exponent + Self.offset
        let k = e * Self.digits + (position >> 5), s = UInt64(position & 31)
        let lo = (m & 0xFFFF_FFFF) << s  // < 2^64
        let hi = (m >> 32) << s          // < 2^53
        let d0 = Int64(lo & 0xFFFF_FFFF)
        let d1 = Int64(lo >> 32) + Int64(hi & 0xFFFF_FFFF)
        let d2 = Int64(hi >> 32)
        if x < 0 {
            digit[k] -= d0; digit[k + 1] -= d1; digit[k + 2] -= d2
        } else {
            digit[k] += d0; digit[k + 1] += d1; digit[k + 2] += d2
        }
    }

    /// Adds every value of `values` exactly to entry e: the same as `add(_:to:)` per value, in one
    /// loop over raw pointers (the per-group moments of Aggregates add millions of terms; a call
    /// per term across modules cost more than the arithmetic). `transform` maps each value to the
    /// term added (e.g. a power of its deviation from the mean).
    public mutating func add(_ values: UnsafeBufferPointer<Double>, to e: Int, _ transform: (Double) -> Double = { $0 }) {
        var start = 0
        while start < values.count {
            if pending >= 1 << 30 { normalize() }
            let n = Swift.min(values.count - start, (1 << 30) - pending)
            var bad: Int64 = 0
            digit.withUnsafeMutableBufferPointer { dg in
                let base = e * Self.digits
                for i in start..<start + n {
                    let x = transform(values[i])
                    guard x.isFinite else { bad += 1; continue }
                    if x == 0 { continue }
                    let bits = x.significandBitPattern
                    let be = Int(x.exponentBitPattern)
                    let m: UInt64 = be == 0 ? bits : bits | (1 << 52)
                    let position = (be == 0 ? -1074 : be - 1075) + Self.offset
                    let k = base + (position >> 5), s = UInt64(position & 31)
                    let lo = (m & 0xFFFF_FFFF) << s, hi = (m >> 32) << s
                    let d0 = Int64(lo & 0xFFFF_FFFF), d1 = Int64(lo >> 32) + Int64(hi & 0xFFFF_FFFF), d2 = Int64(hi >> 32)
                    if x < 0 {
                        dg[k] -= d0; dg[k + 1] -= d1; dg[k + 2] -= d2
                    } else {
                        dg[k] += d0; dg[k + 1] += d1; dg[k + 2] += d2
                    }
                }
            }
            nonFinite[e] += bad
            pending += n
            start += n
        }
    }

    /// Adds v[e] to entry e for every entry (v.count == count).
    public mutating func add(_ v: [Double]) {
        precondition(v.count == count, "ExactSum.add: \(v.count) values for \(count) entries")
        if pending >= 1 << 30 { normalize() }
        for (e, x) in v.enumerated() {
            add(x, to: e)
            pending -= 1
        }
        pending += 1
    }

    /// Adds another accumulator of the same shape, exactly.
    public mutating func add(_ o: ExactSum) {
        precondition(o.count == count, "ExactSum.add: \(o.count) entries added to \(count)")
        var b = o
        b.normalize()
        normalize()
        for i in digit.indices { digit[i] += b.digit[i] }
        for e in 0..<count { nonFinite[e] += b.nonFinite[e] }
        pending = 2
    }

    /// Propagates carries: digits 0…68 of every entry into [0, 2^32), the top one signed.
    public mutating func normalize() {
        for e in 0..<count {
            var carry: Int64 = 0
            let base = e * Self.digits
            for k in 0..<(Self.digits - 1) {
                let v = digit[base + k] + carry
                carry = v >> 32  // floor division by 2^32 (arithmetic shift)
                digit[base + k] = v & Self.digitMask
            }
            digit[base + Self.digits - 1] += carry
        }
        pending = 0
    }

    /// Digit indices holding a non-zero digit in some entry (call on a normalised accumulator);
    /// empty if every entry is zero.
    public func occupiedDigits() -> Range<Int> {
        var lo = Self.digits, hi = 0
        for e in 0..<count {
            for k in 0..<Self.digits where digit[e * Self.digits + k] != 0 {
                lo = min(lo, k)
                hi = max(hi, k + 1)
            }
        }
        return lo < hi ? lo..<hi : 0..<0
    }

    /// Per entry: the digits in `range` then the non-finite count (count × (range.count + 1)).
    /// Every non-zero digit must lie in `range` (normalise first, then use occupiedDigits()).
    public func packed(digits range: Range<Int>) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count * (range.count + 1))
        for e in 0..<count {
            for k in 0..<Self.digits where !range.contains(k) {
                precondition(digit[e * Self.digits + k] == 0, "ExactSum.packed: digit \(k) of entry \(e) is outside \(range)")
            }
            for k in range { out.append(digit[e * Self.digits + k]) }
            out.append(nonFinite[e])
        }
        return out
    }

    /// Entry e, correctly rounded to a double (NaN if a non-finite term was added to it).
    public func value(_ e: Int) -> Double {
        if nonFinite[e] != 0 { return .nan }
        var d = Array(digit[(e * Self.digits)..<((e + 1) * Self.digits)])
        Self.normalize(&d)
        var negative = false
        if d[Self.digits - 1] < 0 {
            negative = true
            for k in d.indices { d[k] = -d[k] }
            Self.normalize(&d)
        }
        guard let h = d.lastIndex(where: { $0 != 0 }) else { return 0 }
        let top = UInt64(d[h])
        precondition(top < 1 << 32, "ExactSum: top digit out of range")
        let length = 64 - top.leadingZeroBitCount  // 1…32
        let l = UInt64(length)
        let mid: UInt64 = h >= 1 ? UInt64(d[h - 1]) : 0
        let low: UInt64 = h >= 2 ? UInt64(d[h - 2]) : 0
        // The 64 most significant bits: top (length bits), mid (32 bits), the high 32 − length of low.
        var window = (top << (64 - l)) | (mid << (32 - l))
        if length < 32 { window |= low >> l }
        var sticky = (low & ((1 << l) - 1)) != 0
        if h >= 3 && !sticky { sticky = d[0..<(h - 2)].contains { $0 != 0 } }
        if sticky { window |= 1 }  // 11 guard bits below the double's 53: correct rounding
        // window = |value| · 2^−(32(h−2) + length − 1088)
        let magnitude = Double(sign: .plus, exponent: 32 * (h - 2) + length - Self.offset, significand: Double(window))
        return negative ? -magnitude : magnitude
    }

    /// All entries, correctly rounded.
    public func values() -> [Double] { (0..<count).map { value($0) } }

    private static func normalize(_ d: inout [Int64]) {
        var carry: Int64 = 0
        for k in 0..<(d.count - 1) {
            let v = d[k] + carry
            carry = v >> 32
            d[k] = v & digitMask
        }
        d[d.count - 1] += carry
    }
}
