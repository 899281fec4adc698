// A block of sources as read from the repacked table, per band with the basis size of the data.

/// Many sources as stored in the HDF5 file (row-major blocks straight from a read), per band b
/// with basis size n_b (taken from the data: the repacked datasets' widths): coefficients
/// count×n_b float64 (a NaN row = band missing), errors count×n_b float32, correlations
/// count×n_b(n_b−1)/2 float32, standard deviation count float32. A band absent from the
/// dictionaries is missing for every row; `standardDeviation` is only read with
/// `ErrorScaling.standardDeviation`. A row's band is used only when its coefficients, errors
/// and correlations are all finite (and, with standard-deviation scaling, its standard deviation
/// is finite and positive).
public struct XPBlock: Sendable {
    public var count: Int
    public var sourceIDs: [Int64]
    public var coefficients: [Band: [Double]] = [:]
    public var errors: [Band: [Float]] = [:]
    public var correlations: [Band: [Float]] = [:]
    public var standardDeviation: [Band: [Float]] = [:]
    /// Basis sizes given explicitly (`set(_:…basisSize:)`); otherwise inferred, see `basisSize(_:)`.
    var basisSizes: [Band: Int] = [:]

    public init(count: Int, sourceIDs: [Int64]) {
        guard sourceIDs.count == count else { fatalError("XPBlock: \(sourceIDs.count) source ids for \(count) rows") }
        self.count = count
        self.sourceIDs = sourceIDs
    }

    /// n_b of `band`: as set, else the coefficient array's length per row; nil when the band is
    /// absent (or the block is empty and no size was given).
    public func basisSize(_ band: Band) -> Int? {
        if let n = basisSizes[band] { return n }
        guard count > 0, let c = coefficients[band] else { return nil }
        return c.count / count
    }

    /// Sets one band's arrays (sizes checked: n = `basisSize`, or coefficients per row).
    public mutating func set(_ band: Band, coefficients c: [Double], errors e: [Float], correlations r: [Float],
                             standardDeviation sd: [Float]? = nil, basisSize: Int? = nil) {
        let n = basisSize ?? (count > 0 ? c.count / count : 0)
        guard c.count == count * n, e.count == count * n, r.count == count * xpCorrelationCount(n),
              sd == nil || sd!.count == count else {
            fatalError("XPBlock.set(\(band)): sizes \(c.count), \(e.count), \(r.count), \(sd?.count ?? -1) do not match \(count) rows of basis size \(n)")
        }
        coefficients[band] = c
        errors[band] = e
        correlations[band] = r
        standardDeviation[band] = sd
        basisSizes[band] = n
    }

    /// Per-row size of one array of `band` (`per(n)` values per row), checked against the basis
    /// size already known for the band; the basis size it implies otherwise.
    private func checkedSize(_ band: Band, _ values: Int, _ what: String, per: (Int) -> Int, invert: (Int) -> Int?) -> Int {
        guard count > 0 else { return basisSizes[band] ?? 0 }
        let known = basisSize(band)
        guard values % count == 0, let n = invert(values / count), known == nil || known == n, per(n) * count == values else {
            fatalError("XPBlock.\(what): \(values) values for \(count) rows\(basisSize(band).map { " of basis size \($0)" } ?? "")")
        }
        return n
    }

    /// Sets the coefficients; their length per row sets the band's basis size.
    public mutating func setCoefficients(_ band: Band, _ v: [Double]) {
        guard count == 0 || v.count % count == 0 else { fatalError("XPBlock.setCoefficients: \(v.count) values for \(count) rows") }
        coefficients[band] = v
        basisSizes[band] = count > 0 ? v.count / count : basisSizes[band]
    }

    public mutating func setErrors(_ band: Band, _ v: [Float]) {
        basisSizes[band] = checkedSize(band, v.count, "setErrors", per: { $0 }, invert: { $0 })
        errors[band] = v
    }

    public mutating func setCorrelations(_ band: Band, _ v: [Float]) {
        basisSizes[band] = checkedSize(band, v.count, "setCorrelations", per: xpCorrelationCount, invert: xpBasisSize)
        correlations[band] = v
    }

    public mutating func setStandardDeviation(_ band: Band, _ v: [Float]) {
        guard v.count == count else { fatalError("XPBlock.setStandardDeviation: \(v.count) values for \(count) rows") }
        standardDeviation[band] = v
    }

    /// A block of spectra (errors, correlations and standard deviations rounded to float32 as
    /// in the files; a missing band becomes NaN rows). Every spectrum having a band must have the
    /// same basis size for it; a band no spectrum has gets DR3's size (all rows NaN).
    public init(spectra: [XPSpectrum]) {
        self.init(count: spectra.count, sourceIDs: spectra.map(\.sourceID))
        let rows = spectra.count
        for b in Band.allCases {
            let n = spectra.lazy.compactMap { $0[b]?.basisSize }.first ?? xpCoefficientCount
            let m = xpCorrelationCount(n)
            var c = [Double](repeating: .nan, count: rows * n)
            var e = [Float](repeating: .nan, count: rows * n)
            var r = [Float](repeating: .nan, count: rows * m)
            var sd = [Float](repeating: .nan, count: rows)
            for (row, s) in spectra.enumerated() {
                guard let band = s[b] else { continue }
                guard band.basisSize == n else {
                    fatalError("XPBlock(spectra:): source \(s.sourceID) has \(band.basisSize) \(b.rawValue) coefficients, an earlier one \(n)")
                }
                for k in 0..<n {
                    c[row * n + k] = band.coefficients[k]
                    e[row * n + k] = Float(band.errors[k])
                }
                for k in 0..<m { r[row * m + k] = Float(band.correlations[k]) }
                sd[row] = Float(band.standardDeviation)
            }
            set(b, coefficients: c, errors: e, correlations: r, standardDeviation: sd, basisSize: n)
        }
    }

    /// Row `row` of `band` widened to float64, or nil when the band is absent from the block or
    /// the row has non-finite coefficients, errors or correlations. The standard deviation is NaN
    /// when the block has none.
    public func band(_ band: Band, row: Int) -> XPBand? {
        guard let c = coefficients[band], let e = errors[band], let r = correlations[band],
              let n = basisSize(band) else { return nil }
        let m = xpCorrelationCount(n)
        let out = XPBand(coefficients: Array(c[row * n..<(row + 1) * n]),
                         errors: e[row * n..<(row + 1) * n].map(Double.init),
                         correlations: r[row * m..<(row + 1) * m].map(Double.init),
                         standardDeviation: standardDeviation[band].map { Double($0[row]) } ?? .nan)
        return out.isFinite ? out : nil
    }

    /// Row `row` as a float64 spectrum.
    public func spectrum(row: Int) -> XPSpectrum {
        XPSpectrum(sourceID: sourceIDs[row], bp: band(.bp, row: row), rp: band(.rp, row: row))
    }
}
