// The XP columns of a repacked `xp_continuous_mean_spectrum` table, read in blocks as XPBlocks.
// Column names are Gaia's (Docs/data-format.md); the pruning index columns are GaiaMine's.
import GaiaFormat
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
    /// Per band of `bands`: the basis size n_b of the data, the width of `<b>_coefficients` (DR3:
    /// 55 both; DR4: BP 51, RP 55), checked: `<b>_coefficient_errors` must have n_b elements per
    /// row and `<b>_coefficient_correlations` n_b(n_b−1)/2. The error names the file and column.
    func xpBasisSizes(_ bands: [Band]) throws -> [Band: Int] {
        var sizes: [Band: Int] = [:]
        for b in bands {
            let n = try width(of: XPColumns.coefficients(b))
            guard n >= 1 else {
                throw FormatError(file: path, column: XPColumns.coefficients(b),
                                  "is not a fixed-length array column (\(n) elements per row): repack with a fixed length")
            }
            let e = try width(of: XPColumns.errors(b))
            guard e == n else {
                throw FormatError(file: path, column: XPColumns.errors(b),
                                  "has \(e) elements per row but \(XPColumns.coefficients(b)) has \(n): the basis sizes must agree")
            }
            let r = try width(of: XPColumns.correlations(b))
            guard r == xpCorrelationCount(n) else {
                throw FormatError(file: path, column: XPColumns.correlations(b),
                                  "has \(r) elements per row, but \(n) coefficients need n(n−1)/2 = \(xpCorrelationCount(n)) correlations")
            }
            sizes[b] = n
        }
        return sizes
    }

    /// Reads everything the kernels need for `ranges` of rows (packed in range order).
    /// `collective`: every rank calls it the same number of times (possibly with no rows).
    /// `standardDeviation`: read it (needed only for error scaling by it, and for templates).
    /// `basisSizes`: `xpBasisSizes(bands)` (pass it to avoid re-checking for every block).
    func readXPBlock(ranges: [RowRange], bands: [Band], sourceIDs known: [Int64]? = nil,
                     standardDeviation: Bool = true, basisSizes: [Band: Int]? = nil, collective: Bool) throws -> XPBlock {
        let count = ranges.reduce(0) { $0 + $1.count }
        let ids = try known ?? read("source_id", ranges: ranges, as: Int64.self, collective: collective)
        let sizes = try basisSizes ?? xpBasisSizes(bands)
        var block = XPBlock(count: count, sourceIDs: ids)
        for b in bands {
            let c = try read(XPColumns.coefficients(b), ranges: ranges, as: Double.self, collective: collective)
            let e = try read(XPColumns.errors(b), ranges: ranges, as: Float.self, collective: collective)
            let r = try read(XPColumns.correlations(b), ranges: ranges, as: Float.self, collective: collective)
            let sd = standardDeviation
                ? try read(XPColumns.standardDeviation(b), ranges: ranges, as: Float.self, collective: collective) : nil
            block.set(b, coefficients: c, errors: e, correlations: r, standardDeviation: sd, basisSize: sizes[b]!)
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
