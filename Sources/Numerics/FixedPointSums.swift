// Exact, order-independent sums of many entries (the plane-wave search's x and M over its whole
// grid) in fixed point: every added value is truncated toward zero to a multiple of 2^−64 — a
// function of the value alone — and the multiples are added as integers, which is associative. The total is
// therefore the same whichever rank added which value and in which order, and an
// MPI_Allreduce(SUM) of the integer words is exact as well.
//
// This is ExactSum's idea (Kulisch & Miranker 1981; Neal 2015, arXiv:1505.05571) with a fixed
// window instead of the full double range: three base-2^32 digits per entry (weights 2^−64, 2^−32,
// 2^0; the top digit signed) instead of 68, because the search's grid has ~10⁶ entries. The
// window suits the search's scale (templates O(1) per mas of amplitude, weights 1/σ² with σ in mas):
// a value must be below 2^50 in magnitude (else it is counted in `rejected` and not added), the
// total below 2^62; the caller checks `maxAbs` × additions against that. The resolution 2^−64
// ≈ 5·10⁻²⁰ is far below any sum of ≥ 1 transit with σ ≲ 10⁹ mas.
//
// Digits are carry-save: the two low digits receive less than 2^32 in magnitude per addition and are
// normalised (carries propagated, floor division) every 2^30 additions and before they are combined
// or read.

public struct FixedPointSums: Sendable, Equatable {
    public let count: Int
    /// Digits of weight 2^−64, 2^−32 (non-negative) and 2^0 (signed), entry by entry.
    public private(set) var low: [Int64]
    public private(set) var middle: [Int64]
    public private(set) var high: [Int64]
    /// Largest |value| added so far.
    public private(set) var maxAbs = 0.0
    /// Values not added because they were NaN, infinite or ≥ 2^50 in magnitude.
    public private(set) var rejected = 0
    private var pending = 0

    public static let limit = 0x1p50

    public init(count: Int) {
        self.count = count
        low = [Int64](repeating: 0, count: count)
        middle = low
        high = low
    }

    /// From digits (e.g. after an MPI reduction of each digit array).
    public init(low: [Int64], middle: [Int64], high: [Int64], maxAbs: Double = 0, rejected: Int = 0) {
        precondition(low.count == middle.count && middle.count == high.count)
        count = low.count
        self.low = low
        self.middle = middle
        self.high = high
        self.maxAbs = maxAbs
        self.rejected = rejected
        pending = 1 << 30  // unknown history: normalise before adding
    }

    /// Adds values[k] to entry offset + k (k = 0 ..< values.count).
    public mutating func add(_ values: UnsafeBufferPointer<Double>, at offset: Int) {
        precondition(offset >= 0 && offset + values.count <= count)
        if pending >= 1 << 30 { normalize() }
        pending += 1
        var big = SIMD8<Double>(repeating: 0)
        var bad = 0
        let n = values.count
        let limit = SIMD8<Double>(repeating: Self.limit)
        let src = UnsafeRawPointer(values.baseAddress!)
        low.withUnsafeMutableBytes { l in
            middle.withUnsafeMutableBytes { m in
                high.withUnsafeMutableBytes { h in
                    @inline(__always) func deposit(_ v0: SIMD8<Double>, at byte: Int) {
                        var v = v0
                        let a = v.replacing(with: -v, where: v .< 0)
                        let ok = a .< limit  // false for NaN
                        if !all(ok) {
                            for j in 0..<8 where !ok[j] { bad += 1 }
                            v = v.replacing(with: 0, where: .!ok)
                        }
                        let aa = a.replacing(with: 0, where: .!ok)
                        big = big.replacing(with: aa, where: aa .> big)
                        let (d0, d1, d2) = Self.digits(v)
                        l.storeBytes(of: l.loadUnaligned(fromByteOffset: byte, as: SIMD8<Int64>.self) &+ d0, toByteOffset: byte, as: SIMD8<Int64>.self)
                        m.storeBytes(of: m.loadUnaligned(fromByteOffset: byte, as: SIMD8<Int64>.self) &+ d1, toByteOffset: byte, as: SIMD8<Int64>.self)
                        h.storeBytes(of: h.loadUnaligned(fromByteOffset: byte, as: SIMD8<Int64>.self) &+ d2, toByteOffset: byte, as: SIMD8<Int64>.self)
                    }
                    var k = 0
                    while k + 8 <= n {
                        deposit(src.loadUnaligned(fromByteOffset: k * 8, as: SIMD8<Double>.self), at: (offset + k) * 8)
                        k += 8
                    }
                    while k < n {  // the tail, one value at a time (lanes 1…7 add zero to nothing)
                        var v = values[k]
                        if !(abs(v) < Self.limit) { bad += 1; v = 0 }
                        big[0] = max(big[0], abs(v))
                        let (d0, d1, d2) = Self.digits(SIMD8(repeating: v))
                        let byte = (offset + k) * 8
                        l.storeBytes(of: l.load(fromByteOffset: byte, as: Int64.self) &+ d0[0], toByteOffset: byte, as: Int64.self)
                        m.storeBytes(of: m.load(fromByteOffset: byte, as: Int64.self) &+ d1[0], toByteOffset: byte, as: Int64.self)
                        h.storeBytes(of: h.load(fromByteOffset: byte, as: Int64.self) &+ d2[0], toByteOffset: byte, as: Int64.self)
                        k += 1
                    }
                }
            }
        }
        maxAbs = max(maxAbs, big.max())
        rejected += bad
    }

