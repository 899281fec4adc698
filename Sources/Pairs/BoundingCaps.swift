// Halo routing. Rows arrive in source_id order, i.e. HEALPix NESTED order, so each rank holds a set
// of occupied cells. A rank summarises its points by one bounding cap per occupied cell (at an
// order chosen by the driver); after an allgather of all caps, every rank can tell which of its
// points another rank needs: point p must go to rank R when p lies within cap.radius + halo of a cap
// of R, because any point q of R within `halo` of p lies in some cap of R, and then
// sep(p, centre) ≤ sep(p, q) + sep(q, centre) ≤ halo + cap.radius (triangle inequality).
import Foundation
import Numerics

/// A spherical cap: unit-vector centre and radius in arcsec.
public struct Cap: Equatable {
    public var x, y, z: Double
    public var radiusArcsec: Double
    public init(x: Double, y: Double, z: Double, radiusArcsec: Double) {
        self.x = x; self.y = y; self.z = z; self.radiusArcsec = radiusArcsec
    }
}

public enum BoundingCaps {
    /// Safety margin of cap radii: the largest centre→member separation × (1 + 1e-9) + 1e-6″, so
    /// that rounding in the separations can never leave a member outside its cap.
    public static let relativeSlack = 1e-9, absoluteSlackArcsec = 1e-6

    /// One cap per occupied cell (cells ascending): centre = normalised mean of the members' unit
    /// vectors, radius = max separation centre→member plus the slack above. `members[k]` = indices
    /// of the points in cap k, ascending. `cells`: each point's cell when the caller knows it
    /// (Gaia's source_id >> 35 is the level-12 NESTED pixel); any grouping gives caps that bound
    /// their members — the cells only make them small.
    public static func caps(_ points: SkyPoints, order: Int, cells: [Int64]? = nil) -> (caps: [Cap], members: [[Int]]) {
        let n = points.count
        let cellOf = cells ?? (0..<n).map { i in
            HEALPix.ang2pixNested(order: order, z: max(-1, min(1, points.z[i])), phi: atan2(points.y[i], points.x[i]))
        }
        precondition(cellOf.count == n, "BoundingCaps: one cell per point")
        // Rows in sky order (source_id order) are already grouped: no sort.
        var sorted = true
        for i in cellOf.indices.dropFirst() where cellOf[i] < cellOf[i - 1] { sorted = false; break }
        let byCell = sorted ? Array(0..<n) : (0..<n).sorted { cellOf[$0] < cellOf[$1] || (cellOf[$0] == cellOf[$1] && $0 < $1) }
        var caps: [Cap] = [], members: [[Int]] = []
        var a = 0
        while a < n {
            var b = a + 1
            while b < n && cellOf[byCell[b]] == cellOf[byCell[a]] { b += 1 }
            let m = Array(byCell[a..<b])
            var sx = 0.0, sy = 0.0, sz = 0.0
            for i in m { sx += points.x[i]; sy += points.y[i]; sz += points.z[i] }
            let norm = (sx * sx + sy * sy + sz * sz).squareRoot()
            // Members of one cell are never antipodal, so the mean is not zero; the first member
            // is the fallback all the same.
            let c = norm > 0 ? (sx / norm, sy / norm, sz / norm) : (points.x[m[0]], points.y[m[0]], points.z[m[0]])
            // The farthest member by chord (monotone in the angle), one separation for it.
            var far = m[0], farChord2 = -1.0
            for i in m {
                let dx = points.x[i] - c.0, dy = points.y[i] - c.1, dz = points.z[i] - c.2
                let d2 = dx * dx + dy * dy + dz * dz
                if d2 > farChord2 { farChord2 = d2; far = i }
            }
            let r = Separation.arcsec(c.0, c.1, c.2, points.x[far], points.y[far], points.z[far])
            caps.append(Cap(x: c.0, y: c.1, z: c.2, radiusArcsec: r * (1 + relativeSlack) + absoluteSlackArcsec))
            members.append(m)
            a = b
        }
        return (caps, members)
    }

    /// For this rank's caps/members and the caps of all ranks (`others`, each with its owner rank;
    /// may include this rank's own caps — skipped, owner == `me`), the (point index, destination
    /// rank) pairs such that the point lies within cap.radius + haloArcsec of some cap of that rank.
    /// Each (point, rank) at most once; sorted by rank, then point index.
    ///
    /// The other caps are indexed (SkyIndex over their centres, zone height = the largest other
    /// radius + halo); each own cap queries it within own radius + largest other radius + halo,
    /// keeps the caps with sep(centres) ≤ own + other radius + halo, and only then tests its members
    /// against them: O(caps · neighbours + members · neighbours), not O(myCaps × allCaps).
    public static func haloDestinations(_ points: SkyPoints, caps: [Cap], members: [[Int]],
                                        others: [Cap], owners: [Int32], me: Int32,
                                        haloArcsec: Double) -> (point: [Int], rank: [Int32]) {
        precondition(caps.count == members.count, "haloDestinations: caps and members counts differ")
        precondition(others.count == owners.count, "haloDestinations: others and owners counts differ")
        precondition(haloArcsec >= 0, "haloDestinations: negative halo")
        var foreign: [Int] = []
        for (k, o) in owners.enumerated() where o != me { foreign.append(k) }
        if foreign.isEmpty || caps.isEmpty { return ([], []) }
        let centres = SkyPoints(x: foreign.map { others[$0].x }, y: foreign.map { others[$0].y },
                                z: foreign.map { others[$0].z })
        let maxOther = foreign.reduce(0.0) { max($0, others[$1].radiusArcsec) }
        let index = SkyIndex(centres, zoneHeightArcsec: max(maxOther + haloArcsec, 1))
        // Rounding slack of the exact tests (separations are exact to ~1e-10″).
        @inline(__always) func within(_ sep: Double, _ limit: Double) -> Bool { sep <= limit * (1 + 1e-12) + 1e-9 }
        var routed: [(rank: Int32, point: Int)] = []
        var near: [Int] = []
        for (k, cap) in caps.enumerated() {
            near.removeAll(keepingCapacity: true)
            index.forEach(nearX: cap.x, y: cap.y, z: cap.z,
                          radiusArcsec: cap.radiusArcsec + maxOther + haloArcsec) { f, sep in
                let o = others[foreign[f]]
                if within(sep, cap.radiusArcsec + o.radiusArcsec + haloArcsec) { near.append(foreign[f]) }
            }
            if near.isEmpty { continue }
            for p in members[k] {
                let px = points.x[p], py = points.y[p], pz = points.z[p]
                for o in near {
                    let c = others[o]
                    if within(Separation.arcsec(px, py, pz, c.x, c.y, c.z), c.radiusArcsec + haloArcsec) {
                        routed.append((owners[o], p))
                    }
                }
            }
        }
        routed.sort { $0.rank < $1.rank || ($0.rank == $1.rank && $0.point < $1.point) }
        var point: [Int] = [], rank: [Int32] = []
        for (i, r) in routed.enumerated() where i == 0 || r != routed[i - 1] {
            point.append(r.point); rank.append(r.rank)
        }
        return (point, rank)
    }
}
