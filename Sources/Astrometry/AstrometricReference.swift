// The slow reference: a straight port of gaiasupdate 0.1.2 for the unit tests. Full arrays as
// pandas/numpy hold them — explode the CCD arrays, filter in gaiasupdate's order, the n×p design
// matrix, WD = √w·D and N = WDᵀWD (`construct_full_normals`), parameters by LU with partial
// pivoting (np.linalg.solve = LAPACK dgesv) and the covariance by the LU inverse
// (np.linalg.inv) — and `DesignEquation` as a class holding its mutable state (weight,
// excess_source_variance, n_outliers), so the order of the updates is the Python code's.

import Foundation

extension AstrometricSolver {
    /// Straight port of gaiasupdate (full design matrix, numpy's operation order), for tests.
    public static func solveReference(_ s: SourceObservations, options: SolverOptions) throws -> AstrometricSolution {
        try validate(s, model: options.model)
        let model = options.model, p = model.parameterCount
        var out = AstrometricSolution(sourceID: s.sourceID, model: model)

        // explode_ccdlevel_columns + filter_null_from_column(obs_time_tcb), then the filters of
        // compute_source_parameters, each over the survivors of the previous one.
        var rows = Array(0..<(s.transitCount * s.nCCD))
        func filter(_ reason: ObservationRejection, keep: (Int) -> Bool) {
            let kept = rows.filter(keep)
            out.rejected[reason.rawValue] += rows.count - kept.count
            rows = kept
        }
        let transit = { (j: Int) in j / s.nCCD }
        let colour = { (j: Int) -> Double in s.colourFactorAL[s.colourFactorIsPerCCD ? j : transit(j)] }
        let sixP = model == .sixParameterConstrainedColour
        filter(.timeNull) { s.obsTimeTCB[$0] != Int64.min }
        filter(.notUsedByAGIS) { s.usedByAGISAL[$0] == 1 }
        filter(.baryCorrNull) { !s.obsTimeBaryCorr[transit($0)].isNaN }
        filter(.scanAngleNull) { !s.scanPosAngle[$0].isNaN }
        // Not in gaiasupdate, which would carry the NaN into every parameter.
        filter(.valueNull) { !s.centroidPosAL[$0].isNaN && !s.parallaxFactorAL[transit($0)].isNaN && !(sixP && colour($0).isNaN) }
        filter(.errorNull) { !s.centroidPosErrorAL[$0].isNaN }
        guard !rows.isEmpty else { throw AstrometricSolverError.noObservations(sourceID: s.sourceID) }

        // get_design_equation_parameters
        var design = [[Double]]()
        var row = [Double](repeating: 0, count: p)
        for j in rows {
            let t = AstrometricTime.relativeYears(obsTimeTCB: s.obsTimeTCB[j], baryCorrNs: s.obsTimeBaryCorr[transit(j)])
            AstrometricDesign.row(scanAngleDeg: s.scanPosAngle[j], years: t, parallaxFactor: s.parallaxFactorAL[transit(j)],
                                  colourFactor: sixP ? colour(j) : nil, into: &row)
            design.append(row)
        }
        let eq = ReferenceDesignEquation(design: design, h: rows.map { s.centroidPosAL[$0] },
                                         sigma: rows.map { s.centroidPosErrorAL[$0] },
                                         prior: sixP ? AstrometricDesign.pseudocolourPrior : nil)
        guard eq.n >= p else { throw AstrometricSolverError.singular(sourceID: s.sourceID) }

        // compute_source_parameters → solve_like_agis(total_variance)
        var totalVariance: [Double]? = nil
        if options.fitExcessNoise {
            let (noise, significance) = try eq.calculateEstimate(s.sourceID)
            out.excessNoise = noise
            out.excessNoiseSignificance = significance
        } else {
            let esv = AstrometricDesign.agisExcessVariance(s.agisSourceExcessNoise)
            totalVariance = eq.observationVariances.map { $0 + esv }
            out.excessNoise = s.agisSourceExcessNoise
        }
        let (normals, parameters, residuals) = try eq.solve(totalVariance: totalVariance, s.sourceID)
        out.parameters = parameters
        guard let covariance = ReferenceLU.inverse(normals, p) else {
            throw AstrometricSolverError.singular(sourceID: s.sourceID)
        }
        out.covariance = covariance
        out.errors = (0..<p).map { covariance[$0 * p + $0].squareRoot() }
        out.correlation = correlation(covariance, p: p)
        let keep = (0..<eq.n).filter { eq.weight[$0] >= AGISRules.downweightLimit }   // get_index_keep
        out.nOutliers = eq.n - keep.count
        out.nObs = keep.count
        out.chi2 = keep.map { residuals[$0] * residuals[$0] / eq.observationVariances[$0] }.reduce(0, +)
        if options.keepResiduals {
            let variance = totalVariance ?? eq.observationVariances.map { $0 + eq.excessSourceVariance }
            out.residuals = [Double](repeating: .nan, count: s.transitCount * s.nCCD)
            out.weights = [Double](repeating: 0, count: s.transitCount * s.nCCD)
            for (i, j) in rows.enumerated() {
                out.residuals[j] = residuals[i]
                out.weights[j] = eq.weight[i] / variance[i]
            }
        }
        return out
    }
}

/// LU with partial pivoting (LAPACK dgetrf/dgetrs: the first largest |pivot| in the column).
enum ReferenceLU {
    /// A⁻¹b, or nil when a pivot is zero or the result not finite.
    static func solve(_ a: [Double], _ n: Int, _ b: [Double]) -> [Double]? {
        var m = a, x = b
        for k in 0..<n {
            var pivot = k
            for i in (k + 1)..<max(n, k + 1) where abs(m[i * n + k]) > abs(m[pivot * n + k]) { pivot = i }
            guard m[pivot * n + k] != 0 else { return nil }
            if pivot != k {
                for c in 0..<n { m.swapAt(k * n + c, pivot * n + c) }
                x.swapAt(k, pivot)
            }
            for i in (k + 1)..<max(n, k + 1) {
                let l = m[i * n + k] / m[k * n + k]
                for c in (k + 1)..<n { m[i * n + c] -= l * m[k * n + c] }
                x[i] -= l * x[k]
            }
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[i]
            for c in (i + 1)..<max(n, i + 1) { sum -= m[i * n + c] * x[c] }
            x[i] = sum / m[i * n + i]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }

    /// A⁻¹ column by column (np.linalg.inv solves A X = I).
    static func inverse(_ a: [Double], _ n: Int) -> [Double]? {
        var inv = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[c] = 1
            guard let column = solve(a, n, e) else { return nil }
            for r in 0..<n { inv[r * n + c] = column[r] }
        }
        return inv
    }
}
