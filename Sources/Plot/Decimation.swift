// Long lines (periodograms with ~10⁵ frequencies) drawn at pixel resolution: consecutive points
// that fall in the same pixel column are replaced by the first, lowest, highest and last of
// them, in their original order. The polyline then covers exactly the same pixels, so every
// peak (and trough) survives, and the SVG holds at most ~4 points per pixel column.

public enum Decimation {
    /// Indices to keep, ascending, for points already mapped to pixels (`px`, `py`). Runs of
    /// consecutive points in the same integer pixel column keep first/min/max/last. Non-finite
    /// points are always kept (they break lines).
    public static func columnMinMax(px: [Double], py: [Double]) -> [Int] {
        let n = min(px.count, py.count)
        var keep: [Int] = []
        keep.reserveCapacity(min(n, 4096))
        var i = 0
        while i < n {
            guard px[i].isFinite && py[i].isFinite else {
                keep.append(i)
                i += 1
                continue
            }
            let col = px[i].rounded(.down)
            var lo = i, hi = i, j = i + 1
            while j < n, px[j].isFinite, py[j].isFinite, px[j].rounded(.down) == col {
                if py[j] < py[lo] { lo = j }
                if py[j] > py[hi] { hi = j }
                j += 1
            }
            let last = j - 1
            for k in [i, lo, hi, last].sorted() where keep.last != k { keep.append(k) }
            i = j
        }
        return keep
    }

    /// Data-space form: the (x, y) kept when `x` over `xRange` is drawn `columns` pixels wide.
    public static func minMax(x: [Double], y: [Double], xRange: ClosedRange<Double>, columns: Int) -> (x: [Double], y: [Double]) {
        let span = xRange.upperBound - xRange.lowerBound
        let scale = span > 0 ? Double(columns) / span : 0
        let px = x.map { ($0 - xRange.lowerBound) * scale }
        let keep = columnMinMax(px: px, py: y)
        return (keep.map { x[$0] }, keep.map { y[$0] })
    }
}
