// What one rank accumulates while solving its sources: the output rows (one per source, and one
// per input row for --residuals), counts by reason and the figure's histograms.
import Astrometry
import GaiaIO

/// A source's outcome (the `status` column).
public enum SolutionStatus: Int, CaseIterable, Sendable {
    case ok, noObservations, singular, failed
    public var key: String { ["ok", "no_observations", "singular", "failed"][rawValue] }
    public var text: String {
        ["solved", "no usable CCD observation", "normal matrix singular (fewer observations than parameters, or degenerate)",
         "invalid input for the solver"][rawValue]
    }
}

/// This rank's rows of the solutions table, column by column.
public struct SolutionRows {
    public var sourceID: [Int64] = []
    public var status: [String] = []
    public var nTransits: [Int32] = [], nObs: [Int32] = [], nOutliers: [Int32] = []
    public var chi2: [Double] = [], excessNoise: [Double] = [], significance: [Double] = []
    /// Six parameters (pseudocolour NaN for 5p), their errors, and the 15 correlations of
    /// AstrometrySolutionOutputs.correlationPairs (NaN where a parameter is not fitted).
    public var parameters = [[Double]](repeating: [], count: 6)
    public var errors = [[Double]](repeating: [], count: 6)
    public var correlations = [[Double]](repeating: [], count: 15)
    public var count: Int { sourceID.count }
}

/// This rank's rows of the residual table: one per input row, in input order.
public struct ResidualRows {
    public var sourceID: [Int64] = []
    public var residual: [Double] = []   // rows × nCCD
    public var weight: [Double] = []     // rows × nCCD
}

public struct AstrometrySolutionStatistics: Sendable {
    public var sources = 0, seen = 0, selected = 0, solved = 0
    public var failed = [Int](repeating: 0, count: SolutionStatus.allCases.count)
    public var transits = 0, observations = 0, used = 0, outliers = 0, inUnsolved = 0
    public var rejected = [Int](repeating: 0, count: ObservationRejection.allCases.count)
    public var ranks = 1
    public var seconds = 0.0, readSeconds = 0.0, kernelCPUSeconds = 0.0
    public var uweHistogram: [Int] = [], parallaxHistogram: [Int] = []

    init() {}
    var packed: [Int] { [seen, selected, solved, transits, observations, used, outliers, inUnsolved] + failed + rejected }
    init(packed p: [Int]) {
        (seen, selected, solved, transits) = (p[0], p[1], p[2], p[3])
        (observations, used, outliers, inUnsolved) = (p[4], p[5], p[6], p[7])
        failed = Array(p[8..<(8 + failed.count)])
        rejected = Array(p[(8 + failed.count)...])
    }
}

public struct AstrometrySolutionResult {
    public var options: AstrometrySolutionOptions
    public var nCCD: Int
    public var rows: SolutionRows
    public var residualRows: ResidualRows?
    public var statistics: AstrometrySolutionStatistics
}

struct Tally {
    let nCCD: Int
    var rows = SolutionRows()
    var residualRows: ResidualRows?
    var counts = AstrometrySolutionStatistics()
    var sourcesSeen = 0, transitsDone = 0
    var kernelCPU = 0.0, readSeconds = 0.0
    /// The kernel's scratch, reused across sources (no allocation per source but the result's).
    var workspace = AstrometricWorkspace()
    /// √(χ²/(n_obs − p)) in bins of 0.05 from 0 (last bin: ≥ 4.95); parallax/σ in bins of 0.25
    /// from −10 (end bins hold everything beyond).
    static let uweBins = 100, uweWidth = 0.05, pullBins = 80, pullWidth = 0.25, pullLow = -10.0
    var uweHistogram = [Int](repeating: 0, count: Tally.uweBins)
    var parallaxHistogram = [Int](repeating: 0, count: Tally.pullBins)

    init(nCCD: Int, residuals: Bool) {
        self.nCCD = nCCD
        residualRows = residuals ? ResidualRows() : nil
    }

    /// A source --where drops: no solution row; NaN residual rows keep the alignment.
    mutating func skip(rows count: Int, sourceID: Int64) {
        counts.seen += 1
        appendResiduals(nil, count: count, id: sourceID)
    }

    mutating func solve(_ s: SourceObservations, options: SolverOptions) {
        counts.seen += 1
        counts.selected += 1
        counts.transits += s.transitCount
        counts.observations += s.transitCount * s.nCCD
        let c0 = Clock.threadCPU()
        let outcome: Result<AstrometricSolution, Error> = Result { try AstrometricSolver.solve(s, options: options, workspace: &workspace) }
        kernelCPU += Clock.threadCPU() - c0
        let p = options.model.parameterCount
        var status = SolutionStatus.ok
        var sol: AstrometricSolution? = nil
        switch outcome {
        case .success(let v): sol = v
        case .failure(let e):
            if case AstrometricSolverError.noObservations = e { status = .noObservations }
            else if case AstrometricSolverError.singular = e { status = .singular }
            else { status = .failed }
        }
        rows.sourceID.append(s.sourceID)
        rows.status.append(status.key)
        rows.nTransits.append(Int32(s.transitCount))
        if let v = sol {
            counts.solved += 1
            counts.used += v.nObs
            counts.outliers += v.nOutliers
            for (k, n) in v.rejected.enumerated() { counts.rejected[k] += n }
            rows.nObs.append(Int32(v.nObs))
            rows.nOutliers.append(Int32(v.nOutliers))
            rows.chi2.append(v.chi2)
            rows.excessNoise.append(v.excessNoise)
            rows.significance.append(v.excessNoiseSignificance)
            for k in 0..<6 {
                rows.parameters[k].append(k < p ? v.parameters[k] : .nan)
                rows.errors[k].append(k < p ? v.errors[k] : .nan)
            }
            for (k, (a, b)) in AstrometrySolutionOutputs.correlationPairs.enumerated() {
                rows.correlations[k].append(a < p && b < p ? v.correlation[a * p + b] : .nan)
            }
            let dof = Double(v.nObs - p)
            if dof > 0 { uweHistogram[min(Self.uweBins - 1, max(0, Int((v.chi2 / dof).squareRoot() / Self.uweWidth)))] += 1 }
            let pull = v.parameters[2] / v.errors[2]
            if pull.isFinite { parallaxHistogram[min(Self.pullBins - 1, max(0, Int(((pull - Self.pullLow) / Self.pullWidth).rounded(.down))))] += 1 }
        } else {
            counts.failed[status.rawValue] += 1
            counts.inUnsolved += s.transitCount * s.nCCD
            rows.nObs.append(0)
            rows.nOutliers.append(0)
            rows.chi2.append(.nan)
            rows.excessNoise.append(.nan)
            rows.significance.append(.nan)
            for k in 0..<6 { rows.parameters[k].append(.nan); rows.errors[k].append(.nan) }
            for k in 0..<15 { rows.correlations[k].append(.nan) }
        }
        appendResiduals(sol, count: s.transitCount, id: s.sourceID)
    }

    mutating func appendResiduals(_ sol: AstrometricSolution?, count: Int, id: Int64) {
        guard residualRows != nil else { return }
        residualRows!.sourceID.append(contentsOf: repeatElement(id, count: count))
        if let v = sol, v.residuals.count == count * nCCD, v.weights.count == count * nCCD {
            residualRows!.residual.append(contentsOf: v.residuals)
            residualRows!.weight.append(contentsOf: v.weights)
        } else {
            residualRows!.residual.append(contentsOf: repeatElement(.nan, count: count * nCCD))
            residualRows!.weight.append(contentsOf: repeatElement(.nan, count: count * nCCD))
        }
    }
}
