import XCTest
@testable import Numerics

final class ChiSquareTests: XCTestCase {
    /// (x, dof, Q = P(χ² ≥ x), log Q, scipy chi2.sf(x, dof)).
    /// Q and log Q: mpmath 1.x `gammainc(dof/2, x/2, inf, regularized=True)` at 80 digits (log Q
    /// as log1p(−P) when P < 0.5), printed to 17 digits. scipy 1.17.1 `chi2.sf` is listed for
    /// provenance: it agrees to ≤ 5e-14 relative (it is the less accurate of the two).
    static let table: [(Double, Int, Double, Double, Double)] = [
        (0.5, 1, 4.7950012218695346e-1, -7.350111298370844e-1, 0.47950012218695337),
        (3.84, 1, 5.0043521248705103e-2, -2.9948622271800273, 0.05004352124870519),
        (1e-08, 1, 9.9992021154405269e-1, -7.9791639215483498e-5, 0.9999202115440526),
        (2.0, 2, 3.6787944117144232e-1, -1.0, 0.36787944117144245),
        (10.0, 3, 1.8566135463043233e-2, -3.986416031734384, 0.01856613546304325),
        (50.0, 10, 2.6690834249044956e-7, -1.5136360524035102e+1, 2.669083424904495e-07),
        (30.0, 55, 9.9760645801921789e-1, -2.3964110815120343e-3, 0.9976064580192179),
        (55.0, 55, 4.7463685918882807e-1, -7.4520527430286787e-1, 0.4746368591888281),
        (54.0, 55, 5.1284970595463086e-1, -6.6777244758438331e-1, 0.5128497059546309),
        (56.5, 55, 4.1870180573803718e-1, -8.7059629324114888e-1, 0.4187018057380372),
        (80.0, 55, 1.5495869762529803e-2, -4.1671817574991186, 0.0154958697625297),
        (150.0, 55, 9.6045812729343559e-11, -2.3066195822361359e+1, 9.604581272934229e-11),
        (400.0, 55, 7.2520607467415619e-54, -1.2235830935227081e+2, 7.252060746741399e-54),
        (1000.0, 55, 1.2016353091650224e-173, -3.9816353770124988e+2, 1.2016353091649832e-173),
        (16655.037182417516, 55, 0, -8.1511963938594442e+3, 0.0),  // Q = 9.5584007974752429e-3541
        (100.0, 109, 7.1961589723757323e-1, -3.2903768537994362e-1, 0.7196158972375731),
        (110.0, 110, 4.8206714044942012e-1, -7.2967187909404338e-1, 0.4820671404494201),
        (109.0, 110, 5.0902535501485306e-1, -6.752574502835506e-1, 0.5090253550148531),
        (112.0, 110, 4.2899637319193358e-1, -8.4630681418791309e-1, 0.4289963731919336),
        (140.0, 110, 2.8234363841130016e-2, -3.5672154669725024, 0.02823436384113),
        (300.0, 110, 1.5588280333794759e-19, -4.3305182488617305e+1, 1.5588280333793984e-19),
        (1500.0, 110, 1.59049583805528e-242, -5.5676154668910783e+2, 1.5904958380552871e-242),
        (3000.0, 110, 0, -1.2693695731646432e+3, 0.0),  // Q = 5.2456447876627325e-552
        (0.001, 110, 1.0, -2.1850242324438157e-255, 1.0),
        (60.0, 110, 9.9997287572094459e-1, -2.7124646925314714e-5, 0.9999728757209446),
    ]

    func testAgainstHighPrecisionValues() {
        var worst = 0.0, worstLog = 0.0
        for (x, dof, q, logq, scipy) in Self.table {
            let p = ChiSquare.upperTail(x, dof: dof)
            let lp = ChiSquare.logUpperTail(x, dof: dof)
            if q == 0 {
                XCTAssertEqual(p, 0)
            } else {
                let d = relativeDifference(p, q)
                worst = max(worst, d)
                XCTAssertLessThan(d, 1e-12, "Q(\(x), \(dof)) = \(p), want \(q)")
                XCTAssertLessThan(relativeDifference(p, scipy), 1e-13)
            }
            if dof == 110 && x == 0.001 {
                XCTAssertLessThanOrEqual(abs(lp), 1e-250)  // log Q underflows harmlessly toward 0
                continue
            }
            let dl = relativeDifference(lp, logq)
            worstLog = max(worstLog, dl)
            XCTAssertLessThan(dl, 1e-12, "log Q(\(x), \(dof)) = \(lp), want \(logq)")
        }
        print("chi-square: worst relative error \(worst) (Q), \(worstLog) (log Q)")
    }

