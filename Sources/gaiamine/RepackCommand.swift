import ArgumentParser
import Foundation
import GaiaIO
import MPI

struct RepackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repack",
        abstract: "Repack Gaia eCSV files (.csv.gz or plain) or FITS binary tables into one HDF5 table, rank-parallel.",
        discussion: """
        Files are spread over the MPI ranks by size; each rank parses its files, the ranks agree on
        the global row order (ascending source_id, verified) and write collectively with MPI-IO.
        The output appears at --out only when complete. Layout: Docs/data-format.md.
        Inputs are ECSV 1.0 (comma- or space-delimited: DR3 bulk files, archive and DataLink
        exports), header-less GaiaXPy CSV, or FITS binary tables (.fits, .fit, .fits.gz, or any
        file starting with 'SIMPLE  =': the first BINTABLE HDU; scalar, fixed and variable-length
        array columns), read through cfitsio. The same table in ECSV and in FITS repacks to
        identical datasets and attributes.
        """)

    @Argument(help: "Files of one table: Gaia eCSV (bulk-download .csv.gz, archive/DataLink .ecsv, GaiaXPy .csv) or FITS binary tables (.fits, .fits.gz).")
    var files: [String]

    @Option(name: .long, help: "Output HDF5 file.")
    var out: String

    @Option(name: .long, help: "Gaia table name, if neither the header nor the file name tells it.")
    var table: String?

    @Option(name: .long, help: "Repack only these columns (comma-separated).")
    var columns: String?

    @Option(name: .long, help: "Store a variable-length array column as fixed length: NAME=N (repeatable).")
    var fixed: [String] = []

    @Option(name: .long, help: "Rows per parsed batch (one collective write each).")
    var batchRows = 4096

    @Option(name: .long, help: "Parsed data held in memory per rank before spilling to scratch files, MB.")
    var spoolMemory = 1024

    @Option(name: .long, help: "Alignment of large datasets in the output, bytes (file-system stripe size).")
    var alignment = 1 << 20

    @Option(name: .long, help: "Seconds between progress lines.")
    var progressInterval = 5.0

    @Flag(name: .long, help: "Replace an existing output file.")
    var overwrite = false

    func validate() throws {
        for f in fixed {
            let p = f.split(separator: "=")
            guard p.count == 2, Int(p[1]) != nil else { throw ValidationError("--fixed wants NAME=N, got '\(f)'") }
        }
        guard batchRows > 0 else { throw ValidationError("--batch-rows must be positive") }
    }

    func run() throws {
        var o = RepackOptions(inputs: files, output: out)
        o.table = table
        o.columns = columns?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for f in fixed {
            let p = f.split(separator: "=")
            o.fixedLengths[String(p[0])] = Int(p[1])!
        }
        o.batchRows = batchRows
        o.spoolMemoryBytes = spoolMemory << 20
        o.alignment = alignment
        o.overwrite = overwrite
        o.progressInterval = progressInterval
        runParallel { comm in
            let s = try Repack.run(o, communicator: comm) { rootPrint(comm, $0) }
            rootPrint(comm, Self.report(s, output: out))
        }
    }

    static func report(_ s: RepackSummary, output: String) -> String {
        let perRank = Double(max(s.ranks, 1))
        var r = """
        repack: done: \(s.table): \(s.rows) rows in = \(s.rows) rows written, \(s.columns) columns, \(s.files) file(s) → \(output)
          input   \(megabytes(s.compressedBytes)) on disk, \(megabytes(s.uncompressedBytes)) of text; output \(megabytes(s.outputBytes))
          time    \(String(format: "%.2f", s.seconds)) s (parse \(String(format: "%.2f", s.parseSeconds)) s, write \(String(format: "%.2f", s.writeSeconds)) s) on \(s.ranks) rank(s)
          rate    \(String(format: "%.1f", Double(s.compressedBytes) / 1e6 / s.seconds)) MB/s compressed, \(String(format: "%.1f", Double(s.uncompressedBytes) / 1e6 / s.seconds)) MB/s text (\(String(format: "%.1f", Double(s.uncompressedBytes) / 1e6 / s.seconds / perRank)) per rank), \(String(format: "%.0f", Double(s.rows) / s.seconds)) rows/s
        """
        // Null counts, grouped: a source without BP has a dozen null BP columns, say it once.
        var byCount: [Int: [String]] = [:]
        for n in s.nullCounts { byCount[n.nulls, default: []].append(n.column) }
        for (count, cols) in byCount.sorted(by: { $0.key > $1.key }) {
            let names = cols.prefix(4).joined(separator: ", ") + (cols.count > 4 ? ", … (\(cols.count) columns)" : "")
            r += "\n  nulls   \(count) in \(names)"
        }
        if let t = s.transits {
            r += "\n  transits \(s.rows) of \(t.sources) source(s), \(t.nCCD) CCDs each; index \(s.table)/source_index"
            if s.duplicateSourceIDs > 0 { r += "\n  warning \(s.duplicateSourceIDs) repeated transit(s) (same source_id and time) kept" }
            if !s.unsortedFiles.isEmpty { r += "\n  note    rows sorted by (source_id, transit time) in: \(s.unsortedFiles.joined(separator: ", "))" }
        } else {
            if s.duplicateSourceIDs > 0 { r += "\n  warning \(s.duplicateSourceIDs) duplicate source_id value(s) kept" }
            if !s.unsortedFiles.isEmpty { r += "\n  note    rows sorted by source_id in: \(s.unsortedFiles.joined(separator: ", "))" }
        }
        if s.spilledBytes > 0 { r += "\n  spool   \(megabytes(s.spilledBytes)) spilled to scratch (raise --spool-memory to avoid)" }
        return r
    }
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a GaiaMine HDF5 file: provenance, tables, columns, shapes, types, units.")

    @Argument(help: "HDF5 file written by gaiamine.")
    var file: String

    @Flag(name: .shortAndLong, help: "Print long attributes and descriptions in full.")
    var verbose = false

    func run() throws {
        do {
            print(try Inspect.describe(path: file, verbose: verbose), terminator: "")
        } catch {
            eprint("error: \(error)")
            throw ExitCode(1)
        }
    }
}
