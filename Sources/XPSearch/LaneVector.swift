// The SIMD types the batched kernel runs on: W float64 lanes (one source per lane) and their
// float32 counterpart, with the transposition that turns W row-major float32 source rows into
// structure-of-arrays vectors.

/// A vector of W float64 lanes (W = 2, 4, 8, 16) usable by `BatchedKernel`.
protocol LaneVector: SIMD where Scalar == Double {
    /// The W-lane float32 vector.
    associatedtype Narrow: SIMD where Narrow.Scalar == Float
    /// Lane-wise float32 → float64 (exact).
    static func widen(_ f: Narrow) -> Self
    /// W×W block transpose: dst[c][l] = rows[l][offset + c] for c, l < W (rows[l]: lane l's data).
    static func transpose(_ rows: UnsafePointer<UnsafePointer<Float>>, _ offset: Int, _ dst: UnsafeMutablePointer<Narrow>)
}

@inline(__always)
private func load<T: SIMD>(_ p: UnsafePointer<Float>, _ type: T.Type) -> T {
    UnsafeRawPointer(p).loadUnaligned(as: T.self)
}

/// (a, b) → (even lanes of a‖b, odd lanes of a‖b): one round of the transposition.
@inline(__always)
private func unzip(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
    let w = SIMD16<Float>(lowHalf: a, highHalf: b)
    return (w.evenHalf, w.oddHalf)
}

@inline(__always)
private func unzip(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
    let w = SIMD8<Float>(lowHalf: a, highHalf: b)
    return (w.evenHalf, w.oddHalf)
}

/// 8×8 float transpose by three rounds of unzips pairing rows that differ in bit 0, 1, then 2 of
/// their index: each round moves one column bit into the vector index and one row bit into the
/// lane index, so after three rounds vector c holds column c with rows in lane order.
@inline(__always)
private func transpose8(_ rows: UnsafePointer<UnsafePointer<Float>>, _ offset: Int, _ dst: UnsafeMutablePointer<SIMD8<Float>>) {
    var v0 = load(rows[0] + offset, SIMD8<Float>.self), v1 = load(rows[1] + offset, SIMD8<Float>.self)
    var v2 = load(rows[2] + offset, SIMD8<Float>.self), v3 = load(rows[3] + offset, SIMD8<Float>.self)
    var v4 = load(rows[4] + offset, SIMD8<Float>.self), v5 = load(rows[5] + offset, SIMD8<Float>.self)
    var v6 = load(rows[6] + offset, SIMD8<Float>.self), v7 = load(rows[7] + offset, SIMD8<Float>.self)
    (v0, v1) = unzip(v0, v1); (v2, v3) = unzip(v2, v3); (v4, v5) = unzip(v4, v5); (v6, v7) = unzip(v6, v7)
    (v0, v2) = unzip(v0, v2); (v1, v3) = unzip(v1, v3); (v4, v6) = unzip(v4, v6); (v5, v7) = unzip(v5, v7)
    (v0, v4) = unzip(v0, v4); (v1, v5) = unzip(v1, v5); (v2, v6) = unzip(v2, v6); (v3, v7) = unzip(v3, v7)
    dst[0] = v0; dst[1] = v1; dst[2] = v2; dst[3] = v3; dst[4] = v4; dst[5] = v5; dst[6] = v6; dst[7] = v7
}

extension SIMD2: LaneVector where Scalar == Double {
    typealias Narrow = SIMD2<Float>
    @inline(__always) static func widen(_ f: SIMD2<Float>) -> SIMD2<Double> { SIMD2<Double>(f) }
    @inline(__always)
    static func transpose(_ rows: UnsafePointer<UnsafePointer<Float>>, _ offset: Int, _ dst: UnsafeMutablePointer<SIMD2<Float>>) {
        let a = rows[0] + offset, b = rows[1] + offset
        dst[0] = SIMD2<Float>(a[0], b[0])
        dst[1] = SIMD2<Float>(a[1], b[1])
    }
}

extension SIMD4: LaneVector where Scalar == Double {
    typealias Narrow = SIMD4<Float>
    @inline(__always) static func widen(_ f: SIMD4<Float>) -> SIMD4<Double> { SIMD4<Double>(f) }
    @inline(__always)
    static func transpose(_ rows: UnsafePointer<UnsafePointer<Float>>, _ offset: Int, _ dst: UnsafeMutablePointer<SIMD4<Float>>) {
        var v0 = load(rows[0] + offset, SIMD4<Float>.self), v1 = load(rows[1] + offset, SIMD4<Float>.self)
        var v2 = load(rows[2] + offset, SIMD4<Float>.self), v3 = load(rows[3] + offset, SIMD4<Float>.self)
        (v0, v1) = unzip(v0, v1); (v2, v3) = unzip(v2, v3)
        (v0, v2) = unzip(v0, v2); (v1, v3) = unzip(v1, v3)
        dst[0] = v0; dst[1] = v1; dst[2] = v2; dst[3] = v3
    }
}

extension SIMD8: LaneVector where Scalar == Double {
    typealias Narrow = SIMD8<Float>
    @inline(__always) static func widen(_ f: SIMD8<Float>) -> SIMD8<Double> { SIMD8<Double>(f) }
    @inline(__always)
    static func transpose(_ rows: UnsafePointer<UnsafePointer<Float>>, _ offset: Int, _ dst: UnsafeMutablePointer<SIMD8<Float>>) {
        transpose8(rows, offset, dst)
    }
}

extension SIMD16: LaneVector where Scalar == Double {
    typealias Narrow = SIMD16<Float>
    @inline(__always) static func widen(_ f: SIMD16<Float>) -> SIMD16<Double> { SIMD16<Double>(f) }
    /// Four 8×8 transposes: lanes 0–7 and 8–15, columns 0–7 and 8–15.
    @inline(__always)
    static func transpose(_ rows: UnsafePointer<UnsafePointer<Float>>, _ offset: Int, _ dst: UnsafeMutablePointer<SIMD16<Float>>) {
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 32) { t in
            let b = t.baseAddress!
            transpose8(rows, offset, b)            // lanes 0–7, columns 0–7
            transpose8(rows + 8, offset, b + 8)    // lanes 8–15, columns 0–7
            transpose8(rows, offset + 8, b + 16)   // lanes 0–7, columns 8–15
            transpose8(rows + 8, offset + 8, b + 24)
            for c in 0..<8 {
                dst[c] = SIMD16<Float>(lowHalf: b[c], highHalf: b[8 + c])
                dst[8 + c] = SIMD16<Float>(lowHalf: b[16 + c], highHalf: b[24 + c])
            }
        }
    }
}