    public mutating func add(_ values: [Double], at offset: Int) {
        values.withUnsafeBufferPointer { add($0, at: offset) }
    }

    /// |v| = d2 + d1·2^−32 + d0·2^−64 + (|v| mod 2^−64) with d2 = ⌊|v|⌋ and d1, d0 ∈ [0, 2^32), the
    /// digits negated for v < 0 (v is truncated toward zero to a multiple of 2^−64). Every step is
    /// exact in double precision for |v| < 2^50: the fractional part of a non-negative double is a
    /// double, and multiplying it by 2^32 is exact.
    @inline(__always)
    static func digits(_ v: SIMD8<Double>) -> (SIMD8<Int64>, SIMD8<Int64>, SIMD8<Int64>) {
        let negative = v .< 0
        let a = v.replacing(with: -v, where: negative)
        let f2 = a.rounded(.down)
        let r1 = (a - f2) * 0x1p32
        let f1 = r1.rounded(.down)
        let r0 = (r1 - f1) * 0x1p32
        let f0 = r0.rounded(.down)
        let neg = SIMD8<Int64>(repeating: 0).replacing(with: -1, where: negative)
        // Two's complement negation where negative: (d ^ −1) − (−1) = −d.
        return ((integer(f0) ^ neg) &- neg, (integer(f1) ^ neg) &- neg, (integer(f2) ^ neg) &- neg)
    }

    /// Integral doubles in [0, 2^51) to Int64 without a conversion instruction per lane: adding
    /// 1.5·2^52 puts the integer in the low mantissa bits (exact), subtracting the constant's
    /// bit pattern leaves it.
    @inline(__always)
    static func integer(_ f: SIMD8<Double>) -> SIMD8<Int64> {
        let magic = SIMD8<Double>(repeating: 0x1.8p52)
        return unsafeBitCast(f + magic, to: SIMD8<Int64>.self) &- unsafeBitCast(magic, to: SIMD8<Int64>.self)
    }

    /// Propagates carries: low and middle digits into [0, 2^32). The value is unchanged.
    public mutating func normalize() {
        for i in 0..<count {
            let c0 = low[i] >> 32  // arithmetic shift: floor division
            low[i] -= c0 << 32
            let m = middle[i] + c0
            let c1 = m >> 32
            middle[i] = m - (c1 << 32)
            high[i] += c1
        }
        pending = 0
    }

    /// Adds another accumulator exactly.
    public mutating func add(_ other: FixedPointSums) {
        precondition(other.count == count)
        var o = other
        o.normalize()
        normalize()
        for i in 0..<count {
            low[i] += o.low[i]
            middle[i] += o.middle[i]
            high[i] += o.high[i]
        }
        maxAbs = max(maxAbs, o.maxAbs)
        rejected += o.rejected
        pending = 1
    }

    /// The sums as doubles (deterministic functions of the exact fixed-point values; within an
    /// ulp of them).
    public func values() -> [Double] {
        var n = self
        n.normalize()
        return (0..<count).map { i in
            // Convert the magnitude (digits of −v renormalised for a negative v), so that a small
            // negative sum is not the difference of two numbers near 1.
            var (h, m, l) = (n.high[i], n.middle[i], n.low[i])
            let negative = h < 0
            if negative {
                (h, m, l) = (-h, -m, -l)
                let c0 = l >> 32
                l -= c0 << 32
                m += c0
                let c1 = m >> 32
                m -= c1 << 32
                h += c1
            }
            let magnitude = Double(h) + (Double(m) + Double(l) * 0x1p-32) * 0x1p-32
            return negative ? -magnitude : magnitude
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        var x = a, y = b
        x.normalize()
        y.normalize()
        return x.low == y.low && x.middle == y.middle && x.high == y.high
    }
}
