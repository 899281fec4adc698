// The k best matches (smallest χ²), deterministic whatever the insertion order.

/// Keeps the k scores with the smallest χ²; ties broken by ascending source_id, so the result
/// does not depend on the order of insertion nor on how the sources were split between ranks.
/// Scores with NaN χ² (skipped, not positive definite) never enter.
public struct TopK: Sendable {
    public let k: Int
    /// Max-heap on (χ², source_id): the worst kept score at index 0.
    private var heap: [XPScore] = []

    public init(k: Int) {
        self.k = max(0, k)
        heap.reserveCapacity(min(self.k, 1 << 16))
    }

    /// a ranks before b.
    @inline(__always)
    public static func precedes(_ a: XPScore, _ b: XPScore) -> Bool {
        a.chi2 < b.chi2 || (a.chi2 == b.chi2 && a.sourceID < b.sourceID)
    }

    public var count: Int { heap.count }

    /// χ² of the k-th best score, +inf until k scores are kept: a source with a lower bound of χ²
    /// above it cannot enter.
    public var worstChi2: Double { heap.count < k ? .infinity : heap[0].chi2 }

    public mutating func insert(_ s: XPScore) {
        guard !s.chi2.isNaN, k > 0 else { return }
        if heap.count < k {
            heap.append(s)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.precedes(heap[parent], heap[i]) else { break }
                heap.swapAt(parent, i)
                i = parent
            }
        } else if Self.precedes(s, heap[0]) {
            heap[0] = s
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < n && Self.precedes(heap[largest], heap[l]) { largest = l }
                if r < n && Self.precedes(heap[largest], heap[r]) { largest = r }
                if largest == i { break }
                heap.swapAt(i, largest)
                i = largest
            }
        }
    }

    public mutating func insert<S: Sequence>(contentsOf scores: S) where S.Element == XPScore {
        for s in scores { insert(s) }
    }

    /// The kept scores, best first (ascending χ², then source_id).
    public var sorted: [XPScore] { heap.sorted(by: Self.precedes) }

    /// The k best of several lists (e.g. one per MPI rank): equal to the top-k of all the scores
    /// inserted into one TopK.
    public static func merge(_ lists: [[XPScore]], k: Int) -> [XPScore] {
        var t = TopK(k: k)
        for list in lists { t.insert(contentsOf: list) }
        return t.sorted
    }
}
