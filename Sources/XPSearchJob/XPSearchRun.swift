// The parallel XP similarity search (`gaiamine xp-search`).
//
// Rows are split over ranks in contiguous blocks. Each rank keeps a top-k per template under the
// chosen ranking (`--rank-by`: p-value, the default, or raw χ²); the global top-k is the
// deterministic merge of the per-rank lists (a strict total order, see TopK), so the result does
// not depend on the number of ranks. A template lacking one requested band is searched on the
// other (dof n_b of that band) and the summary says so. Each band's basis size n_b comes from the
// data (the datasets' widths: DR3 55/55, DR4 51 BP/55 RP); a template whose basis size differs
// from the data's is an error naming it.
//
// Full scan: every rank reads its rows block by block (collective MPI-IO) and scores them all.
// Pruned scan (needs `gaiamine xp-index`): phase A reads only source_id, the coefficients and the
// index (≈ 7 % of the bytes) and computes, per template, a lower bound of D² for every row, and
// from it a lower bound of the ranking key (D², or −ln p at the largest dof the row can have);
// phase B evaluates rows in increasing order of that bound, reading errors and correlations only
// for them, and stops for a template once the next bound exceeds its k-th best key — the result
// is identical to the full scan (the bounds are certified; see XPIndex and XPRanking).
import Foundation
import GaiaIO
import MPI
import XPSearch

public struct XPSearchJobOptions {
    public var input: String
    public var templateSourceIDs: [Int64] = []
    public var templateFiles: [String] = []
    public var k = 100
    public var search = XPSearchOptions()
    public var prune = true
    public var kernel = "batched"
    public var blockRows = 2048
    public var progressInterval = 5.0
    /// Keep a template's own source among its matches (it is at D² = 0, or nearly so for a
    /// template read from a file in float64): off by default, as the numpy reference does.
    public var includeSelf = false
    /// Order of the matches: p-value (highest first, comparable across degrees of freedom) or
    /// raw χ² (smallest first).
    public var rankBy: XPRanking = .pValue
    /// Pruned scan: rows this close together are read as one range (see prunedScan).
    public var gapRows = 0
    public init(input: String) { self.input = input }
}

public struct XPSearchStatistics {
    public var rows = 0
    public var skippedNoBands = 0
    public var missingBP = 0
    public var missingRP = 0
    public var notPositiveDefinite = 0
    public var evaluated = 0
    public var bytesRead = 0
    public var bytesFullScan = 0
    public var pruned = false
    public var seconds = 0.0
    /// Time spent in the scoring kernel, summed over ranks (for sources/s/core of the kernel alone).
    public var kernelSeconds = 0.0
    public var ranks = 1
}

public struct XPSearchResult {
    public var templates: [XPSpectrum]
    /// Per template: the global top-k, best first under `ranking`.
    public var matches: [[XPScore]]
    public var statistics: XPSearchStatistics
    public var ranking: XPRanking = .pValue
    /// One line per template searched on fewer bands than requested (printed in the summary and
    /// stored in the outputs' metadata).
    public var notes: [String] = []
    /// Basis size n_b of each band searched, from the data.
    public var basisSizes: [Band: Int] = [:]
}

