// Outputs of the plane-wave search (rank 0, after the reduction):
//   PREFIX.h5    group `candidates` (the table below) and the full grid: frequency_nhz, direction_ra,
//                direction_dec, two_f [N_f, N_dir], sky_max_two_f [N_dir], spectrum_max_two_f [N_f],
//                sums [N_f, 14, N_dir] (x₀…x₃, M00 M01 M02 M03 M11 M12 M13 M22 M23 M33 — enough to
//                recompute 2F or to combine with another search of the same grid); resolved
//                parameters, counts, timing and the injection comparison as attributes;
//   PREFIX.ecsv  the candidates (astropy-readable), same meta;
//   PREFIX.svg   sky map of max_f 2F and the sky-maximised spectrum (PlaneWavePlot).
// Amplitudes are strains: â (mas of deflection) / (mas per radian).
import Foundation
import GaiaFormat
import Astrometry
import GaiaIO
import GWAstrometry

public enum PlaneWaveOutputs {
    public static let suffixes = [".h5", ".ecsv", ".svg"]

    public static func columns(_ r: PlaneWaveResult) -> [ECSVOutputColumn] {
        let c = r.candidates
        let k = PlaneWave.masPerRadian
        func amp(_ i: Int) -> [Double] { c.map { $0.value.amplitudes[i] / k } }
        func err(_ i: Int) -> [Double] { c.map { $0.value.errors[i] / k } }
        let hp = c.map { hypot($0.value.amplitudes[0], $0.value.amplitudes[1]) / k }
        let hx = c.map { hypot($0.value.amplitudes[2], $0.value.amplitudes[3]) / k }
        let php = c.map { atan2(-$0.value.amplitudes[1], $0.value.amplitudes[0]) }
        let phx = c.map { atan2(-$0.value.amplitudes[3], $0.value.amplitudes[2]) }
        return [
            ECSVOutputColumn("rank", .int32(c.map { Int32($0.rank) }), description: "Candidate rank by 2F (1 = largest)"),
            ECSVOutputColumn("frequency", .float64(c.map(\.frequencyNHz)), unit: "nHz", description: "Grid frequency of the peak"),
            ECSVOutputColumn("frequency_per_year", .float64(c.map { $0.frequencyNHz * PlaneWave.perYearPerNHz }), unit: "1 / yr",
                             description: "The same in cycles per Julian year"),
            ECSVOutputColumn("ra", .float64(c.map(\.raDeg)), unit: "deg", description: "Direction to the GW source: centre of the HEALPix pixel of the peak (ICRS)"),
            ECSVOutputColumn("dec", .float64(c.map(\.decDeg)), unit: "deg", description: "Direction to the GW source: declination of the pixel centre"),
            ECSVOutputColumn("healpix", .int64(c.map { Int64($0.directionIndex) }), description: "Nested HEALPix pixel at the grid's nside"),
            ECSVOutputColumn("two_f", .float64(c.map(\.value.twoF)), description: "2F = xᵀM⁻¹x, χ²₄ under Gaussian noise"),
            ECSVOutputColumn("log10_local_fap", .float64(c.map { $0.logLocalFAP / log(10) }), description: "log10 P(χ²₄ > 2F) at this grid point"),
            ECSVOutputColumn("global_fap", .float64(c.map(\.globalFAP)), description: "1 − (1 − P(χ²₄ > 2F))^N, N = grid points (conservative trials factor)"),
            ECSVOutputColumn("snr", .float64(c.map { max($0.value.twoF - 4, 0).squareRoot() }), description: "√max(2F − 4, 0): estimated signal-to-noise ratio"),
            ECSVOutputColumn("h_plus", .float64(hp), description: "Strain amplitude of the + polarisation (pulsar-timing basis at the pixel)"),
            ECSVOutputColumn("h_cross", .float64(hx), description: "Strain amplitude of the × polarisation"),
            ECSVOutputColumn("phase_plus", .float64(php), unit: "rad", description: "Phase of h₊ at J2017.5: h₊ = h_plus cos(2π f τ + phase_plus)"),
            ECSVOutputColumn("phase_cross", .float64(phx), unit: "rad", description: "Phase of h× at J2017.5"),
            ECSVOutputColumn("a_plus_cos", .float64(amp(0)), description: "Linear amplitude: h₊ = a_plus_cos cos 2πfτ + a_plus_sin sin 2πfτ (strain)"),
            ECSVOutputColumn("a_plus_sin", .float64(amp(1)), description: "Linear amplitude (strain)"),
            ECSVOutputColumn("a_cross_cos", .float64(amp(2)), description: "Linear amplitude of h× (strain)"),
            ECSVOutputColumn("a_cross_sin", .float64(amp(3)), description: "Linear amplitude of h× (strain)"),
            ECSVOutputColumn("a_plus_cos_error", .float64(err(0)), description: "Standard error √(M⁻¹)₀₀ (strain)"),
            ECSVOutputColumn("a_plus_sin_error", .float64(err(1)), description: "Standard error (strain)"),
            ECSVOutputColumn("a_cross_cos_error", .float64(err(2)), description: "Standard error (strain)"),
            ECSVOutputColumn("a_cross_sin_error", .float64(err(3)), description: "Standard error (strain)"),
        ]
    }

