// `pairs`, step by step:
// 1. Compile --where, --radius and the pair expressions once (errors with a caret before any read).
// 2. One collective pass over each rank's contiguous rows, reading ra, dec, source_id, the columns
//    of --radius/--where and those the pair expressions name; rows with a NaN position or radius
//    are skipped and counted, a negative radius is an error naming the row.
// 3. PairHalo finds every pair once (halos, large-radius broadcast; see its header).
// 4. The pairs are oriented (a: smaller source_id), filtered by --pair-where, given their
//    --columns, and sorted globally by (source_id_a, source_id_b).
// With --shifted the same runs again on the selection plus its shifted copy (side 1), keeping
// only pairs between the two.
import Expressions
import Foundation
import GaiaIO
import GaiaJob
import MPI
import Pairs

/// One rank's block of a sorted pair table.
struct PairTable {
    var a: [Int64] = [], b: [Int64] = [], sep: [Double] = []
    var columns: [PayloadColumn] = []
    /// (θ, |µ_a − µ_b|) of up to PairFigure.sampleRows of this rank's kept pairs, for the figure
    /// (Δµ NaN when the table has no pmra, pmdec).
    var sample: (sep: [Double], dpm: [Double]) = ([], [])
    /// Pairs before --pair-where (over all ranks) and kept.
    var found = 0
    var kept = 0
    var haloRows = 0
    /// Candidate pairs tested over all ranks.
    var candidates = 0
    var largeRows = 0
    var haloRadius = 0.0
    var seconds = 0.0
}

public struct PairsResult {
    var pairs: PairTable
    var shifted: PairTable?
    var columnNames: [String]
    var columnTexts: [String]
    var columnUnits: [String]
    var radiusText: String
    var pairWhere: String?
    var whereText: String?
    var shiftDeg: Double?
    var rowsRead = 0
    var rowsSelected = 0
    var skippedPosition = 0
    var skippedRadius = 0
    var seconds = 0.0
    var readSeconds = 0.0
    var input: String
    var table: String
}

enum PairsRun {
    static func run(_ o: PairsOptions, in context: JobContext) throws -> PairsResult {
        let comm = context.communicator
        let t0 = Clock.wall()
        let scan = try TableScan(path: o.input, table: o.table, communicator: comm)
        let condition = try scan.condition(context)
        let (radius, expressions) = try comm.collectively { () -> (Expressions.Expression, PairExpressions) in
            try PairInput.requireColumns(scan)
            let r = try scan.compile(o.radius, label: "--radius")
            guard !r.isArray, r.kind != .bool else {
                throw ExpressionError(r.isArray ? "gives an array per row; the radius is one number (arcsec) per row"
                                                : "is a condition; the radius is a number of arcsec",
                                      expression: o.radius, position: 0, label: "--radius")
            }
            return (r, try PairExpressions(pairWhere: o.pairWhere, columns: o.columns, table: scan.signatures))
        }
        context.log("pairs: \(scan.table.rowCount) rows of \(o.input):/\(scan.table.name)"
                    + (condition.map { " where \($0.text)" } ?? "") + ", radius \(o.radius) arcsec"
                    + (o.pairWhere.map { ", pairs where \($0)" } ?? "") + (o.shifted.map { ", shifted copy at \($0)°" } ?? ""))

        let tRead = Clock.wall()
        let input = try PairInput.read(scan, condition: condition, radius: radius, payload: expressions.payloadNames, kinds: expressions.payloadKinds,
                                       chunkRows: o.chunkRows, progress: context.progress(unit: "rows"))
        let readSeconds = comm.elapsed(since: tRead)
        try scan.close()
        let totals = comm.allreduce([input.rows.count, input.selected, input.skippedPosition, input.skippedRadius], .sum)
        if totals[2] + totals[3] > 0 {
            context.log("pairs: skipped \(totals[2]) rows with a NaN position and \(totals[3]) with a NaN radius (of \(totals[1]) selected)")
        }

        let pairs = try searchAndSort(input.rows, copyOffset: nil, o, expressions, context, what: "pairs")
        var shifted: PairTable? = nil
        if let deg = o.shifted {
            var both = input.rows
            let offset = Int64(scan.table.rowCount)
            both.append(PairInput.shiftedCopy(input.rows, byDeg: deg, keyOffset: offset))
            shifted = try searchAndSort(both, copyOffset: offset, o, expressions, context, what: "shifted pairs")
        }
        let units = expressions.columns.map { _ in "" }
        var r = PairsResult(pairs: pairs, shifted: shifted, columnNames: expressions.columns.map(\.name),
                            columnTexts: expressions.columns.map(\.expression.text), columnUnits: units,
                            radiusText: o.radius, pairWhere: o.pairWhere, whereText: condition?.text, shiftDeg: o.shifted,
                            input: o.input, table: scan.table.name)
        r.rowsRead = scan.table.rowCount
        r.rowsSelected = totals[1]
        r.skippedPosition = totals[2]
        r.skippedRadius = totals[3]
        r.readSeconds = readSeconds
        r.seconds = comm.elapsed(since: t0)
        return r
    }