public enum XPSearchJob {
    /// `select`: the run's `--where` compiled against the table (JobContext.selection(for:));
    /// it restricts the candidate sources (templates are looked up in the whole table).
    public static func run(_ o: XPSearchJobOptions, communicator comm: Communicator, log: (String) -> Void,
                           selection select: (GaiaTable) throws -> TableSelection? = { _ in nil }) throws -> XPSearchResult {
        let t0 = Clock.wall()
        guard o.k > 0 else { throw XPSearchJobError("k must be positive") }
        guard let scorer = XPScorers.named(o.kernel) else { throw XPSearchJobError("unknown kernel '\(o.kernel)' (reference, batched)") }
        let table = try comm.collectively { try GaiaTable(path: o.input, table: XPColumns.table, communicator: comm) }
        let selection = try comm.collectively { try select(table) }
        let mine = RowPartition.byCount(rows: table.rowCount, parts: comm.size, index: comm.rank)
        let bands = o.search.bands
        let sizes = try comm.collectively { try table.xpBasisSizes(o.search.usedBands) }
        let hasIndex = bands.allSatisfy { table.hasColumn(XPColumns.lambdaMax($0)) }
        let prune = o.prune && hasIndex && !o.search.scaleFit
        if o.prune && !prune {
            log(o.search.scaleFit ? "xp-search: --scale fit: the D² lower bound does not hold for fitted scales; full scan"
                                  : "xp-search: no pruning index in \(o.input) (run `gaiamine xp-index`); full scan")
        }
        // ---- this rank's source_ids (needed for template lookup and by both scans) -----------
        let mySourceIDs = try readSourceIDs(table, rows: mine, block: 1 << 16, comm: comm)
        // ---- the candidates `--where` keeps (nil: every row), evaluated once per row -----------
        let keep = try selection.map { try readKeep($0, rows: mine, block: 1 << 16, comm: comm) }
        var notes: [String] = []
        if let selection { notes.append("xp-search: " + selection.describe(comm)) }
        // ---- templates ------------------------------------------------------------------------
        var spectra: [XPSpectrum] = []
        var origins: [String] = []  // where each template comes from, for errors
        try comm.collectively {
            for f in o.templateFiles {
                let loaded = try XPTemplates.load(file: f)
                spectra += loaded
                origins += loaded.map { "source_id \($0.sourceID) of template file \(f)" }
            }
        }
        spectra += try comm.collectively {
            try XPTemplates.fromTable(ids: o.templateSourceIDs, table: table, myRows: mine, mySourceIDs: mySourceIDs, comm: comm)
        }
        origins += o.templateSourceIDs.map { "source_id \($0) of \(o.input)" }
        guard !spectra.isEmpty else { throw XPSearchJobError("no template: give --template-source-id or --template-file") }
        // Each template on the requested bands it has (one missing band: the other, with a note).
        let templateBands = try comm.collectively { try spectra.map { try PreparedTemplate.usableBands($0, requested: bands) } }
        let templates = try comm.collectively {
            try zip(spectra, templateBands).map { s, b in
                var options = o.search
                options.bands = b
                return try PreparedTemplate(s, options: options)
            }
        }
        // A template must share the data's basis (e.g. a DR3 template, 55 BP coefficients, cannot
        // be compared with DR4 data, 51): a clear error, before any bulk read.
        try comm.collectively {
            for (t, origin) in zip(templates, origins) { try t.checkBasisSizes(sizes, name: origin) }
        }
        for (s, b) in zip(spectra, templateBands) where b.count < o.search.usedBands.count {
            let lacking = o.search.usedBands.filter { !b.contains($0) }.map { $0.rawValue.uppercased() }.joined(separator: ", ")
            notes.append("template \(s.name) has no usable \(lacking) spectrum: searched on \(b.map { $0.rawValue.uppercased() }.joined(separator: ", ")) only (dof \(b.reduce(0) { $0 + sizes[$1]! } - (o.search.scaleFit ? 1 : 0)))")
        }
        notes.forEach(log)
        let state = ScanState(templates: templates, k: o.k, ranking: o.rankBy, scorer: scorer, options: o.search,
                              countBands: !prune, includeSelf: o.includeSelf)
        var stats = XPSearchStatistics()
        stats.ranks = comm.size
        stats.rows = keep == nil ? table.rowCount : comm.allreduce(keep!.filter { $0 }.count, .sum)
        stats.pruned = prune
        let bytesPerRow = o.search.usedBands.reduce(8) { sum, b in
            sum + sizes[b]! * 8 + sizes[b]! * 4 + xpCorrelationCount(sizes[b]!) * 4 + (o.search.scaling == .standardDeviation ? 4 : 0)
        }
        stats.bytesFullScan = stats.rows * bytesPerRow
        let score: @Sendable (XPBlock) -> Void = { state.score($0) }
        let progress = ProgressReporter(label: prune ? "xp-search bounds" : "xp-search", unit: "rows",
                                        enabled: comm.isRoot, interval: o.progressInterval)
        try comm.collectively {
            if prune {
                try prunedScan(table: table, mine: mine, ids: mySourceIDs, keep: keep, templates: templates, o: o, sizes: sizes,
                               worst: { state.top[$0].worstKey }, comm: comm, progress: progress,
                               globalWorst: { state.top.map { t in
                                   let m = gatherTopK(t, k: o.k, comm: comm)
                                   return m.count < o.k ? .infinity : o.rankBy.key(m[m.count - 1]) } },
                               noBands: { state.skipped += $0 },
                               missingBand: { if $0 == .bp { state.missingBP += 1 } else { state.missingRP += 1 } }, score: score)
            } else {
                // Double buffering: while a worker thread scores block r, the main thread (the
                // only one that calls MPI and HDF5) reads block r + 1.
                let worker = DispatchQueue(label: "gaiamine.xp-search.score")
                let scoring = DispatchGroup()
                for round in CollectiveChunks(mine, chunkRows: o.blockRows, communicator: comm) {
                    let lo = round.rows.start - mine.start, n = round.rows.count
                    var ids = n > 0 ? Array(mySourceIDs[lo..<(lo + n)]) : []
                    var ranges = [round.rows]
                    if let keep {
                        // Only the kept rows are read and scored (the same call on every rank).
                        let kept = (lo..<(lo + n)).filter { keep[$0] }
                        ranges = coalesce(kept).map { RowRange(start: mine.start + $0.start, count: $0.count) }
                        ids = kept.map { mySourceIDs[$0] }
                    }
                    let block = try table.readXPBlock(ranges: ranges, bands: bands,
                                                      sourceIDs: ids, standardDeviation: o.search.scaling == .standardDeviation,
                                                      basisSizes: sizes, collective: true)
                    scoring.wait()
                    worker.async(group: scoring) { score(block) }
                    progress.update(fraction: round.fractionDone, count: min((round.index + 1) * o.blockRows, mine.count) * comm.size)
                }
                scoring.wait()
            }
        }
        // ---- reduce ----------------------------------------------------------------------------
        let matches = state.top.map { gatherTopK($0, k: o.k, comm: comm) }
        var pack = ReductionPack()
        let ints = pack.add([state.skipped, state.missingBP, state.missingRP, state.notPD, state.evaluated, table.bytesRead], .sum)
        let kernel = pack.add(state.kernelSeconds, .sum)
        let reduced = pack.reduced(comm)
        (stats.skippedNoBands, stats.missingBP, stats.missingRP) = (reduced[ints][0], reduced[ints][1], reduced[ints][2])
        (stats.notPositiveDefinite, stats.evaluated, stats.bytesRead) = (reduced[ints][3], reduced[ints][4], reduced[ints][5])
        stats.kernelSeconds = reduced[kernel]
        try comm.collectively { try table.close() }
        stats.seconds = comm.elapsed(since: t0)  // identical on every rank: the outputs' attributes agree
        return XPSearchResult(templates: spectra, matches: matches, statistics: stats, ranking: o.rankBy, notes: notes,
                              basisSizes: sizes)
    }

