// The public vocabulary of the source update (contract C2 of issue 13): the models, one source's
// epoch astrometry as the job reads it from the repacked transits, the solver options and the
// solution. Everything mirrors ESA's `gaiasupdate` 0.1.2 (`epoch_astrometry.py`, `solver.py`),
// whose `GaiaEpochAstrometryArchive.supdate(df, source_id, model, compute_excess_noise)` this
// module reproduces; the mapping of every output is in Docs/astrometric-solution.md ("Kernel").

/// The astrometric models of `gaiasupdate` (`get_design_equation_parameters`).
public enum AstrometricModel: String, Sendable, CaseIterable {
    /// '5p_single_source': position offsets, parallax, proper motion.
    case fiveParameter = "5p"
    /// '6p_constrained_colour': plus the pseudo-colour, with the Gaussian prior 0.085e-3 nm⁻¹.
    case sixParameterConstrainedColour = "6p-constrained-colour"

    public var parameterCount: Int { self == .fiveParameter ? 5 : 6 }

    public var parameterNames: [String] {
        let five = ["ra_offset", "dec_offset", "parallax", "pmra", "pmdec"]
        return self == .fiveParameter ? five : five + ["pseudocolour"]
    }

    /// The model's name in `gaiasupdate`.
    public var gaiasupdateName: String {
        self == .fiveParameter ? "5p_single_source" : "6p_constrained_colour"
    }
}

/// One source's epoch astrometry as read from the repacked rows: `transitCount` field-of-view
/// transits, per-CCD values transit-major (transits × nCCD, row-major), nulls as in the repacked
/// layout (Docs/data-format.md).
public struct SourceObservations: Sendable {
    public var sourceID: Int64
    public var nCCD: Int
    public var transitCount: Int
    /// transits·nCCD, ns since 2010-01-01T00:00 TCB; Int64.min = null.
    public var obsTimeTCB: [Int64] = []
    /// transits·nCCD, mas; NaN = null.
    public var centroidPosAL: [Double] = []
    /// transits·nCCD, mas (float32 widened); NaN = null.
    public var centroidPosErrorAL: [Double] = []
    /// transits·nCCD, deg; NaN = null.
    public var scanPosAngle: [Double] = []
    /// transits·nCCD, 1 = used, 0 = not used, −1 = null (= not used).
    public var usedByAGISAL: [Int8] = []
    /// transits, ns (float32 widened); NaN = null.
    public var obsTimeBaryCorr: [Double] = []
    /// transits (float32 widened).
    public var parallaxFactorAL: [Double] = []
    /// transits (scalar column) or transits·nCCD (per-CCD column); may be empty for 5p.
    public var colourFactorAL: [Double] = []
    /// mas, the AGIS excess source noise (the first transit's value); NaN = none.
    public var agisSourceExcessNoise: Double = .nan

    public init(sourceID: Int64, nCCD: Int, transitCount: Int) {
        self.sourceID = sourceID
        self.nCCD = nCCD
        self.transitCount = transitCount
    }

    /// Whether the colour factor is given per CCD (a 2-D column) rather than per transit.
    public var colourFactorIsPerCCD: Bool { nCCD != 1 && colourFactorAL.count == transitCount * nCCD }
}

public struct SolverOptions: Sendable {
    public var model: AstrometricModel = .fiveParameter
    /// false (gaiasupdate's default): the AGIS excess noise from the data is added to every
    /// variance, one weighted solve, no downweighting. true: `compute_excess_noise=True` —
    /// excess-noise estimation and robust downweighting (`DesignEquation.calculate_estimate`).
    public var fitExcessNoise = false
    /// Fill `AstrometricSolution.residuals` and `.weights` (transits·nCCD each).
    public var keepResiduals = false
    public init() {}
    public init(model: AstrometricModel, fitExcessNoise: Bool = false, keepResiduals: Bool = false) {
        self.model = model
        self.fitExcessNoise = fitExcessNoise
        self.keepResiduals = keepResiduals
    }
}

