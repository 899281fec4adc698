// The per-source index of a table whose rows are transits (Docs/data-format.md, "The
// epoch_astrometry table"): /<table>/source_index/{source_id, first_row, n_rows}, one entry per
// source in ascending source_id, the transits of source i being rows first_row[i] ..<
// first_row[i] + n_rows[i] — so a job reads all transits of a range of sources as one slice.
//
// Files may come from elsewhere (h5py), so the index is validated when read, and a job can check
// cheaply that the source_id column of the slice it read agrees with it (`checkSlice`) and that
// each source's transits are in time order (`checkTransitOrder`).
import GaiaFormat
import HDF5

public struct SourceIndex: Sendable {
    public var sourceIDs: [Int64]
    public var firstRows: [Int64]
    public var rowCounts: [Int64]
    public var count: Int { sourceIDs.count }

    public static let groupName = "source_index"
    static let datasetNames = ["source_id", "first_row", "n_rows"]
    static let descriptions = [
        "Unique source identifier, strictly increasing",
        "Row of the source's first transit",
        "Number of transits (rows) of the source",
    ]

    public init(sourceIDs: [Int64], firstRows: [Int64], rowCounts: [Int64]) {
        self.sourceIDs = sourceIDs
        self.firstRows = firstRows
        self.rowCounts = rowCounts
    }

    /// The rows of the sources at index positions `sources`: one contiguous range.
    public func rows(of sources: Range<Int>) -> RowRange {
        guard !sources.isEmpty else {
            let end = count > 0 ? Int(firstRows[count - 1] + rowCounts[count - 1]) : 0
            return RowRange(start: sources.lowerBound < count ? Int(firstRows[sources.lowerBound]) : end, count: 0)
        }
        let start = Int(firstRows[sources.lowerBound])
        let end = Int(firstRows[sources.upperBound - 1] + rowCounts[sources.upperBound - 1])
        return RowRange(start: start, count: end - start)
    }

    /// Index position of a source_id (binary search), nil when the table has no such source.
    public func position(of id: Int64) -> Int? {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sourceIDs[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && sourceIDs[lo] == id ? lo : nil
    }

    /// Checks the index against a table of `rowCount` rows: equal lengths, source_ids strictly
    /// increasing, every count ≥ 1, first_row[0] = 0, first_row[i+1] = first_row[i] + n_rows[i],
    /// Σ n_rows = rowCount. The error names `file` and the index position and source_id at fault.
    public func validate(rowCount: Int, file: String) throws {
        try checkLengths(file: file)
        let end = try checkEntries(offset: 0, after: nil, file: file)
        try SourceIndex.checkCoverage(endRow: end, rowCount: rowCount, file: file)
    }

    func checkLengths(file: String) throws {
        try SourceIndex.checkLengths([count, firstRows.count, rowCounts.count], file: file)
    }

    /// The entry counts of source_id, first_row and n_rows must be equal.
    static func checkLengths(_ n: [Int], file: String) throws {
        guard n[1] == n[0], n[2] == n[0] else {
            throw FormatError(file: file, column: groupName, "source_id, first_row and n_rows have \(n[0]), \(n[1]) and \(n[2]) entries: they must be equal")
        }
    }

    /// Checks these entries as index positions `offset ..< offset + count` of a longer index,
    /// following the entry `previous` (its source_id and the row where its transits end; nil at
    /// position 0): the per-entry rules of `validate`, with the same messages, so that slices
    /// checked on different ranks report exactly what checking the whole index would. Returns
    /// the row where the last entry's transits end (`previous`'s end when there are none).
    public func checkEntries(offset: Int, after previous: (sourceID: Int64, endRow: Int64)?, file: String) throws -> Int64 {
        let column = SourceIndex.groupName
        var expected = previous?.endRow ?? 0
        var before = previous?.sourceID
        for i in 0..<count {
            let at = "source_index position \(offset + i) (source_id \(sourceIDs[i]))"
            if let b = before, sourceIDs[i] <= b {
                throw FormatError(file: file, column: column, "\(at): source_id is not greater than the previous entry's \(b) — the index must be strictly increasing (each source once, its transits contiguous)")
            }
            if rowCounts[i] < 1 {
                throw FormatError(file: file, column: column, "\(at): n_rows is \(rowCounts[i]); every source has at least one transit")
            }
            if firstRows[i] != expected {
                throw FormatError(file: file, column: column, "\(at): first_row is \(firstRows[i]) but the previous sources end at row \(expected) — sources must be contiguous and in index order")
            }
            // Wrapping add: an absurd count from a foreign file then fails the checks, not the process.
            expected = expected &+ rowCounts[i]
            before = sourceIDs[i]
        }
        return expected
    }

    /// The last check of `validate`: the index ends at `endRow`, which must be the table's row count.
    public static func checkCoverage(endRow: Int64, rowCount: Int, file: String) throws {
        if endRow != Int64(rowCount) {
            throw FormatError(file: file, column: groupName, "the index covers \(endRow) rows but the table has \(rowCount)")
        }
    }

    /// Checks that `sourceIDs`, the source_id column of the rows `rows(of: sources)`, holds each
    /// source's id on exactly its rows: a file written by other tools whose index disagrees with
    /// its rows is an error naming the row, not silently wrong results.
    public func checkSlice(sourceIDs ids: [Int64], sources: Range<Int>, file: String) throws {
        let range = rows(of: sources)
        guard ids.count == range.count else {
            throw FormatError(file: file, column: "source_id", "\(ids.count) source_id values given for rows \(range.start)..<\(range.end) of sources \(sources)")
        }
        var k = 0
        for i in sources {
            let id = sourceIDs[i]
            for _ in 0..<Int(rowCounts[i]) {
                if ids[k] != id {
                    throw FormatError(file: file, column: "source_id", "row \(range.start + k) holds source_id \(ids[k]) but source_index says rows \(firstRows[i])..<\(firstRows[i] + rowCounts[i]) are source_id \(id): a source's transits must be contiguous and the index must match them (repack the file with gaiamine repack)")
                }
                k += 1
            }
        }
    }

    /// Checks that each source's transits are in time order: `obsTimeTCB` is obs_time_tcb of the
    /// rows `rows(of: sources)` (rows × nCCD, null = Int64.min); a transit's time is its first
    /// non-null element, a transit without one sorts last (as repack orders them).
    public func checkTransitOrder(obsTimeTCB times: [Int64], nCCD: Int, sources: Range<Int>, file: String) throws {
        let range = rows(of: sources)
        guard nCCD > 0, times.count == range.count * nCCD else {
            throw FormatError(file: file, column: "obs_time_tcb", "\(times.count) obs_time_tcb values given for \(range.count) rows of \(nCCD) CCDs")
        }
        let t = TransitRows.transitTimes(times, nCCD: nCCD)
        var k = 0
        for i in sources {
            for j in 0..<Int(rowCounts[i]) {
                if j > 0 && t[k] < t[k - 1] {
                    throw FormatError(file: file, column: "obs_time_tcb", "row \(range.start + k) (source_id \(sourceIDs[i])): its transit time \(t[k]) ns precedes the previous transit's \(t[k - 1]): a source's transits must be sorted by time (repack the file with gaiamine repack)")
                }
                k += 1
            }
        }
    }
}

extension GaiaTable {
    /// Whether the table has /<table>/source_index (its rows are transits).
    public var hasSourceIndex: Bool { (try? group.isGroup(SourceIndex.groupName)) ?? false }

