// The GaiaXPy conventions on real Gaia DR3 data (fixtures README, "XP covariance conventions and
// the chi-square reference").

import GaiaFormat
import Numerics
import XCTest
@testable import XPSearch

final class FixtureTests: XCTestCase {
    static let chi2Reference = 16655.037182417516        // GaiaXPy test_get_chi2_values, float64 inputs
    static let chi2ReferenceFloat32 = 16655.035699851906  // same with float32-rounded inputs (README)
    static let proxima: Int64 = 5853498713190525696

    /// GaiaXPy `test_get_chi2_values`: Proxima Cen BP, s = errors / bp_standard_deviation,
    /// χ² = rᵀΣ⁻¹r with r = 0…54. GaiaXPy's `get_chi2(A, r)` = |A·r|² with A = L⁻¹ (L the factor
    /// of the correlation matrix, A including diag(1/e)) is the same value as ‖L⁻¹r‖² here, L·Lᵀ = Σ.
    func testGaiaXPyChiSquareReference() throws {
        let spectra = try Fixtures.spectra(Fixtures.xpRaw)
        let proxima = try XCTUnwrap(spectra.first { $0.sourceID == Self.proxima })
        let bp = try XCTUnwrap(proxima.bp)
        XCTAssertEqual(bp.standardDeviation, 1.1224667)
        let r = (0..<55).map(Double.init)
        let chi2 = Cholesky.inverseQuadraticForm(try bp.covariance(scaling: .standardDeviation), n: 55, r)
        XCTAssertLessThan(relativeDifference(chi2, Self.chi2Reference), 1e-10, "\(chi2)")

        // Float32-rounded errors, correlations and standard deviation (what the HDF5 file stores).
        let rounded = XPBand(coefficients: bp.coefficients, errors: bp.errors.map { Double(Float($0)) },
                             correlations: bp.correlations.map { Double(Float($0)) },
                             standardDeviation: Double(Float(bp.standardDeviation)))
        let chi2f = Cholesky.inverseQuadraticForm(try rounded.covariance(scaling: .standardDeviation), n: 55, r)
        XCTAssertLessThan(relativeDifference(chi2f, Self.chi2ReferenceFloat32), 1e-10, "\(chi2f)")
        XCTAssertLessThan(relativeDifference(chi2f, Self.chi2Reference), 1e-7)
    }

    /// The same χ² through the scorers on a float32 block: template = source + r with a negligible
    /// covariance (errors 1e-20), so D² = rᵀΣ_i⁻¹r with Σ_i from the float32 block.
    func testChiSquareReferenceThroughScorers() throws {
        let spectra = try Fixtures.spectra(Fixtures.xpRaw)
        let source = try XCTUnwrap(spectra.first { $0.sourceID == Self.proxima })
        let bp = try XCTUnwrap(source.bp)
        let tBand = XPBand(coefficients: (0..<55).map { bp.coefficients[$0] + Double($0) },
                           errors: [Double](repeating: 1e-20, count: 55), correlations: bp.correlations,
                           standardDeviation: 1)
        let options = XPSearchOptions(bands: [.bp], scaling: .standardDeviation)
        let t = try PreparedTemplate(XPSpectrum(sourceID: 1, bp: tBand, rp: nil), options: options)
        let block = XPBlock(spectra: spectra)
        for scorer in [ReferenceScorer(), BatchedScorer(lanes: 2), BatchedScorer(lanes: 8)] as [XPScorer] {
            var out: [XPScore] = []
            scorer.score(t, block, rows: 0..<block.count, options: options, into: &out)
            let s = try XCTUnwrap(out.first { $0.sourceID == Self.proxima })
            XCTAssertEqual(s.dof, 55)
            XCTAssertEqual(s.flags, [])
            XCTAssertLessThan(relativeDifference(s.chi2, Self.chi2ReferenceFloat32), 1e-10, "\(type(of: scorer)): \(s.chi2)")
            XCTAssertTrue(s.chi2RP.isNaN)
            XCTAssertEqual(s.pValue, 0)
            // log Q(55/2, χ²/2) at the float32 χ²: mpmath, 60 digits (see ChiSquareTests).
            XCTAssertLessThan(relativeDifference(s.logPValue, -8151.1956549352804), 1e-10)
        }
    }

    /// Cross-check with an independent implementation on real data: D² of 5762406957886626816
    /// against the template Proxima Cen, per band and scaling, as computed by the numpy baseline's
    /// own `covariances` and `band_d2` (shared/bench/xp_numpy_baseline.py, numpy 2.4.6, run once;
    /// inputs read with astropy and rounded to their declared float32, as stored in HDF5).
    func testAgainstNumpyBaseline() throws {
        let expected: [(ErrorScaling, Double, Double)] = [
            (.none, 1175690.6706416297, 10940976.93499651),
            (.standardDeviation, 1477218.0757792557, 18922672.2151211),
        ]
        let spectra = try Fixtures.spectra(Fixtures.xpRaw)
        let template = try XCTUnwrap(spectra.first { $0.sourceID == Self.proxima })
        let block = XPBlock(spectra: spectra)  // float32 errors, correlations, standard deviations
        // The template as the driver gets it from the file: float32-rounded too.
        let t32 = block.spectrum(row: spectra.firstIndex { $0.sourceID == Self.proxima }!)
        XCTAssertEqual(t32.bp!.coefficients, template.bp!.coefficients)
        let row = spectra.firstIndex { $0.sourceID == 5762406957886626816 }!
        for (scaling, bp, rp) in expected {
            let o = XPSearchOptions(scaling: scaling)
            let t = try PreparedTemplate(t32, options: o)
            for scorer in [ReferenceScorer(), BatchedScorer()] as [XPScorer] {
                var out: [XPScore] = []
                scorer.score(t, block, rows: row..<(row + 1), options: o, into: &out)
                XCTAssertLessThan(relativeDifference(out[0].chi2BP, bp), 1e-9, "\(scaling) BP \(out[0].chi2BP)")
                XCTAssertLessThan(relativeDifference(out[0].chi2RP, rp), 1e-9, "\(scaling) RP \(out[0].chi2RP)")
                XCTAssertLessThan(relativeDifference(out[0].chi2, bp + rp), 1e-9)
            }
        }
    }

