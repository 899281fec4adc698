// A subset of a repacked table's rows written in the same layout (TableLayout.swift): what
// `select` writes, and what any job that keeps rows of a table (pairs, cross-matches) can write.
//
// Collective and streaming: every rank holds the ascending global indices of the rows it keeps
// (its own contiguous input rows, so rank order is input order); the output rows of rank r start
// at the exclusive prefix sum of the kept counts. Each column is copied chunk by chunk in its
// stored type (no conversion, strings and fill values included): a collective read of the
// chunk, the kept rows packed, a collective write at the rank's output position. Ragged columns
// keep their shared offsets dataset, rebuilt from the kept rows' lengths. Every attribute of the
// table group and of each dataset is copied (`_FillValue` in the dataset's own type); `n_rows`
// and `columns` describe the subset.
//
// Memory per rank: the kept indices (8 bytes per kept row), one chunk of one column, and the
// derived columns' values of the kept rows.
import GaiaFormat
import HDF5
import MPI

/// A column computed for the kept rows (e.g. `select`'s `define:`): one value per kept row.
public struct DerivedColumn {
    public enum Values { case float64([Double]), int64([Int64]), bool([Int8]) }
    public var name: String
    public var values: Values
    public var description: String
    public var unit: String
    public init(name: String, values: Values, description: String, unit: String = "") {
        self.name = name
        self.values = values
        self.description = description
        self.unit = unit
    }

    var count: Int {
        switch values {
        case .float64(let v): return v.count
        case .int64(let v): return v.count
        case .bool(let v): return v.count
        }
    }
}

public enum TableSubset {
    /// Writes `kept` rows (ascending global indices, this rank's) of `columns` of `table`, plus
    /// `derived`, as table `table.name` of the new file `path`. Collective. `groupAttributes`
    /// are added to the table group; `fileAttributes` to the file (parameters); provenance too.
    public static func write(from table: GaiaTable, columns: [String], kept: [Int], derived: [DerivedColumn],
                             to path: String, groupAttributes: [(String, String)], fileAttributes: [(String, String)],
                             chunkRows: Int, communicator comm: Communicator,
                             progress: ((_ fraction: Double) -> Void)? = nil) throws {
        precondition(derived.allSatisfy { $0.count == kept.count }, "one derived value per kept row")
        let sources = try columns.map { try table.dataset($0) }
        // Offsets datasets in use, in first-use order: the ragged columns sharing one share it.
        var offsetsNames: [String] = []
        var raggedOffsets: [String?] = []
        for d in sources {
            let o = try d.attribute("offsets")?.stringValue
            raggedOffsets.append(o)
            if let o, !offsetsNames.contains(o) { offsetsNames.append(o) }
        }
        let start = comm.exscan(kept.count)
        let total = comm.allreduce(kept.count, .sum)
        let span = RowRange(start: kept.first ?? 0, count: kept.isEmpty ? 0 : kept.last! - kept.first! + 1)
        let chunks = CollectiveChunks(span, chunkRows: chunkRows, communicator: comm)

        // Lengths of the kept rows of each ragged group (one pass over its offsets).
        var lengths: [String: [Int64]] = [:]
        for name in offsetsNames {
            var l: [Int64] = []
            l.reserveCapacity(kept.count)
            for round in chunks {
                let offs = try table.dataset(name).read(Int64.self, start: round.rows.start,
                                                        count: round.rows.count == 0 ? 0 : round.rows.count + 1, collective: true)
                for row in keptRows(kept, in: round.rows) { l.append(offs[row - round.rows.start + 1] - offs[row - round.rows.start]) }
            }
            lengths[name] = l
        }
        var elementStart: [String: Int] = [:], elementTotal: [String: Int] = [:]
        for name in offsetsNames {
            let mine = Int(lengths[name]!.reduce(0, +))
            elementStart[name] = comm.exscan(mine)
            elementTotal[name] = comm.allreduce(mine, .sum)
        }

        let prov = Provenance.agreed(over: comm)

        let f = try H5File.create(path: path, communicator: comm)
        // Every group and dataset handle lives in `contents` only: the file closes with none open.
        func contents() throws {
            try prov.write(to: f)
            for (k, v) in fileAttributes { try f.setAttribute(k, v) }
            let g = try f.createGroup(table.name)
            let sourceGroup = try table.group
            for key in try sourceGroup.attributeNames() where key != "n_rows" && key != "columns" {
                if let v = try sourceGroup.attribute(key) { try copy(v, key, to: g, element: nil) }
            }
            try g.setAttribute("n_rows", Int64(total))
            try g.setAttribute("columns", columns + derived.map(\.name))
            for (k, v) in groupAttributes { try g.setAttribute(k, v) }

            // Offsets datasets: entry i of the output is the global element start of output row i.
            for name in offsetsNames {
                let od = try g.createDataset(name, element: .int64, shape: [total + 1])
                try copyAttributes(of: try table.dataset(name), to: od)
                var offs: [Int64] = []
                offs.reserveCapacity(kept.count + 1)
                var running = Int64(elementStart[name]!)
                for l in lengths[name]! { offs.append(running); running += l }
                // The closing entry (= total elements) is written by the last rank holding rows.
                let closes = kept.count > 0 && start + kept.count == total
                if closes || (total == 0 && comm.isRoot) { offs.append(running) }
                try offs.withUnsafeBytes {
                    try od.write(rows: start, count: offs.count, from: $0.baseAddress, collective: true)
                }
            }

            for (c, d) in sources.enumerated() {
                let shape: [Int] = raggedOffsets[c].map { [elementTotal[$0]!] } ?? ([total] + d.shape.dropFirst())
                let out = try g.createDataset(d.name, element: d.element, shape: shape)
                try copyAttributes(of: d, to: out)
                // A dataset of no elements has no storage to write to (every rank agrees: totals are global).
                if shape[0] == 0 {
                } else if let name = raggedOffsets[c] {
                    try copyRagged(d, offsets: try table.dataset(name), kept: kept, chunks: chunks, to: out, at: elementStart[name]!)
                } else {
                    try copyRows(d, kept: kept, chunks: chunks, to: out, at: start)
                }
                progress?(Double(c + 1) / Double(sources.count + derived.count))
            }
            for (k, dc) in derived.enumerated() {
                let out: Dataset
                switch dc.values {
                case .float64(let v):
                    out = try g.createDataset(dc.name, element: .float64, shape: [total])
                    if total > 0 { try v.withUnsafeBytes { try out.write(rows: start, count: v.count, from: $0.baseAddress, collective: true) } }
                    try out.setAttribute("ecsv_datatype", "float64")
                case .int64(let v):
                    out = try g.createDataset(dc.name, element: .int64, shape: [total])
                    if total > 0 { try v.withUnsafeBytes { try out.write(rows: start, count: v.count, from: $0.baseAddress, collective: true) } }
                    try out.setAttribute("_FillValue", Int64.min)
                    try out.setAttribute("ecsv_datatype", "int64")
                case .bool(let v):
                    out = try g.createDataset(dc.name, element: .int8, shape: [total])
                    if total > 0 { try v.withUnsafeBytes { try out.write(rows: start, count: v.count, from: $0.baseAddress, collective: true) } }
                    try out.setAttribute("gaia_datatype", "bool")
                    try out.setAttribute("_FillValue", Int8(-1))
                    try out.setAttribute("ecsv_datatype", "bool")
                }
                try out.setAttribute("units", dc.unit)
                try out.setAttribute("description", dc.description)
                try out.setAttribute("ucd", "")
                progress?(Double(sources.count + k + 1) / Double(sources.count + derived.count))
            }
        }
        try contents()
        try f.close()
    }

