// The Gaia DR3 tables GaiaMine knows by name: their columns as the bulk download declares them
// and the lengths of arrays that the headers declare variable but DR3 always fills to a fixed
// size (55 XP coefficients, 1485 = 55·54/2 correlations). See Docs/data-format.md.
//
// Column lists, in file order, with the datatype/subtype, unit, UCD and (first sentence of the)
// description that the DR3 headers declare:
//   xp_continuous_mean_spectrum  all 26 columns, as in the CDN file
//                                XpContinuousMeanSpectrum_000000-003111.csv.gz (int8 *_n_parameters;
//                                the archive/DataLink exports declare them int16)
//   epoch_photometry             all 48 columns, as in the CDN EpochPhotometry_*.csv.gz header
//   gaia_source                  all 152 DR3 columns, in DR3 order, with the datatypes, units, UCDs and
//                                descriptions of the archive's own ECSV export (the header of
//                                gaia_source_archive_cone_5rows.ecsv, `SELECT *` from gaiadr3.gaia_source).
//                                Synth writes 51 of them (GaiaSourceSynth.columnNames).
//   epoch_astrometry             all 14 columns of ESA's DataLink EPOCH_ASTROMETRY product (Gaia DR4),
//                                one row per field-of-view transit, as in the fixture
//                                `EPOCH_ASTROMETRY-Gaia DR4_INT2 1.ecsv` (descriptions verbatim).
// Descriptions are the Gaia DR3 data-model texts (© ESA/Gaia/DPAC, CC BY-SA 3.0 IGO), shortened to
// their first sentence (gaia_source: the archive's short descriptions verbatim, typos included).
// Units are spelled as Gaia spells them (`'electron'.s**-1` with the quotes).

public struct KnownTable: Sendable {
    public let name: String
    /// Columns in the order of the bulk-download files.
    public let columns: [ColumnSchema]
    /// Arrays stored as 2-D datasets of this many elements per row.
    public let fixedLengths: [String: Int]
    /// File-name prefix of the bulk download (`XpContinuousMeanSpectrum` in
    /// `XpContinuousMeanSpectrum_000000-003111.csv.gz`).
    public let filePrefix: String

    public init(name: String, columns: [ColumnSchema], fixedLengths: [String: Int], filePrefix: String = "") {
        self.name = name
        self.columns = columns
        self.fixedLengths = fixedLengths
        self.filePrefix = filePrefix
    }

    public func fixedLength(of column: String) -> Int? { fixedLengths[column] }

    /// Index of a column by name.
    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }

    /// This table reduced to the named columns, in the order given (a generator that writes a
    /// subset, such as synth's 51 gaia_source columns). Every name must be a column of the table.
    public func selecting(_ names: [String]) -> KnownTable {
        let picked = names.map { n -> ColumnSchema in
            guard let c = columns.first(where: { $0.name == n }) else { preconditionFailure("\(name) has no column \(n)") }
            return c
        }
        return KnownTable(name: name, columns: picked, fixedLengths: fixedLengths.filter { names.contains($0.key) },
                          filePrefix: filePrefix)
    }

    /// The names among `names` that are not columns of this table, in the given order.
    public func extraColumns(in names: [String]) -> [String] {
        let known = Set(columns.map(\.name))
        return names.filter { !known.contains($0) }
    }
}

public enum KnownTables {
    public static let xpCoefficientCount = 55
    public static let xpCorrelationCount = 55 * 54 / 2

    public static let all: [KnownTable] = [xpContinuousMeanSpectrum, epochPhotometry, gaiaSource, epochAstrometry]

    public static func table(named name: String) -> KnownTable? { all.first { $0.name == name } }

    /// Recognises a table from its column names (e.g. a header-less GaiaXPy CSV, an archive
    /// export without TABLE meta) or, failing that, from a bulk-download file name such as
    /// `XpContinuousMeanSpectrum_000000-003111.csv.gz`. Nil when `recognition` is not `.table`.
    public static func recognise(columnNames: [String], fileName: String) -> KnownTable? {
        if case .table(let t) = recognition(columnNames: columnNames, fileName: fileName) { return t }
        return nil
    }

    /// What a file's column names (and name) say about its table.
    public enum Recognition {
        case table(KnownTable)
        /// The columns contain every column of each of these tables and none is more specific.
        case ambiguous([KnownTable])
        case none
    }

    /// The rules, in order:
    ///   1. part of a table: the table's first column is present, at least min(3, n) names, and
    ///      every name belongs to the table (a bulk file, a column selection, a GaiaXPy CSV);
    ///   2. a table plus extra columns: every column of the table is present (an archive query
    ///      `SELECT *, DISTANCE(...) AS dist`, a join). Several such tables: the one whose columns
    ///      contain every other candidate's; if none does, the file is ambiguous;
    ///   3. the bulk-download file-name prefix.
    public static func recognition(columnNames: [String], fileName: String) -> Recognition {
        for t in all {
            let names = Set(t.columns.map(\.name))
            if t.columns.first.map({ columnNames.contains($0.name) }) == true,
               columnNames.filter({ names.contains($0) }).count >= min(3, columnNames.count),
               columnNames.allSatisfy({ names.contains($0) }) { return .table(t) }
        }
        let present = Set(columnNames)
        let supersets = all.filter { t in !t.columns.isEmpty && t.columns.allSatisfy { present.contains($0.name) } }
        let mostSpecific = supersets.filter { t in
            let names = Set(t.columns.map(\.name))
            return supersets.allSatisfy { other in other.columns.allSatisfy { names.contains($0.name) } }
        }
        if mostSpecific.count == 1 { return .table(mostSpecific[0]) }
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        for t in all where !t.filePrefix.isEmpty && base.hasPrefix(t.filePrefix) { return .table(t) }
        return supersets.count > 1 ? .ambiguous(supersets) : .none
    }

