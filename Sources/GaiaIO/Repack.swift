// Repack: Gaia eCSV files → one HDF5 table, in parallel.
//
//   pass 1  each rank parses the files assigned to it (balanced by size) into a binary spool
//   agree   per-file summaries are exchanged (allgather): row counts, source_id ranges, schemas,
//           ragged-array totals, string widths. Every rank derives the same global file order
//           (ascending source_id, verified), the same row/element offsets and the same layout.
//   pass 2  the file is created collectively (MPI-IO) under a temporary name; in rounds, each
//           rank writes one spooled batch into every column with collective hyperslab writes;
//           a transit table's per-source index follows, one file's part per rank and round;
//           row counts are checked; rank 0 renames the file into place.
// Any rank's error is agreed on (CollectiveError) and ends the run on every rank with nothing at
// the final name.
import Foundation
import GaiaFormat
import HDF5
import MPI

public struct RepackOptions: Sendable {
    public var inputs: [String]
    public var output: String
    public var table: String?
    public var columns: [String]?
    public var fixedLengths: [String: Int] = [:]
    public var batchRows = 4096
    public var spoolMemoryBytes = 1 << 30
    public var overwrite = false
    /// Byte alignment of large datasets in the output (file-system stripe size; 1 MiB default).
    public var alignment = 1 << 20
    public var progressInterval = 5.0

    public init(inputs: [String], output: String) {
        self.inputs = inputs
        self.output = output
    }
}

public struct RepackSummary: Sendable {
    public var table: String
    public var files: Int
    public var rows: Int
    public var columns: Int
    public var compressedBytes: Int
    public var uncompressedBytes: Int
    public var outputBytes: Int
    public var seconds: Double
    public var parseSeconds: Double
    public var writeSeconds: Double
    public var nullCounts: [(column: String, nulls: Int)]
    public var duplicateSourceIDs: Int
    public var unsortedFiles: [String]
    public var spilledBytes: Int
    public var ranks: Int
    /// Columns kept that the known table does not declare (an archive query's `dist`), in
    /// column order; empty for an unknown table (`--table my_table`).
    public var extraColumns: [String]
    /// A table whose rows are transits (TransitRows.swift): its sources and CCDs per transit.
    public var transits: (sources: Int, nCCD: Int)?
}

public enum Repack {
    public static func run(_ o: RepackOptions, communicator comm: Communicator,
                           log: (String) -> Void = { print($0) }) throws -> RepackSummary {
        let t0 = ProgressReporter.now()
        let partial = o.output + ".partial"
        try checkBeforeWork(o, comm: comm)
        let sizes = o.inputs.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
        let mine = FileAssignment.bySize(sizes, ranks: comm.size)[comm.rank]

        // ---- pass 1: parse into the spool -------------------------------------------------------
        let spool = BatchSpool(memoryBudget: o.spoolMemoryBytes, scratchPath: o.output + ".spool.\(comm.rank)")
        defer { spool.removeScratch() }
        let (summaries, batchesOfFile, runsOfFile) = try parseAssigned(mine, o, sizes: sizes, spool: spool, comm: comm)
        let tParsed = ProgressReporter.now()

        // ---- agree: global order, offsets, layout ------------------------------------------------
        let (files, plan) = try agree(summaries, o, comm: comm)
        let totalRows = plan.totalRows
        log(comm.isRoot ? "repack: \(o.inputs.count) file(s), \(totalRows) rows of \(plan.table), \(plan.columns.count) columns; parsed in \(ProgressReporter.duration(tParsed - t0)) on \(comm.size) rank(s)" : "")
        if comm.isRoot && !plan.extraColumns.isEmpty { log(Self.extraColumnsNote(plan)) }

        // ---- pass 2: create and write collectively --------------------------------------------
        let written = writePartial(partial, o, plan: plan, files: files, sizes: sizes,
                                   work: workItems(mine, plan: plan, batchesOfFile: batchesOfFile),
                                   runs: mine.compactMap { f in runsOfFile[f].map { (f, $0) } },
                                   spool: spool, comm: comm)
        let writtenTotal = comm.allreduce(written, .sum)
        let tWritten = ProgressReporter.now()
        try publish(partial, as: o.output, plan: plan, rowsWritten: writtenTotal, comm: comm)
        let outSize = (try? FileManager.default.attributesOfItem(atPath: o.output)[.size] as? Int) ?? 0
        let spilled = comm.allreduce(spool.spilledBytes, .sum)
        return RepackSummary(table: plan.table, files: files.count, rows: totalRows, columns: plan.columns.count,
                             compressedBytes: sizes.reduce(0, +),
                             uncompressedBytes: files.reduce(0) { $0 + $1.uncompressed },
                             outputBytes: outSize, seconds: tWritten - t0, parseSeconds: tParsed - t0,
                             writeSeconds: tWritten - tParsed, nullCounts: nullCounts(plan, files),
                             duplicateSourceIDs: files.reduce(0) { $0 + $1.duplicates },
                             unsortedFiles: files.filter { !$0.wasSorted }.map { o.inputs[$0.index] },
                             spilledBytes: spilled, ranks: comm.size, extraColumns: plan.extraColumns,
                             transits: plan.isTransitTable ? (plan.totalSources, plan.nCCD) : nil)
    }

