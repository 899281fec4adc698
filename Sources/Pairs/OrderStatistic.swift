// Order statistics of radii (the median radius sets the zone height of a search's index).

public enum OrderStatistic {
    /// The k-th smallest (0-based) of finite values, as `values.sorted()[k]`, in linear expected
    /// time: quickselect with a three-way partition (a fixed radius makes every value equal, which
    /// a two-way partition would take quadratic time over).
    public static func kthSmallest(_ values: [Double], _ k: Int) -> Double {
        precondition(k >= 0 && k < values.count, "kthSmallest: k outside the values")
        if let first = values.first, values.allSatisfy({ $0 == first }) { return first }   // (a fixed radius)
        var v = values
        return v.withUnsafeMutableBufferPointer { v in
            var lo = 0, hi = v.count - 1
            while lo < hi {
                let a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi]
                let pivot = max(min(a, b), min(max(a, b), c))   // median of three
                var lt = lo, i = lo, gt = hi
                while i <= gt {
                    let x = v[i]
                    if x < pivot { v.swapAt(lt, i); lt += 1; i += 1 }
                    else if x > pivot { v.swapAt(i, gt); gt -= 1 }
                    else { i += 1 }
                }
                if k < lt { hi = lt - 1 } else if k > gt { lo = gt + 1 } else { return pivot }
            }
            return v[lo]
        }
    }
}
