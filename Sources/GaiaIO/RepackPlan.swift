// The repack plan: what every rank derives identically from the gathered file summaries (table
// name, merged column layout, global file order, row and ragged-element offsets). See Repack.swift.
import Foundation
import GaiaFormat

/// The global plan every rank derives identically from the gathered file summaries.
struct Plan {
    var table: String
    var columns: [ColumnLayout]
    var meta: [TableSchema.MetaEntry]
    /// Columns the known table `table` does not declare (empty if the table is not a known one).
    var extraColumns: [String]
    var order: [Int]
    var rowStart: [Int: Int] = [:]
    var elementStart: [Int: [Int: Int]] = [:]
    var raggedTotals: [Int: Int] = [:]
    var totalRows = 0
    /// A transit table (TransitRows.swift): CCDs per transit, each file's first entry in the
    /// per-source index, and the number of sources.
    var isTransitTable = false
    var nCCD = 0
    var sourceStart: [Int: Int] = [:]
    var totalSources = 0

    init(files: [FileSummary], inputs: [String], table: String?) throws {
        guard let first = files.first else { throw FormatError(file: "-", "no input files") }
        self.table = try Self.tableName(files, inputs: inputs, given: table)
        var files = files
        if first.isTransitTable { nCCD = try Self.transitCCDs(&files, inputs: inputs) }
        isTransitTable = first.isTransitTable
        let cols = try Self.mergedLayout(files, inputs: inputs)
        columns = cols
        extraColumns = KnownTables.table(named: self.table)?.extraColumns(in: cols.map(\.name)) ?? []
        meta = first.meta.map { TableSchema.MetaEntry(key: $0[0], value: $0[1]) }
        // Order: ascending source_id by file; ranges must not overlap.
        let hasIDs = cols.contains { $0.name == "source_id" } || isTransitTable
        order = files.map(\.index)
        if hasIDs {
            order.sort { (files[$0].minID ?? .max, $0) < (files[$1].minID ?? .max, $1) }
            var prev: FileSummary?
            for i in order where files[i].rows > 0 {
                if let p = prev, p.maxID! >= files[i].minID! {
                    if isTransitTable { throw Self.sharedSources(p, files[i], inputs: inputs) }
                    throw FormatError(file: inputs[i], "source_id range [\(files[i].minID!), \(files[i].maxID!)] overlaps [\(p.minID!), \(p.maxID!)] of \(inputs[p.index]); the output must be in ascending source_id — repack overlapping files separately")
                }
                prev = files[i]
            }
        }
        let leaders = Set(cols.compactMap(\.offsetsLeader))
        var running = [Int: Int]()
        for l in leaders { running[l] = 0 }
        for i in order {
            rowStart[i] = totalRows
            totalRows += files[i].rows
            sourceStart[i] = totalSources
            totalSources += files[i].sources
            elementStart[i] = running
            for l in leaders { running[l]! += files[i].raggedTotals[l] }
        }
        raggedTotals = running
    }

    /// Table name: --table, else the header's TABLE meta, else recognised by the reader.
    static func tableName(_ files: [FileSummary], inputs: [String], given: String?) throws -> String {
        let names = Set(files.compactMap(\.tableName))
        if let given { return given }
        if names.count == 1 { return names.first! }
        if names.count > 1 {
            throw FormatError(file: inputs[files[0].index], "inputs belong to different tables (\(names.sorted().joined(separator: ", "))); repack each table separately")
        }
        if let f = files.first(where: { !$0.ambiguousTables.isEmpty }) {
            throw FormatError(file: inputs[f.index], "cannot tell which Gaia table this is: its columns contain every column of \(f.ambiguousTables.joined(separator: " and of ")); pass --table NAME")
        }
        throw FormatError(file: inputs[files[0].index], "cannot tell which Gaia table this is (no TABLE meta, unknown file name and columns); pass --table NAME")
    }

