// The strongest separated peaks of a periodogram.

/// Up to `count` local maxima of `power`, strongest first, no two closer than `separation`
/// grid steps. A "peak" is a local maximum (≥ its left neighbour, > its right neighbour, so a
/// flat top counts once; the last point must exceed its left neighbour); separation is applied greedily from the strongest down, the usual
/// way to list distinct candidate periods rather than the shoulders of one peak.
/// Returns grid indices.
public func separatedPeaks(_ power: [Double], count: Int, separation: Int) -> [Int] {
    let n = power.count
    guard count > 0, n > 0 else { return [] }
    var maxima: [Int] = []
    for k in 0..<n {
        let p = power[k]
        guard p.isFinite else { continue }
        let left = k > 0 ? power[k - 1] : -Double.infinity
        // At the right edge there is no right neighbour to beat, so demand a rise from the left.
        let isMaximum = k + 1 < n ? (p >= left && p > power[k + 1]) : p > left
        if isMaximum { maxima.append(k) }
    }
    // Greedy selection, strongest first (ties: lower frequency), without sorting all maxima:
    // a grid of 10⁵–10⁶ frequencies has ~10⁴–10⁵ local maxima and only a handful are wanted,
    // so `count` linear scans beat an O(M log M) sort that would cost as much as the power itself.
    var chosen: [Int] = []
    var taken = [Bool](repeating: false, count: maxima.count)
    while chosen.count < count {
        var best = -1
        for (i, k) in maxima.enumerated() where !taken[i] {
            if best < 0 || power[k] > power[maxima[best]] { best = i }
        }
        guard best >= 0 else { break }
        let k = maxima[best]
        chosen.append(k)
        // Exclude every maximum within `separation` of the new peak (including itself).
        for (i, m) in maxima.enumerated() where !taken[i] && abs(m - k) < separation { taken[i] = true }
        taken[best] = true
    }
    return chosen
}
