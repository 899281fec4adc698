// BatchedScorer (every SIMD width) against ReferenceScorer on realistic synthetic data.

import XCTest
@testable import XPSearch

final class ScorerTests: XCTestCase {
    static let data = Synthetic.dataset(seed: 42, count: 45)
    static let block = XPBlock(spectra: data.sources)

    static let optionSets: [XPSearchOptions] = {
        var out: [XPSearchOptions] = []
        for bands in [[Band.bp, .rp], [.bp], [.rp]] {
            for scaling in [ErrorScaling.none, .standardDeviation] {
                for fit in [false, true] { out.append(XPSearchOptions(bands: bands, scaling: scaling, scaleFit: fit)) }
            }
        }
        return out
    }()

    /// Identical flags and dof, χ² (total and per band) and scale to 1e-9 relative, for every
    /// option set, every lane width, a row range whose length is not a multiple of any width.
    func testBatchedMatchesReference() throws {
        let rows = 3..<45  // 42 rows: remainder lanes for W = 4, 8, 16
        var worst = 0.0
        for options in Self.optionSets {
            let t = try PreparedTemplate(Self.data.template, options: options)
            var ref: [XPScore] = []
            ReferenceScorer().score(t, Self.block, rows: rows, options: options, into: &ref)
            XCTAssertEqual(ref.count, rows.count)
            // The data exercise what they should.
            XCTAssertTrue(ref.contains { $0.flags.contains(.skipped) })
            XCTAssertTrue(ref.contains { !$0.flags.contains(.skipped) && !$0.chi2.isNaN })
            if options.bands.contains(.rp) { XCTAssertTrue(ref.contains { $0.flags.contains(.notPositiveDefinite) }, "\(options)") }
            if options.bands == [.bp, .rp] {
                XCTAssertTrue(ref.contains { $0.flags == .missingBP && $0.dof == 55 - (options.scaleFit ? 1 : 0) && !$0.chi2.isNaN })
                XCTAssertTrue(ref.contains { $0.flags == .missingRP && !$0.chi2.isNaN })
            }
            for lanes in [2, 4, 8, 16] {
                var fast: [XPScore] = [XPScore(sourceID: -7, chi2: 1, dof: 1)]  // appends after existing content
                BatchedScorer(lanes: lanes).score(t, Self.block, rows: rows, options: options, into: &fast)
                XCTAssertEqual(fast.count, rows.count + 1)
                XCTAssertEqual(fast[0].sourceID, -7)
                for (r, f) in zip(ref, fast.dropFirst()) {
                    let what = "W=\(lanes) \(options) source \(r.sourceID)"
                    XCTAssertEqual(f.sourceID, r.sourceID, what)
                    XCTAssertEqual(f.flags, r.flags, what)
                    XCTAssertEqual(f.dof, r.dof, what)
                    for (a, b, name) in [(f.chi2, r.chi2, "chi2"), (f.chi2BP, r.chi2BP, "bp"), (f.chi2RP, r.chi2RP, "rp"),
                                         (f.scale, r.scale, "scale")] {
                        XCTAssertEqual(a.isNaN, b.isNaN, "\(what) \(name) \(a) vs \(b)")
                        let d = relativeDifference(a, b)
                        worst = max(worst, d)
                        XCTAssertLessThan(d, 1e-9, "\(what) \(name) \(a) vs \(b)")
                    }
                }
            }
        }
        print("batched vs reference: worst relative difference \(worst)")
    }

