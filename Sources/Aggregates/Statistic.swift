// Aggregates: exact statistics of groups of values (count, mean, std, skew, kurtosis, min, max,
// median, MAD, percentiles): a fast path over a group's sorted values (GroupStatistics) beside a
// slow, obvious reference (GroupStatisticsReference), the shared formulas (Moments, Quantiles),
// and the distributed order statistics for groups whose values are spread over ranks
// (DistributedSelection). Pure: reductions over ranks are injected (GaiaIO's GroupedStatistics
// implements them with MPI).
//
// This file: the statistics a user names in `--stats`, their parsing and column suffixes.
import Expressions  // Spelling: the one "did you mean"

/// One statistic of a group's values. Definitions (issue 11), NaN values skipped throughout:
/// - `count`: values that are not NaN (±inf count, as in pandas `count()`, so that `count` is the
///   n every other statistic is computed from);
/// - `mean`, `std` (ddof 1), `skew`, `kurtosis` (excess, bias-corrected as pandas ≥ 3.1
///   `Series.skew()`/`Series.kurt()`), from exact sums (Moments);
/// - `min`, `max`, `median` (numpy), `mad` (unscaled median of |x − median|), `percentile(p)`
///   (numpy `percentile(method="linear")`, p in 0…100).
public enum Statistic: Hashable, Sendable {
    case count, mean, std, skew, kurtosis, min, max, median, mad
    case percentile(Double)

    static let named: [(String, Statistic)] = [("count", .count), ("mean", .mean), ("std", .std), ("skew", .skew),
                                               ("kurtosis", .kurtosis), ("min", .min), ("max", .max),
                                               ("median", .median), ("mad", .mad)]

    /// The column suffix: "count", "median", "p2.5", "p5" (the percentile as Python prints it,
    /// without a trailing ".0").
    public var name: String {
        switch self {
        case .percentile(let p):
            var s = "\(p)"
            if s.hasSuffix(".0") { s.removeLast(2) }
            return "p" + s
        default:
            return Self.named.first { $0.1 == self }!.0
        }
    }

    /// Parses `--stats` items ("count", "mean", …, "p2.5"). Throws on an unknown name (with a
    /// suggestion), a percentile outside 0…100, a repeated statistic, or an empty list.
    public static func parse(_ items: [String]) throws -> [Statistic] {
        var out: [Statistic] = []
        for raw in items {
            let item = String(raw.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()).lowercased()
            guard let s = try parseOne(item) else {
                throw StatisticError("--stats: unknown statistic '\(raw)'\(Spelling.hint(for: item, among: named.map { $0.0 })); known: "
                    + named.map { $0.0 }.joined(separator: ", ") + ", pN (N-th percentile, 0…100)")
            }
            if out.contains(where: { $0.name == s.name }) { throw StatisticError("--stats: '\(raw)' is listed twice") }
            out.append(s)
        }
        if out.isEmpty { throw StatisticError("--stats: no statistic given") }
        return out
    }

    private static func parseOne(_ item: String) throws -> Statistic? {
        if let s = named.first(where: { $0.0 == item }) { return s.1 }
        guard item.hasPrefix("p"), let p = Double(item.dropFirst()), item.dropFirst().allSatisfy({ $0.isNumber || $0 == "." })
        else { return nil }
        guard p >= 0 && p <= 100 else { throw StatisticError("\(item): percentile must be within 0…100") }
        return .percentile(p)
    }
}

/// A bad `--stats` list: the message names the item.
public struct StatisticError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