    /// One column from its declared type: `"int16"` is a scalar, `"float64[null]"` a
    /// variable-length array (declared `datatype: string`, `subtype: 'float64[null]'`).
    private static func C(_ name: String, _ type: String, unit: String? = nil, ucd: String,
                          _ description: String) -> ColumnSchema {
        if let bracket = type.firstIndex(of: "[") {
            let element = ElementType(rawValue: String(type[..<bracket]))!
            return ColumnSchema(name: name, element: element, shape: .variable, unit: unit, ucd: ucd,
                                description: description, declaredSubtype: type)
        }
        return ColumnSchema(name: name, element: ElementType(rawValue: type)!, unit: unit, ucd: ucd,
                            description: description)
    }

    static let xpContinuousMeanSpectrum: KnownTable = {
        let cols: [ColumnSchema] = [
            C("source_id", "int64", ucd: "meta.id;meta.main", "Unique source identifier (unique within a particular Data Release)"),
            C("solution_id", "int64", ucd: "meta.version", "Solution Identifier"),
            C("bp_basis_function_id", "int16", ucd: "meta.id", "Identifier defining the set of basis functions for the BP spectrum representation"),
            C("bp_degrees_of_freedom", "int16", ucd: "stat.fit.dof", "Degrees of freedom for the BP spectrum representation"),
            C("bp_n_parameters", "int8", ucd: "stat.fit.param", "Number of parameters for the BP spectrum representation"),
            C("bp_n_measurements", "int16", ucd: "meta.number", "Number of measurements used for the BP spectrum generation"),
            C("bp_n_rejected_measurements", "int16", ucd: "meta.number", "Number of rejected measurements in the BP spectrum generation"),
            C("bp_standard_deviation", "float32", ucd: "stat.stdev", "Standard deviation for the BP spectrum representation"),
            C("bp_chi_squared", "float32", ucd: "stat.fit.chi2", "Chi squared for the BP spectrum representation"),
            C("bp_coefficients", "float64[null]", ucd: "stat.fit.param", "Basis function coefficients for the BP spectrum representation"),
            C("bp_coefficient_errors", "float32[null]", ucd: "stat.error", "Basis function coefficient errors for the BP spectrum representation"),
            C("bp_coefficient_correlations", "float32[null]", ucd: "stat.correlation", "Correlation matrix for BP coefficients"),
            C("bp_n_relevant_bases", "int16", ucd: "meta.number", "Number of bases that are relevant for the representation of this mean BP spectrum"),
            C("bp_relative_shrinking", "float32", ucd: "stat.fit.param", "Measure of the relative shrinking of the coefficient vector when truncation is applied for the mean BP spectrum"),
            C("rp_basis_function_id", "int16", ucd: "meta.number", "Identifier defining the set of basis functions for the RP spectrum representation"),
            C("rp_degrees_of_freedom", "int16", ucd: "stat.fit.dof", "Degrees of freedom for the RP spectrum representation"),
            C("rp_n_parameters", "int8", ucd: "stat.fit.param", "Number of parameters for the RP spectrum representation"),
            C("rp_n_measurements", "int16", ucd: "meta.number", "Number of measurements used for the RP spectrum generation"),
            C("rp_n_rejected_measurements", "int16", ucd: "meta.number", "Number of rejected measurements in the RP spectrum generation"),
            C("rp_standard_deviation", "float32", ucd: "stat.stdev", "Standard deviation for the RP spectrum representation"),
            C("rp_chi_squared", "float32", ucd: "stat.fit.chi2", "Chi squared for the RP spectrum representation"),
            C("rp_coefficients", "float64[null]", ucd: "stat.fit.param", "Basis function coefficients for the RP spectrum representation"),
            C("rp_coefficient_errors", "float32[null]", ucd: "stat.error", "Basis function coefficient errors for the RP spectrum representation"),
            C("rp_coefficient_correlations", "float32[null]", ucd: "stat.correlation", "Correlation matrix for RP coefficients"),
            C("rp_n_relevant_bases", "int16", ucd: "meta.number", "Number of bases that are relevant for the representation of this mean RP spectrum"),
            C("rp_relative_shrinking", "float32", ucd: "meta.number", "Measure of the relative shrinking of the coefficient vector when truncation is applied for the mean RP spectrum"),
        ]
        var fixed: [String: Int] = [:]
        for b in ["bp", "rp"] {
            fixed["\(b)_coefficients"] = xpCoefficientCount
            fixed["\(b)_coefficient_errors"] = xpCoefficientCount
            fixed["\(b)_coefficient_correlations"] = xpCorrelationCount
        }
        return KnownTable(name: "xp_continuous_mean_spectrum", columns: cols, fixedLengths: fixed,
                          filePrefix: "XpContinuousMeanSpectrum")
    }()