    /// Sky maximum of 2F per pixel (and its frequency index) and the sky-maximised spectrum.
    public static func maxima(_ r: PlaneWaveResult) -> (sky: [Double], skyFrequency: [Int], spectrum: [Double]) {
        let nf = r.grid.frequencyCount, nd = r.grid.directionCount
        var sky = [Double](repeating: -.infinity, count: nd), at = [Int](repeating: 0, count: nd)
        var spec = [Double](repeating: -.infinity, count: nf)
        for i in 0..<nf {
            for j in 0..<nd {
                let v = r.twoF[i * nd + j]
                if v > sky[j] { sky[j] = v; at[j] = i }
                if v > spec[i] { spec[i] = v }
            }
        }
        return (sky.map { $0.isFinite ? $0 : .nan }, at, spec.map { $0.isFinite ? $0 : .nan })
    }

    public static func meta(_ r: PlaneWaveResult) -> [(String, String)] {
        let s = r.statistics, c = s.counts, g = r.grid
        let finite = r.twoF.filter(\.isFinite)
        let mean = finite.reduce(0, +) / Double(max(finite.count, 1))
        let above = Double(finite.filter { $0 > 13.276704135987622 }.count) / Double(max(finite.count, 1))
        var m: [(String, String)] = [
            ("input", r.options.input),
            ("grid_frequencies", "\(g.frequencyCount)"),
            ("grid_f_min_nhz", "\(g.fMin)"), ("grid_f_max_nhz", "\(g.frequencies.last ?? g.fMin)"), ("grid_df_nhz", "\(g.df)"),
            ("grid_nside", "\(g.nside)"), ("grid_directions", "\(g.directionCount)"),
            ("trials", "\(r.trials)"),
            ("two_f_threshold_global_fap_0.01", String(format: "%.4f", r.threshold)),
            ("two_f_mean_over_grid", String(format: "%.4f", mean)),
            ("fraction_of_grid_two_f_above_13.277", String(format: "%.5f", above)),
            ("robust", "\(r.options.robust)"), ("positions", r.options.positions),
            ("sources_in_table", "\(c.sources)"), ("sources_used", "\(c.sourcesUsed)"), ("sources_6p_colour", "\(c.sourcesColour)"),
        ]
        for k in SourceSkip.allCases { m.append(("sources_skipped_\(k.key)", "\(c.skipped[k.rawValue])")) }
        m += [("transits_total", "\(c.transits)"), ("observations_total", "\(c.observations)"),
              ("observations_selected", "\(c.selected)"), ("observations_outliers", "\(c.outliers)"), ("observations_searched", "\(c.searched)")]
        for k in ObservationRejection.allCases { m.append(("observations_rejected_\(k.key)", "\(c.rejected[k.rawValue])")) }
        m += [("blocks", "\(s.blocks)"), ("block_sources", "\(r.options.blockSources)"), ("mpi_ranks", "\(s.ranks)"),
              ("seconds", String(format: "%.3f", s.seconds)), ("kernel_seconds", String(format: "%.3f", s.kernelSeconds)),
              ("kernel_cpu_seconds", String(format: "%.3f", s.kernelCPUSeconds)),
              ("source_grid_points_per_second_per_core", String(format: "%.4g", throughput(r)))]
        if let i = r.injection {
            m += [("injected_frequency_nhz", "\(i.frequencyNHz)"), ("injected_ra", "\(i.raDeg)"), ("injected_dec", "\(i.decDeg)"),
                  ("injected_expected_two_f", String(format: "%.4f", i.expectedTwoF)),
                  ("two_f_at_grid_point_nearest_injection", String(format: "%.4f", i.twoFAtNearest)),
                  ("best_candidate_frequency_offset_bins", String(format: "%.3f", i.frequencyOffsetBins)),
                  ("best_candidate_angular_offset_deg", String(format: "%.3f", i.angularOffsetDeg)),
                  ("injection_recovered", "\(i.recovered)")]
        }
        return m
    }

    /// Sources × grid points per second of kernel CPU time (per core).
    public static func throughput(_ r: PlaneWaveResult) -> Double {
        Clock.rate(r.statistics.counts.sourcesUsed * r.grid.count, seconds: r.statistics.kernelCPUSeconds)
    }

