// `crossmatch`, step by step:
// 1. B (CrossmatchCatalogue) is loaded on every rank: positions, ids, order by (id, row).
// 2. Each rank reads its contiguous rows of A passing --where with the pair search's reader
//    (PairInput: ra, dec, source_id; NaN positions skipped and counted, |dec| > 90° an error
//    naming the row) and indexes them (SkyIndex: declination zones one radius high).
// 3. Every B row queries this rank's index with the radius: each (B row, A row) match is made
//    exactly once, on the rank owning the A row — no halo is needed, B being replicated.
// 4. The matches are sorted globally by (B order, sep, source_id); a B row's matches land on one
//    rank (SortedRows keeps equal first keys together), where n_within is their number and
//    --nearest keeps the first.
import Expressions
import Foundation
import GaiaIO
import GaiaJob
import MPI
import Pairs

public struct CrossmatchResult {
    var catalogue: CrossmatchCatalogue
    /// This rank's block of the sorted output: B row (index into the catalogue), A's source_id,
    /// sep, n_within.
    var bRow: [Int] = [], sourceId: [Int64] = [], sep: [Double] = [], nWithin: [Int64] = []
    var mode: MatchMode
    var radius: Double
    var minWithin: Int
    var whereText: String?
    var rowsRead = 0
    var rowsSelected = 0
    var skippedPosition = 0
    var matches = 0
    var bMatched = 0
    var rowsOut = 0
    var seconds = 0.0
    var searchSeconds = 0.0
    var input: String
    var table: String
}

enum CrossmatchRun {
    static func run(_ o: CrossmatchOptions, in context: JobContext) throws -> CrossmatchResult {
        let comm = context.communicator
        let t0 = Clock.wall()
        let scan = try TableScan(path: o.input, table: o.table, communicator: comm)
        let condition = try scan.condition(context)
        try comm.collectively { try PairInput.requireColumns(scan) }
        let b = try CrossmatchCatalogue.load(o, comm: comm)
        context.log("crossmatch: \(b.count) rows of \(o.catalogue) (\(b.rowsRead) read, \(b.skippedPosition) with a NaN position skipped) "
                    + "against \(scan.table.rowCount) rows of \(o.input):/\(scan.table.name)" + (condition.map { " where \($0.text)" } ?? "")
                    + String(format: ", radius %.6g arcsec, %@", o.radius, o.match.rawValue))

        // ---- A: this rank's rows (the pair search's reader: no radius, nothing carried) ------------
        let input = try PairInput.read(scan, condition: condition, radius: nil, chunkRows: o.chunkRows,
                                       progress: context.progress(unit: "rows"))
        try scan.close()
        let ids = input.rows.sourceId, keys = input.rows.key

        // ---- matches on this rank -------------------------------------------------------------------
        let tSearch = Clock.wall()
        let a = PairSet(points: input.rows.points, radii: input.rows.radius, keys: keys)
        // B's keys are negative so that they never equal an A row's key (the kernel skips a row
        // paired with itself).
        let queries = PairSet(points: SkyPoints(raDeg: b.ra, decDeg: b.dec), radii: [Double](repeating: o.radius, count: b.count),
                              keys: b.position.map { -1 - $0 })
        let index = SkyIndex(a.points, zoneHeightArcsec: min(max(o.radius, 1), 3600))
        let found = PairSearch.search(queries, against: a, index: index, targetCompetes: nil)
        let sorted = SortedRows(keys: [found.query.map { b.position[$0] }, found.sep.map { Int64(bitPattern: $0.bitPattern) },
                                       found.target.map { ids[$0] }, found.target.map { keys[$0] }],
                                doubles: [found.sep]).globallySorted(comm)

        // ---- per B row: n_within, nearest or all, --min-within ------------------------------------
        var byPosition = [Int](repeating: 0, count: b.count)
        for (i, p) in b.position.enumerated() { byPosition[Int(p)] = i }
        var r = CrossmatchResult(catalogue: b, mode: o.match, radius: o.radius, minWithin: o.minWithin,
                                 whereText: condition?.text, input: o.input, table: scan.table.name)
        let pos = sorted.keys[0]
        var i = 0, groups = 0
        while i < pos.count {
            var j = i + 1
            while j < pos.count && pos[j] == pos[i] { j += 1 }
            groups += 1
            if j - i >= o.minWithin {
                for k in i..<(o.match == .nearest ? i + 1 : j) {
                    r.bRow.append(byPosition[Int(pos[k])])
                    r.sourceId.append(sorted.keys[2][k])
                    r.sep.append(sorted.doubles[0][k])
                    r.nWithin.append(Int64(j - i))
                }
            }
            i = j
        }
        r.searchSeconds = comm.elapsed(since: tSearch)
        let counts = comm.allreduce([input.selected, input.skippedPosition, found.count, groups, r.bRow.count], .sum)
        r.rowsRead = scan.table.rowCount
        r.rowsSelected = counts[0]; r.skippedPosition = counts[1]; r.matches = counts[2]; r.bMatched = counts[3]; r.rowsOut = counts[4]
        r.seconds = comm.elapsed(since: t0)
        context.log("crossmatch: \(r.matches) matches within \(o.radius) arcsec for \(r.bMatched) of \(b.count) B rows; "
                    + "\(r.rowsOut) output rows" + (o.minWithin > 1 ? " (n_within ≥ \(o.minWithin))" : ""))
        return r
    }
}
