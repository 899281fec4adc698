// The AGIS robust source update with excess-noise estimation on the workspace's compact system:
// gaiasupdate `DesignEquation.calculate_estimate` and `calculate_excess_source_noise`
// (gaia.cu3.agistools …RobustSourceUpdateCalculator; GAIA-C3-TN-LU-LL-083 procedures P1–P3;
// Lindegren et al. 2012, A&A 538, A78, eqs. 64–66).
//
// Reproduced as the code does it, including its oddities:
// • the initial excess noise is the robust dispersion of the PRE-fit residuals h (not of a fit);
// • dof = n − p − n_outliers uses the outlier count of the latest downweights, updated only where
//   the Python code calls compute_n_outliers (so the first dof has n_outliers = 0);
// • in the robust loop the new esv is computed with the old downweights, and the residuals that
//   give the new downweights come from a solve with the new esv and the OLD downweights;
// • calculate_excess_source_noise restarts from esv = 0 with the final downweights and keeps the
//   dof of the last robust iteration;
// • max(esv + Δ, 0) propagates NaN as np.max does.

import Numerics

extension AstrometricWorkspace {
    /// Runs the estimate; on return `d` holds the final downweights. Returns the excess source
    /// variance for the final solve, the excess noise and its significance (0 and 0 when the
    /// unweighted fit already has χ² ≤ dof, as gaiasupdate returns).
    mutating func robustEstimate() throws(NotPositiveDefinite) -> (variance: Double, noise: Double, significance: Double) {
        for i in 0..<n { d[i] = 1 }
        var esv = 0.0
        var nOutliers = 0
        let (sMin0, _) = try weightedSSR(excessVariance: 0)
        var dof = Double(n - p - nOutliers)
        guard sMin0 > dof else { return (0, 0, 0) }

        // P3: initial dispersion from the sextiles of the pre-fit residuals.
        for i in 0..<n { sorted[i] = h[i] }
        sorted.withUnsafeMutableBufferPointer { s in
            s[0..<n].sort()
        }
        let noise0 = sorted.withUnsafeBufferPointer { s in
            AGISRules.initialDispersion(sorted: UnsafeBufferPointer(rebasing: s[0..<n]))
        }
        esv = noise0 * noise0
        computeDownweights(residuals: h, excessVariance: esv)
        nOutliers = outlierCount()
        dof = Double(n - p - nOutliers)
        var delta = esv - 0
        var iteration = 0
        while abs(delta) > AGISRules.tolEsvRobust * esv && iteration < AGISRules.maxIterRobust {
            iteration += 1
            let old = esv
            let improved = try improvedVariance(esv, dof: dof)
            esv = improved
            try solveNormals(excessVariance: esv)
            computeResiduals()
            computeDownweights(residuals: r, excessVariance: esv)
            nOutliers = outlierCount()
            dof = Double(n - p - nOutliers)
            delta = improved - old
        }

        // P1 (calculate_excess_source_noise) with the final downweights.
        esv = 0
        var significance = 0.0
        let (s0, _) = try weightedSSR(excessVariance: 0)
        if s0 > dof {
            var old = esv
            esv = try improvedVariance(esv, dof: dof)
            delta = esv - old
            var iterExcess = 0
            while abs(delta) > AGISRules.tolEsvExcess * esv && iterExcess < AGISRules.maxIterExcess {
                iterExcess += 1
                old = esv
                esv = try improvedVariance(esv, dof: dof)
                delta = esv - old
            }
            significance = (s0 - dof) / (2.0 * dof).squareRoot()  // eq. (10)
        }
        return (esv, esv.squareRoot(), significance)
    }

    /// One Newton step of P1 (`get_improved_estimate_of_excess_source_variance`):
    /// max(esv − (S/S′)(S/dof − 1), 0).
    mutating func improvedVariance(_ esv: Double, dof: Double) throws(NotPositiveDefinite) -> Double {
        let (s, sPrime) = try weightedSSR(excessVariance: esv)
        let deltaVar = -(s / sPrime) * (s / dof - 1.0)
        let candidate = esv + deltaVar
        return candidate.isNaN ? candidate : (candidate > 0 ? candidate : 0)
    }

    /// P2 (`calculate_downweights`): dᵢ = decay(rᵢ / √(σᵢ² + esv)). Every observation has
    /// weight_prior 1, so all are updated.
    mutating func computeDownweights(residuals: [Double], excessVariance esv: Double) {
        for i in 0..<n {
            d[i] = AGISRules.decayDownweight(residuals[i] / (v[i] + esv).squareRoot())
        }
    }

    /// `compute_n_outliers`: downweights below 0.2.
    func outlierCount() -> Int {
        var count = 0
        for i in 0..<n where d[i] < AGISRules.downweightLimit { count += 1 }
        return count
    }
}