    public static func write(_ r: PlaneWaveResult, prefix: String, parameters: String) throws {
        let g = r.grid, nf = g.frequencyCount, nd = g.directionCount
        let (sky, skyF, spec) = maxima(r)
        let arrays = [
            ResultArray(name: "frequency_nhz", values: g.frequencies, shape: [nf], unit: "nHz", description: "Grid frequencies"),
            ResultArray(name: "direction_ra", values: g.directions.map(\.raDeg), shape: [nd], unit: "deg",
                        description: "Grid directions (to the GW source): nested HEALPix pixel centres, nside \(g.nside)"),
            ResultArray(name: "direction_dec", values: g.directions.map(\.decDeg), shape: [nd], unit: "deg", description: "Declinations of the pixel centres"),
            ResultArray(name: "two_f", values: r.twoF, shape: [nf, nd], description: "2F at every (frequency, direction); NaN where M is singular"),
            ResultArray(name: "sky_max_two_f", values: sky, shape: [nd], description: "max over frequency of 2F per direction"),
            ResultArray(name: "sky_max_frequency_nhz", values: skyF.map { g.frequencies[$0] }, shape: [nd], unit: "nHz",
                        description: "Frequency of that maximum"),
            ResultArray(name: "spectrum_max_two_f", values: spec, shape: [nf], description: "max over directions of 2F per frequency"),
            ResultArray(name: "sums", values: r.sums, shape: [nf, 14, nd],
                        description: "x0..x3 (mas^-1 units of amplitude), then M00 M01 M02 M03 M11 M12 M13 M22 M23 M33 per grid point; "
                            + "amplitudes (a+c, a+s, axc, axs) in mas of deflection; 2F = x^T M^-1 x"),
        ]
        try ResultFile.write(prefix: prefix, group: "candidates", columns: columns(r), arrays: arrays, parameters: parameters,
                             meta: meta(r))
        try PlaneWavePlot.write(r, sky: sky, spectrum: spec, path: prefix + ".svg")
    }

    public static func summary(_ r: PlaneWaveResult, prefix: String) -> String {
        let s = r.statistics, c = s.counts, g = r.grid
        var out = String(format: "gw-planewave: done: %d sources (%d used) × %d grid points on %d rank(s) in %.2f s",
                         c.sources, c.sourcesUsed, g.count, s.ranks, s.seconds)
        out += String(format: "\n  kernel    %.3g source·grid points per CPU-second per core (%.2f CPU-s, %.2f wall-s summed over ranks; slowest rank %.2f s)",
                      throughput(r), s.kernelCPUSeconds, s.kernelSeconds, s.kernelMax)
        out += String(format: "\n  balance   modelled cost per rank max/mean %.3f (blocks of %d sources split by N_obs + 0.8·N_dir)",
                      s.costMax / max(s.costMean, 1e-300), r.options.blockSources)
        out += "\n  colour    \(c.sourcesColour) sources with colour_factor_al ≠ 0 solved with 6p-constrained-colour (pseudocolour term removed)"
        out += "\n  skipped   " + SourceSkip.allCases.map { "\(c.skipped[$0.rawValue]) \($0.text)" }.joined(separator: "; ")
        out += "\n  CCD obs.  \(c.observations) in \(c.transits) transits; \(c.selected) selected, \(c.outliers) outliers, \(c.searched) searched; "
            + "rejected (sources solved): " + ObservationRejection.allCases.map { "\(c.rejected[$0.rawValue]) \($0.key)" }.joined(separator: ", ")
        out += String(format: "\n  grid      %d frequencies %.4g–%.4g nHz (step %.4g) × %d directions (nside %d); 2F threshold for global FAP 1%%: %.2f",
                      g.frequencyCount, g.fMin, g.frequencies.last ?? g.fMin, g.df, g.directionCount, g.nside, r.threshold)
        for cand in r.candidates.prefix(5) {
            out += String(format: "\n  #%d  f = %.4g nHz  (ra, dec) = (%.1f, %.1f)  2F = %.2f  global FAP %.3g  h+ = %.3g  hx = %.3g",
                          cand.rank, cand.frequencyNHz, cand.raDeg, cand.decDeg, cand.value.twoF, cand.globalFAP,
                          hypot(cand.value.amplitudes[0], cand.value.amplitudes[1]) / PlaneWave.masPerRadian,
                          hypot(cand.value.amplitudes[2], cand.value.amplitudes[3]) / PlaneWave.masPerRadian)
        }
        if let i = r.injection {
            out += String(format: "\n  injection f = %.4g nHz (ra, dec) = (%.1f, %.1f): expected 2F %.2f, 2F at the nearest grid point %.2f; "
                              + "best candidate off by %.2f frequency steps and %.2f°: %@",
                          i.frequencyNHz, i.raDeg, i.decDeg, i.expectedTwoF, i.twoFAtNearest, i.frequencyOffsetBins, i.angularOffsetDeg,
                          i.recovered ? "recovered" : "NOT recovered")
        }
        out += "\n  outputs   \(prefix).h5, \(prefix).ecsv, \(prefix).svg"
        return out
    }
}