    /// Every array has `n_transits` elements (variable from row to row).
    static let epochPhotometry: KnownTable = {
        let cols: [ColumnSchema] = [
            C("solution_id", "int64", ucd: "meta.version", "Solution Identifier"),
            C("source_id", "int64", ucd: "meta.id;meta.main", "Unique source identifier (unique within a particular Data Release)"),
            C("n_transits", "int16", ucd: "meta.number", "Number of Gaia transits"),
            C("transit_id", "int64[null]", ucd: "meta.id", "Transit unique identifier"),
            C("g_transit_time", "float64[null]", unit: "d", ucd: "time.epoch", "Transit averaged G band observing time"),
            C("g_transit_flux", "float64[null]", unit: "'electron'.s**-1", ucd: "phot.flux;stat.mean", "Transit averaged G band flux"),
            C("g_transit_flux_error", "float64[null]", unit: "'electron'.s**-1", ucd: "stat.error;phot.flux;em.opt", "Transit averaged G band flux error"),
            C("g_transit_flux_over_error", "float32[null]", ucd: "stat.snr;phot.flux;em.opt", "Transit averaged G band flux divided by its error"),
            C("g_transit_mag", "float64[null]", unit: "mag", ucd: "phot.mag;em.opt", "Transit averaged G band Vega magnitude"),
            C("g_transit_n_obs", "int8[null]", ucd: "meta.number", "Number of CCD observations contributing to transit averaged G band flux"),
            C("bp_obs_time", "float64[null]", unit: "d", ucd: "time.epoch", "BP CCD transit observing time"),
            C("bp_flux", "float64[null]", unit: "'electron'.s**-1", ucd: "phot.flux;stat.mean", "BP band flux"),
            C("bp_flux_error", "float64[null]", unit: "'electron'.s**-1", ucd: "stat.error;phot.flux;em.opt.B", "BP band flux error"),
            C("bp_flux_over_error", "float32[null]", ucd: "stat.snr;phot.flux;em.opt.B", "BP band flux divided by its error"),
            C("bp_mag", "float64[null]", unit: "mag", ucd: "phot.mag;em.opt.B", "BP band Vega magnitude"),
            C("rp_obs_time", "float64[null]", unit: "d", ucd: "time.epoch", "RP CCD transit observing time"),
            C("rp_flux", "float64[null]", unit: "'electron'.s**-1", ucd: "phot.flux;stat.mean", "RP band flux"),
            C("rp_flux_error", "float64[null]", unit: "'electron'.s**-1", ucd: "stat.error;phot.flux;em.opt.R", "RP band flux error"),
            C("rp_flux_over_error", "float32[null]", ucd: "stat.snr;phot.flux;em.opt.R", "RP band flux divided by its error"),
            C("rp_mag", "float64[null]", unit: "mag", ucd: "phot.mag;em.opt.R", "RP band Vega magnitude"),
            C("photometry_flag_noisy_data", "bool[null]", ucd: "meta.code.status", "G band flux scatter larger than expected by photometry processing (all CCDs considered)"),
            C("photometry_flag_sm_unavailable", "bool[null]", ucd: "meta.code.status", "SM transit unavailable by photometry processing"),
            C("photometry_flag_af1_unavailable", "bool[null]", ucd: "meta.code.status", "AF1 transit unavailable by photometry processing"),
            C("photometry_flag_af2_unavailable", "bool[null]", ucd: "meta.code.status", "AF2 transit unavailable by photometry processing"),
            C("photometry_flag_af3_unavailable", "bool[null]", ucd: "meta.code.status", "AF3 transit unavailable by photometry processing"),
            C("photometry_flag_af4_unavailable", "bool[null]", ucd: "meta.code.status", "AF4 transit unavailable by photometry processing"),
            C("photometry_flag_af5_unavailable", "bool[null]", ucd: "meta.code.status", "AF5 transit unavailable by photometry processing"),
            C("photometry_flag_af6_unavailable", "bool[null]", ucd: "meta.code.status", "AF6 transit unavailable by photometry processing"),
            C("photometry_flag_af7_unavailable", "bool[null]", ucd: "meta.code.status", "AF7 transit unavailable by photometry processing"),
            C("photometry_flag_af8_unavailable", "bool[null]", ucd: "meta.code.status", "AF8 transit unavailable by photometry processing"),
            C("photometry_flag_af9_unavailable", "bool[null]", ucd: "meta.code.status", "AF9 transit unavailable by photometry processing"),
            C("photometry_flag_bp_unavailable", "bool[null]", ucd: "meta.code.status", "BP transit unavailable by photometry processing"),
            C("photometry_flag_rp_unavailable", "bool[null]", ucd: "meta.code.status", "RP transit unavailable by photometry processing"),
            C("photometry_flag_sm_reject", "bool[null]", ucd: "meta.code.status", "SM transit rejected by photometry processing"),
            C("photometry_flag_af1_reject", "bool[null]", ucd: "meta.code.status", "AF1 transit rejected by photometry processing"),
            C("photometry_flag_af2_reject", "bool[null]", ucd: "meta.code.status", "AF2 transit rejected by photometry processing"),
            C("photometry_flag_af3_reject", "bool[null]", ucd: "meta.code.status", "AF3 transit rejected by photometry processing"),
            C("photometry_flag_af4_reject", "bool[null]", ucd: "meta.code.status", "AF4 transit rejected by photometry processing"),
            C("photometry_flag_af5_reject", "bool[null]", ucd: "meta.code.status", "AF5 transit rejected by photometry processing"),
            C("photometry_flag_af6_reject", "bool[null]", ucd: "meta.code.status", "AF6 transit rejected by photometry processing"),
            C("photometry_flag_af7_reject", "bool[null]", ucd: "meta.code.status", "AF7 transit rejected by photometry processing"),
            C("photometry_flag_af8_reject", "bool[null]", ucd: "meta.code.status", "AF8 transit rejected by photometry processing"),
            C("photometry_flag_af9_reject", "bool[null]", ucd: "meta.code.status", "AF9 transit rejected by photometry processing"),
            C("photometry_flag_bp_reject", "bool[null]", ucd: "meta.code.status", "BP transit rejected by photometry processing"),
            C("photometry_flag_rp_reject", "bool[null]", ucd: "meta.code.status", "RP transit rejected by photometry processing"),
            C("variability_flag_g_reject", "bool[null]", ucd: "meta.code.status", "Average G transit photometry rejected by variability processing"),
            C("variability_flag_bp_reject", "bool[null]", ucd: "meta.code.status", "BP transit photometry rejected by variability processing"),
            C("variability_flag_rp_reject", "bool[null]", ucd: "meta.code.status", "RP transit photometry rejected by variability processing"),
        ]
        return KnownTable(name: "epoch_photometry", columns: cols, fixedLengths: [:], filePrefix: "EpochPhotometry")
    }()

