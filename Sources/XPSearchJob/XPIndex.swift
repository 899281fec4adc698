// `gaiamine xp-index`: the exact pruning index of the XP search. For every source and band it
// stores Λ(R_i), a certified upper bound of the largest eigenvalue of the coefficient
// correlation matrix R_i. With it, `CorrelationBound` gives a lower bound of D²_b from the
// coefficients and errors alone (DR3: 660 of a band's 6,604 bytes), so the search reads the
// correlations only of sources that can still enter the top-k. R has a unit diagonal, so Λ(R)
// does not depend on the template or on the error scaling.
import Foundation
import GaiaIO
import MPI
import XPSearch

public enum XPIndex {
    public struct Summary {
        public var rows: Int
        public var seconds: Double
        public var missing: [Band: Int]
        /// Basis size n_b of each band (from the data).
        public var basisSizes: [Band: Int]
    }

    /// Computes and stores the index columns in the table (collective; the file is opened for writing).
    public static func build(path: String, communicator comm: Communicator, blockRows: Int = 4096,
                             progressInterval: Double = 5) throws -> Summary {
        let t0 = Clock.wall()
        let table = try comm.collectively { try GaiaTable(path: path, table: XPColumns.table, communicator: comm, writable: true) }
        // Per band the data's basis size n_b (widths checked: errors n_b, correlations n_b(n_b−1)/2).
        let sizes = try comm.collectively { try table.xpBasisSizes(Band.allCases) }
        let mine = RowPartition.byCount(rows: table.rowCount, parts: comm.size, index: comm.rank)
        let progress = ProgressReporter(label: "xp-index", unit: "rows", enabled: comm.isRoot, interval: progressInterval)
        var lambda: [Band: [Double]] = [.bp: [], .rp: []]
        var missing: [Band: Int] = [.bp: 0, .rp: 0]
        for round in CollectiveChunks(mine, chunkRows: blockRows, communicator: comm) {
            let range = round.rows, n = range.count
            for b in Band.allCases {
                let corr = try table.read(XPColumns.correlations(b), ranges: [range], as: Float.self, collective: true)
                let nb = sizes[b]!, m = xpCorrelationCount(nb)
                corr.withUnsafeBufferPointer { c in
                    for i in 0..<n {
                        let l = CorrelationBound.lambdaMax(correlations: UnsafeBufferPointer(rebasing: c[i * m..<(i + 1) * m]),
                                                           basisSize: nb)
                        if l.isNaN { missing[b]! += 1 }
                        lambda[b]!.append(l)
                    }
                }
            }
            progress.update(fraction: round.fractionDone, count: (round.index + 1) * blockRows * comm.size)
        }
        try comm.collectively {
            for b in Band.allCases {
                try table.addColumn(XPColumns.lambdaMax(b), rows: mine, values: lambda[b]!, attributes: [
                    ("units", ""),
                    ("description", "Certified upper bound of the largest eigenvalue of the \(b.rawValue.uppercased()) coefficient correlation matrix (Collatz–Wielandt bound on |R|); NaN where the band is missing. GaiaMine XP pruning index (gaiamine xp-index)."),
                    ("ucd", "stat.correlation"),
                    ("software_version", GaiaMineVersion.current),
                ])
            }
            try table.setTableAttribute("xp_pruning_index", "\(XPColumns.lambdaMax(.bp)), \(XPColumns.lambdaMax(.rp)) (gaiamine xp-index \(GaiaMineVersion.current))")
            try table.close()
        }
        var m: [Band: Int] = [:]
        for b in Band.allCases { m[b] = comm.allreduce(missing[b]!, .sum) }
        return Summary(rows: table.rowCount, seconds: comm.elapsed(since: t0), missing: m, basisSizes: sizes)
    }
}
