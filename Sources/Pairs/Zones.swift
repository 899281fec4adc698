// Declination zones (Gray, Nieto-Santisteban & Szalay 2006, "The Zones Algorithm for Finding
// Points-Near-a-Point or Cross-Matching Spatial Datasets", MSR-TR-2006-52, §2): the sky cut into
// bands of equal declination height h, zone = ⌊(δ + 90°)/h⌋, each band sorted by ra. A search
// within radius r of (α, δ) visits the zones meeting [δ − r, δ + r] and, in each, the ra window
// α ± Δα with sin Δα = sin r / cos δ (their Eq. for "alpha"), wrapping at 0/360; when the pole
// is inside the circle (cos δ ≤ sin r) or Δα ≥ 180° the whole zone.

/// The layout of the zones: height, count, and the zone of a declination.
@usableFromInline struct ZoneGrid {
    @usableFromInline let heightDeg: Double
    @usableFromInline let count: Int

    /// At most 2^20 zones (h ≥ 0.62″: the sort key packs the zone in 20 bits), and at most
    /// max(16, 4n) so that the zone table never outgrows the points.
    static let maxZones = 1 << 20

    /// `heightArcsec` as asked, or more when the limits above require it.
    init(heightArcsec: Double, pointCount: Int) {
        precondition(heightArcsec.isFinite && heightArcsec > 0, "SkyIndex: zone height must be > 0")
        let zones = min(ZoneGrid.maxZones, max(16, 4 * pointCount))
        let minDeg = 180.0 / Double(zones) * (1 + 1e-12)
        heightDeg = min(max(heightArcsec / 3600, minDeg), 180)
        count = max(1, Int((180 / heightDeg).rounded(.up)))
    }

    @inlinable @inline(__always) func zone(decDeg: Double) -> Int {
        let z = Int(((decDeg + 90) / heightDeg).rounded(.down))
        return z < 0 ? 0 : (z >= count ? count - 1 : z)
    }
}

/// Coordinates of a set of unit vectors in the zone order: the permutation sorting them by
/// (zone, ra, index), and their ra and dec (degrees) in that order.
struct ZoneOrder {
    var perm: [Int32]
    var ra: [Double]
    var dec: [Double]
    /// zoneStart[k] ..< zoneStart[k + 1]: the positions of zone k.
    var zoneStart: [Int]

    /// Sort key of 44 bits (four radix passes): the zone in the top bits, ra quantised below
    /// (≥ 24 bits: monotone in ra, ties only closer than 360°/2^24 ≈ 0.08″, which the insertion
    /// pass after the radix sort puts in exact (ra, index) order).
    static let keyBits = 44

    init(_ points: SkyPoints, grid: ZoneGrid) {
        let n = points.count
        precondition(n < Int(Int32.max), "SkyIndex: too many points for Int32 indices")
        var raOf = [Double](repeating: 0, count: n), decOf = [Double](repeating: 0, count: n)
        var key = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: grid.count + 1)
        let zoneBits = UInt64(Int.bitWidth - (grid.count - 1).leadingZeroBitCount)
        let raBits = UInt64(ZoneOrder.keyBits) - zoneBits
        let scale = Double(1 << raBits) / 360, maxQ = UInt64(1 << raBits) - 1
        points.x.withUnsafeBufferPointer { X in points.y.withUnsafeBufferPointer { Y in
        points.z.withUnsafeBufferPointer { Z in
            for i in 0..<n {
                let (r, d) = SkyPoints.raDec(x: X[i], y: Y[i], z: Z[i])
                raOf[i] = r; decOf[i] = d
                let k = grid.zone(decDeg: d)
                counts[k + 1] += 1
                key[i] = UInt64(k) << raBits | min(UInt64(r * scale), maxQ)
            }
        } } }
        for k in 0..<grid.count { counts[k + 1] += counts[k] }
        zoneStart = counts
        var (sortedKey, p) = RadixSort.sort(key, bits: ZoneOrder.keyBits)
        var r = p.map { raOf[Int($0)] }, d = p.map { decOf[Int($0)] }
        // Exact (ra, index) order among quantisation ties (adjacent, same zone): insertion steps
        // over the sorted arrays (nearly always none).
        sortedKey.withUnsafeMutableBufferPointer { K in p.withUnsafeMutableBufferPointer { P in
        r.withUnsafeMutableBufferPointer { R in d.withUnsafeMutableBufferPointer { D in
            for s in stride(from: 1, to: n, by: 1) {
                let zv = K[s] >> raBits, rv = R[s]
                if K[s - 1] >> raBits != zv || R[s - 1] < rv || (R[s - 1] == rv && P[s - 1] < P[s]) { continue }
                let pv = P[s], dv = D[s], kv = K[s]
                var j = s
                while j > 0 && K[j - 1] >> raBits == zv && (R[j - 1] > rv || (R[j - 1] == rv && P[j - 1] > pv)) {
                    K[j] = K[j - 1]; P[j] = P[j - 1]; R[j] = R[j - 1]; D[j] = D[j - 1]; j -= 1
                }
                K[j] = kv; P[j] = pv; R[j] = rv; D[j] = dv
            }
        } } } }
        perm = p; ra = r; dec = d
    }
}

/// LSD radix sort of keys below 2^bits, 11 bits per pass (2048 buckets: the scatter stays in cache) (passes whose digit is the same for every
/// key are skipped): the sorted keys and the permutation that sorts them, stable.
enum RadixSort {
    static func sort(_ keys: [UInt64], bits: Int) -> (keys: [UInt64], perm: [Int32]) {
        let n = keys.count
        var k0 = keys, k1 = [UInt64](repeating: 0, count: n)
        var p0 = (0..<Int32(n)).map { $0 }, p1 = [Int32](repeating: 0, count: n)
        var count = [Int](repeating: 0, count: 1 << 11)
        for shift in stride(from: UInt64(0), to: UInt64(bits), by: 11) {
            for i in 0..<count.count { count[i] = 0 }
            for v in k0 { count[Int((v >> shift) & 0x7FF)] += 1 }
            if count.contains(n) { continue }
            var sum = 0
            for i in 0..<count.count { let c = count[i]; count[i] = sum; sum += c }
            k0.withUnsafeBufferPointer { K0 in k1.withUnsafeMutableBufferPointer { K1 in
            p0.withUnsafeBufferPointer { P0 in p1.withUnsafeMutableBufferPointer { P1 in
            count.withUnsafeMutableBufferPointer { C in
                for i in 0..<n {
                    let v = K0[i], d = Int((v >> shift) & 0x7FF)
                    let o = C[d]; C[d] = o + 1
                    K1[o] = v; P1[o] = P0[i]
                }
            } } } } }
            swap(&k0, &k1); swap(&p0, &p1)
        }
        return (k0, p0)
    }
}
