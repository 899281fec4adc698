// Portable elementary functions for byte-identical output on every machine.
//
// The system libm may give results that differ in the last bit between library versions and
// even between code paths of one library (glibc picks FMA variants of exp/log/sin at run time on
// CPUs that have FMA). Synth writes shortest round-trip decimals, so one ulp changes the file. These
// implementations use only IEEE-754 +, −, ×, ÷ and sqrt (all correctly rounded, hence identical
// everywhere; Swift does not contract a·b + c into fused multiply-adds) with classic argument
// reductions (Cody & Waite 1980, "Software Manual for the Elementary Functions") and
// Taylor/odd-series kernels. Accuracy is a few ulp, far below every noise level synthesised.
//
// Everything is @inlinable so that Synth's hot loops (sky positions, scanning law, XP spectra)
// inline these across the module boundary as they did when this file lived in Synth.

public enum DetMath {
    // Constants as inlinable computed properties: a global `let` read from another module goes
    // through its lazy-initialisation accessor, a literal folds into the caller.
    @inlinable static var _ln2Hi: Double { 6.93147180369123816490e-01 }  // high bits of ln 2 (fdlibm split)
    @inlinable static var _ln2Lo: Double { 1.90821492927058770002e-10 }
    @inlinable static var _ln2: Double { 0.69314718055994530942 }
    /// ln 10 (rounded to the nearest double).
    @inlinable public static var ln10: Double { 2.30258509299404568402 }
    @inlinable static var _halfPiHi: Double { 1.57079632673412561417e+00 }  // π/2 in three parts (fdlibm)
    @inlinable static var _halfPiMid: Double { 6.07710050650619224932e-11 }
    @inlinable static var _halfPiLo: Double { 2.02226624879595063154e-21 }

    /// 2^n as a Double for −1022 ≤ n ≤ 1023.
    @inlinable @inline(__always) static func _pow2(_ n: Int) -> Double {
        Double(bitPattern: UInt64(n + 1023) << 52)
    }

