// XP Mahalanobis similarity search: data types.
//
// Gaia DR3 XP spectra are stored as 55 coefficients per band (BP, RP) of a Hermite-function
// basis (DR4: 51 BP and 55 RP, per GaiaXPy's maintainers; every size here is the data's, n_b per
// band), with formal errors and the n_b×n_b correlation matrix (Carrasco et al. 2021, A&A 652, A86;
// De Angeli et al. 2023, A&A 674, A2 for the processing; Montegriffo et al. 2023, A&A 674, A3 for
// the external calibration and the XP representation). GaiaXPy (gaia-dpci/GaiaXPy,
// `cholesky/cholesky.py`) rebuilds the covariance as Σ = diag(e)·C·diag(e) with
// e = errors / standard_deviation; this module compares two spectra with the Mahalanobis distance
// (Mahalanobis 1936, Proc. Natl. Inst. Sci. India 2, 49) of their coefficient difference under
// Σ_t + Σ_i, i.e. the χ² of the hypothesis "both sources have the same true coefficients".
//
// No MPI, no HDF5, no file I/O here: the parallel driver (XPSearchJob) reads blocks and calls
// the scorers of this module.
import Numerics

/// An XP band.
public enum Band: String, CaseIterable, Sendable {
    case bp, rp

    /// Position in arrays indexed by band (BP 0, RP 1).
    @inlinable public var index: Int { self == .bp ? 0 : 1 }
}

/// How the formal coefficient errors become the standard deviations s of Σ = diag(s)·R·diag(s).
public enum ErrorScaling: String, CaseIterable, Sendable {
    /// s = coefficient errors as published (the default).
    case none
    /// s = coefficient errors / `standard_deviation` of the band: the GaiaXPy convention
    /// (`get_inverse_covariance_matrix`, `get_chi2`).
    case standardDeviation = "standard-deviation"
}

/// Coefficients per band in Gaia DR3 (both bands). Not a limit: the search takes each band's
/// basis size n_b from the data (DR4 has 51 BP and 55 RP coefficients, GaiaXPy maintainers);
/// this constant only names DR3's size for tests and generators.
public let xpCoefficientCount = 55
/// Off-diagonal correlations per band in Gaia DR3: `xpCorrelationCount(55)`.
public let xpCorrelationCount = 1485

/// Off-diagonal correlations of an n×n correlation matrix: n(n−1)/2, strictly lower triangle,
/// row-major (numpy `tril_indices(n, -1)`: (1,0), (2,0), (2,1), (3,0), …).
@inlinable public func xpCorrelationCount(_ n: Int) -> Int { n * (n - 1) / 2 }

/// The basis size n with n(n−1)/2 = `correlationCount`, nil if there is none.
public func xpBasisSize(correlationCount m: Int) -> Int? {
    guard m >= 0 else { return nil }
    // n = (1 + √(1 + 8m)) / 2, checked exactly in integers.
    let n = Int((1 + (1 + 8 * Double(m)).squareRoot()) / 2 + 0.5)
    for c in [n - 1, n, n + 1] where c >= 1 && xpCorrelationCount(c) == m { return c }
    return nil
}

/// Index of correlation (i, j), i ≠ j, in the packed array (numpy `tril_indices(n, -1)` order;
/// independent of n).
@inlinable public func xpCorrelationIndex(_ i: Int, _ j: Int) -> Int {
    i > j ? i * (i - 1) / 2 + j : j * (j - 1) / 2 + i
}

/// Errors of this module (template preparation, covariance construction).
public enum XPSearchError: Error, CustomStringConvertible, Equatable {
    case templateMissingBand(sourceID: Int64, band: Band)
    /// None of the requested bands of the template is usable.
    case templateNoUsableBand(sourceID: Int64, bands: [Band])
    case missingStandardDeviation(sourceID: Int64, band: Band)
    case invalidBand(String)
    case noBands
    /// A template band whose basis size differs from the data's (a DR3 template, 55 BP
    /// coefficients, against DR4 data, 51).
    case basisSizeMismatch(template: String, band: Band, templateSize: Int, dataSize: Int)

