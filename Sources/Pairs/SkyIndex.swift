// The spatial index of pair searches: the zones algorithm (Gray, Nieto-Santisteban & Szalay 2006,
// MSR-TR-2006-52; see Zones.swift) on unit vectors. Candidates in a zone's ra window pass a
// squared-chord prefilter |a − b|² ≤ 4 sin²(r/2) (no trigonometry), and only those the exact
// separation (Separation.arcsec).
//
// Zone height trade-off (chosen by the caller): a query of radius r scans ⌈2r/h⌉ + 1 zones, each
// over a window ≈ 2r/cos δ wide, i.e. ~ (2r + h)·2r of sky per query plus one ra lookup per zone.
// h ≫ r scans many points outside the circle; h ≪ r makes many short zone visits. h ≈ r (the
// typical query radius) balances the two; rows with much larger radii are better searched in a
// separate pass with their own index.
import Foundation

/// Spatial index over a set's points: declination zones, each sorted by ra, with correct handling
/// of ra wrap at 0/360 and of the poles (a query whose ra window exceeds 180° takes the whole zone).
public struct SkyIndex {
    /// One indexed point in zone order: its ra as a pseudo-angle (PseudoAngle) and its unit vector,
    /// 32 bytes together, so that the window scan streams through a single array (two points per
    /// cache line).
    @usableFromInline struct Entry { @usableFromInline var angle, x, y, z: Double }

    @usableFromInline let grid: ZoneGrid
    @usableFromInline let zoneStart: [Int]
    @usableFromInline let entries: [Entry]
    /// Zone position → index in the indexed points.
    @usableFromInline let perm: [Int32]
    /// Declinations in zone order (for queries over the indexed points themselves).
    let decSorted: [Double]
    /// The indexed points (copy-on-write: no copy), to recognise a self-search.
    let source: SkyPoints

    /// The zone height actually used, arcsec (the requested one, or more for very few points).
    public var zoneHeightArcsec: Double { grid.heightDeg * 3600 }
    public var count: Int { entries.count }

    /// `decDeg`, when given, holds the points' declinations (those they were made from: within
    /// ~1e-14° of their unit vectors', far inside the zone walk's 1e-9° margin), saving an atan2
    /// per point; zones and queries of the index then both use these values.
    public init(_ points: SkyPoints, decDeg: [Double]? = nil, zoneHeightArcsec: Double) {
        precondition(decDeg == nil || decDeg!.count == points.count, "SkyIndex: dec and point counts differ")
        grid = ZoneGrid(heightArcsec: zoneHeightArcsec, pointCount: points.count)
        let order = ZoneOrder(points, decDeg: decDeg, grid: grid)
        zoneStart = order.zoneStart
        perm = order.perm
        decSorted = order.dec
        entries = order.entries
        source = points
    }

    /// Whether `points` are the indexed points (then queries can walk the index's own order).
    func indexes(_ points: SkyPoints) -> Bool {
        points.count == source.count && points.x == source.x && points.y == source.y && points.z == source.z
    }

    /// body(i, sepArcsec) for every indexed point i (its index in `points`) with
    /// Separation.arcsec(query, point i) ≤ radiusArcsec. (Order of calls unspecified.)
    public func forEach(nearX x: Double, y: Double, z: Double, radiusArcsec: Double, _ body: (Int, Double) -> Void) {
        precondition(radiusArcsec >= 0, "SkyIndex.forEach: negative radius")
        if entries.isEmpty { return }
        let dec = SkyPoints.raDec(x: x, y: y, z: z).decDeg
        let window = QueryWindow(x: x, y: y, radiusArcsec: radiusArcsec)
        entries.withUnsafeBufferPointer { E in zoneStart.withUnsafeBufferPointer { Z in
            let scanner = ZoneScanner(entries: E.baseAddress!, zoneStart: Z.baseAddress!, grid: grid, cursors: nil)
            scanner.scan(x: x, y: y, z: z, decDeg: dec, window: window) { j in
                let e = E[j]
                let sep = Separation.arcsec(x, y, z, e.x, e.y, e.z)
                if sep <= radiusArcsec { body(Int(perm[j]), sep) }
            }
        } }
    }
}

/// The window of a query: chord² bound and, per zone, the ra range as pseudo-angles. The per-radius
/// part is rebuilt only when the radius changes; `update` moves it to each query position.
@usableFromInline struct QueryWindow {
    @usableFromInline var radiusArcsec: Double
    @usableFromInline var radiusDeg: Double
    /// sin r enlarged by 1e-9 relative and 1e-12 absolute (the window stays conservative through
    /// rounding, also for r = 0), and its square.
    @usableFromInline var s: Double, s2: Double
    /// |a − b|² bound (Separation.chordSquaredBound).
    @usableFromInline var chord2: Double
    /// Whole zones (the pole within r, or r ≥ 90°), else the pseudo-angle range lo…hi, which
    /// wraps through 0 when lo > hi.
    @usableFromInline var whole = true
    @usableFromInline var lo = 0.0, hi = 0.0