    static let gaiaSource: KnownTable = {
        let cols: [ColumnSchema] = [
            C("solution_id", "int64", ucd: "meta.version", "Solution Identifier"),
            C("designation", "string", ucd: "meta.id;meta.main", "Unique source designation (unique across all Data Releases)"),
            C("source_id", "int64", ucd: "meta.id", "Unique source identifier (unique within a particular Data Release)"),
            C("random_index", "int64", ucd: "meta.code", "Random index for use when selecting subsets"),
            C("ref_epoch", "float64", unit: "yr", ucd: "meta.ref;time.epoch", "Reference epoch"),
            C("ra", "float64", unit: "deg", ucd: "pos.eq.ra;meta.main", "Right ascension"),
            C("ra_error", "float32", unit: "mas", ucd: "stat.error;pos.eq.ra", "Standard error of right ascension"),
            C("dec", "float64", unit: "deg", ucd: "pos.eq.dec;meta.main", "Declination"),
            C("dec_error", "float32", unit: "mas", ucd: "stat.error;pos.eq.dec", "Standard error of declination"),
            C("parallax", "float64", unit: "mas", ucd: "pos.parallax.trig", "Parallax"),
            C("parallax_error", "float32", unit: "mas", ucd: "stat.error;pos.parallax.trig", "Standard error of parallax"),
            C("parallax_over_error", "float32", ucd: "stat.snr;pos.parallax.trig", "Parallax divided by its standard error"),
            C("pm", "float32", unit: "mas.yr**-1", ucd: "pos.pm;pos.eq", "Total proper motion"),
            C("pmra", "float64", unit: "mas.yr**-1", ucd: "pos.pm;pos.eq.ra", "Proper motion in right ascension direction"),
            C("pmra_error", "float32", unit: "mas.yr**-1", ucd: "stat.error;pos.pm;pos.eq.ra", "Standard error of proper motion in right ascension direction"),
            C("pmdec", "float64", unit: "mas.yr**-1", ucd: "pos.pm;pos.eq.dec", "Proper motion in declination direction"),
            C("pmdec_error", "float32", unit: "mas.yr**-1", ucd: "stat.error;pos.pm;pos.eq.dec", "Standard error of proper motion in declination direction"),
            C("ra_dec_corr", "float32", ucd: "stat.correlation", "Correlation between right ascension and declination"),
            C("ra_parallax_corr", "float32", ucd: "stat.correlation", "Correlation between right ascension and parallax"),
            C("ra_pmra_corr", "float32", ucd: "stat.correlation", "Correlation between right ascension and proper motion in right ascension"),
            C("ra_pmdec_corr", "float32", ucd: "stat.correlation", "Correlation between right ascension and proper motion in declination"),
            C("dec_parallax_corr", "float32", ucd: "stat.correlation", "Correlation between declination and parallax"),
            C("dec_pmra_corr", "float32", ucd: "stat.correlation", "Correlation between declination and proper motion in right ascension"),
            C("dec_pmdec_corr", "float32", ucd: "stat.correlation", "Correlation between declination and proper motion in declination"),
            C("parallax_pmra_corr", "float32", ucd: "stat.correlation", "Correlation between parallax and proper motion in right ascension"),
            C("parallax_pmdec_corr", "float32", ucd: "stat.correlation", "Correlation between parallax and proper motion in declination"),
            C("pmra_pmdec_corr", "float32", ucd: "stat.correlation", "Correlation between proper motion in right ascension and proper motion in declination"),
            C("astrometric_n_obs_al", "int16", ucd: "meta.number", "Total number of observations in the along-scan (AL) direction"),
            C("astrometric_n_obs_ac", "int16", ucd: "meta.number", "Total number of observations in the across-scan (AC) direction"),
            C("astrometric_n_good_obs_al", "int16", ucd: "meta.number", "Number of good observations in the along-scan (AL) direction"),
            C("astrometric_n_bad_obs_al", "int16", ucd: "meta.number", "Number of bad observations in the along-scan (AL) direction"),
            C("astrometric_gof_al", "float32", ucd: "stat.fit.goodness", "Goodness of fit statistic of model wrt along-scan observations"),
            C("astrometric_chi2_al", "float32", ucd: "stat.fit.chi2", "AL chi-square value"),
            C("astrometric_excess_noise", "float32", unit: "mas", ucd: "stat.value", "Excess noise of the source"),
            C("astrometric_excess_noise_sig", "float32", ucd: "stat.value", "Significance of excess noise"),
            C("astrometric_params_solved", "int16", ucd: "meta.number", "Which parameters have been solved for?"),
            C("astrometric_primary_flag", "bool", ucd: "meta.code", "Primary or seconday"),
            C("nu_eff_used_in_astrometry", "float32", unit: "um**-1", ucd: "em.wavenumber", "Effective wavenumber of the source used in the astrometric solution"),
            C("pseudocolour", "float32", unit: "um**-1", ucd: "em.wavenumber", "Astrometrically estimated pseudocolour of the source"),
            C("pseudocolour_error", "float32", unit: "um**-1", ucd: "stat.error;em.wavenumber", "Standard error of the pseudocolour of the source"),
            C("ra_pseudocolour_corr", "float32", ucd: "stat.correlation;em.wavenumber;pos.eq.ra", "Correlation between right ascension and pseudocolour"),
            C("dec_pseudocolour_corr", "float32", ucd: "stat.correlation;em.wavenumber;pos.eq.dec", "Correlation between declination and pseudocolour"),
            C("parallax_pseudocolour_corr", "float32", ucd: "stat.correlation;em.wavenumber;pos.parallax", "Correlation between parallax and pseudocolour"),
            C("pmra_pseudocolour_corr", "float32", ucd: "stat.correlation;em.wavenumber;pos.pm;pos.eq.ra", "Correlation between proper motion in right asension and pseudocolour"),
            C("pmdec_pseudocolour_corr", "float32", ucd: "stat.correlation;em.wavenumber;pos.pm;pos.eq.dec", "Correlation between proper motion in declination and pseudocolour"),
            C("astrometric_matched_transits", "int16", ucd: "meta.number", "Matched FOV transits used in the AGIS solution"),
            C("visibility_periods_used", "int16", ucd: "meta.number", "Number of visibility periods used in Astrometric solution"),
            C("astrometric_sigma5d_max", "float32", unit: "mas", ucd: "stat;pos.errorEllipse", "The longest semi-major axis of the 5-d error ellipsoid"),
            C("matched_transits", "int16", ucd: "meta.number", "The number of transits matched to this source"),
            C("new_matched_transits", "int16", ucd: "meta.number", "The number of transits newly incorporated into an existing source in the current cycle"),
            C("matched_transits_removed", "int16", ucd: "meta.number", "The number of transits removed from an existing source in the current cycle"),
            C("ipd_gof_harmonic_amplitude", "float32", ucd: "stat.value", "Amplitude of the IPD GoF versus position angle of scan"),
            C("ipd_gof_harmonic_phase", "float32", unit: "deg", ucd: "pos.posAng;stat.value", "Phase of the IPD GoF versus position angle of scan"),
            C("ipd_frac_multi_peak", "int16", ucd: "stat.value", "Percent of successful-IPD windows with more than one peak"),
            C("ipd_frac_odd_win", "int16", ucd: "stat.value", "Percent of transits with truncated windows or multiple gate"),
            C("ruwe", "float32", ucd: "stat.error", "Renormalised unit weight error"),
            C("scan_direction_strength_k1", "float32", ucd: "stat.value", "Degree of concentration of scan directions across the source"),
            C("scan_direction_strength_k2", "float32", ucd: "stat.value", "Degree of concentration of scan directions across the source"),
            C("scan_direction_strength_k3", "float32", ucd: "stat.value", "Degree of concentration of scan directions across the source"),
            C("scan_direction_strength_k4", "float32", ucd: "stat.value", "Degree of concentration of scan directions across the source"),
            C("scan_direction_mean_k1", "float32", unit: "deg", ucd: "pos.posAng;stat.mean", "Mean position angle of scan directions across the source"),
            C("scan_direction_mean_k2", "float32", unit: "deg", ucd: "pos.posAng;stat.mean", "Mean position angle of scan directions across the source"),
            C("scan_direction_mean_k3", "float32", unit: "deg", ucd: "pos.posAng;stat.mean", "Mean position angle of scan directions across the source"),
            C("scan_direction_mean_k4", "float32", unit: "deg", ucd: "pos.posAng;stat.mean", "Mean position angle of scan directions across the source"),
            C("duplicated_source", "bool", ucd: "meta.code.status", "Source with multiple source identifiers"),
            C("phot_g_n_obs", "int16", ucd: "meta.number", "Number of observations contributing to G photometry"),
            C("phot_g_mean_flux", "float64", unit: "'electron'.s**-1", ucd: "phot.flux;em.opt", "G-band mean flux"),
            C("phot_g_mean_flux_error", "float32", unit: "'electron'.s**-1", ucd: "stat.error;phot.flux;em.opt", "Error on G-band mean flux"),
            C("phot_g_mean_flux_over_error", "float32", ucd: "stat.snr;phot.flux;em.opt", "G-band mean flux divided by its error"),
            C("phot_g_mean_mag", "float32", unit: "mag", ucd: "phot.mag;em.opt", "G-band mean magnitude"),
            C("phot_bp_n_obs", "int16", ucd: "meta.number", "Number of observations contributing to BP photometry"),
            C("phot_bp_mean_flux", "float64", unit: "'electron'.s**-1", ucd: "phot.flux;em.opt.B", "Integrated BP mean flux"),
            C("phot_bp_mean_flux_error", "float32", unit: "'electron'.s**-1", ucd: "stat.error;phot.flux;em.opt.B", "Error on the integrated BP mean flux"),
            C("phot_bp_mean_flux_over_error", "float32", ucd: "stat.snr;phot.flux;em.opt.B", "Integrated BP mean flux divided by its error"),
            C("phot_bp_mean_mag", "float32", unit: "mag", ucd: "phot.mag;em.opt.B", "Integrated BP mean magnitude"),
            C("phot_rp_n_obs", "int16", ucd: "meta.number", "Number of observations contributing to RP photometry"),
            C("phot_rp_mean_flux", "float64", unit: "'electron'.s**-1", ucd: "phot.flux;em.opt.R", "Integrated RP mean flux"),
            C("phot_rp_mean_flux_error", "float32", unit: "'electron'.s**-1", ucd: "stat.error;phot.flux;em.opt.R", "Error on the integrated RP mean flux"),
            C("phot_rp_mean_flux_over_error", "float32", ucd: "stat.snr;phot.flux;em.opt.R", "Integrated RP mean flux divided by its error"),
            C("phot_rp_mean_mag", "float32", unit: "mag", ucd: "phot.mag;em.opt.R", "Integrated RP mean magnitude"),
            C("phot_bp_rp_excess_factor", "float32", ucd: "arith.factor;phot.flux;em.opt", "BP/RP excess factor"),
            C("phot_bp_n_contaminated_transits", "int16", ucd: "meta.number", "Number of BP contaminated transits"),
            C("phot_bp_n_blended_transits", "int16", ucd: "meta.number", "Number of BP blended transits"),
            C("phot_rp_n_contaminated_transits", "int16", ucd: "meta.number", "Number of RP contaminated transits"),
            C("phot_rp_n_blended_transits", "int16", ucd: "meta.number", "Number of RP blended transits"),
            C("phot_proc_mode", "int16", ucd: "meta.code", "Photometry processing mode"),
            C("bp_rp", "float32", unit: "mag", ucd: "phot.color;em.opt.B;em.opt.R", "BP - RP colour"),
            C("bp_g", "float32", unit: "mag", ucd: "phot.color;em.opt.B;em.opt", "BP - G colour"),
            C("g_rp", "float32", unit: "mag", ucd: "phot.color;em.opt;em.opt.R", "G - RP colour"),
            C("radial_velocity", "float32", unit: "km.s**-1", ucd: "spect.dopplerVeloc.opt;em.opt.I", "Radial velocity"),
            C("radial_velocity_error", "float32", unit: "km.s**-1", ucd: "stat.error;spect.dopplerVeloc.opt;em.opt.I", "Radial velocity error"),
            C("rv_method_used", "int16", ucd: "meta.code.class", "Method used to obtain the radial velocity"),
            C("rv_nb_transits", "int16", ucd: "meta.number", "Number of transits used to compute the radial velocity"),
            C("rv_nb_deblended_transits", "int16", ucd: "meta.number", "Number of valid transits that have undergone deblending"),
            C("rv_visibility_periods_used", "int16", ucd: "meta.number", "Number of visibility periods used to estimate the radial velocity"),
            C("rv_expected_sig_to_noise", "float32", ucd: "stat.snr", "Expected signal to noise ratio in the combination of the spectra used to obtain the radial velocity"),
            C("rv_renormalised_gof", "float32", ucd: "stat.fit.goodness", "Radial velocity renormalised goodness of fit"),
            C("rv_chisq_pvalue", "float32", ucd: "stat.fit.param", "P-value for constancy based on a chi-squared criterion"),
            C("rv_time_duration", "float32", unit: "d", ucd: "time.duration", "Time coverage of the radial velocity time series"),
            C("rv_amplitude_robust", "float32", unit: "km.s**-1", ucd: "stat.error;spect.dopplerVeloc.opt;em.opt.I", "Total amplitude in the radial velocity time series after outlier removal"),
            C("rv_template_teff", "float32", unit: "K", ucd: "stat.fit.param", "Teff of the template used to compute the radial velocity"),
            C("rv_template_logg", "float32", unit: "log(cm.s**-2)", ucd: "stat.fit.param", "Logg of the template used to compute the radial velocity"),
            C("rv_template_fe_h", "float32", unit: "'dex'", ucd: "stat.fit.param", "[Fe/H] of the template used to compute the radial velocityy"),
            C("rv_atm_param_origin", "int16", ucd: "meta.code.class", "Origin of the atmospheric parameters associated to the template"),
            C("vbroad", "float32", unit: "km.s**-1", ucd: "spect.dopplerVeloc.opt;em.opt.I", "Spectral line broadening parameter"),
            C("vbroad_error", "float32", unit: "km.s**-1", ucd: "stat.error;spect.dopplerVeloc.opt;em.opt.I", "Uncertainty on the spectral line broadening"),
            C("vbroad_nb_transits", "int16", ucd: "meta.number", "Number of transits used to compute vbroad"),
            C("grvs_mag", "float32", unit: "mag", ucd: "phot.mag;em.opt", "Integrated Grvs magnitude"),
            C("grvs_mag_error", "float32", unit: "mag", ucd: "stat.error;phot.mag;em.opt", "Grvs magnitude uncertainty"),
            C("grvs_mag_nb_transits", "int16", ucd: "meta.number", "Number of transits used to compute Grvs"),
            C("rvs_spec_sig_to_noise", "float32", ucd: "stat.snr", "Signal to noise ratio in the mean RVS spectrum"),
            C("phot_variable_flag", "string", ucd: "meta.code;src.var", "Photometric variability flag"),
            C("l", "float64", unit: "deg", ucd: "pos.galactic.lon", "Galactic longitude"),
            C("b", "float64", unit: "deg", ucd: "pos.galactic.lat", "Galactic latitude"),
            C("ecl_lon", "float64", unit: "deg", ucd: "pos.ecliptic.lon", "Ecliptic longitude"),
            C("ecl_lat", "float64", unit: "deg", ucd: "pos.ecliptic.lat", "Ecliptic latitude"),
            C("in_qso_candidates", "bool", ucd: "meta.code.status", "Flag indicating the availability of additional information in the QSO candidates table"),
            C("in_galaxy_candidates", "bool", ucd: "meta.code.status", "Flag indicating the availability of additional information in the galaxy candidates table"),
            C("non_single_star", "int16", ucd: "meta.code.status", "Flag indicating the availability of additional information in the various Non-Single Star tables"),
            C("has_xp_continuous", "bool", ucd: "meta.code.status", "Flag indicating the availability of mean BP/RP spectrum in continuous representation for this source"),
            C("has_xp_sampled", "bool", ucd: "meta.code.status", "Flag indicating the availability of mean BP/RP spectrum in sampled form for this source"),
            C("has_rvs", "bool", ucd: "meta.code.status", "Flag indicating the availability of mean RVS spectrum for this source"),
            C("has_epoch_photometry", "bool", ucd: "meta.code.status", "Flag indicating the availability of epoch photometry for this source"),
            C("has_epoch_rv", "bool", ucd: "meta.code.status", "Flag indicating the availability of epoch radial velocity for this source"),
            C("has_mcmc_gspphot", "bool", ucd: "meta.code.status", "Flag indicating the availability of GSP-Phot MCMC samples for this source"),
            C("has_mcmc_msc", "bool", ucd: "meta.code.status", "Flag indicating the availability of MSC MCMC samples for this source"),
            C("in_andromeda_survey", "bool", ucd: "meta.code.status", "Flag indicating that the source is present in the Gaia Andromeda Photometric Survey (GAPS)"),
            C("classprob_dsc_combmod_quasar", "float32", ucd: "stat.probability", "Probability from DSC-Combmod of being a quasar (data used: BP/RP spectrum, photometry, astrometry)"),
            C("classprob_dsc_combmod_galaxy", "float32", ucd: "stat.probability", "Probability from DSC-Combmod of being a galaxy (data used: BP/RP spectrum, photometry, astrometry)"),
            C("classprob_dsc_combmod_star", "float32", ucd: "stat.probability", "Probability from DSC-Combmod of being a single star (but not a white dwarf) (data used: BP/RP spectrum, photometry, astrometry)"),
            C("teff_gspphot", "float32", unit: "K", ucd: "phys.temperature.effective", "Effective temperature from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("teff_gspphot_lower", "float32", unit: "K", ucd: "phys.temperature.effective;stat.min", "Lower confidence level (16%) of effective temperature from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("teff_gspphot_upper", "float32", unit: "K", ucd: "phys.temperature.effective;stat.max", "Upper confidence level (84%) of effective temperature from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("logg_gspphot", "float32", unit: "log(cm.s**-2)", ucd: "phys.gravity", "Surface gravity from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("logg_gspphot_lower", "float32", unit: "log(cm.s**-2)", ucd: "phys.gravity;stat.min", "Lower confidence level (16%) of surface gravity from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("logg_gspphot_upper", "float32", unit: "log(cm.s**-2)", ucd: "phys.gravity;stat.max", "Upper confidence level (84%) of surface gravity from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("mh_gspphot", "float32", unit: "'dex'", ucd: "phys.abund.Z", "Iron abundance from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("mh_gspphot_lower", "float32", unit: "'dex'", ucd: "phys.abund.Z;stat.min", "Lower confidence level (16%) of iron abundance from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("mh_gspphot_upper", "float32", unit: "'dex'", ucd: "phys.abund.Z;stat.max", "Upper confidence level (84%) of iron abundance from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("distance_gspphot", "float32", unit: "pc", ucd: "pos.distance;pos.eq", "Distance from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("distance_gspphot_lower", "float32", unit: "pc", ucd: "pos.distance;pos.eq", "Lower confidence level (16%) of distance from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("distance_gspphot_upper", "float32", unit: "pc", ucd: "pos.distance;pos.eq", "Upper confidence level (84%) of distance from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("azero_gspphot", "float32", unit: "mag", ucd: "phys.absorption;em.opt", "Monochromatic extinction $A_0$ at 547.7nm from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("azero_gspphot_lower", "float32", unit: "mag", ucd: "phys.absorption;em.opt", "Lower confidence level (16%) of monochromatic extinction $A_0$ at 547.7nm from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("azero_gspphot_upper", "float32", unit: "mag", ucd: "phys.absorption;em.opt", "Upper confidence level (84%) of monochromatic extinction $A_0$ at 547.7nm from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("ag_gspphot", "float32", unit: "mag", ucd: "phys.absorption;em.opt", "Extinction in G band from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("ag_gspphot_lower", "float32", unit: "mag", ucd: "phys.absorption;em.opt", "Lower confidence level (16%) of extinction in G band from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("ag_gspphot_upper", "float32", unit: "mag", ucd: "phys.absorption;em.opt", "Upper confidence level (84%) of extinction in G band from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("ebpminrp_gspphot", "float32", unit: "mag", ucd: "phot.color.excess", "Reddening $E(G_{\\rm BP} - G_{\\rm RP})$ from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("ebpminrp_gspphot_lower", "float32", unit: "mag", ucd: "phot.color.excess;stat.min", "Lower confidence level (16%) of reddening  $E(G_{\\rm BP} - G_{\\rm RP})$ from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("ebpminrp_gspphot_upper", "float32", unit: "mag", ucd: "phot.color.excess;stat.max", "Upper confidence level (84%) of reddening  $E(G_{\\rm BP} - G_{\\rm RP})$ from GSP-Phot Aeneas best library using BP/RP spectra"),
            C("libname_gspphot", "string", ucd: "meta.note", "Name of library that achieves the highest mean log-posterior in MCMC samples and was used to derive GSP-Phot parameters in this table"),
        ]
        return KnownTable(name: "gaia_source", columns: cols, fixedLengths: [:], filePrefix: "GaiaSource")
    }()

    /// Per-transit along-scan astrometry, one row per source (DR4-like; every array has
    /// `n_transits` elements). Names, types, units and UCDs follow the Gaia DR4 DataLink
    /// EPOCH_ASTROMETRY product (there one row per transit, arrays over CCDs; here one value per
    /// transit). obs_time_tcb: ns since TCB 2010-01-01T00:00 (JD 2455197.5). solution_id first,
    /// as in every DR3 bulk table: a file of only (source_id, ra, dec) is then not taken for it.
    /// ESA's DataLink `EPOCH_ASTROMETRY` product (Gaia DR4): one row per field-of-view transit,
    /// per-CCD values as arrays of n_ccd = 10 elements (SM, AF1–AF9), declared variable-length
    /// (`datatype: string`, `subtype: T[null]`); repack stores them N × n_ccd when every row has
    /// n_ccd elements (GaiaIO TransitRows). Names, types, units, UCDs and descriptions verbatim
    /// from the header of `EPOCH_ASTROMETRY-Gaia DR4_INT2 1.ecsv` (fixtures/dr4_epoch_astrometry).
    /// `colour_factor_al` is a scalar here; other versions of the product carry it as an array —
    /// the file's header decides.
    static let epochAstrometry: KnownTable = {
        let cols: [ColumnSchema] = [
            C("source_id", "int64", ucd: "meta.id;meta.main", "Unique source identifier"),
            C("obs_time_bary_corr", "float32", unit: "ns", ucd: "time.interval", "barycentric correction to obsTimeTcb"),
            C("centroid_pos_al", "float64[null]", unit: "mas", ucd: "pos.angDistance", "Local plane coordinate (w) of image centroid AL"),
            C("centroid_pos_error_al", "float32[null]", unit: "mas", ucd: "stat.error;pos.angDistance", "standard error of centroidPosAl"),
            C("scan_pos_angle", "float64[null]", unit: "deg", ucd: "pos.posAng", "Position angle of the scan"),
            C("parallax_factor_al", "float32", ucd: "arith.factor;pos.parallax", "Parallax factor AL"),
            C("colour_factor_al", "float32", ucd: "arith.factor;phot.color", "colour factor AL"),
            C("obs_time_tcb", "int64[null]", unit: "ns", ucd: "time.epoch", "effective observing time as TCB"),
            C("used_by_agis_al", "bool[null]", ucd: "meta.code.status", "whether the CCD transit was used in AL by AGIS-DR4"),
            C("used_by_agis_ac", "bool[null]", ucd: "meta.code.status", "whether the CCD transit was used in AC by AGIS-DR4"),
            C("agis_source_excess_noise", "float32", unit: "mas", ucd: "stat.param", "the AGIS Source Excess Noise"),
            C("ccd_proc_flags", "int16[null]", ucd: "meta.code.qual", "CCD-level information on the processing results"),
            C("ipd_error_al", "float32[null]", unit: "mas", ucd: "stat.error;pos.angDistance", "standard error of IDU IPD centroid AL"),
            C("nu_eff_used_in_astrometry", "float32", unit: "1 / nm", ucd: "em.wavenumber", "colour (i.e. effective wavenumber) used in AGIS (and in IPD)"),
        ]
        return KnownTable(name: "epoch_astrometry", columns: cols, fixedLengths: [:], filePrefix: "EpochAstrometry")
    }()
}