    // MARK: pruned scan

    private static func prunedScan(table: GaiaTable, mine: RowRange, ids: [Int64], keep: [Bool]?, templates: [PreparedTemplate],
                                   o: XPSearchJobOptions, sizes: [Band: Int], worst: (Int) -> Double, comm: Communicator,
                                   progress: ProgressReporter, globalWorst: () -> [Double],
                                   noBands: (Int) -> Void, missingBand: (Band) -> Void,
                                   score: @escaping @Sendable (XPBlock) -> Void) throws {
        let bands = o.search.bands
        let n = mine.count
        // Phase A: lower bounds of D² per template and row, from coefficients, errors and the index.
        var bound = [[Double]](repeating: [Double](repeating: 0, count: n), count: templates.count)
        // Bit Band.index set when the row has the band (finite first coefficient and error).
        var bandMask = [Int](repeating: 0, count: n)
        let templateBands = templates.map { t in bands.map { CorrelationBound.templateBand(t, $0) } }
        // Phase A reads only small columns: larger blocks mean longer sequential reads.
        let blockA = max(o.blockRows, 16384)
        for round in CollectiveChunks(mine, chunkRows: blockA, communicator: comm) {
            let range = round.rows, m = range.count
            let lo = round.index * blockA
            for (bi, b) in bands.enumerated() {
                let nb = sizes[b]!
                let coeffs = try table.read(XPColumns.coefficients(b), ranges: [range], as: Double.self, collective: true)
                let errors = try table.read(XPColumns.errors(b), ranges: [range], as: Float.self, collective: true)
                let lambda = try table.read(XPColumns.lambdaMax(b), ranges: [range], as: Double.self, collective: true)
                var scale = [Double](repeating: 1, count: m)
                if o.search.scaling == .standardDeviation {
                    let sd = try table.read(XPColumns.standardDeviation(b), ranges: [range], as: Float.self, collective: true)
                    for i in 0..<m { scale[i] = 1 / Double(sd[i]) }
                }
                coeffs.withUnsafeBufferPointer { c in
                    errors.withUnsafeBufferPointer { e in
                        for i in 0..<m where keep?[lo + i] ?? true {
                            // A row `--where` dropped keeps no band: its bound is +∞, never evaluated.
                            // A missing band (NaN) adds nothing: the source is scored on the other band.
                            guard !c[i * nb].isNaN, !e[i * nb].isNaN else { missingBand(b); continue }
                            bandMask[lo + i] |= 1 << b.index
                            // No index value, or a non-positive standard deviation: no bound (evaluate).
                            guard lambda[i].isFinite, scale[i].isFinite, scale[i] > 0 else { continue }
                            for t in templates.indices {
                                guard let tb = templateBands[t][bi] else { continue }
                                let lb = CorrelationBound.lowerBound(tb, coefficients: c.baseAddress! + i * nb,
                                                                    errors: e.baseAddress! + i * nb,
                                                                    errorScale: scale[i], lambdaR: lambda[i])
                                // NaN (a non-finite value past the first): the band may go unused, no bound.
                                if !lb.isNaN { bound[t][lo + i] += lb }
                            }
                        }
                    }
                }
            }
            progress.update(fraction: round.fractionDone, count: min(lo + blockA, n) * comm.size)
        }
        // Sources with neither band are skipped without reading more: count them here.
        noBands(bandMask.indices.filter { bandMask[$0] == 0 && (keep?[$0] ?? true) }.count)
        // D² bounds → bounds of the ranking key. A row can be compared on at most the bands it has
        // in common with the template (dof ≤ n_b per band; fewer if a band turns out unusable),
        // and the key bound holds for every dof up to that (XPRanking.keyLowerBound); no band in
        // common: +∞, never evaluated for that template.
        for t in templates.indices {
            var tmask = 0
            for b in templates[t].bands { tmask |= 1 << b.index }
            // Largest dof per mask of bands in common (bit Band.index).
            let maxDof = (0..<4).map { mask in Band.allCases.reduce(0) { $0 + (mask & (1 << $1.index) != 0 ? sizes[$1] ?? 0 : 0) } }
            for i in 0..<n {
                bound[t][i] = o.rankBy.keyLowerBound(chi2LowerBound: bound[t][i], maxDof: maxDof[bandMask[i] & tmask])
            }
        }
        // Phase B: evaluate in increasing bound order until no template can improve.
        let order = bound.map { b in (0..<n).sorted { b[$0] != b[$1] ? b[$0] < b[$1] : $0 < $1 } }
        var next = [Int](repeating: 0, count: templates.count)
        var done = [Bool](repeating: false, count: n)
        let evaluating = ProgressReporter(label: "xp-search exact (rank 0)", unit: "rows", enabled: comm.isRoot,
                                          interval: o.progressInterval)
        var evaluated = 0
        var batch = max(16, o.k)
        // The ranks proceed in lock-step rounds and share the global k-th best after each, so
        // every rank prunes against the best threshold known anywhere. Not a CollectiveChunks
        // loop: how many rounds, and which rows each reads, depend on the thresholds as they
        // settle; the reads are independent (lists of ranges), only comm.any and the threshold
        // exchange are collective.
        var shared = [Double](repeating: .infinity, count: templates.count)
        func threshold(_ t: Int) -> Double { min(worst(t), shared[t]) }
        while true {
            var active: [Int] = []
            for t in templates.indices {
                while next[t] < n && done[order[t][next[t]]] { next[t] += 1 }
                if next[t] < n && bound[t][order[t][next[t]]] <= threshold(t) { active.append(t) }
            }
            guard comm.any(!active.isEmpty) else { break }
            defer { shared = globalWorst() }
            if active.isEmpty { continue }
            var rows: [Int] = []
            // Small batches first (the k-th best is +∞ until k sources are scored), growing to
            // block_rows as the threshold settles.
            batch = min(o.blockRows, batch * 2)
            let share = max(1, batch / active.count)
            for t in active {
                var taken = 0
                while taken < share && next[t] < n {
                    let row = order[t][next[t]]
                    if !done[row] {
                        if bound[t][row] > threshold(t) { break }
                        done[row] = true
                        rows.append(row)
                        taken += 1
                    }
                    next[t] += 1
                }
            }
            if rows.isEmpty { continue }
            rows.sort()
            // Ranges separated by a few rows are merged and the rows between are scored too
            // (valid evaluations, marked done): one larger read beats two small ones on disks
            // and parallel file systems, where a request's latency costs tens of rows of transfer.
            var local = coalesce(rows, maxGap: o.gapRows)
            rows = local.flatMap { $0.start..<$0.end }
            if let keep {
                // Rows `--where` dropped inside a merged gap are not candidates: not read.
                rows = rows.filter { keep[$0] }
                local = coalesce(rows)
            }
            for r in rows { done[r] = true }
            let ranges = local.map { RowRange(start: mine.start + $0.start, count: $0.count) }
            let block = try table.readXPBlock(ranges: ranges, bands: bands, sourceIDs: rows.map { ids[$0] },
                                              standardDeviation: o.search.scaling == .standardDeviation, collective: false)
            score(block)
            evaluated += rows.count
            evaluating.update(fraction: Double(evaluated) / Double(max(n, 1)), count: evaluated,
                              detail: "of \(n) rows; k-th best \(o.rankBy == .chi2 ? "D²" : "−ln p") \(templates.indices.map { String(format: "%.4g", worst($0)) }.joined(separator: ", "))")
        }
    }

