// The parallel pair search over rows spread across ranks (Docs/pairs.md):
//
// 1. Large radii. The radius below which halos are built, R_h, is the (N − M)-th smallest radius
//    of all N rows (exact, by distributed selection; M = max(1000, N/1000)) unless --halo-radius
//    sets it: at most M rows have r > R_h. Those few "large" rows (1 pc around a 100 mas star is
//    5.7°) are allgathered in pass 2 instead of widening every halo.
// 2. Halos. Each rank bounds its small rows by caps — one per occupied HEALPix cell, centred on
//    the members' mean direction, radius the farthest member — and allgathers them (a few
//    thousand caps: source_id order is sky order, so a rank's cells are few and contiguous).
//    Every rank sends each of its small rows to every other rank with a cap within
//    cap radius + R_h of it (BoundingCaps.haloDestinations), in one Alltoallv per column.
//    A pair of small rows within max(r_a, r_b) ≤ R_h is thus on the rank of each of its rows.
// 3. Find once. Every row queries with its own radius only, and a pair is kept by the query of
//    the row whose radius contains it — of both, the smaller key (PairSearch's attribution rule).
//    So each pair is found exactly once, on the rank owning that row, whatever the rank count.
//    Pass 1: this rank's small rows against small rows + halo. Pass 2: every large row against
//    this rank's rows (large rows compete by the same rule, so large–large pairs are found once).
// Memory per rank: its rows + halo (rows within R_h + cap slack of its region) + the ≤ M large
// rows + the pairs found, each row ~ 40 bytes + its payload columns.
import Aggregates
import Foundation
import GaiaIO
import MPI
import Numerics
import Pairs

/// Pairs found on this rank, as indices into `rows` (this rank's rows, halo and large rows).
struct LocalPairs {
    var rows: PairRows
    var first: [Int] = [], second: [Int] = [], sep: [Double] = []
    var haloRows = 0
    var largeRows = 0
    var haloRadius = 0.0
    /// Candidate pairs tested (passing the chord prefilter), both passes.
    var candidates = 0
}

enum PairHalo {
    /// The search over `own` (this rank's rows; with `sides`, only pairs between sides count).
    static func search(own: PairRows, sides: Bool, haloRadius fixed: Double?, comm: Communicator,
                       progress: ProgressReporter? = nil) -> LocalPairs {
        let total = comm.allreduce(own.count, .sum)
        // One rank needs no halo, so no row needs broadcasting either.
        let rh = fixed ?? (comm.size == 1 ? own.radius.max() ?? 0 : automaticHaloRadius(own.radius, total: total, comm))
        let largeIdx = own.radius.indices.filter { own.radius[$0] > rh }
        let smallIdx = largeIdx.isEmpty ? Array(own.radius.indices) : own.radius.indices.filter { own.radius[$0] <= rh }
        let small = largeIdx.isEmpty ? own : own.gather(smallIdx)

        // ---- halo: small rows other ranks need ------------------------------------------------
        let smallPoints = small.points
        let halo = comm.size == 1 ? PairRows(payloadNames: small.payloadNames, kinds: small.payload.map(\.kind))
                                  : exchangeHalo(small, points: smallPoints, total: total, haloArcsec: rh, comm)
        let large = own.gather(largeIdx).allgathered(comm)

        var rows = small
        if halo.count > 0 { rows.append(halo) }   // (an empty append would still copy `small`'s columns)
        let largeStart = small.count + halo.count
        // ---- pass 1: small rows against small rows + halo ---------------------------------------
        // The own small rows come first in `rows`: they query the index of all of it, walked in
        // the index's own order (no copy of the queries).
        let targets1: PairSet
        if halo.count == 0 {
            // One rank, or no halo: the points already made for the caps serve.
            targets1 = PairSet(points: smallPoints, radii: small.radius, keys: small.key, sides: sides ? small.side : nil)
        } else {
            // The unit vectors of the small rows are made once (for the caps); only the halo's are new.
            var points = smallPoints
            points.append(halo.points)
            targets1 = PairSet(points: points, radii: rows.radius, keys: rows.key, sides: sides ? rows.side : nil)
        }
        if large.count > 0 { rows.append(large) }
        var out = LocalPairs(rows: rows, haloRows: halo.count, largeRows: large.count, haloRadius: rh)
        // The declinations the unit vectors were made from (no atan2 per point in the index).
        let index1 = SkyIndex(targets1.points, decDeg: halo.count == 0 ? small.dec : small.dec + halo.dec,
                              zoneHeightArcsec: zoneHeight(small.radius))
        let competes1 = [Bool](repeating: true, count: targets1.count)
        // One walk over the index; rank 0's share of the progress stands for every rank's.
        // Unordered: the pairs are sorted globally afterwards (PairsRun), by keys unique per pair.
        let p1 = PairSearch.search(rows: 0..<small.count, of: targets1, index: index1, targetCompetes: competes1,
                                   ordered: false) { done, found in
            progress?.update(fraction: Double(done) / Double(max(small.count, 1)), count: done * comm.size,
                             detail: "\(found * comm.size) pairs")
        }
        out.first = p1.query
        out.second = p1.target
        out.sep = p1.sep
        out.candidates = p1.candidates

        // ---- pass 2: every large row against this rank's rows -----------------------------------
        if large.count > 0 && own.count > 0 {
            let targets2 = own.pairSet(withSides: sides)
            let index2 = SkyIndex(targets2.points, decDeg: own.dec, zoneHeightArcsec: zoneHeight(large.radius))
            let competes = own.radius.map { $0 > rh }
            let p2 = PairSearch.search(large.pairSet(withSides: sides), against: targets2, index: index2, targetCompetes: competes)
            // own row i → its place in `rows`: small rows first, own large rows in this rank's
            // block of the allgathered large rows.
            var place = [Int](repeating: 0, count: own.count)
            for (j, i) in smallIdx.enumerated() { place[i] = j }
            let myLargeStart = largeStart + comm.exscan(largeIdx.count)
            for (j, i) in largeIdx.enumerated() { place[i] = myLargeStart + j }
            out.first += p2.query.map { largeStart + $0 }
            out.second += p2.target.map { place[$0] }
            out.sep += p2.sep
            out.candidates += p2.candidates
        }
        return out
    }

