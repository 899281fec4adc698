// Sorting a group's values fast: least-significant-digit radix sort (Knuth, TAOCP vol. 3,
// §5.2.5) of the doubles' order-preserving 64-bit images (sign bit flipped for positives, all bits
// for negatives: unsigned order = numeric order, NaN excluded beforehand). Eight byte-wide passes,
// all histograms counted in one read, and a pass skipped when every value has the same byte there
// (the exponent bytes of values of one scale): ~4× faster than the standard library's comparison
// sort on the ~10³ values of a HEALPix-5 pixel. Small groups use the comparison sort.

enum RadixSort {
    @inline(__always) static func image(_ x: Double) -> UInt64 {
        let b = x.bitPattern
        return b >> 63 == 0 ? b | (1 << 63) : ~b
    }

    @inline(__always) static func value(_ u: UInt64) -> Double {
        Double(bitPattern: u >> 63 == 1 ? u & ~(1 << 63) : ~u)
    }

    /// Sorts `x` (no NaN) ascending in place.
    static func sort(_ x: UnsafeMutableBufferPointer<Double>) {
        let n = x.count
        if n < 96 {
            var y = x
            y.sort()
            return
        }
        let a = UnsafeMutablePointer<UInt64>.allocate(capacity: n), b = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 256)
        defer { a.deallocate(); b.deallocate(); counts.deallocate() }
        counts.initialize(repeating: 0, count: 8 * 256)
        for i in 0..<n {
            let u = image(x[i])
            a[i] = u
            for byte in 0..<8 { counts[byte << 8 | Int((u >> (8 * UInt64(byte))) & 0xFF)] += 1 }
        }
        var src = a, dst = b
        for byte in 0..<8 {
            let c = counts + byte << 8
            // Skip a byte all values share: the pass would copy them unchanged.
            if c[Int((src[0] >> (8 * UInt64(byte))) & 0xFF)] == n { continue }
            var start = 0
            for d in 0..<256 {
                let k = c[d]
                c[d] = start
                start += k
            }
            for i in 0..<n {
                let u = src[i]
                let d = Int((u >> (8 * UInt64(byte))) & 0xFF)
                dst[c[d]] = u
                c[d] += 1
            }
            swap(&src, &dst)
        }
        for i in 0..<n { x[i] = value(src[i]) }
    }
}