    /// CCDs per transit (the `n_ccd` attribute of a transit table), nil for other tables.
    public var ccdCount: Int? {
        if case .integers(let n)? = try? group.attribute("n_ccd"), let v = n.first { return Int(v) }
        return nil
    }

    /// Reads and validates the whole index (SourceIndex.validate). In a parallel file every
    /// rank calls it (opening datasets is collective there). Memory O(sources) per caller: a job
    /// over many sources uses `SourceIndex.balancedShare` (SourceIndexPartition.swift) instead.
    public func readSourceIndex() throws -> SourceIndex {
        let d = try openSourceIndex()
        let values = try d.map { try $0.read(Int64.self) }
        let index = SourceIndex(sourceIDs: values[0], firstRows: values[1], rowCounts: values[2])
        try index.validate(rowCount: rowCount, file: path)
        return index
    }

    /// The index datasets (source_id, first_row, n_rows), checked to exist, be 1-D and agree with
    /// the group's n_sources attribute; nothing is read. Collective in a parallel file.
    func openSourceIndex() throws -> [Dataset] {
        let table = try group
        guard table.exists(SourceIndex.groupName), table.isGroup(SourceIndex.groupName) else {
            throw FormatError(file: path, column: SourceIndex.groupName, "/\(name) has no per-source index (group \(SourceIndex.groupName)): its rows are not transits written by gaiamine repack")
        }
        let g = try table.openGroup(SourceIndex.groupName)
        var datasets: [Dataset] = []
        for n in SourceIndex.datasetNames {
            guard g.exists(n) else {
                throw FormatError(file: path, column: "\(SourceIndex.groupName)/\(n)", "/\(name)/\(SourceIndex.groupName) has no dataset '\(n)'")
            }
            let d = try g.openDataset(n)
            guard d.shape.count == 1 else {
                throw FormatError(file: path, column: "\(SourceIndex.groupName)/\(n)", "must be 1-D, has shape \(d.shape)")
            }
            datasets.append(d)
        }
        let count = datasets[0].rowCount
        if case .integers(let n)? = try g.attribute("n_sources"), let v = n.first, v != Int64(count) {
            throw FormatError(file: path, column: SourceIndex.groupName, "attribute n_sources is \(v) but the index has \(count) entries")
        }
        return datasets
    }
}