    /// The small rows of other ranks within R_h of this rank's: caps allgathered, rows routed to
    /// every rank with a cap near them, one Alltoallv per column.
    static func exchangeHalo(_ small: PairRows, points smallPoints: SkyPoints, total: Int, haloArcsec rh: Double,
                             _ comm: Communicator) -> PairRows {
        let order = capOrder(rows: total, haloArcsec: rh)
        let (caps, members) = BoundingCaps.caps(smallPoints, order: order, cells: cellsFromSourceIds(small, order: order))
        let flat = caps.flatMap { [$0.x, $0.y, $0.z, $0.radiusArcsec] }
        let (allFlat, counts) = comm.allgatherv(flat)
        var others: [Cap] = [], owners: [Int32] = []
        others.reserveCapacity(allFlat.count / 4)
        var r = 0, seen = 0
        for k in stride(from: 0, to: allFlat.count, by: 4) {
            while k >= seen + counts[r] { seen += counts[r]; r += 1 }
            others.append(Cap(x: allFlat[k], y: allFlat[k + 1], z: allFlat[k + 2], radiusArcsec: allFlat[k + 3]))
            owners.append(Int32(r))
        }
        let routes = BoundingCaps.haloDestinations(smallPoints, caps: caps, members: members, others: others, owners: owners,
                                                   me: Int32(comm.rank), haloArcsec: rh)
        return small.exchange(routes.point, to: routes.rank, comm)
    }

    /// The cells at `order` from source_id (>> 35: the HEALPix level-12 NESTED pixel of a Gaia
    /// source), when a sample of the rows shows that their ids follow Gaia's rule (≥ 90 % of
    /// them: a high-proper-motion star may have left the pixel of its id) — no atan2 and HEALPix
    /// per row. Otherwise (other ids, a shifted copy) nil: the caps compute cells from the
    /// positions. Either way the caps bound their members exactly; the cells only keep them small.
    static func cellsFromSourceIds(_ rows: PairRows, order: Int) -> [Int64]? {
        let n = rows.count
        guard n > 0 else { return [] }
        let sample = Array(stride(from: 0, to: n, by: max(1, n / 256))) + [n - 1]
        let agree = sample.filter { i in
            let id = rows.sourceId[i]
            return id >= 0 && HEALPix.ang2pixNested(order: 12, raDeg: rows.ra[i], decDeg: rows.dec[i]) == id >> 35
        }.count
        guard agree * 10 >= sample.count * 9 else { return nil }
        let shift = Int64(35 + 2 * (12 - order))
        return rows.sourceId.map { $0 >> shift }
    }

    /// R_h such that at most M = max(1000, N/1000) rows have a larger radius: the (N − M)-th
    /// smallest radius (all of them when N ≤ M), exact and the same on every rank.
    static func automaticHaloRadius(_ radii: [Double], total: Int, _ comm: Communicator) -> Double {
        let m = max(1000, total / 1000)
        let bounds = comm.allreduce([-(radii.min() ?? .infinity), radii.max() ?? -.infinity], .max)
        let lo = -bounds[0], hi = bounds[1]
        guard total > m, lo < hi else { return hi.isFinite ? hi : 0 }
        let sorted = radii.sorted()
        return DistributedSelection.select(ranks: [total - m - 1], lower: [lo], upper: [hi]) { c in
            [sorted.withUnsafeBufferPointer { comm.allreduce(DistributedSelection.count($0, atMost: c[0]), .sum) }]
        }[0]
    }

    /// The HEALPix order of the bounding caps: fine enough that halos are thin (cells of a few
    /// R_h), coarse enough that the caps stay few (≥ ~64 rows per cell on average) — the caps of
    /// every rank are allgathered.
    static func capOrder(rows: Int, haloArcsec: Double) -> Int {
        var order = 0
        while order < 10 {
            let next = order + 1
            let cells = Double(HEALPix.pixelCount(order: next))
            guard cells * 64 <= Double(max(rows, 1)), HEALPix.resolutionDeg(order: next) * 3600 >= 2 * haloArcsec else { break }
            order = next
        }
        return order
    }

    /// Zone height for the index: about the typical query radius (the median), which balances
    /// the zones a query visits against the ra window scanned in each.
    static func zoneHeight(_ radii: [Double]) -> Double {
        guard !radii.isEmpty else { return 60 }
        let median = OrderStatistic.kthSmallest(radii, radii.count / 2)
        return min(max(median, 1), 3600)
    }
}