    // MARK: helpers

    /// This rank's source_ids, in collective blocks (every rank makes the same number of reads).
    static func readSourceIDs(_ table: GaiaTable, rows: RowRange, block: Int, comm: Communicator) throws -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(rows.count)
        for round in CollectiveChunks(rows, chunkRows: block, communicator: comm) {
            out += try table.read("source_id", ranges: [round.rows], as: Int64.self, collective: true)
        }
        return out
    }

    /// `--where` for this rank's rows, in collective blocks.
    static func readKeep(_ selection: TableSelection, rows: RowRange, block: Int, comm: Communicator) throws -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity(rows.count)
        for round in CollectiveChunks(rows, chunkRows: block, communicator: comm) {
            var flags: [Bool] = [], failure: Error? = nil
            do { flags = try selection.keep(rows: round.rows, collective: true) } catch { failure = error }
            try comm.agree(failure)
            out += flags
        }
        return out
    }

    /// Merges every rank's top-k into the global one (same on every rank).
    static func gatherTopK(_ t: TopK, k: Int, comm: Communicator) -> [XPScore] {
        // Every field travels exactly (float64, integers): the merged keys equal the local ones.
        let s = t.sorted
        let ids = comm.allgatherv(s.map(\.sourceID)).values
        let chi2 = comm.allgatherv(s.map(\.chi2)).values
        let bp = comm.allgatherv(s.map(\.chi2BP)).values
        let rp = comm.allgatherv(s.map(\.chi2RP)).values
        let dof = comm.allgatherv(s.map { Int64($0.dof) }).values
        let scale = comm.allgatherv(s.map(\.scale)).values
        let flags = comm.allgatherv(s.map { Int64($0.flags.rawValue) }).values
        var all: [XPScore] = []
        for i in ids.indices {
            all.append(XPScore(sourceID: ids[i], chi2: chi2[i], chi2BP: bp[i], chi2RP: rp[i], dof: Int(dof[i]),
                               scale: scale[i], flags: XPFlags(rawValue: .init(truncatingIfNeeded: flags[i]))))
        }
        return TopK.merge([all], k: k, ranking: t.ranking)
    }
}