    /// e^x.
    @inlinable public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.78 { return .infinity }
        if x < -745.0 { return 0 }
        let n = (x / _ln2).rounded()
        let r = (x - n * _ln2Hi) - n * _ln2Lo  // |r| ≤ ln2/2
        // Taylor series to r^13 (error < 1e-17 relative).
        var p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        var k = Int(n)
        var result = p
        // Scale in two steps so that subnormal and near-overflow results stay exact.
        if k > 1000 { result *= _pow2(1000); k -= 1000 }
        if k < -1000 { result *= _pow2(-1000); k += 1000 }
        return result * _pow2(k)
    }

    /// Natural logarithm.
    @inlinable public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        var m = x.significand  // [1, 2)
        var e = Int(x.exponent)
        if m > 1.4142135623730951 { m *= 0.5; e += 1 }  // m ∈ (√½, √2]
        // log m = 2 atanh(f), f = (m−1)/(m+1), |f| ≤ 0.1716; odd series to f^23.
        let f = (m - 1) / (m + 1)
        let f2 = f * f
        var s = 1.0 / 23.0
        s = s * f2 + 1.0 / 21.0
        s = s * f2 + 1.0 / 19.0
        s = s * f2 + 1.0 / 17.0
        s = s * f2 + 1.0 / 15.0
        s = s * f2 + 1.0 / 13.0
        s = s * f2 + 1.0 / 11.0
        s = s * f2 + 1.0 / 9.0
        s = s * f2 + 1.0 / 7.0
        s = s * f2 + 1.0 / 5.0
        s = s * f2 + 1.0 / 3.0
        let logm = 2 * f + 2 * f * f2 * s
        let de = Double(e)
        return de * _ln2Hi + (logm + de * _ln2Lo)
    }

    @inlinable public static func log10(_ x: Double) -> Double { DetMath.log(x) / ln10 }

    /// 10^x.
    @inlinable public static func exp10(_ x: Double) -> Double { DetMath.exp(x * ln10) }

    /// sin and cos of a reduced argument |r| ≤ π/4.
    @inlinable @inline(__always) static func _sinKernel(_ r: Double) -> Double {
        let r2 = r * r
        var p = -1.0 / 121645100408832000.0  // −1/19!
        p = p * r2 + 1.0 / 355687428096000.0
        p = p * r2 - 1.0 / 1307674368000.0
        p = p * r2 + 1.0 / 6227020800.0
        p = p * r2 - 1.0 / 39916800.0
        p = p * r2 + 1.0 / 362880.0
        p = p * r2 - 1.0 / 5040.0
        p = p * r2 + 1.0 / 120.0
        p = p * r2 - 1.0 / 6.0
        return r + r * r2 * p
    }

    @inlinable @inline(__always) static func _cosKernel(_ r: Double) -> Double {
        let r2 = r * r
        var p = 1.0 / 6402373705728000.0  // 1/18!
        p = p * r2 - 1.0 / 20922789888000.0
        p = p * r2 + 1.0 / 87178291200.0
        p = p * r2 - 1.0 / 479001600.0
        p = p * r2 + 1.0 / 3628800.0
        p = p * r2 - 1.0 / 40320.0
        p = p * r2 + 1.0 / 720.0
        p = p * r2 - 1.0 / 24.0
        p = p * r2 + 0.5
        return 1.0 - r2 * p
    }

    /// Reduces x to r ∈ [−π/4, π/4] and the quadrant n mod 4 (Cody–Waite, exact for |x| < 2^20·π/2).
    @inlinable @inline(__always) static func _reduceHalfPi(_ x: Double) -> (Double, Int) {
        let n = (x / (0.5 * Double.pi)).rounded()
        let r = ((x - n * _halfPiHi) - n * _halfPiMid) - n * _halfPiLo
        return (r, Int(n) & 3)
    }

    @inlinable public static func sin(_ x: Double) -> Double {
        if !x.isFinite { return .nan }
        let (r, q) = _reduceHalfPi(x)
        switch q {
        case 0: return _sinKernel(r)
        case 1: return _cosKernel(r)
        case 2: return -_sinKernel(r)
        default: return -_cosKernel(r)
        }
    }

    @inlinable public static func cos(_ x: Double) -> Double {
        if !x.isFinite { return .nan }
        let (r, q) = _reduceHalfPi(x)
        switch q {
        case 0: return _cosKernel(r)
        case 1: return -_sinKernel(r)
        case 2: return -_cosKernel(r)
        default: return _sinKernel(r)
        }
    }

    /// arctan, by two argument halvings atan x = 2 atan(x / (1 + √(1 + x²))) to |x| ≤ tan(π/16)
    /// after reflecting |x| > 1, then the odd series.
    @inlinable public static func atan(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x.isInfinite { return x > 0 ? Double.pi / 2 : -Double.pi / 2 }
        let neg = x < 0
        var a = neg ? -x : x
        var offset = 0.0, sign = 1.0
        if a > 1 { a = 1 / a; offset = Double.pi / 2; sign = -1 }
        a = a / (1 + (1 + a * a).squareRoot())
        a = a / (1 + (1 + a * a).squareRoot())
        let a2 = a * a
        var s = 0.0
        var k = 27.0
        while k >= 3 {
            s = s * a2 + (Int(k) % 4 == 1 ? 1.0 / k : -1.0 / k)
            k -= 2
        }
        var r = 4 * (a + a * a2 * s)
        r = offset + sign * r
        return neg ? -r : r
    }

    @inlinable public static func atan2(_ y: Double, _ x: Double) -> Double {
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 {
            if y > 0 { return Double.pi / 2 }
            if y < 0 { return -Double.pi / 2 }
            return 0
        }
        let t = DetMath.atan(y / x)
        if x > 0 { return t }
        return y >= 0 ? t + Double.pi : t - Double.pi
    }

    @inlinable public static func asin(_ x: Double) -> Double {
        if x.isNaN || x > 1 || x < -1 { return .nan }
        return DetMath.atan2(x, ((1 - x) * (1 + x)).squareRoot())
    }

    @inlinable public static func acos(_ x: Double) -> Double {
        if x.isNaN || x > 1 || x < -1 { return .nan }
        return DetMath.atan2(((1 - x) * (1 + x)).squareRoot(), x)
    }

    /// x − floor(x), in [0, 1).
    @inlinable @inline(__always) public static func frac(_ x: Double) -> Double {
        let f = x - x.rounded(.down)
        return f >= 1 ? 0 : f
    }
}
