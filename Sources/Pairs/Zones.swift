// Declination zones (Gray, Nieto-Santisteban & Szalay 2006, "The Zones Algorithm for Finding
// Points-Near-a-Point or Cross-Matching Spatial Datasets", MSR-TR-2006-52, §2): the sky cut into
// bands of equal declination height h, zone = ⌊(δ + 90°)/h⌋, each band sorted by ra. A search
// within radius r of (α, δ) visits the zones meeting [δ − r, δ + r] and, in each, the ra window
// α ± Δα with sin Δα = sin r / cos δ (their Eq. for "alpha"), wrapping at 0/360; when the pole
// is inside the circle (cos δ ≤ sin r) the whole zone. Here ra is carried as a pseudo-angle of
// (x, y) (PseudoAngle, SkyIndex.swift): the same order as ra, without an atan2 per point.
import Foundation

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

/// A set of unit vectors in the zone order: the permutation sorting them by (zone, ra, index),
/// and in that order their (pseudo-angle of ra, x, y, z) entries and declinations (degrees).
struct ZoneOrder {
    var perm: [Int32]
    var entries: [SkyIndex.Entry]
    var dec: [Double]
    /// zoneStart[k] ..< zoneStart[k + 1]: the positions of zone k.
    var zoneStart: [Int]

    /// Sort key: the zone in the top bits, ra (its pseudo-angle in [0, 4]) quantised below to at
    /// least 18 bits (≤ 10″ steps) when key and point index fit one 64-bit word that way (RadixSort
    /// packs them), the total rounded up to whole radix passes; fewer ra bits otherwise (≥ 13: 2^20 zones, 2^31 points). Monotone
    /// in ra; the ties (points closer in ra than the step, in one zone) are put in exact
    /// (ra, index) order afterwards.
    static func keyLayout(zoneCount: Int, pointCount: Int) -> (keyBits: Int, raBits: Int) {
        let zoneBits = max(1, Int.bitWidth - (zoneCount - 1).leadingZeroBitCount)
        let indexBits = max(1, Int.bitWidth - pointCount.leadingZeroBitCount)
        let d = RadixSort.digitBits
        let keyBits = min((zoneBits + 18 + d - 1) / d * d, 64 - indexBits)
        return (keyBits, keyBits - zoneBits)
    }

    init(_ points: SkyPoints, decDeg: [Double]? = nil, grid: ZoneGrid) {
        let n = points.count
        precondition(n < Int(Int32.max), "SkyIndex: too many points for Int32 indices")
        // Entries in input order first (sequential writes), gathered once after the sort.
        // Arrays written in full by the loops that make them (unsafeUninitializedCapacity: no
        // zero-filling pass over ~100 bytes per point first; the element types are trivial).
        var counts = [Int](repeating: 0, count: grid.count + 1)
        let (keyBits, raBitsInt) = ZoneOrder.keyLayout(zoneCount: grid.count, pointCount: n)
        let raBits = UInt64(raBitsInt)
        let scale = Double(1 << raBits) / 4, maxQ = UInt64(1 << raBits) - 1
        var decOf: [Double] = [], key: [UInt64] = []
        let unsorted = [SkyIndex.Entry](unsafeUninitializedCapacity: n) { U, uCount in
        decOf = [Double](unsafeUninitializedCapacity: n) { D, dCount in
        key = [UInt64](unsafeUninitializedCapacity: n) { K, kCount in
        counts.withUnsafeMutableBufferPointer { C in
        points.x.withUnsafeBufferPointer { X in points.y.withUnsafeBufferPointer { Y in
        points.z.withUnsafeBufferPointer { Z in (decDeg ?? []).withUnsafeBufferPointer { G in
            let given = decDeg != nil
            for i in 0..<n {
                let x = X[i], y = Y[i], z = Z[i]
                let r = PseudoAngle.of(x, y)
                let d = given ? G[i] : atan2(z, (x * x + y * y).squareRoot()) * (180 / Double.pi)
                U[i] = SkyIndex.Entry(angle: r, x: x, y: y, z: z); D[i] = d
                let k = grid.zone(decDeg: d)
                C[k + 1] += 1
                K[i] = UInt64(k) << raBits | min(UInt64(r * scale), maxQ)
            }
        } } } } }
            kCount = n }
            dCount = n }
            uCount = n }
        for k in 0..<grid.count { counts[k + 1] += counts[k] }
        zoneStart = counts
        let packed = RadixSort.sortPacked(key, bits: keyBits)
        key = []
        let indexBits = UInt64(RadixSort.indexBits(n))
        let low = (UInt64(1) << indexBits) - 1
        // Gathered in key order (the index in the low bits of each packed word), then the runs of
        // equal keys (same zone, ra within one step) put in exact (ra, index) order in place:
        // insertion sort on the gathered arrays (runs are short; a dense cluster of identical
        // positions still sorts in n log n below).
        var p: [Int32] = [], d: [Double] = []
        let ent = [SkyIndex.Entry](unsafeUninitializedCapacity: n) { EN, eCount in
        p = [Int32](unsafeUninitializedCapacity: n) { P, pCount in
        d = [Double](unsafeUninitializedCapacity: n) { DS, dCount in
        packed.withUnsafeBufferPointer { K in unsorted.withUnsafeBufferPointer { U in
        decOf.withUnsafeBufferPointer { D in
            for k in 0..<n {
                let i = Int(K[k] & low)
                P[k] = Int32(truncatingIfNeeded: i); EN[k] = U[i]; DS[k] = D[i]
            }
            var a = 0
            while a < n {
                let ka = K[a] >> indexBits
                var b = a + 1
                while b < n && K[b] >> indexBits == ka { b += 1 }
                if b - a > 1 { ZoneOrder.sortRun(a, b, P, EN, DS) }
                a = b
            }
        } } }
            dCount = n }
            pCount = n }
            eCount = n }
        perm = p
        entries = ent
        dec = d
    }

