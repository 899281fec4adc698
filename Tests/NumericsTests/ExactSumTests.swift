// ExactSum: exactness against integer arithmetic, independence of the order of the terms,
// cancellation, non-finite terms, and packing/merging as an MPI reduction does it.
import Foundation
import XCTest
@testable import Numerics

final class ExactSumTests: XCTestCase {
    func testExactSumIsExactAndOrderIndependent() {
        // Values spanning 600 binary orders of magnitude, both signs, and a cancelling pair.
        var v: [Double] = (0..<5000).map { weylSigned($0, seed: 0.1) * pow(2, Double(weylInt($0, below: 600, seed: 0.7) - 300)) }
        v += [1e300, -1e300, Double.leastNonzeroMagnitude, -2.5e-308]
        var a = ExactSum(count: 1), b = ExactSum(count: 1)
        for x in v { a.add(x, to: 0) }
        var shuffled = v
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, weylInt(i, below: i + 1, seed: 0.3)) }
        for x in shuffled { b.add(x, to: 0) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.value(0).bitPattern, b.value(0).bitPattern)
        // Against an exact integer sum: multiples of 2^-30 below 2^20.
        var c = ExactSum(count: 2)
        var exact: Int64 = 0
        for i in 0..<100_000 {
            let k = Int64(weylInt(i, below: 1 << 50, seed: 0.9)) - (1 << 49)
            exact += k
            c.add(Double(k) * pow(2, -30), to: 1)
        }
        XCTAssertEqual(c.value(1), Double(exact) * pow(2, -30))
        XCTAssertEqual(c.value(0), 0)
        // Cancellation that defeats double arithmetic.
        var d = ExactSum(count: 1)
        for x in [1e100, 1.0, -1e100, 1e-100] { d.add(x, to: 0) }
        XCTAssertEqual(d.value(0), 1.0)
        // Non-finite values poison their entry only.
        var e = ExactSum(count: 2)
        e.add([Double.nan, 2])
        XCTAssertTrue(e.value(0).isNaN)
        XCTAssertEqual(e.value(1), 2)
    }

    func testExactSumPackingAndMerging() {
        var parts = (0..<3).map { _ in ExactSum(count: 4) }
        var whole = ExactSum(count: 4)
        for i in 0..<3000 {
            let v = (0..<4).map { weylSigned(4 * i + $0, seed: 0.2) * 1e6 }
            let p = weylInt(i, below: 3, seed: 0.5)
            parts[p].add(v)
            whole.add(v)
        }
        // Merge as an MPI reduction would: normalise, pack the union of occupied digits, add.
        let used = parts.map { p -> Range<Int> in var q = p; q.normalize(); return q.occupiedDigits() }.filter { !$0.isEmpty }
        let digits = used.map(\.lowerBound).min()!..<used.map(\.upperBound).max()!
        var packed = [Int64](repeating: 0, count: 4 * (digits.count + 1))
        for var p in parts {
            p.normalize()
            for (i, w) in p.packed(digits: digits).enumerated() { packed[i] += w }
        }
        let merged = ExactSum(count: 4, digits: digits, packed: packed)
        XCTAssertEqual(merged, whole)
        XCTAssertEqual(merged.values(), whole.values())
        var added = parts[0]
        added.add(parts[1])
        added.add(parts[2])
        XCTAssertEqual(added, whole)
    }
}

/// Deterministic test values without a generator type: the golden-ratio Weyl sequence
/// frac(seed + i·φ⁻¹), equidistributed in [0, 1), and from it integers and signed values.
func weyl(_ i: Int, seed: Double) -> Double { (seed + Double(i) * 0.6180339887498949).truncatingRemainder(dividingBy: 1) }
func weylInt(_ i: Int, below n: Int, seed: Double) -> Int { min(n - 1, Int(weyl(i, seed: seed) * Double(n))) }
func weylSigned(_ i: Int, seed: Double) -> Double { 2 * weyl(i, seed: seed) - 1 }