    /// |µ_a − µ_b| in mas/yr when the rows carry pmra and pmdec (NaN otherwise): the figure's Δµ.
    static func properMotionDifference(_ u: PairRows, _ a: [Int], _ b: [Int]) -> [Double] {
        guard let i = u.payloadNames.firstIndex(of: "pmra"), let j = u.payloadNames.firstIndex(of: "pmdec"),
              case .float(let pmra) = u.payload[i].values, case .float(let pmdec) = u.payload[j].values else {
            return a.map { _ in .nan }
        }
        return zip(a, b).map { hypot(pmra[$0] - pmra[$1], pmdec[$0] - pmdec[$1]) }
    }

    /// Finds, filters, describes and sorts the pairs of `rows`. With `copyOffset` (the key offset
    /// of the shifted copy): only pairs between the selection and its shifted copy, a being the
    /// original, and never a row with its own copy.
    static func searchAndSort(_ rows: PairRows, copyOffset: Int64?, _ o: PairsOptions, _ expressions: PairExpressions,
                              _ context: JobContext, what: String) throws -> PairTable {
        let comm = context.communicator
        let sides = copyOffset != nil
        let t0 = Clock.wall()
        let local = PairHalo.search(own: rows, sides: sides, haloRadius: o.haloRadius, comm: comm,
                                    progress: context.progress(label: what, unit: "rows searched"))
        let u = local.rows
        // Orientation: a is the original (shifted search) or the smaller (source_id, key).
        var a = [Int](), b = [Int]()
        a.reserveCapacity(local.first.count); b.reserveCapacity(local.first.count)
        var sep: [Double] = []
        sep.reserveCapacity(local.first.count)
        for (k, (i, j)) in zip(local.first, local.second).enumerated() {
            let iFirst = sides ? u.side[i] == 0 : (u.sourceId[i], u.key[i]) < (u.sourceId[j], u.key[j])
            let (x, y) = iFirst ? (i, j) : (j, i)
            if let offset = copyOffset, u.key[y] == u.key[x] + offset { continue }
            a.append(x); b.append(y); sep.append(local.sep[k])
        }
        let (keep, columns) = try comm.collectivelyFirst { try expressions.evaluate(u, a: a, b: b, sep: sep) }
        let kept = keep.indices.filter { keep[$0] }
        let ka = kept.map { a[$0] }, kb = kept.map { b[$0] }
        let table = SortedRows(keys: [ka.map { u.sourceId[$0] }, kb.map { u.sourceId[$0] }, ka.map { u.key[$0] }, kb.map { u.key[$0] }],
                               doubles: [kept.map { sep[$0] }], payload: columns).globallySorted(comm)
        var t = PairTable(a: table.keys[0], b: table.keys[1], sep: table.doubles[0], columns: table.payload)
        // The figure's sample is taken here, from the pairs this rank found: no column moves
        // through the sort for it.
        let s = min(PairFigure.sampleRows, kept.count)
        t.sample = (kept.prefix(s).map { sep[$0] }, properMotionDifference(u, Array(ka.prefix(s)), Array(kb.prefix(s))))
        let counts = comm.allreduce([a.count, kept.count, local.haloRows, local.candidates], .sum)
        t.found = counts[0]; t.kept = counts[1]; t.haloRows = counts[2]; t.candidates = counts[3]
        t.largeRows = local.largeRows
        t.haloRadius = local.haloRadius
        t.seconds = comm.elapsed(since: t0)
        context.log("\(what): \(t.candidates) candidate pairs tested, \(t.found) found, \(t.kept) kept; halo radius \(String(format: "%.6g", t.haloRadius))\" "
                    + "(\(t.largeRows) rows above it broadcast), \(t.haloRows) halo rows received, "
                    + String(format: "%.2f s", t.seconds))
        return t
    }
}
