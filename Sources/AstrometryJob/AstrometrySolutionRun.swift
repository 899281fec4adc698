// The parallel astrometric solutions (`gaiamine astrometric-solution`, `gaiamine run` with
// job: astrometric-solution).
//
// 1. Every rank opens the transit-row epoch_astrometry table (MPI-IO), finds and checks the
//    solver's columns (EpochColumns) and compiles --where.
// 2. The per-source index (C1: source_id, first_row, n_rows) is validated slice by slice and
//    sources are split over ranks by cost = transit count (SourceIndex.balancedShare, the same
//    boundaries as RowPartition.byCost over the whole index): a source is never split, each rank
//    owns a contiguous run of sources and so of rows, and holds only its own index entries —
//    memory O(sources / ranks) per rank, so DR4's ~2·10⁹ sources need no rank to hold 48 GB.
// 3. Each rank reads its rows in collective rounds of `block_sources` whole sources, checks them
//    against the index (agreed: a bad row stops every rank with one message), keeps the sources
//    --where selects (evaluated on each source's first transit row) and solves each one with the
//    Astrometry kernel — a source's solution depends on its rows alone, so results are identical
//    for any number of ranks; the outputs are written in rank order = input order.
// 4. Counts (by reason) and histograms are integer sums over ranks (exact).
import Astrometry
import Foundation
import GaiaIO
import GaiaJob
import MPI

enum AstrometrySolutionRun {
    static func run(_ o: AstrometrySolutionOptions, in context: JobContext) throws -> AstrometrySolutionResult {
        let comm = context.communicator
        let t0 = Clock.wall()
        let table = try comm.collectively { () -> GaiaTable in
            guard FileManager.default.fileExists(atPath: o.input) else { throw JobError("\(o.input): no such file") }
            let name = o.table ?? (hasTable(o.input, EpochColumns.table) ? EpochColumns.table : nil)
            return try GaiaTable(path: o.input, table: name, communicator: comm)
        }
        let (columns, selection) = try comm.collectively { () -> (EpochColumns, TableSelection?) in
            let c = try EpochColumns(table: table, options: o)
            guard table.hasSourceIndex else {
                throw JobError("\(table.path):/\(table.name) has no source_index: not a table of transit rows "
                               + "(repack the DataLink or bulk epoch-astrometry files with this gaiamine; Docs/data-format.md)")
            }
            return (c, try context.selection(for: table))
        }
        // This rank's sources; positions below are local to `index` (its first_row values are table rows).
        let share = try SourceIndex.balancedShare(of: table, communicator: comm)
        let index = share.index
        context.log("astrometric-solution: \(share.totalSources) sources, \(table.rowCount) transits × \(columns.nCCD) CCDs of "
                    + "\(o.input):/\(table.name) on \(comm.size) rank(s); model \(o.model.rawValue)"
                    + (o.fitExcessNoise ? ", excess noise fitted" : ", AGIS excess noise applied")
                    + (selection.map { "; where \($0.text)" } ?? ""))

        var t = Tally(nCCD: columns.nCCD, residuals: o.residuals)
        let transits = share.rows.count
        let progress = context.progress(unit: "sources")
        let solver = o.solverOptions
        for round in CollectiveChunks(RowRange(start: 0, count: index.count), chunkRows: o.blockSources, communicator: comm) {
            let src = round.rows
            let rows = index.rows(of: src.start..<src.end)
            let r0 = Clock.wall()
            let block: EpochBlock
            let keep: [Bool]?
            do {
                block = try EpochBlock(columns, table: table, rows: rows)
                keep = try selection?.keep(rows: rows, collective: true, count: false)
            } catch {
                // A failure inside collective I/O cannot be agreed on safely: end every rank.
                comm.abort(message: "reading \(o.input): \(error)")
            }
            t.readSeconds += Clock.wall() - r0
            // The rows must be where the index says, each source's transits in time order: else
            // one source's solution would silently mix others' transits (agreed: printed once).
            try comm.collectively {
                try index.checkSlice(sourceIDs: block.sourceIDs, sources: src.start..<src.end, file: table.path)
                try index.checkTransitOrder(obsTimeTCB: block.time, nCCD: columns.nCCD, sources: src.start..<src.end, file: table.path)
            }
            for i in src.start..<src.end {
                let first = Int(index.firstRows[i]), count = Int(index.rowCounts[i])
                t.sourcesSeen += 1
                t.transitsDone += count
                guard keep?[first - rows.start] ?? true else {
                    t.skip(rows: count, sourceID: index.sourceIDs[i])
                    continue
                }
                let obs = block.observations(source: index.sourceIDs[i], first: first, count: count, nCCD: columns.nCCD,
                                             hasColour: columns.colour != nil)
                t.solve(obs, options: solver)
            }
            progress.update(fraction: Double(t.transitsDone) / Double(max(transits, 1)), count: t.sourcesSeen,
                            detail: "\(t.sourcesSeen) of \(index.count) sources on rank 0")
        }
        try comm.collectively { try table.close() }
        var result = AstrometrySolutionResult(options: o, nCCD: columns.nCCD, rows: t.rows, residualRows: t.residualRows,
                                              statistics: reduce(t, comm: comm))
        result.statistics.sources = share.totalSources
        result.statistics.seconds = comm.elapsed(since: t0)
        let s = result.statistics
        // Every rank has the same totals: the same error everywhere (agreed, printed once), or none.
        try comm.collectively {
            guard s.selected > 0 && s.solved == 0 && s.failed[SolutionStatus.noObservations.rawValue] == s.selected else { return }
            throw JobError("\(o.input):/\(table.name): none of the \(s.selected) source(s) has a usable CCD observation "
                           + "(column '\(columns.used.name)' is false or null, or the values are null, for every observation): nothing to solve")
        }
        return result
    }

    /// Step 4: sums over ranks of the counts and histograms (integers: exact), and the timings.
    static func reduce(_ t: Tally, comm: Communicator) -> AstrometrySolutionStatistics {
        var pack = ReductionPack()
        let counts = pack.add(t.counts.packed, .sum)
        let uwe = pack.add(t.uweHistogram, .sum), pull = pack.add(t.parallaxHistogram, .sum)
        let kernel = pack.add(t.kernelCPU, .sum), read = pack.add(t.readSeconds, .max)
        let r = pack.reduced(comm)
        var s = AstrometrySolutionStatistics(packed: r[counts])
        s.ranks = comm.size
        s.uweHistogram = r[uwe]
        s.parallaxHistogram = r[pull]
        s.kernelCPUSeconds = r[kernel]
        s.readSeconds = r[read]
        return s
    }

    /// Whether the file has the table (a serial, read-only probe; the collective open follows).
    static func hasTable(_ path: String, _ name: String) -> Bool {
        guard let t = try? GaiaTable(path: path, table: name) else { return false }
        try? t.close()
        return true
    }
}