    /// Positions a..<b of (perm, entries, dec) sorted by (ra pseudo-angle, index): insertion sort
    /// for short runs, a sorted permutation for long ones.
    static func sortRun(_ a: Int, _ b: Int, _ P: UnsafeMutableBufferPointer<Int32>,
                        _ E: UnsafeMutableBufferPointer<SkyIndex.Entry>, _ D: UnsafeMutableBufferPointer<Double>) {
        @inline(__always) func less(_ e: SkyIndex.Entry, _ p: Int32, _ f: SkyIndex.Entry, _ q: Int32) -> Bool {
            e.angle < f.angle || (e.angle == f.angle && p < q)
        }
        if b - a <= 32 {
            for i in (a + 1)..<b {
                let e = E[i], p = P[i], dd = D[i]
                var j = i
                while j > a && less(e, p, E[j - 1], P[j - 1]) {
                    E[j] = E[j - 1]; P[j] = P[j - 1]; D[j] = D[j - 1]; j -= 1
                }
                E[j] = e; P[j] = p; D[j] = dd
            }
            return
        }
        let order = (a..<b).sorted { less(E[$0], P[$0], E[$1], P[$1]) }
        let e0 = order.map { E[$0] }, p0 = order.map { P[$0] }, d0 = order.map { D[$0] }
        for o in 0..<(b - a) { E[a + o] = e0[o]; P[a + o] = p0[o]; D[a + o] = d0[o] }
    }
}

/// LSD radix sort of keys below 2^bits, 11 bits per pass (2048 buckets: the scatter stays in
/// cache), all histograms from one read. Key and index are packed into one UInt64 when they fit
/// (one 8-byte scatter stream instead of two), the index in the low bits, which also keeps equal
/// keys in index order. Returns the sorted keys and the permutation that sorts them (stable).
enum RadixSort {
    static let digitBits = 11

    static func sort(_ keys: [UInt64], bits: Int) -> (keys: [UInt64], perm: [Int32]) {
        let a = sortPacked(keys, bits: bits)
        let indexBits = RadixSort.indexBits(keys.count)
        let low = (UInt64(1) << UInt64(indexBits)) - 1
        return (a.map { $0 >> UInt64(indexBits) }, a.map { Int32(truncatingIfNeeded: $0 & low) })
    }

    /// Bits of the point index in a packed word.
    static func indexBits(_ n: Int) -> Int { max(1, Int.bitWidth - n.leadingZeroBitCount) }

    /// The sort itself: key << indexBits | index, sorted (the index in the low indexBits(n) bits).
    static func sortPacked(_ keys: [UInt64], bits: Int) -> [UInt64] {
        let n = keys.count
        let indexBits = RadixSort.indexBits(n)
        precondition(bits + indexBits <= 64, "RadixSort: key and index do not fit 64 bits")
        let passes = (bits + digitBits - 1) / digitBits
        let mask = UInt64((1 << digitBits) - 1)
        var hist = [Int](repeating: 0, count: passes << digitBits)
        // Both buffers written in full before they are read (no zero-filling first): a by the
        // loop below, b by each scatter pass.
        var a = [UInt64](unsafeUninitializedCapacity: n) { A, aCount in
            keys.withUnsafeBufferPointer { K in hist.withUnsafeMutableBufferPointer { H in
                for i in 0..<n {
                    let k = K[i]
                    A[i] = k << UInt64(indexBits) | UInt64(i)
                    for p in 0..<passes { H[p << digitBits + Int((k >> UInt64(p * digitBits)) & mask)] += 1 }
                }
            } }
            aCount = n
        }
        var b = [UInt64](unsafeUninitializedCapacity: n) { _, bCount in bCount = n }
        for p in 0..<passes {
            let base = p << digitBits
            if hist[base..<base + (1 << digitBits)].contains(n) { continue }   // one digit value: nothing moves
            var sum = 0
            for d in 0..<(1 << digitBits) { let c = hist[base + d]; hist[base + d] = sum; sum += c }
            let shift = UInt64(indexBits + p * digitBits)
            a.withUnsafeBufferPointer { A in b.withUnsafeMutableBufferPointer { B in
            hist.withUnsafeMutableBufferPointer { H in
                for i in 0..<n {
                    let v = A[i], d = base + Int((v >> shift) & mask)
                    let o = H[d]; H[d] = o + 1
                    B[o] = v
                }
            } } }
            swap(&a, &b)
        }
        return a
    }
}