/// A rank's search state: per-template top-k and counters. Scoring may run on a worker thread
/// while the main thread reads the next block; the two never touch the state at the same time
/// (the main thread waits for the previous block's scoring before dispatching the next).
final class ScanState: @unchecked Sendable {
    let templates: [PreparedTemplate]
    let scorer: XPScorer
    let options: XPSearchOptions
    let countBands: Bool
    let includeSelf: Bool
    var top: [TopK]
    var skipped = 0, missingBP = 0, missingRP = 0, notPD = 0, evaluated = 0
    var kernelSeconds = 0.0
    private var scores: [XPScore] = []

    init(templates: [PreparedTemplate], k: Int, ranking: XPRanking, scorer: XPScorer, options: XPSearchOptions,
         countBands: Bool, includeSelf: Bool) {
        self.templates = templates
        self.scorer = scorer
        self.options = options
        self.countBands = countBands
        self.includeSelf = includeSelf
        top = templates.map { _ in TopK(k: k, ranking: ranking) }
    }

    func score(_ block: XPBlock) {
        if countBands {  // the pruned scan counts these for every row in phase A
            // From the data, not from a template's flags: templates may be searched on fewer bands.
            for row in 0..<block.count {
                var usable = 0
                for b in options.usedBands {
                    if block.isUsable(b, row: row, scaling: options.scaling) {
                        usable += 1
                    } else if b == .bp {
                        missingBP += 1
                    } else {
                        missingRP += 1
                    }
                }
                if usable == 0 { skipped += 1 }
            }
        }
        for (t, tmpl) in templates.enumerated() {
            scores.removeAll(keepingCapacity: true)
            let k0 = Clock.wall()
            // Each template's own options: its bands may be a subset of the requested ones.
            scorer.score(tmpl, block, rows: 0..<block.count, options: tmpl.options, into: &scores)
            kernelSeconds += Clock.wall() - k0
            let selfID = includeSelf ? nil : tmpl.spectrum.sourceID
            for s in scores {
                if s.flags.contains(.notPositiveDefinite) { notPD += 1 }
                if s.sourceID != selfID { top[t].insert(s) }
            }
        }
        evaluated += block.count
    }
}

public struct XPSearchJobError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