    /// 18 Sco BP (header-less GaiaXPy CSV): correlation unpacking, covariance and its inverse
    /// against GaiaXPy's nb_bp_* reference files.
    func testEighteenScoCovariance() throws {
        let spectra = try Fixtures.spectra(Fixtures.xp18Sco, tableName: "xp_continuous_mean_spectrum")
        XCTAssertEqual(spectra.count, 1)
        let bp = try XCTUnwrap(spectra[0].bp)
        XCTAssertEqual(bp.errors, try Fixtures.matrix("xp_reference/nb_bp_errors.txt"))

        let corr = try Fixtures.matrix("xp_reference/nb_bp_correlations.txt")
        XCTAssertEqual(corr.count, 55 * 55)
        XCTAssertEqual(bp.correlationMatrix, corr)  // exactly
        // Reading it as the upper triangle row by row does not give the reference.
        var upper = [Double](repeating: 1, count: 55 * 55)
        var k = 0
        for i in 0..<55 { for j in (i + 1)..<55 { upper[i * 55 + j] = bp.correlations[k]; upper[j * 55 + i] = bp.correlations[k]; k += 1 } }
        XCTAssertNotEqual(upper, corr)
        XCTAssertEqual(xpCorrelationIndex(3, 1), 4)
        XCTAssertEqual(xpCorrelationIndex(1, 3), 4)

        let cov = try bp.covariance(scaling: .none)
        let refCov = try Fixtures.matrix("xp_reference/nb_bp_covariance.txt")
        var worst = 0.0
        for i in 0..<(55 * 55) where refCov[i] != 0 { worst = max(worst, relativeDifference(cov[i], refCov[i])) }
        XCTAssertLessThan(worst, 1e-15, "covariance max elementwise relative difference")
        // standard-deviation scaling needs a standard deviation, which the 18 Sco file lacks.
        XCTAssertThrowsError(try bp.covariance(scaling: .standardDeviation))
        XCTAssertThrowsError(try PreparedTemplate(spectra[0], options: XPSearchOptions(scaling: .standardDeviation)))

        let inv = Cholesky.inverse(factor: try Cholesky.factor(cov, n: 55), n: 55)
        let refInv = try Fixtures.matrix("xp_reference/nb_bp_get_inv_cov_mat.txt")
        let scale = refInv.map(abs).max()!
        var worstNorm = 0.0, worstDiag = 0.0, worstElement = 0.0
        for i in 0..<55 {
            for j in 0..<55 {
                worstNorm = max(worstNorm, abs(inv[i * 55 + j] - refInv[i * 55 + j]) / scale)
                worstElement = max(worstElement, relativeDifference(inv[i * 55 + j], refInv[i * 55 + j]))
            }
            worstDiag = max(worstDiag, relativeDifference(inv[i * 56], refInv[i * 56]))
        }
        XCTAssertLessThan(worstNorm, 1e-12, "inverse: max |Δ| / max |element|")
        XCTAssertLessThan(worstDiag, 1e-12, "inverse: diagonal relative")
        XCTAssertLessThan(worstElement, 1e-10, "inverse: any element relative")
        print("18 Sco BP: covariance max rel diff \(worst); inverse max |Δ|/max|Σ⁻¹| \(worstNorm), diagonal rel \(worstDiag), any element rel \(worstElement)")
    }

    /// A missing BP in a real file: the source is compared on RP only.
    func testMissingBandFixture() throws {
        let spectra = try Fixtures.spectra(Fixtures.xpMissingBP)
        XCTAssertNil(spectra[1].bp)
        let options = XPSearchOptions(scaling: .standardDeviation)
        let t = try PreparedTemplate(spectra[0], options: options)
        let block = XPBlock(spectra: spectra)
        var ref: [XPScore] = [], fast: [XPScore] = []
        ReferenceScorer().score(t, block, rows: 0..<3, options: options, into: &ref)
        BatchedScorer().score(t, block, rows: 0..<3, options: options, into: &fast)
        XCTAssertEqual(ref.map(\.flags), [[], .missingBP, []])
        XCTAssertEqual(fast.map(\.flags), ref.map(\.flags))
        XCTAssertEqual(ref.map(\.dof), [55 * 2, 55, 110])
        XCTAssertEqual(fast.map(\.dof), ref.map(\.dof))
        XCTAssertEqual(ref[0].chi2, 0)  // the template against itself
        XCTAssertTrue(ref[1].chi2BP.isNaN)
        XCTAssertEqual(ref[1].chi2, ref[1].chi2RP)
        for i in 1..<3 { XCTAssertLessThan(relativeDifference(fast[i].chi2, ref[i].chi2), 1e-10) }
        XCTAssertEqual(fast[0].chi2, 0)
    }
}