    public var description: String {
        switch self {
        case let .templateMissingBand(id, b):
            return "template \(id) has no usable \(b.rawValue.uppercased()) spectrum (missing, or non-finite coefficients, errors or correlations)"
        case let .templateNoUsableBand(id, bands):
            return "template \(id) has no usable " + bands.map { $0.rawValue.uppercased() }.joined(separator: " or ")
                + " spectrum (missing, or non-finite coefficients, errors or correlations): nothing to compare"
        case let .missingStandardDeviation(id, b):
            return "template \(id): error scaling 'standard-deviation' needs a finite positive \(b.rawValue)_standard_deviation"
        case let .invalidBand(m): return m
        case .noBands: return "no band requested"
        case let .basisSizeMismatch(t, b, nt, nd):
            return "template \(t): its \(b.rawValue.uppercased()) spectrum has \(nt) coefficients but the data have \(nd) per source (basis sizes differ, e.g. a Gaia DR3 template against DR4 data): a template must use the data's basis"
        }
    }
}

/// One band of one spectrum, float64 (a template, or a source on the reference path).
public struct XPBand: Sendable, Equatable {
    /// n coefficients (n = the band's basis size: 55 in DR3, 51 for BP in DR4).
    public var coefficients: [Double]
    /// n formal errors.
    public var errors: [Double]
    /// n(n−1)/2 off-diagonal correlations, packed as described at `xpCorrelationCount(_:)`.
    public var correlations: [Double]
    /// The band's `standard_deviation` (NaN if unknown).
    public var standardDeviation: Double

    public init(coefficients: [Double], errors: [Double], correlations: [Double], standardDeviation: Double = .nan) {
        let n = coefficients.count
        guard n >= 1, errors.count == n, correlations.count == xpCorrelationCount(n) else {
            fatalError("XPBand needs n ≥ 1 coefficients, n errors and n(n−1)/2 correlations; got \(coefficients.count), \(errors.count), \(correlations.count)")
        }
        self.coefficients = coefficients
        self.errors = errors
        self.correlations = correlations
        self.standardDeviation = standardDeviation
    }

    /// The basis size n.
    @inlinable public var basisSize: Int { coefficients.count }

    /// All coefficients, errors and correlations finite (a null band is stored as NaN).
    public var isFinite: Bool {
        coefficients.allSatisfy(\.isFinite) && errors.allSatisfy(\.isFinite) && correlations.allSatisfy(\.isFinite)
    }

    /// Whether `scaling` can be applied (standard-deviation scaling needs a finite positive value).
    public func supports(_ scaling: ErrorScaling) -> Bool {
        scaling == .none || (standardDeviation.isFinite && standardDeviation > 0)
    }

    /// s_k of Σ = diag(s)·R·diag(s): the errors, or errors / standardDeviation.
    public func scaledErrors(_ scaling: ErrorScaling) throws -> [Double] {
        switch scaling {
        case .none: return errors
        case .standardDeviation:
            guard supports(scaling) else {
                throw XPSearchError.invalidBand("error scaling 'standard-deviation' needs a finite positive standard deviation (got \(standardDeviation))")
            }
            return errors.map { $0 / standardDeviation }
        }
    }

    /// The n×n correlation matrix R (unit diagonal), row-major.
    public var correlationMatrix: [Double] {
        SymmetricPacking.unpack(correlations, n: basisSize)
    }

    /// Σ = diag(s)·R·diag(s), n×n row-major, full (both triangles); element (i, j) is computed
    /// as (s_i·s_j)·R_ij. Throws when `scaling` needs a standard deviation the band lacks.
    public func covariance(scaling: ErrorScaling = .none) throws -> [Double] {
        let s = try scaledErrors(scaling)
        let n = basisSize
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            out[i * n + i] = s[i] * s[i]
            for j in 0..<i {
                let v = (s[i] * s[j]) * correlations[i * (i - 1) / 2 + j]
                out[i * n + j] = v
                out[j * n + i] = v
            }
        }
        return out
    }
}

/// One source: BP and/or RP.
public struct XPSpectrum: Sendable, Equatable {
    public var sourceID: Int64
    public var name: String
    public var bp: XPBand?
    public var rp: XPBand?

    public init(sourceID: Int64, name: String = "", bp: XPBand?, rp: XPBand?) {
        self.sourceID = sourceID
        self.name = name
        self.bp = bp
        self.rp = rp
    }

    public subscript(band: Band) -> XPBand? {
        get { band == .bp ? bp : rp }
        set { if band == .bp { bp = newValue } else { rp = newValue } }
    }
}

/// What to compute.
public struct XPSearchOptions: Sendable, Equatable {
    /// Bands compared (D² is summed over them). Order and duplicates are irrelevant.
    public var bands: [Band] = [.bp, .rp]
    public var scaling: ErrorScaling = .none
    /// Shape-only comparison: fit one flux scale a (common to all bands) of the source to the
    /// template, see `ReferenceScorer` for the estimator and `XPScore.scale`.
    public var scaleFit = false

