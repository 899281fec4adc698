// χ² upper-tail probabilities through the regularized incomplete gamma functions: the one
// implementation behind the XP search p-values (and their ranking) and the Hellings–Downs fit's
// goodness of fit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// χ² distribution tail: for D² ~ χ²(dof), P(χ² ≥ x) = Q(dof/2, x/2).
public enum ChiSquare {
    /// ln 10.
    static let ln10 = 2.302585092994045684017991454684364
    /// Upper-tail probability (survival function, scipy `chi2.sf(x, dof)`). 1 for x ≤ 0, NaN for
    /// NaN x or dof ≤ 0; underflows to 0 far in the tail (use `logUpperTail` there).
    public static func upperTail(_ x: Double, dof: Int) -> Double {
        guard dof > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 1 }
        return IncompleteGamma.q(Double(dof) / 2, x / 2)
    }

    /// Natural log of `upperTail` (scipy `chi2.logsf`), finite where `upperTail` underflows.
    public static func logUpperTail(_ x: Double, dof: Int) -> Double {
        guard dof > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 0 }
        return IncompleteGamma.logQ(Double(dof) / 2, x / 2)
    }

    /// log10 of `upperTail` (scipy `chi2.logsf(x, dof) / ln 10`), finite where `upperTail` underflows.
    public static func log10UpperTail(_ x: Double, dof: Int) -> Double {
        logUpperTail(x, dof: dof) / ln10
    }
}

/// Regularized incomplete gamma functions P(a, x) = γ(a, x)/Γ(a) and Q(a, x) = 1 − P(a, x),
/// a > 0, x ≥ 0: the power series of γ for x < a + 1, the continued fraction of Γ(a, x) (modified
/// Lentz algorithm) otherwise (Press et al., Numerical Recipes, 3rd ed., §6.2; Lentz 1976, Appl.
/// Opt. 15, 668; Thompson & Barnett 1986, J. Comput. Phys. 64, 490). The common prefactor
/// e^{−x} x^a / Γ(a) is evaluated as exp(a·log x − x − lgamma a); relative accuracy ~1e-14 for
/// a ≤ 55 (dof ≤ 110; checked against mpmath in NumericsTests), degrading slowly (∝ x·ε) for very large arguments.
public enum IncompleteGamma {
    static let eps = 1e-16
    static let tiny = 1e-300
    static let maxIterations = 100_000

    /// log(e^{−x} x^a / Γ(a)).
    @inline(__always) static func logPrefactor(_ a: Double, _ x: Double) -> Double {
        a * log(x) - x - lgamma(a)
    }

    /// Σ_{n≥0} x^n / (a (a+1) … (a+n)) so that P = prefactor · series.
    static func series(_ a: Double, _ x: Double) -> Double {
        var ap = a
        var del = 1 / a
        var sum = del
        for _ in 0..<maxIterations {
            ap += 1
            del *= x / ap
            sum += del
            if abs(del) < abs(sum) * eps { break }
        }
        return sum
    }

    /// The continued fraction 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))) so that
    /// Q = prefactor · fraction.
    static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...maxIterations {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < eps { break }
        }
        return h
    }

    /// P(a, x).
    public static func p(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0 else { return .nan }
        if x == 0 { return 0 }
        if x == .infinity { return 1 }
        if x < a + 1 { return exp(logPrefactor(a, x)) * series(a, x) }
        return 1 - exp(logPrefactor(a, x)) * continuedFraction(a, x)
    }

    /// Q(a, x) = 1 − P(a, x).
    public static func q(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0 else { return .nan }
        if x == 0 { return 1 }
        if x == .infinity { return 0 }
        if x < a + 1 { return 1 - exp(logPrefactor(a, x)) * series(a, x) }
        return exp(logPrefactor(a, x)) * continuedFraction(a, x)
    }

    /// log Q(a, x), accurate where Q itself underflows.
    public static func logQ(_ a: Double, _ x: Double) -> Double {
        guard a > 0, x >= 0 else { return .nan }
        if x == 0 { return 0 }
        if x == .infinity { return -.infinity }
        if x < a + 1 { return log1p(-exp(logPrefactor(a, x)) * series(a, x)) }
        return logPrefactor(a, x) + log(continuedFraction(a, x))
    }
}
