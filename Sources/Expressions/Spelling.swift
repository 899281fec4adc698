// "Did you mean": the one nearest-name helper behind every hint (unknown columns and functions
// here; parameter keys, flags and job names in GaiaIO and GaiaJob).

public enum Spelling {
    /// The candidate nearest to `word` (case-insensitive edit distance, the first of equals), if it
    /// is near enough to be a misspelling: at most max(2, a third of the shorter length) edits.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        var best: (String, Int)? = nil
        for c in candidates {
            let d = editDistance(word.lowercased(), c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (c, d) = best else { return nil }
        return d <= max(2, min(word.count, c.count) / 3) ? c : nil
    }

    /// " (did you mean 'x'?)" for the closest candidate, or "": the suffix of every such error.
    public static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Edit distance (insertions, deletions, substitutions, adjacent transpositions: the optimal
    /// string alignment distance).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                // an adjacent transposition counts as one edit: d(i−2, j−2) + 1
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { cur[j] = min(cur[j], prev2[j - 2] + 1) }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