/// Why a CCD observation was not used. Each rejected observation is counted once, under the
/// first reason that applies in gaiasupdate's filter order — null obs_time_tcb (dropped when the
/// frame is exploded), used_by_agis_al ≠ True, null obs_time_bary_corr, null scan_pos_angle —
/// and then the nulls gaiasupdate would propagate as NaN into the whole solution, which we
/// reject instead: value (centroid_pos_al, parallax_factor_al, or colour_factor_al for 6p) and
/// error (centroid_pos_error_al). The case order is the contract's, not the filter order.
public enum ObservationRejection: Int, CaseIterable, Sendable {
    case notUsedByAGIS, baryCorrNull, scanAngleNull, timeNull, valueNull, errorNull

    public var key: String {
        switch self {
        case .notUsedByAGIS: return "not_used_by_agis"
        case .baryCorrNull: return "bary_corr_null"
        case .scanAngleNull: return "scan_angle_null"
        case .timeNull: return "time_null"
        case .valueNull: return "value_null"
        case .errorNull: return "error_null"
        }
    }
}

public struct AstrometricSolution: Sendable {
    public var sourceID: Int64
    public var model: AstrometricModel
    /// ra_offset, dec_offset (mas), parallax (mas), pmra, pmdec (mas/yr)[, pseudocolour (nm⁻¹,
    /// gaiasupdate's unit: the design column is −1000 × colour_factor_al)].
    public var parameters: [Double]
    /// Formal: √diag(N⁻¹) = gaiasupdate `parameters_formal_uncertainty`.
    public var errors: [Double]
    /// p×p row-major N⁻¹ (`parameter_covariance_matrix_formal`).
    public var covariance: [Double]
    /// p×p row-major, C_ij / √(C_ii C_jj).
    public var correlation: [Double]
    /// gaiasupdate `n_measurements`: observations used, minus outliers (downweight < 0.2).
    public var nObs: Int
    public var nOutliers: Int
    /// gaiasupdate `solution_statistic.chi2`: Σ r²/σ² over the kept observations (measurement
    /// variance, without excess noise).
    public var chi2: Double
    /// The fitted excess noise (fitExcessNoise) or the AGIS value applied (NaN when none), mas.
    public var excessNoise: Double
    /// gaiasupdate `significance` (Eq. 10 of GAIA-C3-TN-LU-LL-083); NaN when not fitted.
    public var excessNoiseSignificance: Double
    /// Rejected CCD observations per ObservationRejection (indexed by rawValue).
    public var rejected: [Int]
    /// With keepResiduals: transits·nCCD post-fit residuals h − Xβ (mas), NaN where not used.
    public var residuals: [Double]
    /// With keepResiduals: transits·nCCD, downweight / total variance (mas⁻²), 0 where not used.
    public var weights: [Double]

    public init(sourceID: Int64, model: AstrometricModel) {
        self.sourceID = sourceID
        self.model = model
        parameters = []; errors = []; covariance = []; correlation = []
        nObs = 0; nOutliers = 0; chi2 = .nan; excessNoise = .nan; excessNoiseSignificance = .nan
        rejected = [Int](repeating: 0, count: ObservationRejection.allCases.count)
        residuals = []; weights = []
    }
}

public enum AstrometricSolverError: Error, Equatable, CustomStringConvertible {
    /// No CCD observation survived the selection.
    case noObservations(sourceID: Int64)
    /// Fewer used observations than parameters, or a normal matrix that is singular or not
    /// positive definite.
    case singular(sourceID: Int64)
    /// Array lengths inconsistent with transitCount × nCCD.
    case invalidInput(sourceID: Int64, reason: String)

    public var description: String {
        switch self {
        case .noObservations(let id): return "source_id \(id): no usable CCD observation"
        case .singular(let id):
            return "source_id \(id): singular normal matrix (too few or degenerate observations)"
        case .invalidInput(let id, let reason): return "source_id \(id): \(reason)"
        }
    }
}