    /// Layout: same columns in every file; integer widths and float precision widened, string
    /// widths the largest, ragged columns grouped by shared offsets.
    static func mergedLayout(_ files: [FileSummary], inputs: [String]) throws -> [ColumnLayout] {
        let first = files[0]
        var cols = first.columns
        for f in files.dropFirst() {
            guard f.columns.map(\.name) == cols.map(\.name) else {
                throw FormatError(file: inputs[f.index], "columns differ from \(inputs[first.index]): [\(f.columns.map(\.name).joined(separator: ","))] vs [\(cols.map(\.name).joined(separator: ","))]")
            }
            for k in cols.indices {
                let a = cols[k], b = f.columns[k]
                guard a.shape == b.shape else {
                    throw FormatError(file: inputs[f.index], column: b.name, "array shape \(b.shape) differs from \(a.shape) in \(inputs[first.index])")
                }
                guard let e = Self.widen(a.element, b.element) else {
                    throw FormatError(file: inputs[f.index], column: b.name, "datatype \(b.element.rawValue) cannot be merged with \(a.element.rawValue) declared in \(inputs[first.index])")
                }
                cols[k].element = e
            }
        }
        for k in cols.indices where cols[k].element == .string {
            cols[k].stringWidth = max(1, files.map { $0.stringWidths[k] }.max() ?? 1)
        }
        // Ragged groups: columns share offsets iff their lengths agree in every file.
        for j in cols.indices where cols[j].shape == .variable {
            cols[j].offsetsLeader = cols.indices.first { i in
                cols[i].shape == .variable && i <= j && files.allSatisfy { $0.leaders[i] == $0.leaders[j] || $0.rows == 0 }
            }
        }
        return cols
    }

    static func widen(_ a: ElementType, _ b: ElementType) -> ElementType? {
        if a == b { return a }
        let signed: [ElementType] = [.int8, .int16, .int32, .int64]
        if let i = signed.firstIndex(of: a), let j = signed.firstIndex(of: b) { return signed[max(i, j)] }
        if Set([a, b]) == Set([.float32, .float64]) { return .float64 }
        return nil
    }

    /// A transit table: the n_ccd every non-empty file agrees on (its first row's obs_time_tcb
    /// length); empty files get the same fixed shapes (0 when every file is empty).
    static func transitCCDs(_ files: inout [FileSummary], inputs: [String]) throws -> Int {
        guard files.allSatisfy(\.isTransitTable) else {
            let f = files.first { !$0.isTransitTable }!
            throw FormatError(file: inputs[f.index], "not a transit table (no int64 source_id and array obs_time_tcb) unlike \(inputs[files[0].index])")
        }
        let sized = files.filter { $0.nCCD != nil }
        guard let n = sized.first?.nCCD else { return 0 }
        if let other = sized.first(where: { $0.nCCD != n }) {
            throw FormatError(file: inputs[other.index], "transits have n_ccd = \(other.nCCD!) CCDs (the first row's obs_time_tcb length) but \(n) in \(inputs[sized[0].index])")
        }
        for i in files.indices where files[i].nCCD == nil {
            for k in files[i].columns.indices where files[i].columns[k].shape.isArray { files[i].columns[k].shape = .fixed(n) }
        }
        return n
    }

    /// The error for two files of a transit table whose source_id ranges overlap: a source's
    /// transits must all be in one file (the per-source index makes them one slice).
    static func sharedSources(_ a: FileSummary, _ b: FileSummary, inputs: [String]) -> FormatError {
        // A source_id known to be in both: one of the measured ends of each range.
        let shared = [b.minID!, b.maxID!].first { $0 == a.minID! || $0 == a.maxID! }
        let both = shared.map { "source_id \($0) has transits in both \(inputs[a.index]) and \(inputs[b.index])" }
            ?? "source_id range [\(b.minID!), \(b.maxID!)] of \(inputs[b.index]) overlaps [\(a.minID!), \(a.maxID!)] of \(inputs[a.index])"
        return FormatError(file: inputs[b.index], "\(both): all transits of a source must be in one input file, and files must cover disjoint source_id ranges — merge them into one file")
    }
}
