// Kernel outputs written by every rank at once: for result tables too large to gather on rank 0
// (one row per source and band of a whole-catalogue periodogram search). Each rank holds the
// rows of a contiguous block of the global table, rank 0's first; the row order of the outputs
// is therefore rank order, and — when ranks own consecutive input rows — input order, whatever
// the number of ranks.
//
//   PREFIX.h5    written collectively (MPI-IO): one dataset per column, each rank writing its
//                rows at the exclusive prefix sum (MPI_Exscan) of the row counts; units and
//                descriptions per dataset, resolved parameters, run meta and provenance as
//                attributes (the same layout as ResultFile's serial output).
//   PREFIX.ecsv  ECSV 1.0 that astropy reads: rank 0 writes the header, every rank its rows'
//                text at the prefix sum of the byte counts (pwrite into disjoint ranges).
// Arrays of fixed width per row (ECSVOutputColumn.float64Arrays with a width in `arrayWidths`)
// become (N, width) datasets and ECSV `float64[width]` columns, which astropy reads as 2-D.
// Extra arrays (`DistributedArray`) are each owned by one rank and written by it.
//
// Nothing appears under the final names until everything — including whatever `alsoWrite` adds
// on rank 0, e.g. a figure — is complete: all goes to `.partial` files renamed at the end, and
// on any error the partial files are removed.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GaiaFormat
import HDF5
import MPI

/// A typed attribute value for result files (HDF5 attributes keep the type; ECSV meta is text).
public enum ResultAttribute: Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])

    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d.description
        case .strings(let s): return s.joined(separator: ", ")
        }
    }

    func write(_ key: String, to target: AttributeHolder) throws {
        switch self {
        case .string(let s): try target.setAttribute(key, s)
        case .int(let i): try target.setAttribute(key, Int64(i))
        case .double(let d): try target.setAttribute(key, d)
        case .strings(let s): try target.setAttribute(key, s)
        }
    }
}

/// A float64 array stored in the result file by the one rank that has its values. Every rank
/// must pass the same descriptors (path, shape, owner, unit, description, attributes) in the
/// same order: creating a dataset in a parallel file is collective.
public struct DistributedArray {
    /// Path inside the file, e.g. "periodograms/123_g/power"; missing groups are created.
    public var path: String
    public var shape: [Int]
    public var owner: Int
    /// Row-major values, count = product of `shape`; only read on the owning rank.
    public var values: [Double]
    public var unit: String
    public var description: String
    public var attributes: [(String, ResultAttribute)]

    public init(path: String, shape: [Int], owner: Int, values: [Double], unit: String = "", description: String,
                attributes: [(String, ResultAttribute)] = []) {
        self.path = path
        self.shape = shape
        self.owner = owner
        self.values = values
        self.unit = unit
        self.description = description
        self.attributes = attributes
    }
}

