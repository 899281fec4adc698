// Repack pass 2 for a transit table: the group attributes that say so and the per-source index
// /<table>/source_index (Docs/data-format.md). Each file's part of the index (its runs of equal
// source_ids, counted in pass 1) goes to the index position and rows the plan gives the file —
// positions that depend only on the file set, so the index is identical for any rank count.
import GaiaFormat
import HDF5
import MPI

extension Repack {
    static func writeSourceIndex(_ table: Group, plan: Plan, runs: [(file: Int, runs: TransitRows.Runs)],
                                 comm: Communicator) throws {
        try table.setAttribute("rows_are", "transits")
        try table.setAttribute("n_ccd", Int64(plan.nCCD))
        let g = try table.createGroup(SourceIndex.groupName)
        try g.setAttribute("n_sources", Int64(plan.totalSources))
        try g.setAttribute("description", "Per-source index of the transit rows: the transits of source_id[i] are rows first_row[i] ..< first_row[i] + n_rows[i] of every column, sorted by time")
        var datasets: [Dataset] = []
        for (name, description) in zip(SourceIndex.datasetNames, SourceIndex.descriptions) {
            let d = try g.createDataset(name, element: .int64, shape: [plan.totalSources])
            try d.setAttribute("units", "")
            try d.setAttribute("description", description)
            datasets.append(d)
        }
        // Collective writes: every rank takes part in every round, with an empty selection
        // when it has no file left.
        let rounds = comm.allreduce(runs.count, .max)
        for r in 0..<rounds {
            var ids: [Int64] = [], first: [Int64] = [], counts: [Int64] = []
            var at = 0
            if r < runs.count {
                let (f, part) = runs[r]
                at = plan.sourceStart[f]!
                ids = part.sourceIDs
                counts = part.counts
                first = [Int64](repeating: 0, count: counts.count)
                var row = Int64(plan.rowStart[f]!)
                for i in counts.indices {
                    first[i] = row
                    row += counts[i]
                }
            }
            for (d, values) in zip(datasets, [ids, first, counts]) {
                try values.withUnsafeBytes {
                    try d.write(rows: at, count: values.count, from: $0.baseAddress, collective: true)
                }
            }
        }
    }
}
