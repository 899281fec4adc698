// Rows split over ranks by estimated cost, not by count: a light curve costs ~N_obs·N_f (direct
// engine) and N_f grows with the curve's time span, so equal row counts can leave one rank with
// several times the work of another.
//
// 1. Pre-pass: each rank reads only the times of an equal-count slice of the rows (collectively,
//    in chunks) and models each row's cost: Σ over bands of CostModel.seconds(N, N_f) with N the
//    finite times and N_f the band's grid size (per-curve grids from the span of those times).
// 2. Boundary search without an all-rows array anywhere: with S_r the slice's cost and
//    P_r = Σ_{q<r} S_q (MPI_Exscan), boundary k (k = 1 … ranks−1) is the first row whose running
//    cost reaches k/ranks of the total; each rank finds the boundaries inside its slice, an
//    allreduce(min) combines them. Memory O(rows/ranks) per rank; scalable to 10⁸ rows.
// The split decides only who computes a row, never what is computed: outputs do not depend on it.
import GaiaIO
import LightCurves
import MPI
import Periodogram

struct CostModelInputs {
    var bands: [PhotometryBand]
    var grid: GridSpec
    var nterms: Int
    var minObs: Int
}

enum CostPartition {
    /// Work for a curve that is read and cleaned but skipped (seconds): keeps rows of empty
    /// bands from being free, so that a table of nothing but short curves still splits by count.
    static let perCurveOverhead = 2e-6

    /// This rank's contiguous block of rows, balanced by modelled cost, and the modelled cost
    /// of all rows (seconds). Collective.
    static func myRows(reader: EpochReader, inputs m: CostModelInputs, chunkRows: Int, selection: TableSelection?,
                       comm: Communicator) throws -> (rows: RowRange, totalCost: Double) {
        let rows = reader.table.rowCount
        let slice = RowPartition.byCount(rows: rows, parts: comm.size, index: comm.rank)
        let costs = try rowCosts(reader: reader, slice: slice, inputs: m, chunkRows: chunkRows, selection: selection, comm: comm)
        let bounds = RowPartition.distributedBoundaries(costs: costs, slice: slice, count: rows, comm: comm)
        return (RowRange(start: bounds[comm.rank], count: bounds[comm.rank + 1] - bounds[comm.rank]),
                comm.allreduce(costs.reduce(0, +), .sum))
    }

    /// Modelled seconds of one band of one row from its times alone: N = finite times, N_f from
    /// their span. `place` names the curve if its grid is too large.
    static func cost(times t: ArraySlice<Double>, inputs m: CostModelInputs, at place: @autoclosure () -> String) throws -> Double {
        var count = 0, tmin = Double.infinity, tmax = -Double.infinity
        for x in t where x.isFinite {
            count += 1
            tmin = min(tmin, x)
            tmax = max(tmax, x)
        }
        guard count >= m.minObs, let g = try m.grid.grid(timeSpan: tmax - tmin, at: place()) else { return perCurveOverhead }
        return perCurveOverhead + CostModel.seconds(n: count, count: g.count, nterms: m.nterms)
    }

    /// Modelled seconds of each row of `slice` (every requested band). Collective: reads in
    /// rounds; a problem found in a row is agreed on at the end of its round. A row `--where`
    /// drops is read but not analysed: it costs the per-curve overhead only.
    static func rowCosts(reader: EpochReader, slice: RowRange, inputs m: CostModelInputs, chunkRows: Int,
                         selection: TableSelection?, comm: Communicator) throws -> [Double] {
        var costs = [Double](repeating: 0, count: slice.count)
        for round in CollectiveChunks(slice, chunkRows: chunkRows, communicator: comm) {
            let range = round.rows
            var times: [(values: [Double], offsets: [Int])] = []
            var keep: [Bool]? = nil
            do {
                for b in m.bands { times.append(try reader.times(b, rows: range)) }
                // Not counted here: the analysis pass counts each row once, on the rank that runs it.
                keep = try selection?.keep(rows: range, collective: true, count: false)
            } catch {
                // A failure inside collective I/O cannot be agreed on safely: end every rank.
                comm.abort(message: "reading \(reader.table.path): \(error)")
            }
            try comm.collectively {
                for (j, b) in m.bands.enumerated() {
                    let (t, off) = times[j]
                    for i in 0..<range.count {
                        if let keep, !keep[i] {
                            costs[range.start - slice.start + i] += perCurveOverhead
                            continue
                        }
                        let c = try cost(times: t[off[i]..<off[i + 1]], inputs: m,
                                         at: "\(reader.table.path) row \(range.start + i) band \(b.rawValue)")
                        costs[range.start - slice.start + i] += c
                    }
                }
            }
        }
        return costs
    }
}
