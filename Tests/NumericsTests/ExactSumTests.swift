// ExactSum: exactness against integer arithmetic, independence of the order of the terms,
// cancellation, non-finite terms, and packing/merging as an MPI reduction does it.
import Foundation
import XCTest
@testable import Numerics

final class ExactSumTests: XCTestCase {
    func testExactSumIsExactAndOrderIndependent() {
        var rng = SumsTestRandom(seed: 7)
        // Values spanning 600 binary orders of magnitude, both signs, and a cancelling pair.
        var v: [Double] = (0..<5000).map { _ in rng.normal() * pow(2, Double(Int(rng.uniform() * 600) - 300)) }
        v += [1e300, -1e300, Double.leastNonzeroMagnitude, -2.5e-308]
        var a = ExactSum(count: 1), b = ExactSum(count: 1)
        for x in v { a.add(x, to: 0) }
        var shuffled = v
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        for x in shuffled { b.add(x, to: 0) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.value(0).bitPattern, b.value(0).bitPattern)
        // Against an exact integer sum: multiples of 2^-30 below 2^20.
        var c = ExactSum(count: 2)
        var exact: Int64 = 0
        for _ in 0..<100_000 {
            let k = Int64(rng.next() % (1 << 50)) - (1 << 49)
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
        var rng = SumsTestRandom(seed: 8)
        var parts = (0..<3).map { _ in ExactSum(count: 4) }
        var whole = ExactSum(count: 4)
        for _ in 0..<3000 {
            let v = (0..<4).map { _ in rng.normal() * 1e6 }
            let p = Int(rng.next() % 3)
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

/// SplitMix64 (Steele, Lea & Flood 2014) with Box–Muller normals: deterministic test data.
struct SumsTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 ^ 0xD1B5_4A32_D192_ED03 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }
    mutating func normal() -> Double {
        var u = uniform()
        while u == 0 { u = uniform() }
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }
}