    /// Checks before any work: inputs given and readable, output absent unless --overwrite.
    private static func checkBeforeWork(_ o: RepackOptions, comm: Communicator) throws {
        try comm.collectively {
            guard !o.inputs.isEmpty else { throw FormatError(file: "-", "no input files given") }
            if comm.isRoot {
                if FileManager.default.fileExists(atPath: o.output) && !o.overwrite {
                    throw FormatError(file: o.output, "output exists; pass --overwrite to replace it")
                }
                for p in o.inputs where !FileManager.default.isReadableFile(atPath: p) {
                    throw FormatError(file: p, "input file does not exist or cannot be read")
                }
            }
        }
    }

    /// Pass 1: this rank parses its files (`mine`) into the spool; their summaries, the spooled
    /// batches of each file and (transit tables) each file's part of the per-source index.
    private static func parseAssigned(_ mine: [Int], _ o: RepackOptions, sizes: [Int], spool: BatchSpool,
                                      comm: Communicator) throws -> ([FileSummary], [Int: [BatchInfo]], [Int: TransitRows.Runs]) {
        let myBytes = mine.reduce(0) { $0 + sizes[$1] }
        var summaries: [FileSummary] = []
        var batchesOfFile: [Int: [BatchInfo]] = [:]
        var runsOfFile: [Int: TransitRows.Runs] = [:]
        let progress = ProgressReporter(label: "repack pass 1 (rank 0 share)", unit: "rows", enabled: comm.isRoot,
                                        interval: o.progressInterval)
        try comm.collectively {
            var doneBytes = 0
            var rowsSoFar = 0
            for f in mine {
                let (s, idx, runs) = try parse(file: f, o, spool: spool) { rows, compressed in
                    progress.update(fraction: Double(doneBytes + compressed) / Double(max(myBytes, 1)),
                                    count: rowsSoFar + rows, detail: "file \(f + 1)/\(o.inputs.count)")
                }
                doneBytes += sizes[f]
                rowsSoFar += s.rows
                summaries.append(s)
                batchesOfFile[f] = idx
                runsOfFile[f] = runs
            }
        }
        return (summaries, batchesOfFile, runsOfFile)
    }

    /// Every rank's file summaries, gathered in input order, and the plan derived from them
    /// (identical on every rank).
    private static func agree(_ summaries: [FileSummary], _ o: RepackOptions,
                              comm: Communicator) throws -> ([FileSummary], Plan) {
        let encoded = try JSONEncoder().encode(summaries)
        let all = comm.allgather(string: String(decoding: encoded, as: UTF8.self))
        var files: [FileSummary] = []
        for s in all { files += try JSONDecoder().decode([FileSummary].self, from: Data(s.utf8)) }
        files.sort { $0.index < $1.index }
        let plan = try comm.collectively { try Plan(files: files, inputs: o.inputs, table: o.table) }
        return (files, plan)
    }

    /// This rank's work items: (spool batch, first global row, first element per ragged group).
    private static func workItems(_ mine: [Int], plan: Plan, batchesOfFile: [Int: [BatchInfo]]) -> [WorkItem] {
        var work: [WorkItem] = []
        for f in mine {
            var row = plan.rowStart[f]!
            var elements = plan.elementStart[f]!
            for b in batchesOfFile[f] ?? [] {
                work.append(WorkItem(batch: b.index, row: row, elements: elements))
                row += b.rows
                for (leader, _) in elements { elements[leader]! += b.raggedElements[leader] }
            }
        }
        return work
    }

