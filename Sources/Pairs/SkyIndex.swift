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
    /// One indexed point in zone order: ra (degrees) and its unit vector, 32 bytes together, so
    /// that the window scan streams through a single array (two points per cache line).
    @usableFromInline struct Entry { @usableFromInline var ra, x, y, z: Double }

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

    public init(_ points: SkyPoints, zoneHeightArcsec: Double) {
        grid = ZoneGrid(heightArcsec: zoneHeightArcsec, pointCount: points.count)
        let order = ZoneOrder(points, grid: grid)
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
        let (ra, dec) = SkyPoints.raDec(x: x, y: y, z: z)
        let window = QueryWindow(x: x, y: y, radiusArcsec: radiusArcsec)
        entries.withUnsafeBufferPointer { E in zoneStart.withUnsafeBufferPointer { Z in
            let scanner = ZoneScanner(entries: E.baseAddress!, zoneStart: Z.baseAddress!, grid: grid, cursors: nil)
            scanner.scan(x: x, y: y, z: z, raDeg: ra, decDeg: dec, window: window) { j in
                let e = E[j]
                let sep = Separation.arcsec(x, y, z, e.x, e.y, e.z)
                if sep <= radiusArcsec { body(Int(perm[j]), sep) }
            }
        } }
    }
}

/// The per-radius part of a query: chord² bound and the ra half-width factor. Rebuilt only when the
/// radius changes (a constant radius costs one sine for the whole search).
@usableFromInline struct QueryWindow {
    @usableFromInline var radiusArcsec: Double
    @usableFromInline var radiusDeg: Double
    /// sin r, and sin² r.
    @usableFromInline var s: Double, s2: Double
    /// |a − b|² bound (Separation.chordSquaredBound).
    @usableFromInline var chord2: Double
    /// The ra half-width Δα in degrees, or nil for whole zones.
    @usableFromInline var alphaDeg: Double?

    /// Variable radii rebuild this for every query, so it takes one sine, as a short series for
    /// the usual small radii: sin(θ/2) to x⁷ has a relative error < x⁸/9! ≤ 1e-14 for x ≤ 0.05, far
    /// inside the 1e-9 margins below; sin θ = 2 sin(θ/2) cos(θ/2).
    @inlinable @inline(__always) init(x: Double, y: Double, radiusArcsec r: Double) {
        radiusArcsec = r
        // Multiplications by reciprocals, not divisions: this runs once per query for variable radii.
        radiusDeg = r * (1.0 / 3600)
        let theta = r * (1 / Separation.arcsecPerRadian)
        if theta >= Double.pi {
            s = 1; s2 = 1; chord2 = .infinity
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
            s = theta >= Double.pi / 2 ? 1 : 2 * sh * (1 - sh * sh).squareRoot()
            s2 = s * s
        }
        alphaDeg = nil
        update(x: x, y: y)
    }

    /// Δα for a query at cos²δ = x² + y²: tan Δα = sin r / √(cos²δ − sin²r) (Gray et al. 2006,
    /// "alpha"), used as an upper bound of Δα itself, plus 1e-9 relative and absolute (degrees) for
    /// the rounding of the stored ra values. Whole zones when the pole is within r or Δα ≥ 180°.
    @inlinable @inline(__always) mutating func update(x: Double, y: Double) {
        if radiusDeg >= 90 { alphaDeg = nil; return }
        let d = x * x + y * y - s2
        if d <= 0 { alphaDeg = nil; return }
        let a = s / d.squareRoot() * (180 / Double.pi) * (1 + 1e-9) + 1e-9
        alphaDeg = a < 180 ? a : nil
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

    @inlinable @inline(__always)
    func scan(x qx: Double, y qy: Double, z qz: Double, raDeg: Double, decDeg: Double,
              window w: QueryWindow, _ candidate: (Int) -> Void) {
        let margin = 1e-9
        let zlo = grid.zone(decDeg: decDeg - w.radiusDeg - margin)
        let zhi = grid.zone(decDeg: decDeg + w.radiusDeg + margin)
        let thr = w.chord2
        @inline(__always) func test(_ j: Int) {
            let e = entries[j]
            let dx = e.x - qx, dy = e.y - qy, dz = e.z - qz
            if dx * dx + dy * dy + dz * dz <= thr { candidate(j) }
        }
        for k in zlo...zhi {
            let s = zoneStart[k], e = zoneStart[k + 1]
            if s == e { continue }
            guard let alpha = w.alphaDeg else {
                for j in s..<e { test(j) }
                continue
            }
            let lo = raDeg - alpha, hi = raDeg + alpha
            if lo < 0 {
                // [lo + 360, 360) then [0, hi].
                var j = lowerBound(lo + 360, s, e, k)
                while j < e { test(j); j += 1 }
                j = s
                while j < e && entries[j].ra <= hi { test(j); j += 1 }
            } else if hi >= 360 {
                // [lo, 360) then [0, hi − 360].
                var j = lowerBound(lo, s, e, k)
                while j < e { test(j); j += 1 }
                j = s
                let h = hi - 360
                while j < e && entries[j].ra <= h { test(j); j += 1 }
            } else {
                var j = lowerBound(lo, s, e, k)
                while j < e && entries[j].ra <= hi { test(j); j += 1 }
            }
        }
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
        p &+= (p < e ? 1 : 0) & (entries[p < last ? p : last].ra < v ? 1 : 0)
        p &+= (p < e ? 1 : 0) & (entries[p < last ? p : last].ra < v ? 1 : 0)
        var lo: Int, hi: Int
        if p < e && entries[p].ra < v {
            // Forward: every position < lo has ra < v.
            lo = p + 1; hi = lo
            var step = 1
            while hi < e && entries[hi].ra < v { lo = hi + 1; step &<<= 1; hi = lo + step - 1 }
            if hi > e { hi = e }
        } else {
            // Backward: the answer is ≤ p.
            if p == s || entries[p - 1].ra < v { cursors[k] = p; return p }
            hi = p - 1
            var step = 1
            lo = hi - 1
            while lo >= s && entries[lo].ra >= v { hi = lo; step &<<= 1; lo = hi - step }
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
            if entries[lo + half].ra < v { lo += half + 1; n -= half + 1 } else { n = half }
        }
        return lo
    }
}