    func testEdgeCasesAndClosedForm() {
        XCTAssertEqual(ChiSquare.upperTail(0, dof: 55), 1)
        XCTAssertEqual(ChiSquare.upperTail(-3, dof: 55), 1)
        XCTAssertEqual(ChiSquare.upperTail(.infinity, dof: 55), 0)
        XCTAssertEqual(ChiSquare.logUpperTail(.infinity, dof: 55), -.infinity)
        XCTAssertTrue(ChiSquare.upperTail(.nan, dof: 55).isNaN)
        XCTAssertTrue(ChiSquare.upperTail(3, dof: 0).isNaN)
        // Even dof: Q = e^{−x/2} Σ_{k<dof/2} (x/2)^k / k! (Poisson sum), for the 110-dof case.
        for x in [1.0, 50, 100, 110, 120, 200, 400] {
            var term = 1.0, sum = 1.0
            for k in 1..<55 { term *= (x / 2) / Double(k); sum += term }
            let q = exp(-x / 2) * sum
            XCTAssertLessThan(relativeDifference(ChiSquare.upperTail(x, dof: 110), q), 1e-12, "x=\(x)")
        }
        // Monotone in x.
        var last = 1.0
        for i in 0..<500 {
            let p = ChiSquare.upperTail(Double(i), dof: 110)
            XCTAssertLessThanOrEqual(p, last)
            last = p
        }
        XCTAssertEqual(IncompleteGamma.p(3, 2) + IncompleteGamma.q(3, 2), 1, accuracy: 1e-15)
    }

    /// χ²(dof) 95 % quantiles (scipy 1.17.1 `chi2.isf(0.05, dof)`; mpmath 1.3.0 at 60 digits gives
    /// Q = 0.05 + O(1e-16) at these x): Q = 0.05 (formerly the Hellings–Downs fit's own tests).
    func testFivePercentQuantiles() {
        XCTAssertEqual(ChiSquare.upperTail(3.841458820694124, dof: 1), 0.05, accuracy: 1e-12)
        XCTAssertEqual(ChiSquare.upperTail(18.307038053275146, dof: 10), 0.05, accuracy: 1e-12)
        XCTAssertEqual(ChiSquare.upperTail(124.34211340400407, dof: 100), 0.05, accuracy: 1e-12)
        XCTAssertEqual(ChiSquare.upperTail(0, dof: 5), 1)
    }

    /// Closed forms: dof 2, Q = e^{−x/2} (so log Q = −x/2 exactly, far below the underflow of Q);
    /// dof 1, Q = erfc(√(x/2)).
    func testClosedFormsDof1And2() {
        for x in [1e-6, 0.3, 2, 7.5, 40, 300, 1400, 1e4, 1e5] {
            let q = exp(-x / 2)
            if q > 0 { XCTAssertLessThan(relativeDifference(ChiSquare.upperTail(x, dof: 2), q), 1e-13, "x=\(x)") }
            XCTAssertLessThan(relativeDifference(ChiSquare.logUpperTail(x, dof: 2), -x / 2), 1e-13, "x=\(x)")
            XCTAssertLessThan(relativeDifference(ChiSquare.log10UpperTail(x, dof: 2), -x / 2 / log(10)), 1e-13, "x=\(x)")
        }
        for x in [1e-4, 0.5, 3, 10, 60, 500] {
            XCTAssertLessThan(relativeDifference(ChiSquare.upperTail(x, dof: 1), erfc((x / 2).squareRoot())), 1e-13, "x=\(x)")
        }
    }

    /// log10 Q (mpmath 1.3.0 `log10(gammainc(dof/2, x/2, inf, regularized=True))`, 60 digits), also
    /// where Q underflows to 0 in double precision.
    func testLog10UpperTail() {
        let table: [(Double, Int, Double)] = [
            (3.841458820694124, 1, -1.3010299956639807),
            (400.0, 55, -53.139538566702265),
            (16655.037182417516, 55, -3540.019614762842),
            (3000.0, 110, -551.28020112129065),
        ]
        for (x, dof, want) in table {
            XCTAssertLessThan(relativeDifference(ChiSquare.log10UpperTail(x, dof: dof), want), 1e-13, "x=\(x) dof=\(dof)")
        }
        XCTAssertEqual(ChiSquare.log10UpperTail(0, dof: 55), 0)
        XCTAssertTrue(ChiSquare.log10UpperTail(.nan, dof: 55).isNaN)
        XCTAssertTrue(ChiSquare.log10UpperTail(1, dof: 0).isNaN)
    }
}

/// |a − b| / |b| (0 when equal or both NaN).
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    if a.isNaN && b.isNaN { return 0 }
    if a == b { return 0 }
    return abs(a - b) / abs(b)
}
