// The basis size per band comes from the data: Gaia DR4 has 51 BP and 55 RP coefficients
// (GaiaXPy maintainers), DR3 55 and 55. The scorers, bounds and templates at sizes other than 55,
// with BP and RP independent, against the reference scorer and exact eigenvalues.

import XCTest
@testable import XPSearch

final class BasisSizeTests: XCTestCase {
    /// The leading n×n block of a band: its packed correlations are the first n(n−1)/2 (numpy
    /// `tril_indices` order), and a leading principal submatrix of a positive-definite matrix is
    /// positive definite, so the synthetic data keep their structure (twins stay twins).
    static func truncated(_ b: XPBand?, to n: Int) -> XPBand? {
        guard let b else { return nil }
        return XPBand(coefficients: Array(b.coefficients.prefix(n)), errors: Array(b.errors.prefix(n)),
                      correlations: Array(b.correlations.prefix(xpCorrelationCount(n))), standardDeviation: b.standardDeviation)
    }

    static func truncated(_ s: XPSpectrum, bp: Int, rp: Int) -> XPSpectrum {
        XPSpectrum(sourceID: s.sourceID, name: s.name, bp: truncated(s.bp, to: bp), rp: truncated(s.rp, to: rp))
    }

    static func dataset(bp: Int, rp: Int) -> (template: XPSpectrum, sources: [XPSpectrum]) {
        let d = Synthetic.dataset(seed: 51, count: 45)
        return (truncated(d.template, bp: bp, rp: rp), d.sources.map { truncated($0, bp: bp, rp: rp) })
    }

    func testBasisSizeFromCorrelationCount() {
        XCTAssertEqual(xpBasisSize(correlationCount: 1275), 51)
        XCTAssertEqual(xpBasisSize(correlationCount: 1485), 55)
        XCTAssertEqual(xpBasisSize(correlationCount: 0), 1)
        XCTAssertNil(xpBasisSize(correlationCount: 1484))
        XCTAssertNil(xpBasisSize(correlationCount: -3))
        for n in 1...200 { XCTAssertEqual(xpBasisSize(correlationCount: xpCorrelationCount(n)), n) }
    }

    func testBlockCarriesEachBandsSize() {
        let d = Self.dataset(bp: 51, rp: 55)
        let block = XPBlock(spectra: d.sources)
        XCTAssertEqual(block.basisSize(.bp), 51)
        XCTAssertEqual(block.basisSize(.rp), 55)
        XCTAssertEqual(block.correlations[.bp]!.count, 45 * 1275)
        let row = d.sources.firstIndex { $0.bp != nil }!
        XCTAssertEqual(block.band(.bp, row: row)?.basisSize, 51)
    }

    /// Batched (every SIMD width; n padded to a multiple of 4: 51 → 52, 50 → 52, 53 → 56, 52 = 52)
    /// against the reference: identical flags and dof (n_BP + n_RP), D² and scale to 1e-9.
    func testBatchedMatchesReferenceAtOtherSizes() throws {
        var worst = 0.0
        for (nBP, nRP) in [(51, 55), (50, 53), (52, 51), (55, 51), (7, 5)] {
            let d = Self.dataset(bp: nBP, rp: nRP)
            let block = XPBlock(spectra: d.sources)
            for options in ScorerTests.optionSets {
                let t = try PreparedTemplate(d.template, options: options)
                var ref: [XPScore] = []
                ReferenceScorer().score(t, block, rows: 3..<45, options: options, into: &ref)
                let full = options.usedBands.reduce(0) { $0 + ($1 == .bp ? nBP : nRP) } - (options.scaleFit ? 1 : 0)
                XCTAssertTrue(ref.contains { $0.flags.isEmpty && $0.dof == full && !$0.chi2.isNaN }, "\(nBP)/\(nRP) \(options)")
                for lanes in [2, 4, 8, 16] {
                    var fast: [XPScore] = []
                    BatchedScorer(lanes: lanes).score(t, block, rows: 3..<45, options: options, into: &fast)
                    XCTAssertEqual(fast.count, ref.count)
                    for (f, r) in zip(fast, ref) {
                        let what = "n \(nBP)/\(nRP) W=\(lanes) \(options) source \(r.sourceID)"
                        XCTAssertEqual(f.flags, r.flags, what)
                        XCTAssertEqual(f.dof, r.dof, what)
                        for (a, b) in [(f.chi2, r.chi2), (f.chi2BP, r.chi2BP), (f.chi2RP, r.chi2RP), (f.scale, r.scale)] {
                            XCTAssertEqual(a.isNaN, b.isNaN, what)
                            worst = max(worst, relativeDifference(a, b))
                            XCTAssertLessThan(relativeDifference(a, b), 1e-9, "\(what) \(a) vs \(b)")
                        }
                    }
                }
            }
        }
        print("batched vs reference at other basis sizes: worst relative difference \(worst)")
    }

