// One source as the plane-wave F-statistic takes it: its cleaned along-scan series with weights,
// the residuals after its own 5-parameter fit, and the Cholesky factor of that fit.

public struct PlaneWaveSource: Sendable {
    public let sourceID: Int64
    public let frame: StarFrame
    public let tau: [Double]
    public let sinPsi: [Double]
    public let cosPsi: [Double]
    public let parallaxFactor: [Double]
    /// 1/σ², mas⁻².
    public let weight: [Double]
    /// Post-fit residuals r̃ = P w, mas.
    public let residual: [Double]
    /// Cholesky factor of XᵀWX (row-major 5×5).
    public let factor: [Double]
    /// Σ r̃²/σ² of the 5-parameter fit.
    public let chi2: Double

    public var count: Int { tau.count }

    /// Fits the 5 astrometric parameters and keeps what the search needs.
    public init(_ s: AlongScanSeries, minimumTransits: Int = 6) throws {
        let fit = try FiveParameterFit(s, minimumTransits: minimumTransits)
        sourceID = s.sourceID
        frame = s.frame
        tau = s.tau
        sinPsi = s.sinPsi
        cosPsi = s.cosPsi
        parallaxFactor = s.parallaxFactor
        weight = s.sigma.map { 1 / ($0 * $0) }
        residual = fit.residuals
        factor = fit.factor
        chi2 = fit.chi2
    }
}
