// The k best matches under a ranking, deterministic whatever the insertion order.
import Numerics

/// How matches are ordered (command line `--rank-by`, parameter `xp_search.rank_by`).
public enum XPRanking: String, CaseIterable, Sendable {
    /// Highest χ² upper-tail probability p = Q(dof/2, χ²/2) first: comparable across degrees of
    /// freedom, so a source compared on one band (dof 55) no longer outranks a two-band twin
    /// (dof 110) merely because its χ² has half the expectation. The default.
    case pValue = "p-value"
    /// Smallest raw χ² first.
    case chi2

    /// The primary key, smaller is better: χ², or −ln p from the log of the regularized upper
    /// incomplete gamma (so sources whose p underflows to 0 keep their order). A deterministic
    /// function of (χ², dof): every rank computes the same key for the same score.
    @inline(__always)
    public func key(chi2: Double, dof: Int) -> Double {
        switch self {
        case .chi2: return chi2
        case .pValue: return -ChiSquare.logUpperTail(chi2, dof: dof)
        }
    }

    public func key(_ s: XPScore) -> Double { key(chi2: s.chi2, dof: s.dof) }

    /// A lower bound of the key of every source with χ² ≥ `chi2LowerBound` and dof ≤ `maxDof`
    /// (exact pruning). Q(a, x) decreases in x and increases in a (more degrees of freedom, more
    /// tail at a given χ²), so p ≤ Q(maxDof/2, chi2LowerBound/2) for sources of any dof up to
    /// maxDof: the bound stays valid when some sources turn out to be compared on one band only.
    /// The p-value key is shaved by 1e-12 (relative) for the rounding of the two tail evaluations
    /// (~1e-14); the χ² bound carries its own margin (`CorrelationBound`). +∞ when maxDof ≤ 0
    /// (no band in common with the template: never a match).
    public func keyLowerBound(chi2LowerBound: Double, maxDof: Int) -> Double {
        guard maxDof > 0 else { return .infinity }
        switch self {
        case .chi2: return chi2LowerBound
        case .pValue: return -ChiSquare.logUpperTail(max(chi2LowerBound, 0), dof: maxDof) * (1 - 1e-12)
        }
    }
}

/// Keeps the k best scores under `ranking`: by its key (χ², or −ln p), ties by χ², then by
/// ascending source_id — a strict total order on (key, χ², source_id), so the result does not
/// depend on the order of insertion nor on how the sources were split between ranks. With
/// `.chi2` this is exactly the order (χ², source_id). Scores with NaN χ² (skipped, not positive
/// definite) never enter.
public struct TopK: Sendable {
    public let k: Int
    public let ranking: XPRanking

    struct Entry: Sendable {
        var key: Double
        var score: XPScore
    }

    /// Max-heap on (key, χ², source_id): the worst kept score at index 0.
    private var heap: [Entry] = []

    public init(k: Int, ranking: XPRanking) {
        self.k = max(0, k)
        self.ranking = ranking
        heap.reserveCapacity(min(self.k, 1 << 16))
    }

    @inline(__always)
    static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.score.chi2 != b.score.chi2 { return a.score.chi2 < b.score.chi2 }
        return a.score.sourceID < b.score.sourceID
    }

    /// a ranks before b under `ranking`.
    public static func precedes(_ a: XPScore, _ b: XPScore, ranking: XPRanking) -> Bool {
        precedes(Entry(key: ranking.key(a), score: a), Entry(key: ranking.key(b), score: b))
    }

    public var count: Int { heap.count }

    /// The k-th best score, nil until k scores are kept.
    public var worst: XPScore? { heap.count < k ? nil : heap[0].score }

    /// The ranking key of the k-th best score, +∞ until k scores are kept: a source whose key
    /// has a lower bound above it cannot enter.
    public var worstKey: Double { heap.count < k ? .infinity : heap[0].key }

    public mutating func insert(_ s: XPScore) {
        guard !s.chi2.isNaN, k > 0 else { return }
        if heap.count == k && ranking == .pValue {
            // Most sources are far worse than the k-th best: skip the tail evaluation (~0.5 µs)
            // when the order is certain. With dof ≤ the k-th best's dof and χ² larger by more
            // than 1e-6 relative, p is smaller (Q falls with χ², grows with dof) by a margin far
            // above the ~1e-14 rounding of log Q — or both log Q round to the same value (p
            // underflowing below ~1e-308 of 1 − p), and the tie goes to the smaller χ². Either
            // way the full comparison would reject s too, so the result is unchanged.
            let w = heap[0].score
            if s.dof <= w.dof && s.chi2 > w.chi2 * (1 + 1e-6) { return }
        }
        let e = Entry(key: ranking.key(s), score: s)
        if heap.count < k {
            heap.append(e)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.precedes(heap[parent], heap[i]) else { break }
                heap.swapAt(parent, i)
                i = parent
            }
        } else if Self.precedes(e, heap[0]) {
            heap[0] = e
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

    /// The kept scores, best first.
    public var sorted: [XPScore] { heap.sorted(by: Self.precedes).map(\.score) }

    /// The k best of several lists (e.g. one per MPI rank): equal to the top-k of all the scores
    /// inserted into one TopK.
    public static func merge(_ lists: [[XPScore]], k: Int, ranking: XPRanking) -> [XPScore] {
        var t = TopK(k: k, ranking: ranking)
        for list in lists { t.insert(contentsOf: list) }
        return t.sorted
    }
}
