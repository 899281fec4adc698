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
    /// Per requested band: the template's basis size n_b (55 in DR3; DR4 BP 51). The data
    /// compared with it must have the same (`checkBasisSizes`).
    public let basisSize: [Band: Int]

    /// Per band index (BP 0, RP 1); empty arrays for bands not requested.
    let coefficients: [[Double]]
    /// s_t (errors with the scaling applied), n_b.
    let scaledErrors: [[Double]]
    /// Σ_t full n_b×n_b row-major.
    let covarianceFull: [[Double]]
    /// Σ_t strictly lower triangle packed row-major (n_b(n_b−1)/2), element (i, j) = (s_i·s_j)·R_ij.
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
        var sizes: [Band: Int] = [:]
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
            let n = band.basisSize
            sizes[b] = n
            var l = [Double](repeating: 0, count: xpCorrelationCount(n))
            for i in 0..<n {
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
        self.basisSize = sizes
        self.coefficients = coefficients
        self.scaledErrors = scaled
        self.covarianceFull = full
        self.covarianceLower = lower
        self.covarianceDiagonal = diagonal
        self.lambdaMax = lambda
    }

    /// The bands of `requested` (BP first) that template `t` can be compared on: present with finite
    /// coefficients, errors and correlations. A template lacking one band is searched on the other
    /// (dof n_b of that band; the caller reports it); throws `templateNoUsableBand` when none is left.
    public static func usableBands(_ t: XPSpectrum, requested: [Band]) throws -> [Band] {
        let wanted = Band.allCases.filter { requested.contains($0) }
        let usable = wanted.filter { t[$0]?.isFinite ?? false }
        if usable.isEmpty { throw XPSearchError.templateNoUsableBand(sourceID: t.sourceID, bands: wanted) }
        return usable
    }

    /// Σ_t of `band` (n_b×n_b row-major), nil if the band was not requested.
    public func covariance(_ band: Band) -> [Double]? {
        covarianceFull[band.index].isEmpty ? nil : covarianceFull[band.index]
    }

    /// Throws `basisSizeMismatch` (naming the template as `name`, default its source_id) when a
    /// requested band's basis size differs from the data's (`data[b]`; a band absent from `data`
    /// is not checked).
    public func checkBasisSizes(_ data: [Band: Int], name: String? = nil) throws {
        for b in bands {
            if let nd = data[b], let nt = basisSize[b], nd != nt {
                throw XPSearchError.basisSizeMismatch(template: name ?? "\(spectrum.sourceID)", band: b, templateSize: nt, dataSize: nd)
            }
        }
    }

    /// Stops with a message when a scorer is called with a block whose basis size for a
    /// requested band differs from the template's (the job checks first, with an error).
    func check(_ block: XPBlock, _ o: XPSearchOptions) {
        for b in o.usedBands {
            if let nd = block.basisSize(b), let nt = basisSize[b], nd != nt {
                fatalError("XPSearch: " + XPSearchError.basisSizeMismatch(template: "\(spectrum.sourceID)", band: b, templateSize: nt, dataSize: nd).description)
            }
        }
    }

    /// Stops with a message when a scorer is called with options the template was not prepared for.
    func check(_ o: XPSearchOptions) {
        if o.scaling != options.scaling || !o.usedBands.allSatisfy(bands.contains) || o.usedBands.isEmpty {
            fatalError("XPSearch: template \(spectrum.sourceID) was prepared for \(options), scored with \(o)")
        }
    }
}
