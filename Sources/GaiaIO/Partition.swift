// How work is split over ranks. Two rules: the split is a pure function of the inputs and the
// number of ranks (every rank computes the same answer without talking), and results never
// depend on it (ranks only change who does a piece of work, not what the piece is).

/// A contiguous block of rows `start..<start+count` owned by one rank.
public struct RowRange: Equatable, Sendable, CustomStringConvertible {
    public var start: Int
    public var count: Int
    public init(start: Int, count: Int) { self.start = start; self.count = count }
    public var end: Int { start + count }
    public var description: String { "[\(start), \(end))" }
}

public enum RowPartition {
    /// Splits `rows` into `parts` contiguous blocks of near-equal count (first blocks one larger).
    public static func byCount(rows: Int, parts: Int, index: Int) -> RowRange {
        let base = rows / parts, extra = rows % parts
        let start = index * base + min(index, extra)
        return RowRange(start: start, count: base + (index < extra ? 1 : 0))
    }

    /// Splits rows into contiguous blocks of near-equal total cost (e.g. N_obs × N_freq per light
    /// curve): block k ends at the first row where the running cost passes (k+1)/parts of the
    /// total. Deterministic; every rank gets the same boundaries.
    public static func byCost(_ cost: [Double], parts: Int, index: Int) -> RowRange {
        let total = cost.reduce(0, +)
        guard total > 0 else { return byCount(rows: cost.count, parts: parts, index: index) }
        var bounds = [0]
        var running = 0.0
        var k = 1
        for (i, c) in cost.enumerated() {
            running += c
            while k < parts && running >= total * Double(k) / Double(parts) {
                bounds.append(i + 1)
                k += 1
            }
        }
        while bounds.count < parts { bounds.append(cost.count) }
        bounds.append(cost.count)
        return RowRange(start: bounds[index], count: bounds[index + 1] - bounds[index])
    }
}

public enum FileAssignment {
    /// Assigns files to ranks so that the bytes per rank are balanced: largest file first to the
    /// least-loaded rank (LPT scheduling, Graham 1969), ties broken by index so that every rank
    /// computes the same assignment. Returns, for each rank, its file indices in input order.
    public static func bySize(_ sizes: [Int], ranks: Int) -> [[Int]] {
        var load = [Int](repeating: 0, count: ranks)
        var owned = [[Int]](repeating: [], count: ranks)
        let order = sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        for f in order {
            var best = 0
            for r in 1..<max(ranks, 1) where r < ranks && load[r] < load[best] { best = r }
            load[best] += max(sizes[f], 1)
            owned[best].append(f)
        }
        return owned.map { $0.sorted() }
    }
}
