// A template spectrum with everything the scorers reuse for every source precomputed.

/// A template prepared for `options`: per requested band the covariance Σ_t (float64, with the
/// requested error scaling) and a certified upper bound of its largest eigenvalue.
/// Immutable after init, safe to share between threads.
public final class PreparedTemplate: @unchecked Sendable {
    public let spectrum: XPSpectrum
    /// Options it was prepared for; the scorers check that they are called with the same scaling
    /// and a subset of these bands (scaleFit does not change the template).
    public let options: XPSearchOptions
    /// Per requested band: a certified upper bound of λmax(Σ_t) (`PruningBound`), for the pruning
    /// lower bound D²_b ≥ |c_t − c_i|² / (λmax(Σ_t) + λmax(Σ_i)).
    public let lambdaMax: [Band: Double]
    /// The requested bands, BP first.
    public let bands: [Band]

    /// Per band index (BP 0, RP 1); empty arrays for bands not requested.
    let coefficients: [[Double]]
    /// s_t (errors with the scaling applied), 55.
    let scaledErrors: [[Double]]
    /// Σ_t full 55×55 row-major.
    let covarianceFull: [[Double]]
    /// Σ_t strictly lower triangle packed row-major (1485), element (i, j) = (s_i·s_j)·R_ij.
    let covarianceLower: [[Double]]
    /// Σ_t diagonal s_i².
    let covarianceDiagonal: [[Double]]

    /// Throws if a requested band is missing or non-finite in `t`, or if standard-deviation
    /// scaling is requested and the band's standard deviation is not finite and positive.
    public init(_ t: XPSpectrum, options: XPSearchOptions) throws {
        let bands = options.usedBands
        guard !bands.isEmpty else { throw XPSearchError.noBands }
        var coefficients = [[Double]](repeating: [], count: 2)
        var scaled = coefficients, full = coefficients, lower = coefficients, diagonal = coefficients
        var lambda: [Band: Double] = [:]
        for b in bands {
            guard let band = t[b], band.isFinite else {
                throw XPSearchError.templateMissingBand(sourceID: t.sourceID, band: b)
            }
            guard band.supports(options.scaling) else {
                throw XPSearchError.missingStandardDeviation(sourceID: t.sourceID, band: b)
            }
            let s = try band.scaledErrors(options.scaling)
            coefficients[b.index] = band.coefficients
            scaled[b.index] = s
            full[b.index] = try band.covariance(scaling: options.scaling)
            var l = [Double](repeating: 0, count: xpCorrelationCount)
            for i in 0..<xpCoefficientCount {
                for j in 0..<i {
                    let k = i * (i - 1) / 2 + j
                    l[k] = (s[i] * s[j]) * band.correlations[k]
                }
            }
            lower[b.index] = l
            diagonal[b.index] = s.map { $0 * $0 }
            lambda[b] = PruningBound.lambdaMaxUpperBound(band, scaling: options.scaling)
        }
        self.spectrum = t
        self.options = options
        self.bands = bands
        self.coefficients = coefficients
        self.scaledErrors = scaled
        self.covarianceFull = full
        self.covarianceLower = lower
        self.covarianceDiagonal = diagonal
        self.lambdaMax = lambda
    }

    /// The bands of `requested` (BP first) that template `t` can be compared on: present with finite
    /// coefficients, errors and correlations. A template lacking one band is searched on the other
    /// (dof 55; the caller reports it); throws `templateNoUsableBand` when none is left.
    public static func usableBands(_ t: XPSpectrum, requested: [Band]) throws -> [Band] {
        let wanted = Band.allCases.filter { requested.contains($0) }
        let usable = wanted.filter { t[$0]?.isFinite ?? false }
        if usable.isEmpty { throw XPSearchError.templateNoUsableBand(sourceID: t.sourceID, bands: wanted) }
        return usable
    }

    /// Σ_t of `band` (55×55 row-major), nil if the band was not requested.
    public func covariance(_ band: Band) -> [Double]? {
        covarianceFull[band.index].isEmpty ? nil : covarianceFull[band.index]
    }

    /// Stops with a message when a scorer is called with options the template was not prepared for.
    func check(_ o: XPSearchOptions) {
        if o.scaling != options.scaling || !o.usedBands.allSatisfy(bands.contains) || o.usedBands.isEmpty {
            fatalError("XPSearch: template \(spectrum.sourceID) was prepared for \(options), scored with \(o)")
        }
    }
}