    /// The kept rows inside `rows` (a slice of the ascending `kept`), by binary search.
    static func keptRows(_ kept: [Int], in rows: RowRange) -> ArraySlice<Int> {
        func lowerBound(_ x: Int) -> Int {
            var lo = 0, hi = kept.count
            while lo < hi { let m = (lo + hi) / 2; if kept[m] < x { lo = m + 1 } else { hi = m } }
            return lo
        }
        return kept[lowerBound(rows.start)..<lowerBound(rows.end)]
    }

    /// Scalar and fixed-array columns: whole rows of `rowBytes` bytes.
    private static func copyRows(_ d: Dataset, kept: [Int], chunks: CollectiveChunks, to out: Dataset, at start: Int) throws {
        let rowBytes = d.rowWidth * d.element.byteWidth
        var position = start
        for round in chunks {
            let rows = keptRows(kept, in: round.rows)
            let bytes = try d.readBytes(start: round.rows.start, count: round.rows.count, collective: true)
            var packed = [UInt8](repeating: 0, count: rows.count * rowBytes)
            packed.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    for (k, row) in rows.enumerated() {
                        (dst.baseAddress! + k * rowBytes).copyMemory(from: src.baseAddress! + (row - round.rows.start) * rowBytes,
                                                                     byteCount: rowBytes)
                    }
                }
            }
            try packed.withUnsafeBytes { try out.write(rows: position, count: rows.count, from: $0.baseAddress, collective: true) }
            position += rows.count
        }
    }

    /// Ragged columns: each kept row's element range, packed.
    private static func copyRagged(_ d: Dataset, offsets: Dataset, kept: [Int], chunks: CollectiveChunks,
                                   to out: Dataset, at start: Int) throws {
        let width = d.element.byteWidth
        var position = start
        for round in chunks {
            let rows = keptRows(kept, in: round.rows)
            let offs = try offsets.read(Int64.self, start: round.rows.start,
                                        count: round.rows.count == 0 ? 0 : round.rows.count + 1, collective: true)
            let first = Int(offs.first ?? 0), n = Int(offs.last ?? 0) - first
            let bytes = try d.readBytes(start: first, count: n, collective: true)
            var packed: [UInt8] = []
            packed.reserveCapacity(bytes.count)
            for row in rows {
                let i = row - round.rows.start
                packed.append(contentsOf: bytes[(Int(offs[i]) - first) * width..<(Int(offs[i + 1]) - first) * width])
            }
            let count = packed.count / max(width, 1)
            try packed.withUnsafeBytes { try out.write(rows: position, count: count, from: $0.baseAddress, collective: true) }
            position += count
        }
    }

    /// Every attribute of `source` on `target`; `_FillValue` keeps the dataset's element type.
    static func copyAttributes(of source: Dataset, to target: Dataset) throws {
        for key in try source.attributeNames() {
            if let v = try source.attribute(key) { try copy(v, key, to: target, element: source.element) }
        }
    }

    private static func copy(_ v: AttributeValue, _ key: String, to target: AttributeHolder, element: H5Element?) throws {
        switch v {
        case .string(let s): try target.setAttribute(key, s)
        case .strings(let s): try target.setAttribute(key, s)
        case .doubles(let x): if x.count == 1 { try target.setAttribute(key, x[0]) } else { try target.setAttribute(key, x) }
        case .integers(let x):
            if key == "_FillValue", let e = element, let d = target as? Dataset, x.count == 1 {
                try TableLayout.setFill(d, e, x[0])
            } else if x.count == 1 {
                try target.setAttribute(key, x[0])
            } else {
                try target.setAttribute(key, x)
            }
        }
    }
}
