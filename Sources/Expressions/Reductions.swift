// Per-row reductions over an array (fixed, ragged, or an array-valued expression), skipping NaN
// (and null, which reads as NaN): numpy's nan-functions along the row, summed in numpy's order
// (pairwise summation) so that results agree bit for bit with numpy on the same data.

enum Reduction: String, CaseIterable {
    case count, sum, mean, median, std, `var`, min, max, ptp

    /// Element kind of the result: `count` is an exact integer, the rest float.
    var kind: ElementKind { self == .count ? .int : .float }
}

enum Reductions {
    /// numpy's pairwise summation (`pairwise_sum` in numpy/_core/src/umath/loops_utils.h.src) of
    /// p[0..<n]; with `nanAsZero` NaN reads as 0, which is what np.nansum does (it replaces NaN by
    /// 0, then sums).
    static func pairwiseSum(_ p: UnsafePointer<Double>, _ n: Int, nanAsZero: Bool) -> Double {
        @inline(__always) func v(_ i: Int) -> Double { let x = p[i]; return nanAsZero && x.isNaN ? 0 : x }
        if n < 8 {
            var res = 0.0
            for i in 0..<n { res += v(i) }
            return res
        } else if n <= 128 {
            var r = (v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7))
            var i = 8
            while i < n - n % 8 {
                r.0 += v(i); r.1 += v(i + 1); r.2 += v(i + 2); r.3 += v(i + 3)
                r.4 += v(i + 4); r.5 += v(i + 5); r.6 += v(i + 6); r.7 += v(i + 7)
                i += 8
            }
            var res = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
            while i < n { res += v(i); i += 1 }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwiseSum(p, n2, nanAsZero: nanAsZero) + pairwiseSum(p + n2, n - n2, nanAsZero: nanAsZero)
    }

    /// One value per row of `x` split by `offsets` (rowCount+1 entries).
    static func reduce(_ op: Reduction, _ x: [Double], offsets: [Int]) -> Elements {
        let rows = offsets.count - 1
        if op == .count {
            return .int((0..<rows).map { r in Int64(x[offsets[r]..<offsets[r + 1]].lazy.filter { !$0.isNaN }.count) })
        }
        var scratch: [Double] = []
        let out: [Double] = x.withUnsafeBufferPointer { p in
            (0..<rows).map { r in
                let start = p.baseAddress! + offsets[r], n = offsets[r + 1] - offsets[r]
                return row(op, start, n, &scratch)
            }
        }
        return .float(out)
    }

    private static func row(_ op: Reduction, _ p: UnsafePointer<Double>, _ n: Int, _ scratch: inout [Double]) -> Double {
        var valid = 0
        for i in 0..<n where !p[i].isNaN { valid += 1 }
        switch op {
        case .count: return Double(valid)
        case .sum: return pairwiseSum(p, n, nanAsZero: true)                                   // np.nansum: 0 when empty
        case .mean: return valid == 0 ? .nan : pairwiseSum(p, n, nanAsZero: true) / Double(valid)   // np.nanmean
        case .var, .std:
            // np.nanvar (ddof 0): mean as above, then the sum of squared deviations with the NaN
            // positions as 0, in the same pairwise order (a deviation inf − inf stays NaN);
            // np.nanstd is its square root.
            guard valid > 0 else { return .nan }
            let mean = pairwiseSum(p, n, nanAsZero: true) / Double(valid)
            scratch.removeAll(keepingCapacity: true)
            for i in 0..<n { let d = p[i].isNaN ? 0 : p[i] - mean; scratch.append(d * d) }
            let v = scratch.withUnsafeBufferPointer { pairwiseSum($0.baseAddress!, n, nanAsZero: false) } / Double(valid)
            return op == .var ? v : v.squareRoot()
        case .min, .max, .ptp:
            guard valid > 0 else { return .nan }                                 // np.nanmin of all-NaN
            var lo = Double.infinity, hi = -Double.infinity
            for i in 0..<n where !p[i].isNaN { lo = Swift.min(lo, p[i]); hi = Swift.max(hi, p[i]) }
            return op == .min ? lo : op == .max ? hi : hi - lo
        case .median:
            // np.nanmedian: the middle of the sorted non-NaN values, the mean of the two middle
            // ones for an even count ((a + b) / 2, as np.mean of the pair).
            guard valid > 0 else { return .nan }
            scratch.removeAll(keepingCapacity: true)
            for i in 0..<n where !p[i].isNaN { scratch.append(p[i]) }
            scratch.sort()
            let m = valid / 2
            return valid % 2 == 1 ? scratch[m] : (scratch[m - 1] + scratch[m]) / 2
        }
    }
}