    /// Pass 2: creates `partial` collectively and writes the table into it; the rows this rank
    /// wrote. An HDF5 failure aborts every rank.
    private static func writePartial(_ partial: String, _ o: RepackOptions, plan: Plan, files: [FileSummary],
                                     sizes: [Int], work: [WorkItem], runs: [(file: Int, runs: TransitRows.Runs)],
                                     spool: BatchSpool, comm: Communicator) -> Int {
        let created = comm.broadcast(string: Provenance(ranks: comm.size).created)
        var prov = Provenance(ranks: comm.size)
        prov.created = created
        let writeProgress = ProgressReporter(label: "repack pass 2 (write)", unit: "batches", enabled: comm.isRoot,
                                             interval: o.progressInterval)
        var written = 0
        do {
            if comm.isRoot { unlink(partial) }
            comm.barrier()
            let h5 = try H5File.create(path: partial, communicator: comm, alignment: o.alignment)
            try prov.write(to: h5)
            try h5.setAttribute("input_files", plan.order.map { o.inputs[$0] })
            try h5.setAttribute("input_rows", plan.order.map { Int64(files[$0].rows) })
            try h5.setAttribute("input_bytes", plan.order.map { Int64(sizes[$0]) })
            try h5.setAttribute("tables", [plan.table])
            // Group and dataset handles live only inside this call: a parallel HDF5 file
            // closes only when none of its objects is open (H5F_CLOSE_SEMI).
            written = try writeTable(h5, plan: plan, work: work, runs: runs, spool: spool, comm: comm,
                                     progress: writeProgress)
            try h5.close()
        } catch {
            // An HDF5 failure inside collective I/O cannot be agreed on safely: end every rank.
            if comm.isRoot { unlink(partial) }
            comm.abort(message: "writing \(partial): \(error)")
        }
        return written
    }

    /// Rank 0 checks the row counts of `partial` and renames it to `output`; on any failure
    /// `partial` is removed and every rank throws.
    private static func publish(_ partial: String, as output: String, plan: Plan, rowsWritten: Int,
                                comm: Communicator) throws {
        let totalRows = plan.totalRows
        try comm.collectively {
            if comm.isRoot {
                defer { if FileManager.default.fileExists(atPath: partial) { unlink(partial) } }
                guard rowsWritten == totalRows else {
                    throw FormatError(file: output, "rows in (\(totalRows)) ≠ rows written (\(rowsWritten)); output removed")
                }
                try verify(path: partial, table: plan.table, rows: totalRows, columns: plan.columns,
                           sources: plan.isTransitTable ? plan.totalSources : nil)
                if rename(partial, output) != 0 {
                    throw FormatError(file: output, "cannot rename \(partial): \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    /// Null counts per column over all files (columns without nulls left out).
    private static func nullCounts(_ plan: Plan, _ files: [FileSummary]) -> [(column: String, nulls: Int)] {
        var nulls: [(String, Int)] = []
        for (k, c) in plan.columns.enumerated() {
            let n = files.reduce(0) { $0 + ($1.nulls.count > k ? $1.nulls[k] : 0) }
            if n > 0 { nulls.append((c.name, n)) }
        }
        return nulls
    }

    /// The note naming the columns beyond the known table (all of them: the user asked for "which").
    static func extraColumnsNote(_ plan: Plan) -> String {
        "repack: note: \(plan.extraColumns.count) column(s) are not among GaiaMine's \(plan.table) columns and are kept as the header declares them: \(plan.extraColumns.joined(separator: ", "))"
    }

    /// A spooled batch: its index, rows, and elements per column (ragged columns).
    struct BatchInfo {
        var index: Int
        var rows: Int
        var raggedElements: [Int]
        init(index: Int, batch: ColumnBatch) {
            self.index = index
            rows = batch.rowCount
            raggedElements = batch.columns.map { $0.schema.shape == .variable ? $0.lengths.reduce(0) { $0 + Int($1) } : 0 }
        }
    }

    struct WorkItem {
        var batch: Int
        var row: Int
        var elements: [Int: Int]
    }
}
