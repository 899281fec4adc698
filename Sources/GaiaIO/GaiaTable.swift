// Reading a repacked table: what kernels use to get rows without touching HDF5 themselves.
// Open with a communicator for collective MPI-IO reads (every rank calls each read, possibly
// with zero rows), or without one for serial tools.
#if canImport(Glibc)
import Glibc
#endif
import GaiaFormat
import HDF5
import MPI

public final class GaiaTable {
    public let path: String
    public let name: String
    public let rowCount: Int
    public let columnNames: [String]
    let file: H5File
    private var groupHandle: Group?
    private var cache: [String: Dataset] = [:]
    /// Bytes this process has read from column datasets (for "fraction of bytes read" reports).
    public private(set) var bytesRead = 0

    var group: Group {
        get throws {
            guard let g = groupHandle else { throw HDF5Error("\(path): table is closed") }
            return g
        }
    }

    /// Opens table `name` (or the file's only table) of a GaiaMine HDF5 file. With a
    /// communicator every rank must open it (MPI-IO); `writable` allows `addColumn`.
    public init(path: String, table name: String? = nil, communicator: Communicator? = nil, writable: Bool = false) throws {
        self.path = path
        file = try H5File.open(path: path, readOnly: !writable, communicator: communicator)
        let f = file
        let tables = try f.childNames().filter { f.isGroup($0) }
        guard let t = name ?? (tables.count == 1 ? tables[0] : nil) else {
            throw HDF5Error("\(path) holds tables \(tables); say which one")
        }
        guard tables.contains(t) else { throw HDF5Error("\(path) has no table '\(t)' (it has \(tables.joined(separator: ", ")))") }
        self.name = t
        let g = try file.openGroup(t)
        groupHandle = g
        if case .integers(let n)? = try g.attribute("n_rows") { rowCount = Int(n[0]) } else {
            throw HDF5Error("\(path):/\(t) is not a GaiaMine table (no n_rows attribute)")
        }
        if case .strings(let c)? = try g.attribute("columns") { columnNames = c } else { columnNames = [] }
    }

    /// A plain read-only descriptor of the file for direct row reads (opened on first use).
    private var rawFD: Int32 = -1

    deinit { if rawFD >= 0 { Glibc.close(rawFD) } }

    private func openRaw() throws {
        if rawFD < 0 {
            rawFD = open(path, O_RDONLY)
            if rawFD < 0 { throw HDF5Error("cannot open \(path) for reading: \(String(cString: strerror(errno)))") }
        }
    }

    private func preadFully(_ p: UnsafeMutableRawPointer, _ n: Int, at offset: Int) throws {
        try openRaw()
        var done = 0
        while done < n {
            let r = pread(rawFD, p + done, n - done, off_t(offset + done))
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { throw HDF5Error("read of \(path) at byte \(offset + done) failed: \(r < 0 ? String(cString: strerror(errno)) : "end of file")") }
            done += r
        }
    }

    /// Closes the file (collective for a parallel file); releases every open dataset first.
    public func close() throws {
        if rawFD >= 0 { Glibc.close(rawFD); rawFD = -1 }
        cache = [:]
        groupHandle = nil
        try file.close()
    }

    /// Whether the table has a dataset of this name (a column or a derived index column).
    public func hasColumn(_ column: String) -> Bool { (try? group.exists(column)) ?? false }

    func dataset(_ column: String) throws -> Dataset {
        if let d = cache[column] { return d }
        guard try group.exists(column) else { throw HDF5Error("\(path):/\(name) has no column '\(column)'") }
        let d = try group.openDataset(column)
        cache[column] = d
        return d
    }

    /// Elements per row of a column (1 for scalars, n for fixed arrays, 0 for ragged).
    public func width(of column: String) throws -> Int {
        let d = try dataset(column)
        if try d.attribute("offsets") != nil { return 0 }
        return d.rowWidth
    }

    /// Rows `rows` of a scalar or fixed-array column, row-major, in its stored type `T`.
    public func read<T: H5Scalar>(_ column: String, rows: RowRange, as: T.Type = T.self, collective: Bool = false) throws -> [T] {
        let d = try dataset(column)
        bytesRead += rows.count * d.rowWidth * d.element.byteWidth
        return try d.read(T.self, start: rows.start, count: rows.count, collective: collective)
    }