    public init(bands: [Band] = [.bp, .rp], scaling: ErrorScaling = .none, scaleFit: Bool = false) {
        self.bands = bands
        self.scaling = scaling
        self.scaleFit = scaleFit
    }

    /// The requested bands, BP first, without duplicates.
    public var usedBands: [Band] { Band.allCases.filter { bands.contains($0) } }
}

/// Per-source flags.
public struct XPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// BP was requested but the source has no usable BP (null, non-finite values, or no finite
    /// positive standard deviation under standard-deviation scaling): compared on RP only.
    public static let missingBP = XPFlags(rawValue: 1)
    /// Same for RP.
    public static let missingRP = XPFlags(rawValue: 2)
    /// Σ_t + Σ_i (scaleFit: Σ_t + a0²·Σ_i) of a used band is not numerically positive definite
    /// (a Cholesky pivot ≤ 0 or NaN): χ² is NaN.
    public static let notPositiveDefinite = XPFlags(rawValue: 4)
    /// None of the requested bands is usable: not compared, χ² is NaN, dof 0.
    public static let skipped = XPFlags(rawValue: 8)

    public static func missing(_ b: Band) -> XPFlags { b == .bp ? .missingBP : .missingRP }
}

/// The comparison of one source with the template.
public struct XPScore: Sendable, Equatable {
    public var sourceID: Int64
    /// D² summed over the used bands (NaN when skipped or not positive definite).
    public var chi2: Double
    /// Per-band D² (NaN when the band is not used or not positive definite).
    public var chi2BP: Double
    public var chi2RP: Double
    /// Σ n_b over the bands used (− 1 with scaleFit; DR3: 55 per band, DR4: 51 BP + 55 RP); 0 when skipped.
    public var dof: Int
    /// Fitted flux scale a (scaleFit; NaN if skipped or not positive definite), 1 otherwise.
    public var scale: Double
    public var flags: XPFlags

    public init(sourceID: Int64, chi2: Double, chi2BP: Double = .nan, chi2RP: Double = .nan, dof: Int,
                scale: Double = 1, flags: XPFlags = []) {
        self.sourceID = sourceID
        self.chi2 = chi2
        self.chi2BP = chi2BP
        self.chi2RP = chi2RP
        self.dof = dof
        self.scale = scale
        self.flags = flags
    }

    public func chi2(_ b: Band) -> Double { b == .bp ? chi2BP : chi2RP }

    /// Field by field, NaN equal to NaN (per-band χ² of unused bands are NaN).
    public static func == (a: XPScore, b: XPScore) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.sourceID == b.sourceID && same(a.chi2, b.chi2) && same(a.chi2BP, b.chi2BP) && same(a.chi2RP, b.chi2RP)
            && a.dof == b.dof && same(a.scale, b.scale) && a.flags == b.flags
    }

    /// χ² upper-tail probability Q(dof/2, χ²/2) of the hypothesis "same spectrum" (NaN if χ² is).
    public var pValue: Double { ChiSquare.upperTail(chi2, dof: dof) }
    /// log of `pValue` (finite far below the underflow of `pValue`).
    public var logPValue: Double { ChiSquare.logUpperTail(chi2, dof: dof) }
    /// log10 of `pValue` (the `log10_p_value` output column).
    public var log10PValue: Double { ChiSquare.log10UpperTail(chi2, dof: dof) }
}

/// Scores sources of a block against a prepared template.
public protocol XPScorer {
    /// Appends one score per row of `rows`, in row order, to `out` (skipped rows included, with
    /// flag `.skipped` and χ² NaN). `options` must have the template's scaling and a subset of
    /// the bands the template was prepared for (checked: a mismatch stops the program).
    func score(_ t: PreparedTemplate, _ block: XPBlock, rows: Range<Int>, options: XPSearchOptions,
               into out: inout [XPScore])
}

/// Scorers by name (command-line `--kernel`).
public enum XPScorers {
    /// "reference", "batched" (the fast default, W = `BatchedScorer.defaultLanes`), or
    /// "batched2", "batched4", "batched8", "batched16" (a given SIMD width, for benchmarks).
    public static func named(_ s: String) -> XPScorer? {
        switch s.lowercased() {
        case "reference": return ReferenceScorer()
        case "batched": return BatchedScorer()
        case "batched2": return BatchedScorer(lanes: 2)
        case "batched4": return BatchedScorer(lanes: 4)
        case "batched8": return BatchedScorer(lanes: 8)
        case "batched16": return BatchedScorer(lanes: 16)
        default: return nil
        }
    }

    public static let names = ["reference", "batched", "batched2", "batched4", "batched8", "batched16"]
}
