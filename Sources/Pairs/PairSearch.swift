// Pair searches with the attribution rule that finds every pair exactly once, whichever rank
// queries it: a pair {u, v} within max(r_u, r_v) belongs to the side whose own radius contains
// it, and when both radii contain it to the smaller key. A query row q keeps target t when
//     sep ≤ r_q  and  (targetCompetes == nil || !targetCompetes[t] || sep > r_t || key_q < key_t)
// (`targetCompetes[t]`: t also queries with its own radius somewhere, so it may claim the pair).
// Separation.arcsec is symmetric bit for bit, so both sides see the same sep.

public enum PairSearch {
    /// Every pair (q in `queries`, t in `targets`, q's key ≠ t's key) with sep ≤ queries.radii[q],
    /// sides different when both sets have sides, and attributed to q (rule above). `index` is a
    /// SkyIndex over targets.points. Results in query order, then target key order within a query.
    ///
    /// Queries are walked in the index's zone order (Gray et al. 2006) so that each zone's window
    /// start moves forward by a few steps per query; when the queries are the indexed points
    /// themselves that order is the index's own, otherwise it is computed once here.
    public static func search(_ queries: PairSet, against targets: PairSet, index: SkyIndex,
                              targetCompetes: [Bool]?) -> PairList {
        walk(queries, against: targets, index: index, targetCompetes: targetCompetes, ownRows: nil)
    }