    /// Several row ranges of a column in one (collective) read, packed in order: for reading only
    /// the rows a kernel still needs.
    public func read<T: H5Scalar>(_ column: String, ranges: [RowRange], as: T.Type = T.self, collective: Bool = false) throws -> [T] {
        let d = try dataset(column)
        let n = ranges.reduce(0) { $0 + $1.count } * d.rowWidth
        bytesRead += n * d.element.byteWidth
        var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
        try out.withUnsafeMutableBytes { buffer in
            if collective || (ranges.count <= 1 && d.directOffset == nil) {
                try d.read(rows: ranges.map { ($0.start, $0.count) }, into: buffer.baseAddress, collective: collective)
            } else {
                // Independent reads of many scattered ranges (the pruned XP scan). A single
                // selection OR-ing thousands of hyperslabs costs HDF5 more than the reads, and so
                // do thousands of small H5Dread calls; with GaiaMine's contiguous layout each
                // range is one byte range of the file, read with pread.
                var offset = 0
                let rowBytes = d.rowWidth * d.element.byteWidth
                let direct = d.directOffset
                if let base = direct {
                    // Announce every range first: the kernel then fetches them concurrently
                    // (deep device queues), instead of one synchronous round trip per range.
                    try openRaw()
                    for r in ranges where r.start >= 0 && r.end <= d.rowCount {
                        _ = posix_fadvise(rawFD, off_t(base + r.start * rowBytes), off_t(r.count * rowBytes), POSIX_FADV_WILLNEED)
                    }
                }
                for r in ranges {
                    guard r.start >= 0, r.end <= d.rowCount else {
                        throw HDF5Error("rows \(r.start)..<\(r.end) outside '\(column)' of \(d.rowCount) rows")
                    }
                    if let base = direct {
                        try preadFully(buffer.baseAddress! + offset, r.count * rowBytes, at: base + r.start * rowBytes)
                    } else {
                        try d.read(rows: [(r.start, r.count)], into: buffer.baseAddress! + offset, collective: false)
                    }
                    offset += r.count * rowBytes
                }
            }
        }
        return out
    }

    /// A ragged column's values for rows `rows`, with per-row offsets relative to the first.
    public func readRagged<T: H5Scalar>(_ column: String, rows: RowRange, as: T.Type = T.self,
                                        collective: Bool = false) throws -> (values: [T], offsets: [Int]) {
        let d = try dataset(column)
        guard let offName = try d.attribute("offsets")?.stringValue else {
            throw HDF5Error("\(path):/\(name)/\(column) is not a ragged column")
        }
        let offs = try dataset(offName).read(Int64.self, start: rows.start, count: rows.count + 1, collective: collective)
        let first = Int(offs.first ?? 0)
        let values = try d.read(T.self, start: first, count: Int(offs.last ?? 0) - first, collective: collective)
        return (values, offs.map { Int($0) - first })
    }

    /// Creates (or replaces) a float64 column derived from the table, e.g. a pruning index, and
    /// writes this rank's `rows` of it. Collective: every rank calls it, with its own rows.
    public func addColumn(_ column: String, rows: RowRange, values: [Double], attributes: [(String, String)]) throws {
        precondition(values.count == rows.count)
        let g = try group
        cache[column] = nil
        if g.exists(column) { try g.removeLink(column) }
        let d = try g.createDataset(column, element: .float64, shape: [rowCount])
        for (k, v) in attributes { try d.setAttribute(k, v) }
        try values.withUnsafeBytes {
            try d.write(rows: rows.start, count: rows.count, from: $0.baseAddress, collective: file.isParallel)
        }
    }

    /// Sets a table-level attribute (collective in a parallel file).
    public func setTableAttribute(_ key: String, _ value: String) throws { try group.setAttribute(key, value) }

    /// Row of a source in a table sorted by source_id (as every repacked table is), by binary
    /// search on disk: ~log2(N) single-value reads instead of reading the whole column.
    public func rowIndex(ofSourceID id: Int64) throws -> Int? {
        var lo = 0, hi = rowCount
        while lo < hi {
            let mid = (lo + hi) / 2
            let v = try read("source_id", rows: RowRange(start: mid, count: 1), as: Int64.self)[0]
            if v < id { lo = mid + 1 } else { hi = mid }
        }
        guard lo < rowCount, try read("source_id", rows: RowRange(start: lo, count: 1), as: Int64.self)[0] == id else { return nil }
        return lo
    }

    /// Attribute of a column (units, description, ucd, …) as text.
    public func attribute(_ key: String, of column: String) throws -> String? {
        try dataset(column).attribute(key)?.description
    }
}
