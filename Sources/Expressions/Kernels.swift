// Vectorised element-wise kernels: one tight loop per operation over contiguous arrays, with a
// constant operand broadcast (no per-row dispatch). The closures are literals at each call of the
// always-inlined `zipMap`/`map1`, so the optimiser compiles each into its own loop.

import Foundation

/// Element-wise f(a, b); an operand marked constant holds one element for all.
@inline(__always)
func zipMap<A, B, R>(_ a: [A], _ aConst: Bool, _ b: [B], _ bConst: Bool, _ f: (A, B) -> R) -> [R] {
    let n = aConst ? (bConst ? 1 : b.count) : a.count
    return [R](unsafeUninitializedCapacity: n) { out, count in
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                if aConst && !bConst {
                    let x = pa[0]
                    for i in 0..<n { (out.baseAddress! + i).initialize(to: f(x, pb[i])) }
                } else if bConst && !aConst {
                    let y = pb[0]
                    for i in 0..<n { (out.baseAddress! + i).initialize(to: f(pa[i], y)) }
                } else {
                    for i in 0..<n { (out.baseAddress! + i).initialize(to: f(pa[i], pb[i])) }
                }
            }
        }
        count = n
    }
}

@inline(__always)
func map1<A, R>(_ a: [A], _ f: (A) -> R) -> [R] {
    [R](unsafeUninitializedCapacity: a.count) { out, count in
        a.withUnsafeBufferPointer { pa in
            for i in 0..<pa.count { (out.baseAddress! + i).initialize(to: f(pa[i])) }
        }
        count = a.count
    }
}

enum ArithmeticOp { case add, sub, mul, div, floorDiv, mod, pow, atan2, hypot, min, max }

enum CompareOp: String {
    case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "==", ne = "!="
    /// The result where an operand is null: null reads as NaN, and only `!=` holds with NaN.
    var nullResult: Bool { self == .ne }
}

/// Element-wise comparison of Doubles (IEEE: false with NaN, except !=) or of exact Int64s;
/// specialised per element type by the optimiser.
func compareKernel<T: Comparable>(_ op: CompareOp, _ a: [T], _ ac: Bool, _ b: [T], _ bc: Bool) -> [Bool] {
    switch op {
    case .lt: return zipMap(a, ac, b, bc) { $0 < $1 }
    case .le: return zipMap(a, ac, b, bc) { $0 <= $1 }
    case .gt: return zipMap(a, ac, b, bc) { $0 > $1 }
    case .ge: return zipMap(a, ac, b, bc) { $0 >= $1 }
    case .eq: return zipMap(a, ac, b, bc) { $0 == $1 }
    case .ne: return zipMap(a, ac, b, bc) { $0 != $1 }
    }
}

enum UnaryOp { case neg, abs, sqrt, exp, log, log10, sin, cos, tan, arcsin, arccos, arctan, floor, ceil, round, radians, degrees }

enum FloatKernels {
    static func binary(_ op: ArithmeticOp, _ a: [Double], _ ac: Bool, _ b: [Double], _ bc: Bool) -> [Double] {
        switch op {
        case .add: return zipMap(a, ac, b, bc) { $0 + $1 }
        case .sub: return zipMap(a, ac, b, bc) { $0 - $1 }
        case .mul: return zipMap(a, ac, b, bc) { $0 * $1 }
        case .div: return zipMap(a, ac, b, bc) { $0 / $1 }
        case .floorDiv: return zipMap(a, ac, b, bc) { NumpyFloat.floorDivide($0, $1) }
        case .mod: return zipMap(a, ac, b, bc) { NumpyFloat.remainder($0, $1) }
        case .pow:
            // numpy's fast_scalar_power: a constant exponent 2, 0.5 or −1 is np.square, np.sqrt or
            // np.reciprocal — the same correctly rounded values as pow, without its cost.
            if bc, let e = b.first {
                if e == 2 { return map1(a) { $0 * $0 } }
                if e == 0.5 { return map1(a) { $0.squareRoot() } }
                if e == -1 { return map1(a) { 1 / $0 } }
            }
            return zipMap(a, ac, b, bc) { Foundation.pow($0, $1) }
        case .atan2: return zipMap(a, ac, b, bc) { Foundation.atan2($0, $1) }
        case .hypot: return zipMap(a, ac, b, bc) { Foundation.hypot($0, $1) }
        // np.minimum / np.maximum: a NaN in either operand gives NaN; of equal operands (0.0 and
        // -0.0) the second, as numpy's SIMD loops (minpd/maxpd).
        case .min: return zipMap(a, ac, b, bc) { ($0 < $1 || $0.isNaN) ? $0 : $1 }
        case .max: return zipMap(a, ac, b, bc) { ($0 > $1 || $0.isNaN) ? $0 : $1 }
        }
    }

