// The XP columns of a repacked `xp_continuous_mean_spectrum` table, read in blocks as XPBlocks.
// Column names are Gaia's (Docs/data-format.md); the pruning index columns are GaiaMine's.
import GaiaIO
import XPSearch

enum XPColumns {
    static let table = "xp_continuous_mean_spectrum"
    static func coefficients(_ b: Band) -> String { "\(b.rawValue)_coefficients" }
    static func errors(_ b: Band) -> String { "\(b.rawValue)_coefficient_errors" }
    static func correlations(_ b: Band) -> String { "\(b.rawValue)_coefficient_correlations" }
    static func standardDeviation(_ b: Band) -> String { "\(b.rawValue)_standard_deviation" }
    /// Pruning index: certified upper bound of λmax of the correlation matrix R (XPIndex).
    static func lambdaMax(_ b: Band) -> String { "\(b.rawValue)_correlation_lambda_max" }
}

extension GaiaTable {
    /// Reads everything the kernels need for `ranges` of rows (packed in range order).
    /// `collective`: every rank calls it the same number of times (possibly with no rows).
    /// `standardDeviation`: read it (needed only for error scaling by it, and for templates).
    func readXPBlock(ranges: [RowRange], bands: [Band], sourceIDs known: [Int64]? = nil,
                     standardDeviation: Bool = true, collective: Bool) throws -> XPBlock {
        let count = ranges.reduce(0) { $0 + $1.count }
        let ids = try known ?? read("source_id", ranges: ranges, as: Int64.self, collective: collective)
        var block = XPBlock(count: count, sourceIDs: ids)
        for b in bands {
            block.coefficients[b] = try read(XPColumns.coefficients(b), ranges: ranges, as: Double.self, collective: collective)
            block.errors[b] = try read(XPColumns.errors(b), ranges: ranges, as: Float.self, collective: collective)
            block.correlations[b] = try read(XPColumns.correlations(b), ranges: ranges, as: Float.self, collective: collective)
            if standardDeviation {
                block.standardDeviation[b] = try read(XPColumns.standardDeviation(b), ranges: ranges, as: Float.self, collective: collective)
            }
        }
        return block
    }
}

/// Coalesces sorted row indices into ranges; ranges whose gap is at most `maxGap` rows merge.
func coalesce(_ rows: [Int], maxGap: Int = 0) -> [RowRange] {
    var out: [RowRange] = []
    for r in rows {
        if let last = out.last, r - last.end <= maxGap { out[out.count - 1].count = r + 1 - last.start } else {
            out.append(RowRange(start: r, count: 1))
        }
    }
    return out
}
