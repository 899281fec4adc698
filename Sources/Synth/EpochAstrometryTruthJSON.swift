// `epoch_astrometry_truth.json`: the run's files, models and the injected wave (with its total ρ²),
// what the plane-wave tests and Tests/bench/gw_planewave_injections.py read.

import GaiaFormat
import Numerics

extension EpochAstrometryGenerator {
    func truthJSON(files: [SkyFile], paths: [String], records: [TruthRecord], positionFiles: [String]) -> String {
        let nTransits = records.map(\.transits).sorted()
        var snr2 = 0.0, snr2Unfitted = 0.0
        for r in records where r.snr2.isFinite { snr2 += r.snr2; snr2Unfitted += r.snr2Unfitted }
        var waveJSON: JSONValue = .null
        if let w = wave {
            let pixels: [(String, JSONValue)] = (0...6).map { order in
                (String(1 << order), .int(HEALPix.ang2pixNested(order: order, raDeg: w.raDeg, decDeg: w.decDeg)))
            }
            waveJSON = .object([
                ("frequency_nhz", .double(w.frequencyNHz)),
                ("frequency_per_year", .double(w.frequencyPerYear)),
                ("ra", .double(w.raDeg)), ("dec", .double(w.decDeg)),
                ("h_plus", .double(w.hPlus)), ("h_cross", .double(w.hCross)),
                ("phase_plus", .double(w.phasePlus)), ("phase_cross", .double(w.phaseCross)),
                ("linear_amplitudes", .doubles(w.linearAmplitudes)),
                ("healpix_nested", .object(pixels)),
                ("snr2", .double(snr2)),
                ("snr2_unfitted", .double(snr2Unfitted)),
                ("expected_2f", .double(4 + snr2)),
            ])
        }
        let abscissaModel = "per CCD: centroid_pos_al = sin(psi) ra_offset + cos(psi) dec_offset + parallax_factor_al parallax "
            + "+ tau sin(psi) pmra + tau cos(psi) pmdec - 1000 colour_factor_al pseudocolour + w(psi).dn_GW(tau) + noise; "
            + "psi = scan_pos_angle (north through east), w(psi) = sin(psi) e_east + cos(psi) e_north, tau = gaiasupdate's "
            + "relative time ((2010 + obs_time_tcb/ns_per_jyr) + obs_time_bary_corr/ns_per_jyr) - 2017.5 in Julian years; "
            + "noise N(0, centroid_pos_error_al^2 + excess_noise^2) plus planted outliers; values in mas"
        let waveModel = "dn = (n - q) / (2 (1 - q.n)) h_jk n^j n^k - h_ij n^j / 2 (Book & Flanagan 2011 Eq. 5, distant-source limit, "
            + "q = direction of the GW source, propagation -q); h = h_plus(t) e_plus + h_cross(t) e_cross, "
            + "h_A(t) = A_A cos(2 pi f tau + phase_A); e_plus = m m - l l, e_cross = m l + l m, m = (sin ra_q, -cos ra_q, 0), "
            + "l = (-sin dec_q cos ra_q, -sin dec_q sin ra_q, cos dec_q); linear_amplitudes = "
            + "(A+ cos phase+, -A+ sin phase+, Ax cos phasex, -Ax sin phasex)"
        let scanning = "circular 1 AU orbit; spin axis 45 deg from the Sun, precessing once per 63.12 d; 6 h spin; fields of view "
            + "106.5 min apart; +-0.35 deg across scan; 8 % of transits lost; CCDs SM, AF1-AF9: AF1 11.872 s (preceding) / "
            + "7.017 s (following field) after the SM, then 4.8567 s per AF CCD"
        let median = nTransits.isEmpty ? 0 : nTransits[nTransits.count / 2]
        let transitStats: [(String, JSONValue)] = [("min", .int(nTransits.first ?? 0)), ("median", .int(median)),
                                                   ("max", .int(nTransits.last ?? 0)), ("total", .int(nTransits.reduce(0, +)))]
        var fields: [(String, JSONValue)] = []
        fields.append(("table", .string(SynthTable.epochAstrometry.rawValue)))
        fields.append(("generator", .string("gaiamine synth (GaiaMine Synth); synthetic data, not Gaia data")))
        fields.append(("seed", .uint(seed)))
        fields.append(("sources", .int(sources.count)))
        fields.append(("solution_id", .int(EpochAstrometrySynth.solutionID)))
        fields.append(("files", filesJSON(files, paths: paths, sources: sources)))
        // File names only (as `files`): the JSON does not depend on the output directory.
        fields.append(("position_files", .array(positionFiles.map { .string(String($0.split(separator: "/").last ?? "")) })))
        fields.append(("time_span_days", .doubles([EpochAstrometrySynth.spanStart, EpochAstrometrySynth.spanEnd])))
        fields.append(("time_scale", .string("obs_time_tcb: TCB nanoseconds since 2010-01-01T00:00 TCB (JD 2455197.5)")))
        fields.append(("reference_epoch", .double(EpochAstrometrySynth.referenceEpochYear)))
        fields.append(("n_ccd", .int(CCDLayout.count)))
        fields.append(("n_transits", .object(transitStats)))
        fields.append(("abscissa_model", .string(abscissaModel)))
        fields.append(("plane_wave_model", .string(waveModel)))
        fields.append(("scanning_law", .string(scanning)))
        fields.append(("wave", waveJSON))
        let json: JSONValue = .object(fields)
        return json.render()
    }
}