    /// Variable radii rebuild this for every query, so it takes one sine, as a short series for
    /// the usual small radii: sin(θ/2) to x⁷ has a relative error < x⁸/9! ≤ 1e-14 for x ≤ 0.05, far
    /// inside the margins; sin θ = 2 sin(θ/2) cos(θ/2).
    @inlinable @inline(__always) init(x: Double, y: Double, radiusArcsec r: Double) {
        radiusArcsec = r
        // Multiplications by reciprocals, not divisions: this runs once per query for variable radii.
        radiusDeg = r * (1.0 / 3600)
        let theta = r * (1 / Separation.arcsecPerRadian)
        if theta >= Double.pi {
            s = 1; chord2 = .infinity
        } else {
            let h = 0.5 * theta
            let sh: Double
            if h <= 0.05 {
                let h2 = h * h
                sh = h * (1 - h2 * (1.0 / 6) * (1 - h2 * (1.0 / 20) * (1 - h2 * (1.0 / 42))))
            } else {
                sh = sin(h)
            }
            chord2 = 4 * sh * sh * (1 + 1e-9) + 1e-28
            s = theta >= Double.pi / 2 ? 1 : 2 * sh * (1 - sh * sh).squareRoot() * (1 + 1e-9) + 1e-12
        }
        s2 = s * s
        update(x: x, y: y)
    }

    /// The ra window of a query at (x, y, ·) (Gray et al. 2006, "alpha": sin Δα = sin r / cos δ):
    /// its end directions are (x, y) turned by ∓Δα, i.e. (x c ± y s, y c ∓ x s)/cos δ with
    /// c = √(cos²δ − sin²r), whose pseudo-angles need no trigonometry (the scale cancels), widened by
    /// 1e-13 for the rounding of the stored pseudo-angles. Whole zones when the pole is within r.
    @inlinable @inline(__always) mutating func update(x: Double, y: Double) {
        let d = x * x + y * y - s2
        if radiusDeg >= 90 || d <= 0 { whole = true; return }
        let c = d.squareRoot()
        whole = false
        lo = PseudoAngle.of(x * c + y * s, y * c - x * s) - 1e-13
        hi = PseudoAngle.of(x * c - y * s, y * c + x * s) + 1e-13
    }
}

/// A pseudo-angle of a direction (x, y) in the plane: monotone in atan2(y, x) taken in [0, 2π),
/// with values in [0, 4] (one unit per quadrant, y/(x + y) style), exact enough to sort and window
/// by and costing one division instead of an atan2. (0, 0) — a pole — maps to 0.
@usableFromInline enum PseudoAngle {
    @inlinable @inline(__always) static func of(_ x: Double, _ y: Double) -> Double {
        if y >= 0 {
            if x > 0 { return y / (x + y) }
            if y == 0 { return x == 0 ? 0 : 2 }
            return 1 - x / (y - x)
        } else {
            if x < 0 { return 2 + y / (x + y) }
            return 3 + x / (x - y)
        }
    }
}

/// The zone walk over raw storage (built inside withUnsafeBufferPointer scopes): visits the
/// zones meeting [δ − r, δ + r] and, in each, the ra window with wrap at 0/360, and calls
/// `candidate(j)` for every zone position j passing the chord² prefilter.
@usableFromInline struct ZoneScanner {
    @usableFromInline let entries: UnsafePointer<SkyIndex.Entry>
    @usableFromInline let zoneStart: UnsafePointer<Int>
    @usableFromInline let grid: ZoneGrid
    /// Per zone, the last window start found there: consecutive queries sorted by (zone, ra) find
    /// the next one by galloping a few steps instead of a binary search.
    @usableFromInline let cursors: UnsafeMutablePointer<Int>?

    @inlinable init(entries: UnsafePointer<SkyIndex.Entry>, zoneStart: UnsafePointer<Int>, grid: ZoneGrid,
                    cursors: UnsafeMutablePointer<Int>?) {
        self.entries = entries; self.zoneStart = zoneStart; self.grid = grid; self.cursors = cursors
    }

    /// Returns the number of indexed points tested (the candidate pairs of the query).
    @inlinable @inline(__always) @discardableResult
    func scan(x qx: Double, y qy: Double, z qz: Double, decDeg: Double,
              window w: QueryWindow, _ candidate: (Int) -> Void) -> Int {
        let margin = 1e-9
        let zlo = grid.zone(decDeg: decDeg - w.radiusDeg - margin)
        let zhi = grid.zone(decDeg: decDeg + w.radiusDeg + margin)
        let thr = w.chord2
        var tested = 0
        @inline(__always) func test(_ j: Int) {
            tested &+= 1
            let e = entries[j]
            let dx = e.x - qx, dy = e.y - qy, dz = e.z - qz
            if dx * dx + dy * dy + dz * dz <= thr { candidate(j) }
        }
        for k in zlo...zhi { scanZone(k, w, test) }
        return tested
    }

