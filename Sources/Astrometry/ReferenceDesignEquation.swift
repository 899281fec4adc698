// gaiasupdate `solver.DesignEquation`, ported method by method for the reference solver
// (AstrometricReference.swift). Names follow the Python; the numpy arrays are [Double]. Every
// observation has weight_prior 1 and excess_attitude_noise 0 (supdate sets neither), so
// observation_variances = σ² and get_downweights(True) = weight. The Python aliases
// `downweights = self.weight` and updates it in place (calculate_downweights); that is the same
// as assigning the new array, which is what this port does.

final class ReferenceDesignEquation {
    let design: [[Double]]
    let h: [Double]
    let observationVariances: [Double]
    let priorSigma: Double?
    var weight: [Double]
    var excessSourceVariance = 0.0
    var nOutliers = 0
    var n: Int { h.count }
    var p: Int { design.first?.count ?? 0 }
    var nEffectiveDegreesOfFreedom: Double { Double(n - p - nOutliers) }

    init(design: [[Double]], h: [Double], sigma: [Double], prior: Double?) {
        self.design = design
        self.h = h
        observationVariances = sigma.map { $0 * $0 }
        priorSigma = prior
        weight = [Double](repeating: 1, count: h.count)
    }

    /// construct_full_normals: WD = √(w/var)·D, wh = √(w/var)·h, rhs = WDᵀwh, N = WDᵀWD (+ prior).
    func constructFullNormals(totalVariance: [Double]?) -> (normals: [Double], rhs: [Double]) {
        let variance = totalVariance ?? observationVariances.map { $0 + excessSourceVariance }
        var normals = [Double](repeating: 0, count: p * p)
        var rhs = [Double](repeating: 0, count: p)
        for i in 0..<n {
            let root = (weight[i] / variance[i]).squareRoot()
            let wd = design[i].map { root * $0 }
            let wh = root * h[i]
            for a in 0..<p {
                rhs[a] += wd[a] * wh
                for b in 0..<p { normals[a * p + b] += wd[a] * wd[b] }
            }
        }
        if let prior = priorSigma { normals[p * p - 1] += 1 / (prior * prior) }
        return (normals, rhs)
    }

    func computeResiduals(_ parameters: [Double]) -> [Double] {
        (0..<n).map { i in h[i] - zip(design[i], parameters).map { $0 * $1 }.reduce(0, +) }
    }

    /// basic_source_update_calculator_solve (cholesky=False: np.linalg.solve).
    func solve(totalVariance: [Double]?, _ id: Int64) throws -> (normals: [Double], parameters: [Double], residuals: [Double]) {
        let (normals, rhs) = constructFullNormals(totalVariance: totalVariance)
        guard let parameters = ReferenceLU.solve(normals, p, rhs) else {
            throw AstrometricSolverError.singular(sourceID: id)
        }
        return (normals, parameters, computeResiduals(parameters))
    }

    func getWeightedSSRAndDerivative(_ id: Int64) throws -> (Double, Double) {
        let residuals = try solve(totalVariance: nil, id).residuals
        var ssr = 0.0, derivative = 0.0
        for i in 0..<n {
            let total = observationVariances[i] + excessSourceVariance
            ssr += residuals[i] * residuals[i] * weight[i] * 1 / total
            derivative += residuals[i] * residuals[i] * weight[i] * ((1 / total) * (1 / total))
        }
        return (ssr, -1 * derivative)
    }

    func getImprovedEstimateOfExcessSourceVariance(dof: Double, _ id: Int64) throws -> Double {
        let s = try getWeightedSSRAndDerivative(id)
        let deltaVar = -(s.0 / s.1) * (s.0 / dof - 1.0)
        let candidate = excessSourceVariance + deltaVar
        return candidate.isNaN ? .nan : Swift.max(candidate, 0.0)   // np.max propagates NaN
    }

    /// calculate_excess_source_noise (P1).
    func calculateExcessSourceNoise(_ id: Int64) throws -> (Double, Double) {
        excessSourceVariance = 0
        var significance = 0.0
        let sMin0 = try getWeightedSSRAndDerivative(id).0
        let dof = nEffectiveDegreesOfFreedom
        var iterExcess = 0
        if sMin0 > dof {
            var old = excessSourceVariance
            var improved = try getImprovedEstimateOfExcessSourceVariance(dof: dof, id)
            excessSourceVariance = improved
            var delta = improved - old
            while abs(delta) > AGISRules.tolEsvExcess * excessSourceVariance && iterExcess < AGISRules.maxIterExcess {
                iterExcess += 1
                old = excessSourceVariance
                improved = try getImprovedEstimateOfExcessSourceVariance(dof: dof, id)
                excessSourceVariance = improved
                delta = improved - old
            }
            significance = (sMin0 - dof) / (2.0 * dof).squareRoot()
        }
        return (excessSourceVariance.squareRoot(), significance)
    }

    /// calculate_downweights (P2).
    func calculateDownweights(_ residuals: [Double]) -> [Double] {
        (0..<n).map { i in
            AGISRules.decayDownweight(residuals[i] / (observationVariances[i] + excessSourceVariance).squareRoot())
        }
    }

    func computeNOutliers() -> Int { weight.filter { $0 < AGISRules.downweightLimit }.count }

    /// get_initial_dispersion_estimate: np.quantile at 1/6 … 5/6 (linear).
    static func initialDispersionEstimate(_ data: [Double]) -> Double {
        let sorted = data.sorted()
        return sorted.withUnsafeBufferPointer { AGISRules.initialDispersion(sorted: $0) }
    }

    /// calculate_estimate.
    func calculateEstimate(_ id: Int64) throws -> (Double, Double) {
        var excessSourceNoise = 0.0
        excessSourceVariance = excessSourceNoise * excessSourceNoise
        weight = [Double](repeating: 1, count: n)
        var iterRobust = 0
        let sMin0 = try getWeightedSSRAndDerivative(id).0
        var dof = nEffectiveDegreesOfFreedom
        var significance = 0.0
        if sMin0 > dof {
            var old = excessSourceVariance
            let noiseImproved = Self.initialDispersionEstimate(h)
            var improved = noiseImproved * noiseImproved
            excessSourceVariance = improved
            weight = calculateDownweights(h)
            nOutliers = computeNOutliers()
            dof = nEffectiveDegreesOfFreedom
            var delta = improved - old
            while abs(delta) > AGISRules.tolEsvRobust * excessSourceVariance && iterRobust < AGISRules.maxIterRobust {
                iterRobust += 1
                old = excessSourceVariance
                improved = try getImprovedEstimateOfExcessSourceVariance(dof: dof, id)
                excessSourceVariance = improved
                weight = calculateDownweights(try solve(totalVariance: nil, id).residuals)  // get_postfit_residuals
                nOutliers = computeNOutliers()
                dof = nEffectiveDegreesOfFreedom
                delta = improved - old
            }
            (excessSourceNoise, significance) = try calculateExcessSourceNoise(id)
        }
        return (excessSourceNoise, significance)
    }
}