    /// The rows `rows` of `set` as queries against all of `set` (e.g. a rank's own rows, stored
    /// first, against own rows + halo): the same pairs as `search(set.subset(rows), against: set, …)`
    /// but walking the index's own order, without sorting the queries. `PairList.query` holds row
    /// indices of `set` (in `rows`), ascending. `index` is a SkyIndex over set.points.
    ///
    /// `progress(queriesDone, pairsFound)`, when given, is called every ~2^18 queries (and at the
    /// end): one walk over the index, however the caller reports progress. `ordered: false` leaves
    /// the pairs in the walk's order (for callers that sort them themselves: ordering ~170 matches
    /// per query of a dense search cost ~8 % of it).
    public static func search(rows: Range<Int>, of set: PairSet, index: SkyIndex,
                              targetCompetes: [Bool]?, ordered: Bool = true,
                              progress: ((Int, Int) -> Void)? = nil) -> PairList {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= set.count, "PairSearch: rows outside the set")
        return walk(set, against: set, index: index, targetCompetes: targetCompetes, ownRows: rows,
                    ordered: ordered, progress: progress)
    }

    /// The search itself; `ownRows` non-nil: queries are those rows of the indexed set.
    static func walk(_ queries: PairSet, against targets: PairSet, index: SkyIndex,
                     targetCompetes: [Bool]?, ownRows: Range<Int>?, ordered inOrder: Bool = true,
                     progress: ((Int, Int) -> Void)? = nil) -> PairList {
        precondition(index.count == targets.count, "PairSearch: the index is not over the targets")
        precondition(targetCompetes == nil || targetCompetes!.count == targets.count,
                     "PairSearch: targetCompetes count differs from the targets")
        let nq = queries.count
        if nq == 0 || targets.count == 0 { return PairList() }
        let sameOrder = ownRows != nil || index.indexes(queries.points)
        let lowRow = Int32(truncatingIfNeeded: ownRows?.lowerBound ?? 0)
        let highRow = Int32(truncatingIfNeeded: ownRows?.upperBound ?? nq)
        let order: ZoneOrder? = sameOrder ? nil : ZoneOrder(queries.points, grid: index.grid)
        let qPerm = order?.perm ?? index.perm
        let qDec = order?.dec ?? index.decSorted
        let qEntries = order?.entries ?? index.entries
        let useSides = queries.sides != nil && targets.sides != nil

        var foundQ: [Int32] = [], foundT: [Int32] = [], foundSep: [Double] = []
        var cursors = index.zoneStart.dropLast().map { $0 }

        // Keys (and sides) gathered into the walk order (independent loads here rather than
        // dependent cache misses inside the walk); coordinates come with the zone order.
        let qK = qPerm.map { queries.keys[Int($0)] }
        let qS = useSides ? qPerm.map { queries.sides![Int($0)] } : []
        let zoneTargets = ownRows != nil
        let progressEvery = 1 << 18
        var candidates = 0
        // One radius for every row and every target competing (a same-set search with a fixed
        // radius): each pair is within both radii, so it belongs to the smaller key, and one visit
        // per pair decides it — every indexed point (own or halo) scans only forward in zone order
        // (ZoneScanner.scanForward) and the pair goes to its smaller-key row if that is a query row.
        if zoneTargets, let first = queries.radii.first, queries.radii.allSatisfy({ $0 == first }),
           let c = targetCompetes, c.allSatisfy({ $0 }) {
            let ownCount = Int(highRow - lowRow)
            index.entries.withUnsafeBufferPointer { E in index.zoneStart.withUnsafeBufferPointer { ZS in
            cursors.withUnsafeMutableBufferPointer { C in
            qK.withUnsafeBufferPointer { QK in qS.withUnsafeBufferPointer { QS in
            index.perm.withUnsafeBufferPointer { TP in
                let scanner = ZoneScanner(entries: E.baseAddress!, zoneStart: ZS.baseAddress!, grid: index.grid,
                                          cursors: C.baseAddress!)
                let r = first
                precondition(r >= 0, "PairSearch: negative radius")
                var window = QueryWindow(x: 1, y: 0, radiusArcsec: r)
                let n = qPerm.count
                for k in 0..<n {
                    let q = E[k]
                    let qx = q.x, qy = q.y, qz = q.z, kk = QK[k]
                    window.update(x: qx, y: qy)
                    let dec = qDec[k]
                    candidates &+= scanner.scanForward(position: k, zone: index.grid.zone(decDeg: dec), x: qx, y: qy, z: qz,
                                                       decDeg: dec, window: window) { j in
                        let kj = QK[j]
                        if kj == kk { return }
                        if useSides && QS[k] == QS[j] { return }
                        let e = E[j]
                        let sep = Separation.arcsec(qx, qy, qz, e.x, e.y, e.z)
                        if sep > r { return }
                        let owner = TP[kk < kj ? k : j], other = TP[kk < kj ? j : k]
                        if owner < lowRow || owner >= highRow { return }
                        foundQ.append(owner); foundT.append(other); foundSep.append(sep)
                    }
                    if let progress, (k + 1) & (progressEvery - 1) == 0 {
                        progress(Int(Double(k + 1) / Double(n) * Double(ownCount)), foundQ.count)
                    }
                }
            } } } } } }
            progress?(ownCount, foundQ.count)
            var list = inOrder ? ordered(foundQ, foundT, foundSep, queryCount: nq, targetKeys: targets.keys)
                               : unordered(foundQ, foundT, foundSep)
            list.candidates = candidates
            return list
        }
        let qR = qPerm.map { queries.radii[Int($0)] }
        // The target's radius, key, side and competes flag at zone position j. When the queries
        // are the indexed set itself these are the query arrays (same order): the candidates of a
        // query lie near it in zone order, so these loads stay in cache — read through the row
        // index instead, each candidate was a cache miss (measured: ~15 % of a 2 M-row search).
        let tR = zoneTargets ? qR : targets.radii
        let tK = zoneTargets ? qK : targets.keys
        let tSides = zoneTargets ? qS : (targets.sides ?? [])
        let competes = zoneTargets ? (targetCompetes.map { c in qPerm.map { c[Int($0)] } } ?? [])
                                   : (targetCompetes ?? [])
        let anyCompetes = targetCompetes != nil
        var done = 0
        index.entries.withUnsafeBufferPointer { E in index.zoneStart.withUnsafeBufferPointer { ZS in
        cursors.withUnsafeMutableBufferPointer { C in
        qEntries.withUnsafeBufferPointer { QE in
        qR.withUnsafeBufferPointer { QR in qK.withUnsafeBufferPointer { QK in
        tR.withUnsafeBufferPointer { TR in tK.withUnsafeBufferPointer { TK in
        tSides.withUnsafeBufferPointer { TS in qS.withUnsafeBufferPointer { QS in
        competes.withUnsafeBufferPointer { TC in
        index.perm.withUnsafeBufferPointer { TP in
            let scanner = ZoneScanner(entries: E.baseAddress!, zoneStart: ZS.baseAddress!, grid: index.grid,
                                      cursors: C.baseAddress!)
            var window = QueryWindow(x: 1, y: 0, radiusArcsec: 0)
            for k in 0..<qPerm.count {
                let row = qPerm[k]
                if row < lowRow || row >= highRow { continue }
                let q = QE[k]
                let qx = q.x, qy = q.y, qz = q.z
                let r = QR[k], kq = QK[k]
                precondition(r >= 0, "PairSearch: negative radius")
                if r != window.radiusArcsec { window = QueryWindow(x: qx, y: qy, radiusArcsec: r) }
                else { window.update(x: qx, y: qy) }
                candidates &+= scanner.scan(x: qx, y: qy, z: qz, decDeg: qDec[k], window: window) { j in
                    // Target attributes by zone position j (zoneTargets) or by row index t.
                    let t = Int(TP[j])
                    let a = zoneTargets ? j : t
                    if TK[a] == kq { return }
                    if useSides && QS[k] == TS[a] { return }
                    let e = E[j]
                    let sep = Separation.arcsec(qx, qy, qz, e.x, e.y, e.z)
                    if sep > r { return }
                    if anyCompetes && TC[a] && sep <= TR[a] && !(kq < TK[a]) { return }
                    foundQ.append(row); foundT.append(Int32(t)); foundSep.append(sep)
                }
                done += 1
                if let progress, done & (progressEvery - 1) == 0 { progress(done, foundQ.count) }
            }
        } } } } } } } } } } } }
        progress?(done, foundQ.count)
        var list = inOrder ? ordered(foundQ, foundT, foundSep, queryCount: nq, targetKeys: targets.keys)
                           : unordered(foundQ, foundT, foundSep)
        list.candidates = candidates
        return list
    }

    /// The same, brute force O(|Q|·|T|): the reference the tests compare with.
    public static func searchReference(_ queries: PairSet, against targets: PairSet,
                                       targetCompetes: [Bool]?) -> PairList {
        precondition(targetCompetes == nil || targetCompetes!.count == targets.count,
                     "PairSearch: targetCompetes count differs from the targets")
        let useSides = queries.sides != nil && targets.sides != nil
        var out = PairList()
        let q = queries.points, t = targets.points
        for i in 0..<queries.count {
            var row: [(key: Int64, t: Int, sep: Double)] = []
            for j in 0..<targets.count where queries.keys[i] != targets.keys[j] {
                if useSides && queries.sides![i] == targets.sides![j] { continue }
                let sep = Separation.arcsec(q.x[i], q.y[i], q.z[i], t.x[j], t.y[j], t.z[j])
                guard sep <= queries.radii[i] else { continue }
                if let c = targetCompetes, c[j], sep <= targets.radii[j], queries.keys[i] > targets.keys[j] { continue }
                row.append((targets.keys[j], j, sep))
            }
            row.sort { $0.key < $1.key }
            for m in row { out.query.append(i); out.target.append(m.t); out.sep.append(m.sep) }
        }
        return out
    }

    /// Found pairs as they were found.
    static func unordered(_ fq: [Int32], _ ft: [Int32], _ fs: [Double]) -> PairList {
        var out = PairList()
        out.query = fq.map { Int($0) }; out.target = ft.map { Int($0) }; out.sep = fs
        return out
    }

    /// Found pairs in query order (counting sort on the query index), then target key order within
    /// a query (insertion sort: a query has few matches; a standard sort for many).
    static func ordered(_ fq: [Int32], _ ft: [Int32], _ fs: [Double], queryCount nq: Int,
                        targetKeys: [Int64]) -> PairList {
        let m = fq.count
        var start = [Int](repeating: 0, count: nq + 1)
        for q in fq { start[Int(q) + 1] += 1 }
        for i in 0..<nq { start[i + 1] += start[i] }
        var next = start
        var t = [Int](repeating: 0, count: m), s = [Double](repeating: 0, count: m)
        for f in 0..<m { let q = Int(fq[f]); t[next[q]] = Int(ft[f]); s[next[q]] = fs[f]; next[q] += 1 }
        var out = PairList()
        out.query.reserveCapacity(m)
        for i in 0..<nq where start[i + 1] > start[i] {
            let a = start[i], b = start[i + 1]
            if b - a > 1 {
                var row = (a..<b).map { (targetKeys[t[$0]], t[$0], s[$0]) }
                row.sort { $0.0 < $1.0 }
                for (o, r) in row.enumerated() { t[a + o] = r.1; s[a + o] = r.2 }
            }
            for _ in a..<b { out.query.append(i) }
        }
        out.target = t; out.sep = s
        return out
    }
}