    /// The window `w` in zone k (wrapping through ra = 0 when w.lo > w.hi; the whole zone near a pole).
    @inlinable @inline(__always)
    func scanZone(_ k: Int, _ w: QueryWindow, _ test: (Int) -> Void) {
        let s = zoneStart[k], e = zoneStart[k + 1]
        if s == e { return }
        if w.whole {
            for j in s..<e { test(j) }
            return
        }
        let lo = w.lo, hi = w.hi
        if lo > hi {
            // Through the cut at 0: [lo, 4] then [0, hi].
            var j = lowerBound(lo, s, e, k)
            while j < e { test(j); j += 1 }
            j = s
            while j < e && entries[j].angle <= hi { test(j); j += 1 }
        } else {
            var j = lowerBound(lo, s, e, k)
            while j < e && entries[j].angle <= hi { test(j); j += 1 }
        }
    }

    /// The half of `scan` that visits each pair of indexed points once, for a query that is the
    /// indexed point at zone position p (in zone zp): in its own zone only the positions after p,
    /// then the zones above it up to δ + r. A pair {p, j} closer than r lies in both windows
    /// (they are conservative), so exactly one of the two queries — the one earlier in zone
    /// order — meets the other, when every point queries with the same radius r.
    @inlinable @inline(__always) @discardableResult
    func scanForward(position p: Int, zone zp: Int, x qx: Double, y qy: Double, z qz: Double, decDeg: Double,
                     window w: QueryWindow, _ candidate: (Int) -> Void) -> Int {
        let zhi = grid.zone(decDeg: decDeg + w.radiusDeg + 1e-9)
        let thr = w.chord2
        var tested = 0
        @inline(__always) func test(_ j: Int) {
            tested &+= 1
            let e = entries[j]
            let dx = e.x - qx, dy = e.y - qy, dz = e.z - qz
            if dx * dx + dy * dy + dz * dz <= thr { candidate(j) }
        }
        // Own zone, positions > p (sorted by ra: those after p in the window have ra ≥ p's).
        let e = zoneStart[zp + 1]
        if w.whole {
            var j = p + 1
            while j < e { test(j); j += 1 }
        } else if w.lo > w.hi {
            // Through the cut at 0: [lo, 4] and [0, hi] (disjoint), each only after p.
            let b = binarySearch(w.lo, zoneStart[zp], e)
            var j = b > p + 1 ? b : p + 1
            while j < e { test(j); j += 1 }
            j = p + 1
            while j < e && entries[j].angle <= w.hi { test(j); j += 1 }
        } else {
            var j = p + 1
            while j < e && entries[j].angle <= w.hi { test(j); j += 1 }
        }
        if zp < zhi { for k in (zp + 1)...zhi { scanZone(k, w, test) } }
        return tested
    }

    /// First position in [s, e) with ra ≥ v: galloping from the zone's cursor when there is one,
    /// else a binary search.
    @inlinable @inline(__always) func lowerBound(_ v: Double, _ s: Int, _ e: Int, _ k: Int) -> Int {
        guard let cursors else { return binarySearch(v, s, e) }
        var p = cursors[k]
        if p < s || p > e { p = s }
        // The usual advance between consecutive queries is 0, 1 or 2 positions: two branch-free
        // steps (e > s here, so position e − 1 exists), then galloping only if still short.
        let last = e - 1
        p &+= (p < e ? 1 : 0) & (entries[p < last ? p : last].angle < v ? 1 : 0)
        p &+= (p < e ? 1 : 0) & (entries[p < last ? p : last].angle < v ? 1 : 0)
        var lo: Int, hi: Int
        if p < e && entries[p].angle < v {
            // Forward: every position < lo has ra < v.
            lo = p + 1; hi = lo
            var step = 1
            while hi < e && entries[hi].angle < v { lo = hi + 1; step &<<= 1; hi = lo + step - 1 }
            if hi > e { hi = e }
        } else {
            // Backward: the answer is ≤ p.
            if p == s || entries[p - 1].angle < v { cursors[k] = p; return p }
            hi = p - 1
            var step = 1
            lo = hi - 1
            while lo >= s && entries[lo].angle >= v { hi = lo; step &<<= 1; lo = hi - step }
            lo = lo + 1 > s ? lo + 1 : s
        }
        let r = binarySearch(v, lo, hi)
        cursors[k] = r
        return r
    }

    @inlinable @inline(__always) func binarySearch(_ v: Double, _ s: Int, _ e: Int) -> Int {
        var lo = s, n = e - s
        while n > 0 {
            let half = n >> 1
            if entries[lo + half].angle < v { lo += half + 1; n -= half + 1 } else { n = half }
        }
        return lo
    }
}
