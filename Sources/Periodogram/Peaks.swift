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
    // Strongest first; ties by lower frequency so the result does not depend on sort stability.
    maxima.sort { power[$0] != power[$1] ? power[$0] > power[$1] : $0 < $1 }
    var chosen: [Int] = []
    for k in maxima {
        if chosen.count == count { break }
        if chosen.allSatisfy({ abs($0 - k) >= separation }) { chosen.append(k) }
    }
    return chosen
}