    /// Science check: each template and its sources are independent noisy draws of one true
    /// spectrum with their stated covariances, so D² ~ χ²(110): ⟨D²⟩ ≈ 110 and p-values ≈ uniform
    /// (40 templates × 10 sources, so the template noise averages out too). Sources scaled by 2.5
    /// (coefficients and errors) are recognised by scaleFit: scale ≈ 1/2.5, D² ≈ χ²(109).
    /// Errors here are realistic (0.03 … 1, leading coefficients at S/N ≥ 100).
    func testScienceSanity() throws {
        var rng = SplitMix64(seed: 7)
        func noisy(_ truth: [Double], scale: Double) -> XPBand {
            var b = Synthetic.band(&rng)  // its own errors and correlations
            b.errors = b.errors.map { _ in Double(Float(pow(10, rng.uniform(-1.5, 0)) * scale)) }
            b.coefficients = Synthetic.draw(mean: truth.map { $0 * scale }, covarianceOf: b, &rng)
            return b
        }
        let o = XPSearchOptions(), of = XPSearchOptions(scaleFit: true)
        var plain: [XPScore] = [], fit: [XPScore] = [], plainScaled: [XPScore] = []
        for _ in 0..<40 {
            let truthBP = Synthetic.coefficients(&rng), truthRP = Synthetic.coefficients(&rng)
            let template = XPSpectrum(sourceID: 1, bp: noisy(truthBP, scale: 1), rp: noisy(truthRP, scale: 1))
            let same = (0..<10).map { XPSpectrum(sourceID: Int64(10 + $0), bp: noisy(truthBP, scale: 1), rp: noisy(truthRP, scale: 1)) }
            let scaled = (0..<10).map { XPSpectrum(sourceID: Int64(10 + $0), bp: noisy(truthBP, scale: 2.5), rp: noisy(truthRP, scale: 2.5)) }
            let t = try PreparedTemplate(template, options: o)
            BatchedScorer().score(t, XPBlock(spectra: same), rows: 0..<10, options: o, into: &plain)
            BatchedScorer().score(t, XPBlock(spectra: scaled), rows: 0..<10, options: o, into: &plainScaled)
            BatchedScorer().score(try PreparedTemplate(template, options: of), XPBlock(spectra: scaled), rows: 0..<10, options: of, into: &fit)
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        let d2 = mean(plain.map(\.chi2)), p = mean(plain.map(\.pValue))
        XCTAssertEqual(d2, 110, accuracy: 3)   // sd of the mean √(220/400) ≈ 0.74
        XCTAssertEqual(p, 0.5, accuracy: 0.05) // sd of the mean 0.29/20 ≈ 0.014
        XCTAssertGreaterThan(plainScaled.map(\.chi2).min()!, 1000)
        XCTAssertEqual(mean(fit.map(\.scale)), 1 / 2.5, accuracy: 0.001)
        XCTAssertTrue(fit.allSatisfy { $0.dof == 109 })
        XCTAssertEqual(mean(fit.map(\.chi2)), 109, accuracy: 3)
        print(String(format: "science: same spectrum ⟨D²⟩ = %.2f (110), ⟨p⟩ = %.3f; scaled ×2.5: ⟨a⟩ = %.5f, ⟨D²⟩ = %.2f (109), without fit min D² = %.3g",
                     d2, p, mean(fit.map(\.scale)), mean(fit.map(\.chi2)), plainScaled.map(\.chi2).min()!))
    }

    func testTemplateErrorsAndChecks() throws {
        var rng = SplitMix64(seed: 3)
        let b = Synthetic.band(&rng)
        XCTAssertThrowsError(try PreparedTemplate(XPSpectrum(sourceID: 5, bp: b, rp: nil), options: XPSearchOptions())) { e in
            XCTAssertEqual(e as? XPSearchError, .templateMissingBand(sourceID: 5, band: .rp))
        }
        XCTAssertNoThrow(try PreparedTemplate(XPSpectrum(sourceID: 5, bp: b, rp: nil), options: XPSearchOptions(bands: [.bp])))
        var noSD = b
        noSD.standardDeviation = .nan
        XCTAssertThrowsError(try PreparedTemplate(XPSpectrum(sourceID: 5, bp: noSD, rp: nil),
                                                  options: XPSearchOptions(bands: [.bp], scaling: .standardDeviation))) { e in
            XCTAssertEqual(e as? XPSearchError, .missingStandardDeviation(sourceID: 5, band: .bp))
        }
        var nan = b
        nan.correlations[17] = .nan
        XCTAssertThrowsError(try PreparedTemplate(XPSpectrum(sourceID: 5, bp: nan, rp: nil), options: XPSearchOptions(bands: [.bp])))
        // The bands a template is searched on: the requested ones it has (BP first); none is an error.
        XCTAssertEqual(try PreparedTemplate.usableBands(XPSpectrum(sourceID: 5, bp: b, rp: b), requested: [.rp, .bp]), [.bp, .rp])
        XCTAssertEqual(try PreparedTemplate.usableBands(XPSpectrum(sourceID: 5, bp: nil, rp: b), requested: [.bp, .rp]), [.rp])
        XCTAssertEqual(try PreparedTemplate.usableBands(XPSpectrum(sourceID: 5, bp: nan, rp: b), requested: [.bp, .rp]), [.rp])
        XCTAssertThrowsError(try PreparedTemplate.usableBands(XPSpectrum(sourceID: 5, bp: nil, rp: b), requested: [.bp])) { e in
            XCTAssertEqual(e as? XPSearchError, .templateNoUsableBand(sourceID: 5, bands: [.bp]))
            XCTAssertTrue("\(e)".contains("template 5 has no usable BP spectrum"))
        }
        XCTAssertThrowsError(try PreparedTemplate.usableBands(XPSpectrum(sourceID: 6, bp: nil, rp: nan), requested: [.rp, .bp])) { e in
            XCTAssertTrue("\(e)".contains("template 6 has no usable BP or RP spectrum"))
        }
        XCTAssertThrowsError(try PreparedTemplate(XPSpectrum(sourceID: 5, bp: b, rp: b), options: XPSearchOptions(bands: [])))
        let t = try PreparedTemplate(XPSpectrum(sourceID: 5, bp: b, rp: b), options: XPSearchOptions())
        XCTAssertEqual(t.covariance(.bp)!, try b.covariance())
        XCTAssertEqual(Set(t.lambdaMax.keys), [.bp, .rp])
        XCTAssertNotNil(XPScorers.named("reference") as? ReferenceScorer)
        XCTAssertEqual((XPScorers.named("batched") as? BatchedScorer)?.lanes, BatchedScorer.defaultLanes)
        XCTAssertEqual((XPScorers.named("batched4") as? BatchedScorer)?.lanes, 4)
        XCTAssertNil(XPScorers.named("nope"))
    }

    /// A NaN inside the correlations or errors of one band makes that band missing (not a NaN χ²);
    /// a band absent from the block is missing for every row; an empty range appends nothing.
    func testPartialNaNAndAbsentBands() throws {
        let (template, sources) = Synthetic.dataset(seed: 9, count: 10, withIndefinite: false)
        var block = XPBlock(spectra: sources)
        block.correlations[.bp]![0 * 1485 + 700] = .nan
        block.errors[.rp]![1 * 55 + 54] = .infinity
        block.standardDeviation[.bp]![6] = 0  // only matters with standard-deviation scaling
        for scaling in [ErrorScaling.none, .standardDeviation] {
            let o = XPSearchOptions(scaling: scaling)
            let t = try PreparedTemplate(template, options: o)
            var ref: [XPScore] = [], fast: [XPScore] = []
            ReferenceScorer().score(t, block, rows: 0..<10, options: o, into: &ref)
            BatchedScorer().score(t, block, rows: 0..<10, options: o, into: &fast)
            XCTAssertEqual(ref[0].flags, .missingBP)
            XCTAssertEqual(ref[1].flags, .missingRP)
            XCTAssertEqual(ref[6].flags, scaling == .none ? [] : .missingBP)
            XCTAssertEqual(fast.map(\.flags), ref.map(\.flags))
            for (a, b) in zip(fast, ref) { XCTAssertLessThan(relativeDifference(a.chi2, b.chi2), 1e-9) }
            var none: [XPScore] = []
            BatchedScorer().score(t, block, rows: 4..<4, options: o, into: &none)
            XCTAssertTrue(none.isEmpty)
        }
        var rpOnly = block
        rpOnly.coefficients[.bp] = nil
        let o = XPSearchOptions()
        let t = try PreparedTemplate(template, options: o)
        var out: [XPScore] = []
        BatchedScorer().score(t, rpOnly, rows: 0..<10, options: o, into: &out)
        XCTAssertTrue(out.allSatisfy { $0.flags.contains(.missingBP) })
        var ref: [XPScore] = []
        ReferenceScorer().score(t, rpOnly, rows: 0..<10, options: o, into: &ref)
        XCTAssertEqual(out.map(\.flags), ref.map(\.flags))
    }
}
