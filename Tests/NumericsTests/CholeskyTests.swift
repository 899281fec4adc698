// Cholesky factorisation and solves: an exactly representable textbook factor, the defining
// identities on random SPD matrices of the sizes the callers use (4, 5, 7, 55, 120), pivot
// rejection, and the equivalence of the pointer and array forms.

import Numerics
import XCTest

final class CholeskyTests: XCTestCase {
    /// A = L·Lᵀ with L = [[2,0,0],[6,1,0],[−8,5,3]]: every step is exact in binary floating point.
    func testExactFactor() throws {
        let a: [Double] = [4, 12, -16, 12, 37, -43, -16, -43, 98]
        XCTAssertEqual(try Cholesky.factor(a, n: 3), [2, 0, 0, 6, 1, 0, -8, 5, 3])
        // A x = b for x = (1, −2, 3): b = A x.
        let b: [Double] = [4 - 24 - 48, 12 - 74 - 129, -16 + 86 + 294]
        let l = try Cholesky.factor(a, n: 3)
        XCTAssertEqual(Cholesky.solve(factor: l, n: 3, b), [1, -2, 3])
        // L y = b has y = Lᵀ x = (2·1 + 6·(−2) − 8·3, −2 + 5·3, 3·3) = (−34, 13, 9).
        XCTAssertEqual(Cholesky.forward(l, n: 3, b), [-34, 13, 9])
        XCTAssertEqual(Cholesky.backward(l, n: 3, [-34, 13, 9]), [1, -2, 3])
        XCTAssertEqual(Cholesky.inverseQuadraticForm(factor: l, n: 3, b), 34 * 34 + 13 * 13 + 81)
        XCTAssertEqual(Cholesky.lowerTimes(l, n: 3, [1, 1, 1]), [2, 7, 0])
    }

    func testIdentitiesOnRandomMatrices() throws {
        var rng = TestRandom(seed: 11)
        for n in [1, 4, 5, 7, 55, 120] {
            let a = rng.spd(n)
            let l = try Cholesky.factor(a, n: n)
            let scale = a.map(abs).max()!
            for i in 0..<n {
                XCTAssertGreaterThan(l[i * n + i], 0)
                for j in 0..<n {
                    if j > i { XCTAssertEqual(l[i * n + j], 0) }
                    var s = 0.0
                    for k in 0...min(i, j) { s += l[i * n + k] * l[j * n + k] }
                    XCTAssertEqual(s, a[i * n + j], accuracy: 1e-13 * scale, "L·Lᵀ n=\(n) (\(i),\(j))")
                }
            }
            let b = (0..<n).map { _ in rng.uniform(-1, 1) }
            let x = Cholesky.solve(factor: l, n: n, b)
            for i in 0..<n {
                var s = 0.0
                for j in 0..<n { s += a[i * n + j] * x[j] }
                XCTAssertEqual(s, b[i], accuracy: 1e-12, "A·x n=\(n)")
            }
            // bᵀA⁻¹b two ways, and A·A⁻¹ = I.
            var bx = 0.0
            for i in 0..<n { bx += b[i] * x[i] }
            XCTAssertEqual(Cholesky.inverseQuadraticForm(factor: l, n: n, b), bx, accuracy: 1e-12 * abs(bx))
            let inv = Cholesky.inverse(factor: l, n: n)
            for i in 0..<n {
                for j in 0..<n {
                    XCTAssertEqual(inv[i * n + j], inv[j * n + i])
                    var s = 0.0
                    for k in 0..<n { s += a[i * n + k] * inv[k * n + j] }
                    XCTAssertEqual(s, i == j ? 1 : 0, accuracy: 1e-11, "A·A⁻¹ n=\(n)")
                }
            }
            // L·z against the dense product with L's zero upper triangle.
            let z = (0..<n).map { _ in rng.uniform(-1, 1) }
            let lz = Cholesky.lowerTimes(l, n: n, z)
            for i in 0..<n {
                var s = 0.0
                for k in 0..<n { s += l[i * n + k] * z[k] }
                XCTAssertEqual(lz[i], s, accuracy: 1e-14 * scale)
            }
        }
    }

