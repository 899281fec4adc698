// The slow, obviously correct scorer: full n_b×n_b float64 matrices per source, textbook
// Cholesky–Banachiewicz and forward substitution (Numerics.Cholesky). The fast path must agree.

import Numerics

/// Per source and band b:
///   D²_b = (c_t − c_i)ᵀ (Σ_t + Σ_i)⁻¹ (c_t − c_i) = |y|²,  L·y = c_t − c_i,  L·Lᵀ = Σ_t + Σ_i,
/// the Mahalanobis distance of the coefficient difference (Mahalanobis 1936) under the sum of
/// both covariances, Σ = diag(s)·R·diag(s) as in GaiaXPy (De Angeli et al. 2023, A&A 674, A2).
/// D² = Σ_b D²_b over the usable requested bands is χ²-distributed with dof = Σ_b n_b (the bands'
/// basis sizes: 55 each in DR3, 51 BP + 55 RP in DR4) if both
/// spectra are noisy realisations of the same coefficients with these covariances.
///
/// Shape-only (`scaleFit`): one flux scale a, common to all bands, with a·c_i ≈ c_t:
///   a0 = Σ_b c_i·c_t / Σ_b c_i·c_i (unweighted least squares),
///   L·Lᵀ = Σ_t + a0²·Σ_i (the covariance of c_t − a·c_i, evaluated at a0, not iterated),
///   y_t = L⁻¹c_t, y_i = L⁻¹c_i,  a = Σ_b y_i·y_t / Σ_b y_i·y_i (generalised least squares),
///   D²_b = |y_t − a·y_i|²,  dof = Σ_b n_b − 1.
/// Limits: a minimises D² only for the covariance frozen at a0 (one step of iteratively
/// reweighted least squares); when a is far from a0 the covariance used is that of a0, so D² is
/// then not exactly χ²-distributed; a ≤ 0 (anti-correlated coefficients) is reported, not rejected.
public struct ReferenceScorer: XPScorer {
    public init() {}

    public func score(_ t: PreparedTemplate, _ block: XPBlock, rows: Range<Int>, options: XPSearchOptions,
                      into out: inout [XPScore]) {
        t.check(options)
        t.check(block, options)
        guard rows.lowerBound >= 0, rows.upperBound <= block.count else {
            fatalError("ReferenceScorer: rows \(rows) outside a block of \(block.count)")
        }
        let bands = options.usedBands
        out.reserveCapacity(out.count + rows.count)
        for row in rows {
            var bandsOf = XPSpectrum(sourceID: block.sourceIDs[row], bp: nil, rp: nil)
            var flags: XPFlags = []
            for b in bands {
                if block.isUsable(b, row: row, scaling: options.scaling), let band = block.band(b, row: row) {
                    bandsOf[b] = band
                } else {
                    flags.insert(.missing(b))
                }
            }
            out.append(Self.compare(t, bandsOf, options: options, flags: flags))
        }
    }

    /// Compares one float64 source with the template on the requested bands it has (a band
    /// without a finite spectrum, or without the standard deviation the scaling needs, counts as
    /// missing). `flags` are added to the result.
    public static func compare(_ t: PreparedTemplate, _ source: XPSpectrum, options: XPSearchOptions,
                               flags extra: XPFlags = []) -> XPScore {
        t.check(options)
        var flags = extra
        var used: [(Band, XPBand)] = []
        for b in options.usedBands {
            if let band = source[b], let nt = t.basisSize[b], band.basisSize != nt {
                fatalError("XPSearch: " + XPSearchError.basisSizeMismatch(template: "\(t.spectrum.sourceID)", band: b, templateSize: nt, dataSize: band.basisSize).description)
            }
            if let band = source[b], band.isFinite, band.supports(options.scaling) {
                used.append((b, band))
            } else {
                flags.insert(.missing(b))
            }
        }
        var result = XPScore(sourceID: source.sourceID, chi2: .nan, dof: 0, scale: options.scaleFit ? .nan : 1, flags: flags)
        if used.isEmpty {
            result.flags.insert(.skipped)
            return result
        }
        result.dof = used.reduce(0) { $0 + $1.1.basisSize } - (options.scaleFit ? 1 : 0)
        var a0 = 1.0
        if options.scaleFit {
            var ct = 0.0, cc = 0.0
            for (b, band) in used {
                for k in 0..<band.basisSize {
                    ct += band.coefficients[k] * t.coefficients[b.index][k]
                    cc += band.coefficients[k] * band.coefficients[k]
                }
            }
            a0 = ct / cc
        }
        // Per band: Cholesky of M = Σ_t + a0²·Σ_i and the solves.
        var solved: [(Band, y1: [Double], y2: [Double])] = []
        var failed = false
        for (b, band) in used {
            let n = band.basisSize
            let sigmaT = t.covarianceFull[b.index]
            let sigmaI = try! band.covariance(scaling: options.scaling)
            let scale2 = a0 * a0
            var m = [Double](repeating: 0, count: n * n)
            for k in 0..<(n * n) { m[k] = options.scaleFit ? sigmaT[k] + scale2 * sigmaI[k] : sigmaT[k] + sigmaI[k] }
            guard let l = try? Cholesky.factor(m, n: n) else {
                failed = true
                result.flags.insert(.notPositiveDefinite)
                continue
            }
            let ct = t.coefficients[b.index]
            if options.scaleFit {
                solved.append((b, Cholesky.forward(l, n: n, ct), Cholesky.forward(l, n: n, band.coefficients)))
            } else {
                let delta = (0..<n).map { ct[$0] - band.coefficients[$0] }
                let d2 = Cholesky.inverseQuadraticForm(factor: l, n: n, delta)
                if b == .bp { result.chi2BP = d2 } else { result.chi2RP = d2 }
            }
        }
        if options.scaleFit {
            if failed { return result }
            var yit = 0.0, yii = 0.0
            for (_, yt, yi) in solved {
                for k in 0..<yt.count {
                    yit += yi[k] * yt[k]
                    yii += yi[k] * yi[k]
                }
            }
            let a = yit / yii
            result.scale = a
            for (b, yt, yi) in solved {
                var d2 = 0.0
                for k in 0..<yt.count {
                    let r = yt[k] - a * yi[k]
                    d2 += r * r
                }
                if b == .bp { result.chi2BP = d2 } else { result.chi2RP = d2 }
            }
        }
        if !failed {
            result.chi2 = used.reduce(0) { $0 + result.chi2($1.0) }
        }
        return result
    }
}
