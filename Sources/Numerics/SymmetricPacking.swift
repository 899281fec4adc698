// Symmetric matrices stored as their strict lower triangle, row by row: (1,0), (2,0), (2,1),
// (3,0), … — numpy's `tril_indices(n, -1)` order, the order in which Gaia XP files store the
// correlation matrices of the basis-function coefficients (GaiaXPy convention).

public enum SymmetricPacking {
    /// The symmetric n×n matrix (row-major) whose strict lower triangle is `packed`
    /// (n(n−1)/2 values) and whose diagonal is `diagonal` (1 for a correlation matrix).
    public static func unpack(_ packed: [Double], n: Int, diagonal: Double = 1) -> [Double] {
        precondition(packed.count == n * (n - 1) / 2)
        var m = [Double](repeating: 0, count: n * n)
        var k = 0
        for i in 0..<n {
            m[i * n + i] = diagonal
            for j in 0..<i {
                m[i * n + j] = packed[k]
                m[j * n + i] = packed[k]
                k += 1
            }
        }
        return m
    }

    /// The strict lower triangle of an n×n matrix, row by row (the inverse of `unpack`).
    public static func pack(_ m: [Double], n: Int) -> [Double] {
        precondition(m.count >= n * n)
        var out: [Double] = []
        out.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n { for j in 0..<i { out.append(m[i * n + j]) } }
        return out
    }
}