    /// The pointer kernels, in place, give the bits of the array forms.
    func testPointerFormsMatchArrayForms() throws {
        var rng = TestRandom(seed: 12)
        let n = 9
        let a = rng.spd(n)
        let b = (0..<n).map { _ in rng.uniform(-1, 1) }
        let l = try Cholesky.factor(a, n: n)
        var m = a, x = b
        try m.withUnsafeMutableBufferPointer { m in
            try Cholesky.factor(UnsafePointer(m.baseAddress!), into: m.baseAddress!, n: n)
        }
        for i in 0..<n { for j in 0...i { XCTAssertEqual(m[i * n + j], l[i * n + j]) } }
        m.withUnsafeBufferPointer { m in
            x.withUnsafeMutableBufferPointer { x in
                Cholesky.forwardSubstitute(m.baseAddress!, n: n, x.baseAddress!, into: x.baseAddress!)
                Cholesky.backSubstitute(m.baseAddress!, n: n, x.baseAddress!, into: x.baseAddress!)
            }
        }
        XCTAssertEqual(x, Cholesky.solve(factor: l, n: n, b))
    }

    func testPivotRejection() {
        // Indefinite: the second pivot is 1 − 4 < 0.
        let indefinite: [Double] = [1, 2, 2, 1]
        XCTAssertThrowsError(try Cholesky.factor(indefinite, n: 2)) { XCTAssertEqual($0 as? NotPositiveDefinite, NotPositiveDefinite(index: 1)) }
        XCTAssertThrowsError(try Cholesky.factor([0, 0, 0, 1], n: 2)) { XCTAssertEqual(($0 as? NotPositiveDefinite)?.index, 0) }
        XCTAssertThrowsError(try Cholesky.factor([1, 0, .nan, 1], n: 2)) { XCTAssertEqual(($0 as? NotPositiveDefinite)?.index, 1) }
        // An infinite pivot passes the LAPACK test but not the finite ones.
        let infinite: [Double] = [1, 0, 0, .infinity]
        XCTAssertNoThrow(try Cholesky.factor(infinite, n: 2))
        XCTAssertThrowsError(try Cholesky.factor(infinite, n: 2, pivot: .above(0)))
        XCTAssertThrowsError(try Cholesky.factor(infinite, n: 2, pivot: .relative(1e-12)))
        // Nearly dependent columns: the second pivot is 1e6·(1 − (1 − 1e-13)²) ≈ 2e-7, a relative
        // 2e-13 of A_11 = 1e6 — positive, but below a 1e-10 rank tolerance.
        let c = 1 - 1e-13
        let nearlySingular: [Double] = [1, 1e3 * c, 1e3 * c, 1e6]
        XCTAssertNoThrow(try Cholesky.factor(nearlySingular, n: 2))
        XCTAssertNoThrow(try Cholesky.factor(nearlySingular, n: 2, pivot: .relative(1e-14)))
        XCTAssertThrowsError(try Cholesky.factor(nearlySingular, n: 2, pivot: .relative(1e-10)))
        XCTAssertThrowsError(try Cholesky.factor(nearlySingular, n: 2, pivot: .above(1e-6)))
        XCTAssertNoThrow(try Cholesky.factor(nearlySingular, n: 2, pivot: .above(1e-8)))
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small deterministic generator for the tests.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ lo: Double = 0, _ hi: Double = 1) -> Double {
        lo + (hi - lo) * Double(next() >> 11) * 0x1p-53
    }

    /// A = B·Bᵀ + n·I with B uniform in [−1, 1]: symmetric positive definite, condition number
    /// of order a few.
    mutating func spd(_ n: Int) -> [Double] {
        let b = (0..<(n * n)).map { _ in uniform(-1, 1) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = i == j ? Double(n) : 0
                for k in 0..<n { s += b[i * n + k] * b[j * n + k] }
                a[i * n + j] = s
            }
        }
        return a
    }
}