    static func unary(_ op: UnaryOp, _ a: [Double]) -> [Double] {
        switch op {
        case .neg: return map1(a) { -$0 }
        case .abs: return map1(a) { Swift.abs($0) }
        case .sqrt: return map1(a) { $0.squareRoot() }
        case .exp: return map1(a) { Foundation.exp($0) }
        case .log: return map1(a) { Foundation.log($0) }
        case .log10: return map1(a) { Foundation.log10($0) }
        case .sin: return map1(a) { Foundation.sin($0) }
        case .cos: return map1(a) { Foundation.cos($0) }
        case .tan: return map1(a) { Foundation.tan($0) }
        case .arcsin: return map1(a) { Foundation.asin($0) }
        case .arccos: return map1(a) { Foundation.acos($0) }
        case .arctan: return map1(a) { Foundation.atan($0) }
        case .floor: return map1(a) { $0.rounded(.down) }
        case .ceil: return map1(a) { $0.rounded(.up) }
        case .round: return map1(a) { $0.rounded(.toNearestOrEven) }     // np.round: half to even (rint)
        case .radians: return map1(a) { $0 * (Double.pi / 180) }        // npy_deg2rad
        case .degrees: return map1(a) { $0 * (180 / Double.pi) }        // npy_rad2deg
        }
    }
}

enum IntKernels {
    /// Exact Int64 arithmetic, wrapping on overflow as numpy does; `//` and `%` by zero give 0
    /// here and are made null by the caller.
    static func binary(_ op: ArithmeticOp, _ a: [Int64], _ ac: Bool, _ b: [Int64], _ bc: Bool) -> [Int64] {
        switch op {
        case .add: return zipMap(a, ac, b, bc) { $0 &+ $1 }
        case .sub: return zipMap(a, ac, b, bc) { $0 &- $1 }
        case .mul: return zipMap(a, ac, b, bc) { $0 &* $1 }
        case .floorDiv: return zipMap(a, ac, b, bc) { NumpyInt.floorDivide($0, $1) }
        case .mod: return zipMap(a, ac, b, bc) { NumpyInt.remainder($0, $1) }
        case .min: return zipMap(a, ac, b, bc) { Swift.min($0, $1) }
        case .max: return zipMap(a, ac, b, bc) { Swift.max($0, $1) }
        case .div, .pow, .atan2, .hypot: preconditionFailure("\(op) is always float")
        }
    }
}

/// numpy's float floor division and remainder (npy_divmod, numpy/_core/src/npymath/npy_math_internal.h.src):
/// the remainder takes the sign of the divisor, and the quotient is snapped so that
/// a == b·(a // b) + a % b as closely as rounding allows.
enum NumpyFloat {
    @inline(__always)
    static func divmod(_ a: Double, _ b: Double) -> (Double, Double) {
        var mod = Foundation.fmod(a, b)
        if b == 0 { return (a / b, mod) }
        var div = (a - mod) / b
        if mod != 0 {
            if (b < 0) != (mod < 0) { mod += b; div -= 1 }
        } else {
            mod = Double(signOf: b, magnitudeOf: 0)
        }
        var floorDiv: Double
        if div != 0 {
            floorDiv = div.rounded(.down)
            if div - floorDiv > 0.5 { floorDiv += 1 }
        } else {
            floorDiv = Double(signOf: a / b, magnitudeOf: 0)
        }
        return (floorDiv, mod)
    }

    @inline(__always) static func floorDivide(_ a: Double, _ b: Double) -> Double { b == 0 ? a / b : divmod(a, b).0 }
    @inline(__always) static func remainder(_ a: Double, _ b: Double) -> Double { b == 0 ? Foundation.fmod(a, b) : divmod(a, b).1 }
}

/// numpy's int64 floor division and remainder (Python semantics); Int64.min // -1 wraps to
/// Int64.min as in numpy. A zero divisor returns 0 (the caller marks it null).
enum NumpyInt {
    @inline(__always)
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 { return 0 }
        if b == -1 { return 0 &- a }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    @inline(__always)
    static func remainder(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 || b == -1 { return 0 }
        let r = a % b
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
    }
}
