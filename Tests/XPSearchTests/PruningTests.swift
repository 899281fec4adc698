import XCTest
@testable import XPSearch

final class PruningTests: XCTestCase {
    static func trueLambdaMax(_ b: XPBand, _ scaling: ErrorScaling) throws -> Double {
        jacobiEigenvalues(try b.covariance(scaling: scaling), n: 55).last!
    }

    static func bound(_ b: XPBand, _ scaling: ErrorScaling, iterations: Int = PruningBound.defaultIterations) -> Double {
        let e = b.errors.map(Float.init), r = b.correlations.map(Float.init)
        return e.withUnsafeBufferPointer { ep in
            r.withUnsafeBufferPointer { rp in
                PruningBound.lambdaMaxUpperBound(errors: ep, correlations: rp, standardDeviation: Float(b.standardDeviation),
                                                 scaling: scaling, iterations: iterations)
            }
        }
    }

    /// The bound is never below the true λmax (Jacobi), on random and real matrices; report the
    /// tightness bound / λmax.
    func testBoundIsAboveTrueLambdaMax() throws {
        var rng = SplitMix64(seed: 5)
        var bands: [(String, XPBand)] = []
        for i in 0..<30 { bands.append(("random \(i)", Synthetic.band(&rng))) }
        // Fewer, stronger factors; and nearly diagonal.
        for i in 0..<10 {
            var b = Synthetic.band(&rng)
            b.correlations = Synthetic.correlations(&rng, rank: 2, dMin: 0.01, dMax: 0.1).map { Double(Float($0)) }
            bands.append(("rank-2 \(i)", b))
            var d = Synthetic.band(&rng)
            d.correlations = Synthetic.correlations(&rng, rank: 1, dMin: 5, dMax: 20).map { Double(Float($0)) }
            bands.append(("weak \(i)", d))
        }
        for s in try Fixtures.spectra(Fixtures.xpRaw) + Fixtures.spectra(Fixtures.xpMissingBP) {
            for b in Band.allCases { if let band = s[b] { bands.append(("\(s.sourceID) \(b)", band)) } }
        }
        for b in Band.allCases {
            if let band = try Fixtures.spectra(Fixtures.xp18Sco, tableName: "xp_continuous_mean_spectrum")[0][b] {
                bands.append(("18 Sco \(b)", band))
            }
        }
        var ratios: [String: [Double]] = [:]
        for (name, b0) in bands {
            // Float32-representable inputs so the float32 and float64 entry points see the same matrix.
            let b = XPBand(coefficients: b0.coefficients, errors: b0.errors.map { Double(Float($0)) },
                           correlations: b0.correlations.map { Double(Float($0)) },
                           standardDeviation: Double(Float(b0.standardDeviation)))
            for scaling in [ErrorScaling.none, .standardDeviation] where b.supports(scaling) {
                let truth = try Self.trueLambdaMax(b, scaling)
                for it in [0, 1, 2, 4, 8] {
                    let bound = Self.bound(b, scaling, iterations: it)
                    XCTAssertGreaterThanOrEqual(bound, truth, "\(name) \(scaling) iterations \(it)")
                    ratios["\(name.hasPrefix("random") ? "random" : name.hasPrefix("rank") ? "rank-2" : name.hasPrefix("weak") ? "weak" : "real") it=\(it)", default: []]
                        .append(bound / truth)
                }
                let bound64 = PruningBound.lambdaMaxUpperBound(b, scaling: scaling)
                XCTAssertGreaterThanOrEqual(bound64, truth, name)
                XCTAssertLessThan(relativeDifference(bound64, Self.bound(b, scaling)), 1e-12)
            }
        }
        for key in ratios.keys.sorted() {
            let r = ratios[key]!.sorted()
            print(String(format: "pruning bound/λmax %@: min %.4f median %.4f max %.4f (n=%d)", key, r.first!, r[r.count / 2], r.last!, r.count))
        }
        // Missing band → NaN.
        var nanBand = bands[0].1
        nanBand.errors[3] = .nan
        XCTAssertTrue(Self.bound(nanBand, .none).isNaN)
        var noSD = bands[0].1
        noSD.standardDeviation = .nan
        XCTAssertTrue(Self.bound(noSD, .standardDeviation).isNaN)
    }

    /// lowerBound ≤ the true D²_b (reference scorer) for every source and band.
    func testLowerBoundBelowDistance() throws {
        let (template, sources) = Synthetic.dataset(seed: 77, count: 60, withIndefinite: false)
        for scaling in [ErrorScaling.none, .standardDeviation] {
            let o = XPSearchOptions(scaling: scaling)
            let t = try PreparedTemplate(template, options: o)
            let block = XPBlock(spectra: sources)
            var ref: [XPScore] = []
            ReferenceScorer().score(t, block, rows: 0..<block.count, options: o, into: &ref)
            var tightest = 0.0
            for row in 0..<block.count {
                for b in Band.allCases {
                    let d2 = ref[row].chi2(b)
                    guard !d2.isNaN else { continue }
                    let lambda = block.errors[b]!.withUnsafeBufferPointer { e in
                        block.correlations[b]!.withUnsafeBufferPointer { r in
                            PruningBound.lambdaMaxUpperBound(errors: UnsafeBufferPointer(rebasing: e[row * 55..<(row + 1) * 55]),
                                                             correlations: UnsafeBufferPointer(rebasing: r[row * 1485..<(row + 1) * 1485]),
                                                             standardDeviation: block.standardDeviation[b]![row], scaling: scaling)
                        }
                    }
                    let lb = block.coefficients[b]!.withUnsafeBufferPointer { c in
                        PruningBound.lowerBound(template: t, coefficients: UnsafeBufferPointer(rebasing: c[row * 55..<(row + 1) * 55]),
                                                band: b, lambdaMax: lambda)
                    }
                    XCTAssertLessThanOrEqual(lb, d2, "row \(row) \(b)")
                    tightest = max(tightest, lb / d2)
                }
            }
            print("pruning lower bound / D²: at most \(tightest) (\(scaling))")
        }
    }
}