public struct ParallelResultError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum ParallelResultFile {
    /// Collective: every rank calls it with its own rows (`columns`, all the same names, types
    /// and order on every rank) and identical `parameters`, `meta` and array descriptors.
    /// `alsoWrite` runs on rank 0 once both tables are complete (still under temporary names).
    public static func write(prefix: String, group: String, columns: [ECSVOutputColumn], arrayWidths: [String: Int] = [:],
                             arrays: [DistributedArray] = [], parameters: String, meta: [(String, ResultAttribute)],
                             communicator comm: Communicator, alsoWrite: () throws -> Void = {}) throws {
        let h5Partial = prefix + ".h5.partial", ecsvPartial = prefix + ".ecsv.partial"
        func removePartials() { unlink(h5Partial); unlink(ecsvPartial) }
        let myRows = columns.first?.values.count ?? 0
        try comm.collectively { try validate(columns, rows: myRows, arrayWidths: arrayWidths, arrays: arrays, ranks: comm.size) }
        let start = comm.exscan(myRows)
        let total = comm.allreduce(myRows, .sum)
        let prov = Provenance.agreed(over: comm)
        var stringWidths: [Int] = columns.map { c in
            if case .string(let v) = c.values { return v.map(\.utf8.count).max() ?? 0 }
            return 0
        }
        stringWidths = comm.allreduce(stringWidths, .max)

        // ---- PREFIX.h5, collectively ------------------------------------------------------------
        do {
            if comm.isRoot { removePartials() }
            comm.barrier()
            let f = try H5File.create(path: h5Partial, communicator: comm)
            try writeHDF5(f, group: group, columns: columns, arrayWidths: arrayWidths, stringWidths: stringWidths,
                          start: start, total: total, arrays: arrays, parameters: parameters, meta: meta,
                          provenance: prov, rank: comm.rank)
            try f.close()
        } catch {
            // An HDF5 failure inside collective I/O cannot be agreed on safely: end every rank.
            if comm.isRoot { removePartials() }
            comm.abort(message: "writing \(h5Partial): \(error)")
        }

        // ---- PREFIX.ecsv, every rank its byte range -----------------------------------------------
        // The ECSV text comes from ECSVWriter (one formatter for every result table). A table of
        // no rows gets variable-length array columns: astropy cannot read a fixed shape of none.
        let body = Array(ECSVWriter.body(columns: columns, rows: 0..<myRows).utf8)
        let headerBytes = comm.isRoot
            ? Array(ECSVWriter.header(columns: columns,
                                      meta: meta.map { ($0.0, $0.1.description) } + Provenance.ecsvMeta + [("parameters", parameters)],
                                      arrayWidths: total > 0 ? arrayWidths : [:]).utf8)
            : []
        let headerLength = comm.broadcast(headerBytes.count)
        let offset = headerLength + comm.exscan(body.count)
        do {
            try comm.collectively {
                if comm.isRoot { try writeBytes(headerBytes, to: ecsvPartial, at: 0, create: true) }
            }
            try comm.collectively { try writeBytes(body, to: ecsvPartial, at: offset, create: false) }
            // ---- rank 0: extras, then both names at once ------------------------------------------
            try comm.collectively {
                guard comm.isRoot else { return }
                try alsoWrite()
                for (from, to) in [(h5Partial, prefix + ".h5"), (ecsvPartial, prefix + ".ecsv")] where rename(from, to) != 0 {
                    throw ParallelResultError("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            if comm.isRoot { removePartials() }
            throw error
        }
    }

    // MARK: checks

    private static func validate(_ columns: [ECSVOutputColumn], rows: Int, arrayWidths: [String: Int],
                                 arrays: [DistributedArray], ranks: Int) throws {
        guard !columns.isEmpty else { throw ParallelResultError("a result table needs at least one column") }
        var seen = Set<String>()
        for c in columns {
            guard seen.insert(c.name).inserted else { throw ParallelResultError("result column '\(c.name)' given twice") }
            guard c.values.count == rows else {
                throw ParallelResultError("result column '\(c.name)' has \(c.values.count) rows, '\(columns[0].name)' has \(rows)")
            }
            if case .float64Arrays(let v) = c.values {
                guard let w = arrayWidths[c.name] else {
                    throw ParallelResultError("result column '\(c.name)': array columns need a fixed width (arrayWidths)")
                }
                if let i = v.firstIndex(where: { $0.count != w }) {
                    throw ParallelResultError("result column '\(c.name)': row \(i) has \(v[i].count) elements, not \(w)")
                }
            }
            if case .string(let v) = c.values, v.contains(where: { $0.utf8.contains(0) }) {
                throw ParallelResultError("result column '\(c.name)' holds a NUL character")
            }
        }
        for a in arrays {
            guard (0..<ranks).contains(a.owner) else { throw ParallelResultError("\(a.path): owner rank \(a.owner) out of range") }
            guard !a.path.isEmpty, !a.path.hasPrefix("/"), !a.path.hasSuffix("/") else {
                throw ParallelResultError("bad array path '\(a.path)'")
            }
        }
    }

    // MARK: HDF5

    private static func writeHDF5(_ f: H5File, group: String, columns: [ECSVOutputColumn], arrayWidths: [String: Int],
                                  stringWidths: [Int], start: Int, total: Int, arrays: [DistributedArray],
                                  parameters: String, meta: [(String, ResultAttribute)], provenance: Provenance,
                                  rank: Int) throws {
        try provenance.write(to: f)
        try f.setAttribute("parameters", parameters)
        for (k, v) in meta { try v.write(k, to: f) }
        do {
            // Handles are released at the end of this scope: a parallel file closes only when
            // none of its objects is open.
            // An empty table (every curve skipped or filtered) still gets its datasets, with no
            // rows; HDF5 refuses a write, even of nothing, to a dataset of zero elements.
            let g = try f.createGroup(group)
            try g.setAttribute("columns", columns.map(\.name))
            try g.setAttribute("n_rows", Int64(total))
            for (j, c) in columns.enumerated() {
                let n = c.values.count
                func put<T: H5Scalar>(_ element: H5Element, _ v: [T]) throws -> Dataset {
                    let d = try g.createDataset(c.name, element: element, shape: [total])
                    if total > 0 { try v.withUnsafeBytes { try d.write(rows: start, count: n, from: $0.baseAddress, collective: true) } }
                    return d
                }
                let d: Dataset
                switch c.values {
                case .int64(let v): d = try put(.int64, v)
                case .int32(let v): d = try put(.int32, v)
                case .float64(let v): d = try put(.float64, v)
                case .float32(let v): d = try put(.float32, v)
                case .bool(let v):
                    d = try put(.int8, v.map { Int8($0 ? 1 : 0) })
                    try d.setAttribute("gaia_datatype", "bool")
                case .string(let v):
                    let width = max(1, stringWidths[j])
                    d = try g.createDataset(c.name, element: .string(width), shape: [total])
                    var bytes = [UInt8](repeating: 0, count: max(n * width, 1))
                    for (i, s) in v.enumerated() { for (k, b) in s.utf8.enumerated() { bytes[i * width + k] = b } }
                    if total > 0 { try bytes.withUnsafeBytes { try d.write(rows: start, count: n, from: $0.baseAddress, collective: true) } }
                case .float64Arrays(let v):
                    let width = arrayWidths[c.name]!
                    d = try g.createDataset(c.name, element: .float64, shape: [total, width])
                    let flat = v.flatMap { $0 }
                    if total > 0 { try flat.withUnsafeBytes { try d.write(rows: start, count: n, from: $0.baseAddress, collective: true) } }
                }
                try d.setAttribute("units", c.unit ?? "")
                try d.setAttribute("description", c.description ?? "")
            }
        }
        var groups = Set<String>()
        for a in arrays {
            let parts = a.path.split(separator: "/").map(String.init)
            var prefix = ""
            for p in parts.dropLast() {
                prefix += (prefix.isEmpty ? "" : "/") + p
                if groups.insert(prefix).inserted && !f.exists(prefix) { _ = try f.createGroup(prefix) }
            }
            let d = try f.createDataset(a.path, element: .float64, shape: a.shape)
            let mine = a.owner == rank
            let rows = a.shape.first ?? 1
            if a.shape.reduce(1, *) > 0 {
                try a.values.withUnsafeBytes {
                    try d.write(rows: 0, count: mine ? rows : 0, from: mine ? $0.baseAddress : nil, collective: true)
                }
            }
            try d.setAttribute("units", a.unit)
            try d.setAttribute("description", a.description)
            for (k, v) in a.attributes { try v.write(k, to: d) }
        }
    }

    /// Writes `bytes` at `offset` of `path` (creating/truncating it first with `create`), fully,
    /// and syncs, so that rank 0's rename sees every rank's bytes.
    private static func writeBytes(_ bytes: [UInt8], to path: String, at offset: Int, create: Bool) throws {
        let fd = create ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644) : open(path, O_WRONLY)
        guard fd >= 0 else { throw ParallelResultError("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var done = 0
        try bytes.withUnsafeBytes { p in
            while done < p.count {
                let r = pwrite(fd, p.baseAddress! + done, p.count - done, off_t(offset + done))
                if r < 0 && errno == EINTR { continue }
                guard r > 0 else { throw ParallelResultError("writing \(path) failed: \(String(cString: strerror(errno)))") }
                done += r
            }
        }
        guard fsync(fd) == 0 else { throw ParallelResultError("writing \(path) failed (fsync): \(String(cString: strerror(errno)))") }
    }
}