    /// D² at n = 51 by the reference equals the quadratic form of the explicitly inverted
    /// 51×51 matrix (Gauss–Jordan, an independent route) for the template's twins.
    func testReferenceAt51AgainstExplicitInverse() throws {
        let d = Self.dataset(bp: 51, rp: 55)
        let t = try PreparedTemplate(d.template, options: XPSearchOptions(bands: [.bp]))
        for s in d.sources.prefix(12) {
            guard let b = s.bp, b.isFinite else { continue }
            let score = ReferenceScorer.compare(t, s, options: XPSearchOptions(bands: [.bp]))
            guard !score.chi2.isNaN else { continue }
            let n = 51
            let a = try d.template.bp!.covariance(), c = try b.covariance()
            var m = (0..<(n * n)).map { a[$0] + c[$0] }
            var inv = (0..<(n * n)).map { $0 / n == $0 % n ? 1.0 : 0.0 }
            for p in 0..<n {  // Gauss–Jordan with partial pivoting
                let piv = (p..<n).max { abs(m[$0 * n + p]) < abs(m[$1 * n + p]) }!
                for k in 0..<n { m.swapAt(p * n + k, piv * n + k); inv.swapAt(p * n + k, piv * n + k) }
                let f = 1 / m[p * n + p]
                for k in 0..<n { m[p * n + k] *= f; inv[p * n + k] *= f }
                for r in 0..<n where r != p {
                    let g = m[r * n + p]
                    if g == 0 { continue }
                    for k in 0..<n { m[r * n + k] -= g * m[p * n + k]; inv[r * n + k] -= g * inv[p * n + k] }
                }
            }
            let delta = (0..<n).map { d.template.bp!.coefficients[$0] - b.coefficients[$0] }
            var q = 0.0
            for i in 0..<n { for j in 0..<n { q += delta[i] * inv[i * n + j] * delta[j] } }
            XCTAssertEqual(score.dof, 51)
            XCTAssertLessThan(relativeDifference(score.chi2BP, q), 1e-8, "source \(s.sourceID)")
        }
    }

    /// The λmax bound at n = 51 is above the true λmax (Jacobi), and both pruning lower bounds are
    /// below the reference D².
    func testBoundsAt51() throws {
        let d = Self.dataset(bp: 51, rp: 55)
        for scaling in [ErrorScaling.none, .standardDeviation] {
            let o = XPSearchOptions(scaling: scaling)
            let t = try PreparedTemplate(d.template, options: o)
            XCTAssertEqual(t.basisSize, [.bp: 51, .rp: 55])
            let lt = try jacobiEigenvalues(d.template.bp!.covariance(scaling: scaling), n: 51).last!
            XCTAssertGreaterThanOrEqual(t.lambdaMax[.bp]!, lt * (1 - 1e-12))
            let tb = CorrelationBound.templateBand(t, .bp)!
            for s in d.sources {
                guard let b = s.bp, b.isFinite else { continue }
                let e = b.errors.map(Float.init), r = b.correlations.map(Float.init)
                let lambda = e.withUnsafeBufferPointer { ep in
                    r.withUnsafeBufferPointer { rp in
                        PruningBound.lambdaMaxUpperBound(errors: ep, correlations: rp, standardDeviation: Float(b.standardDeviation),
                                                         scaling: scaling)
                    }
                }
                let lambdaR = r.withUnsafeBufferPointer { CorrelationBound.lambdaMax(correlations: $0) }
                let exact = try jacobiEigenvalues(b.covariance(scaling: scaling), n: 51).last!
                XCTAssertGreaterThanOrEqual(lambda, exact * (1 - 1e-12), "source \(s.sourceID)")
                let score = ReferenceScorer.compare(t, XPSpectrum(sourceID: s.sourceID, bp: b, rp: nil),
                                                    options: XPSearchOptions(bands: [.bp], scaling: scaling))
                guard !score.chi2BP.isNaN else { continue }
                let plain = b.coefficients.withUnsafeBufferPointer {
                    PruningBound.lowerBound(template: t, coefficients: $0, band: .bp, lambdaMax: lambda)
                }
                let errorScale = scaling == .standardDeviation ? 1 / Double(Float(b.standardDeviation)) : 1
                let pre = b.coefficients.withUnsafeBufferPointer { c in
                    e.withUnsafeBufferPointer { ep in
                        CorrelationBound.lowerBound(tb, coefficients: c.baseAddress!, errors: ep.baseAddress!,
                                                    errorScale: errorScale, lambdaR: lambdaR)
                    }
                }
                XCTAssertLessThanOrEqual(plain, score.chi2BP * (1 + 1e-12), "source \(s.sourceID)")
                XCTAssertLessThanOrEqual(pre, score.chi2BP * (1 + 1e-12), "source \(s.sourceID)")
            }
        }
    }

    /// A DR3 template (55 BP coefficients) against DR4 data (51): an error naming the template,
    /// the band and both sizes; RP (55 both) passes.
    func testTemplateOfAnotherBasisSizeIsRejected() throws {
        let dr3 = Synthetic.dataset(seed: 3, count: 1).template
        let t = try PreparedTemplate(dr3, options: XPSearchOptions())
        XCTAssertNoThrow(try t.checkBasisSizes([.bp: 55, .rp: 55]))
        XCTAssertThrowsError(try t.checkBasisSizes([.bp: 51, .rp: 55], name: "18 Sco")) { error in
            XCTAssertEqual(error as? XPSearchError,
                           .basisSizeMismatch(template: "18 Sco", band: .bp, templateSize: 55, dataSize: 51))
            let text = "\(error)"
            for word in ["18 Sco", "BP", "55", "51"] { XCTAssertTrue(text.contains(word), text) }
        }
        let rpOnly = try PreparedTemplate(dr3, options: XPSearchOptions(bands: [.rp]))
        XCTAssertNoThrow(try rpOnly.checkBasisSizes([.bp: 51, .rp: 55]))
    }
}
