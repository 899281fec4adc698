// The rows a pair search starts from: each rank's contiguous rows passing --where, with their
// position, radius, key, source_id and the payload columns of the pair expressions.
import Expressions
import Foundation
import GaiaIO
import GaiaJob
import Pairs

struct PairInput {
    var rows: PairRows
    /// Rows passing --where (before the NaN skips).
    var selected = 0
    var skippedPosition = 0
    var skippedRadius = 0

    /// ra, dec and source_id must be columns of the table.
    static func requireColumns(_ scan: TableScan) throws {
        for c in ["ra", "dec", "source_id"] where !scan.signatures.contains(where: { $0.name == c && $0.shape == .scalar }) {
            let hint = Spelling.hint(for: c, among: scan.signatures.map(\.name))
            throw JobError("\(scan.table.path):/\(scan.table.name) has no column '\(c)'\(hint): a pair search needs ra, dec (deg) and source_id")
        }
    }

    /// `radius`: nil gives every row the radius 0 (crossmatch's table side, which never queries).
    /// `payload`: the columns carried with the rows (PairExpressions.payloadNames / payloadKinds).
    static func read(_ scan: TableScan, condition: Expressions.Expression?, radius: Expressions.Expression?,
                     payload: [String] = [], kinds: [ElementKind] = [], chunkRows: Int,
                     progress: ProgressReporter?) throws -> PairInput {
        var out = PairInput(rows: PairRows(payloadNames: payload, kinds: kinds))
        // Without --where every row is kept: room for all of them at once (no regrowth copies).
        if condition == nil { out.rows.reserveCapacity(scan.rows.count) }
        let read = referencedColumns([condition, radius], plus: ["ra", "dec", "source_id"] + payload)
        try scan.forEachChunk(chunkRows: chunkRows, columns: read, progress: progress) { rows, batch in
            let mask = try condition?.mask(batch) ?? [Bool](repeating: true, count: rows.count)
            let ra = try doubles(batch, "ra"), dec = try doubles(batch, "dec")
            let r = try radius?.doubles(batch) ?? [Double](repeating: 0, count: rows.count)
            guard case .int(let ids)? = batch.columns["source_id"]?.values else {
                throw JobError("\(scan.table.path):/\(scan.table.name)/source_id is not an integer column")
            }
            var used: [Int] = []
            used.reserveCapacity(rows.count)
            for i in 0..<rows.count where mask[i] {
                out.selected += 1
                guard ra[i].isFinite, dec[i].isFinite else { out.skippedPosition += 1; continue }
                guard !r[i].isNaN else { out.skippedRadius += 1; continue }
                let row = rows.start + i
                guard abs(dec[i]) <= 90 else {
                    throw JobError("\(scan.table.path):/\(scan.table.name) row \(row) (source_id \(ids[i])): dec = \(dec[i])° lies outside [-90, 90]")
                }
                guard r[i] >= 0, r[i].isFinite else {
                    throw JobError("--radius \(radius?.text ?? "0"): row \(row) (source_id \(ids[i])) has the radius \(r[i]) arcsec; "
                                   + "a radius must be finite and ≥ 0")
                }
                used.append(i)
            }
            if used.count == rows.count {
                // Every row of the chunk kept (no --where, no NaN): whole columns, no index gathers.
                out.rows.ra += ra
                out.rows.dec += dec
                out.rows.radius += r.map { $0 + 0 }     // + 0: −0 becomes +0 (ordered keys)
                out.rows.key += (0..<rows.count).map { Int64(rows.start + $0) }
                out.rows.sourceId += ids
                out.rows.side.append(contentsOf: repeatElement(0, count: rows.count))
                for (j, name) in payload.enumerated() {
                    out.rows.payload[j].append(PayloadColumn(batch.columns[name]!, count: rows.count))
                }
                return
            }
            out.rows.ra += used.map { ra[$0] }
            out.rows.dec += used.map { dec[$0] }
            out.rows.radius += used.map { r[$0] + 0 }     // + 0: −0 becomes +0 (ordered keys)
            out.rows.key += used.map { Int64(rows.start + $0) }
            out.rows.sourceId += used.map { ids[$0] }
            out.rows.side += used.map { _ in 0 }
            for (j, name) in payload.enumerated() {
                out.rows.payload[j].append(PayloadColumn(batch.columns[name]!, rows: used))
            }
        }
        return out
    }

    static func doubles(_ batch: ExpressionBatch, _ name: String) throws -> [Double] {
        switch batch.columns[name]?.values {
        case .float(let v)?: return v
        case .int(let v)?: return v.map(Double.init)
        default: throw JobError("column '\(name)' is not numeric")
        }
    }

    /// The rows moved `byDeg` toward the north pole (El-Badry et al. 2021 §3), as side 1 with
    /// keys offset past every real row; the payload (parallax, proper motion) is unchanged.
    static func shiftedCopy(_ rows: PairRows, byDeg deg: Double, keyOffset: Int64) -> PairRows {
        var s = rows
        for i in 0..<rows.count {
            let p = MeridianShift.shifted(raDeg: rows.ra[i], decDeg: rows.dec[i], byDeg: deg)
            s.ra[i] = p.raDeg
            s.dec[i] = p.decDeg
        }
        s.key = rows.key.map { $0 + keyOffset }
        s.side = rows.side.map { _ in 1 }
        return s
    }
}
