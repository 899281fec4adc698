// Outputs of the XP search: PREFIX.h5 and PREFIX.ecsv (one row per template and rank) and
// PREFIX.svg (each template and its best matches in coefficient space).
import Foundation
import GaiaFormat
import GaiaIO
import XPSearch

public enum XPOutputs {
    public static func columns(_ r: XPSearchResult) -> [ECSVOutputColumn] {
        var template: [String] = [], rank: [Int32] = [], ids: [Int64] = [], chi2: [Double] = [], dof: [Int32] = []
        var p: [Double] = [], logp: [Double] = [], bp: [Double] = [], rp: [Double] = [], scale: [Double] = [], flags: [Int32] = []
        for (t, matches) in r.matches.enumerated() {
            for (i, s) in matches.enumerated() {
                template.append(r.templates[t].name)
                rank.append(Int32(i + 1))
                ids.append(s.sourceID)
                chi2.append(s.chi2)
                dof.append(Int32(s.dof))
                p.append(s.pValue)
                logp.append(s.log10PValue)
                bp.append(s.chi2BP)
                rp.append(s.chi2RP)
                scale.append(s.scale)
                flags.append(Int32(truncatingIfNeeded: Int(s.flags.rawValue)))
            }
        }
        return [
            ECSVOutputColumn("template", .string(template), description: "Template name (its source_id, or the name given)"),
            ECSVOutputColumn("rank", .int32(rank), description: r.ranking == .chi2
                ? "Rank of the match for this template (1 = most similar): by chi2, then source_id"
                : "Rank of the match for this template (1 = most similar): by p_value (highest first, compared as log10_p_value), then chi2, then source_id"),
            ECSVOutputColumn("source_id", .int64(ids), description: "Gaia DR3 source_id of the match"),
            ECSVOutputColumn("chi2", .float64(chi2), description: "Mahalanobis distance D² = Σ_b (c_t−c_i)ᵀ(Σ_t+Σ_i)⁻¹(c_t−c_i) over the bands compared"),
            ECSVOutputColumn("dof", .int32(dof), description: "Degrees of freedom: the basis size per band compared (DR3 55; DR4 BP 51, RP 55), minus 1 with a fitted scale"),
            ECSVOutputColumn("p_value", .float64(p), description: "χ² upper-tail probability Q(dof/2, chi2/2)"),
            ECSVOutputColumn("log10_p_value", .float64(logp), description: "log10 of p_value, from the log of the regularized upper incomplete gamma function (finite where p_value underflows to 0)"),
            ECSVOutputColumn("chi2_bp", .float64(bp), description: "D² of the BP band (NaN if not compared)"),
            ECSVOutputColumn("chi2_rp", .float64(rp), description: "D² of the RP band (NaN if not compared)"),
            ECSVOutputColumn("scale", .float64(scale), description: "Flux scale a applied to the match (1 unless --scale fit)"),
            ECSVOutputColumn("flags", .int32(flags), description: "Bit flags: 1 BP missing (compared on RP only), 2 RP missing, 4 not positive definite, 8 skipped"),
        ]
    }

    public static func write(_ r: XPSearchResult, prefix: String, options o: XPSearchJobOptions, parameters: String) throws {
        var arrays: [ResultArray] = []
        for b in Band.allCases {
            // n_b: the data's basis size (searched band), else the templates' if they agree.
            let sizes = Set(r.templates.compactMap { $0[b]?.basisSize })
            guard let n = r.basisSizes[b] ?? (sizes.count == 1 ? sizes.first : nil) else { continue }
            let values = r.templates.flatMap { t in t[b].map { $0.basisSize == n ? $0.coefficients : nil }
                .flatMap { $0 } ?? [Double](repeating: .nan, count: n) }
            arrays.append(ResultArray(name: "template_\(b.rawValue)_coefficients", values: values, shape: [r.templates.count, n],
                                      description: "\(b.rawValue.uppercased()) coefficients of each template, in template order (NaN: band absent)"))
        }
        let s = r.statistics
        let meta: [(String, String)] = [
            ("input", o.input),
            ("templates", r.templates.map(\.name).joined(separator: ", ")),
            ("rank_by", r.ranking.rawValue),
            ("template_notes", r.notes.isEmpty ? "none" : r.notes.joined(separator: "; ")),
            ("sources_searched", "\(s.rows)"),
            ("sources_skipped_no_band", "\(s.skippedNoBands)"),
            ("sources_missing_bp", "\(s.missingBP)"),
            ("sources_missing_rp", "\(s.missingRP)"),
            ("not_positive_definite", "\(s.notPositiveDefinite)"),
            ("sources_evaluated_exactly", "\(s.evaluated)"),
            ("bytes_read", "\(s.bytesRead)"),
            ("bytes_full_scan", "\(s.bytesFullScan)"),
            ("pruned", "\(s.pruned)"),
            ("seconds", String(format: "%.3f", s.seconds)),
            ("kernel_seconds", String(format: "%.3f", s.kernelSeconds)),
            ("mpi_ranks", "\(s.ranks)"),
        ]
        try ResultFile.write(prefix: prefix, group: "xp_search", columns: columns(r), arrays: arrays,
                             parameters: parameters, meta: meta)
        try XPPlot.write(r, input: o.input, path: prefix + ".svg")
    }

    public static func summary(_ r: XPSearchResult, prefix: String) -> String {
        let s = r.statistics
        let rate = Clock.rate(s.rows, seconds: s.seconds)
        var out = String(format: "xp-search: done: %d template(s) × %d sources on %d rank(s) in %.2f s: %.0f sources/s (%.0f per rank), %.1f MB/s read",
                         r.templates.count, s.rows, s.ranks, s.seconds, rate, rate / Double(s.ranks), Clock.rate(s.bytesRead, seconds: s.seconds) / 1e6)
        out += "\n  skipped   \(s.skippedNoBands) with neither band; compared on one band: \(s.missingBP) without BP, \(s.missingRP) without RP; not positive definite: \(s.notPositiveDefinite)"
        out += String(format: "\n  read      %.1f MB of %.1f MB (%.2f %%); evaluated exactly %d of %d sources (%.2f %%)%@",
                      Double(s.bytesRead) / 1e6, Double(s.bytesFullScan) / 1e6, 100 * Double(s.bytesRead) / Double(max(s.bytesFullScan, 1)),
                      s.evaluated, s.rows, 100 * Double(s.evaluated) / Double(max(s.rows, 1)), s.pruned ? " — pruned scan" : " — full scan")
        out += String(format: "\n  kernel    %.0f sources/s/core (%d evaluations × %d template(s) in %.2f core-seconds)",
                      Clock.rate(s.evaluated * r.templates.count, seconds: s.kernelSeconds), s.evaluated, r.templates.count, s.kernelSeconds)
        for note in r.notes { out += "\n  note      \(note)" }
        out += "\n  ranking   by \(r.ranking == .chi2 ? "chi2 (smallest first)" : "p-value (highest first; ties by chi2)")"
        out += "\n  outputs   \(prefix).h5, \(prefix).ecsv, \(prefix).svg"
        for (t, m) in r.matches.enumerated() {
            out += "\n  template \(r.templates[t].name): best " + m.prefix(5).map { String(format: "%lld (χ² %.1f/%d, log10 p %.2f)", $0.sourceID, $0.chi2, $0.dof, $0.log10PValue) }.joined(separator: ", ")
        }
        return out
    }
}
