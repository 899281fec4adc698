// Catalogue B of a cross-match, the same on every rank: its usable rows' positions, ids and their
// order (by id, then file row) — B is replicated, A stays distributed, so every match is made on
// the rank owning its A row. A user's ECSV/CSV is read on rank 0 and broadcast; a repacked table
// is read in blocks and allgathered. Memory: ~ (24 bytes + the id) per B row on every rank.
import Expressions
import Foundation
import GaiaFormat
import GaiaIO
import GaiaJob
import MPI

struct CrossmatchCatalogue {
    enum IDs { case int([Int64]), string([String]) }
    var path: String
    var idName: String
    var ra: [Double] = [], dec: [Double] = []
    var ids: IDs
    /// Each usable row's place in the order (id, file row): the output's sort key.
    var position: [Int64] = []
    var rowsRead = 0
    var rowsSelected = 0
    var skippedPosition = 0

    var count: Int { ra.count }

    static func load(_ o: CrossmatchOptions, comm: Communicator) throws -> CrossmatchCatalogue {
        var c = try o.catalogue.hasSuffix(".h5") || o.catalogue.hasSuffix(".hdf5")
            ? table(o, comm: comm) : userCatalogue(o, comm: comm)
        c.position = c.order()
        return c
    }

    /// Positions in (id, row) order; strings compare by their UTF-8 bytes (locale-free).
    func order() -> [Int64] {
        let idx: [Int]
        switch ids {
        case .int(let v): idx = v.indices.sorted { (v[$0], $0) < (v[$1], $1) }
        case .string(let v):
            let bytes = v.map { Array($0.utf8) }
            idx = v.indices.sorted { i, j in
                bytes[i] == bytes[j] ? i < j : bytes[i].lexicographicallyPrecedes(bytes[j])
            }
        }
        var pos = [Int64](repeating: 0, count: idx.count)
        for (p, i) in idx.enumerated() { pos[i] = Int64(p) }
        return pos
    }

    // MARK: - a user's ECSV / CSV, read on rank 0

    static func userCatalogue(_ o: CrossmatchOptions, comm: Communicator) throws -> CrossmatchCatalogue {
        var bytes: [UInt8] = []
        var failure = ""
        if comm.isRoot {
            do { bytes = try encode(read(o)) } catch { failure = "\(error)" }
        }
        failure = comm.broadcast(string: failure)
        try comm.collectively { if !failure.isEmpty { throw JobError(failure) } }
        bytes = comm.broadcast(bytes: bytes)
        return try decode(bytes, path: o.catalogue)
    }

    /// Rank 0: the file's usable rows.
    static func read(_ o: CrossmatchOptions) throws -> CrossmatchCatalogue {
        let cat = try UserCatalogue.read(path: o.catalogue)
        let names = cat.columns.map(\.name)
        let idName = try o.bId ?? ["id", "source_id"].first(where: names.contains) ?? {
            throw JobError("\(o.catalogue): no id column: give --b-id NAME (no column 'id' or 'source_id'; columns are \(names.joined(separator: ", ")))")
        }()
        guard let idColumn = cat.column(idName) else {
            throw JobError("\(o.catalogue): no column '\(idName)' for --b-id\(Spelling.hint(for: idName, among: names))")
        }
        let ra = try cat.doubles("ra"), dec = try cat.doubles("dec")
        var keep = [Bool](repeating: true, count: cat.rowCount)
        if let text = o.bWhere { keep = try mask(text, cat) }
        var c = CrossmatchCatalogue(path: o.catalogue, idName: idName, ids: .int([]))
        c.rowsRead = cat.rowCount
        var rows: [Int] = []
        for i in 0..<cat.rowCount where keep[i] {
            c.rowsSelected += 1
            guard ra[i].isFinite, dec[i].isFinite else { c.skippedPosition += 1; continue }
            guard abs(dec[i]) <= 90 else { throw JobError("\(o.catalogue): row \(i + 1): dec = \(dec[i])° lies outside [-90, 90]") }
            rows.append(i)
        }
        c.ra = rows.map { ra[$0] }
        c.dec = rows.map { dec[$0] }
        switch idColumn.values {
        case .int(let v): c.ids = .int(rows.map { v[$0] })
        case .string(let v): c.ids = .string(rows.map { v[$0] })
        case .float(let v): c.ids = .string(rows.map { String(v[$0]) })
        case .bool(let v): c.ids = .string(rows.map { String(v[$0]) })
        }
        return c
    }

    /// --b-where over the catalogue's numeric and boolean columns.
    static func mask(_ text: String, _ cat: UserCatalogue) throws -> [Bool] {
        var signatures: [ColumnSignature] = [], batch = ExpressionBatch(rowCount: cat.rowCount, columns: [:])
        for col in cat.columns {
            let values: ExpressionColumn.Values, kind: ElementKind
            switch col.values {
            case .int(let v): values = .int(v); kind = .int
            case .float(let v): values = .float(v); kind = .float
            case .bool(let v): values = .bool(v); kind = .bool
            case .string: continue
            }
            signatures.append(ColumnSignature(name: col.name, kind: kind, shape: .scalar))
            batch.columns[col.name] = ExpressionColumn(values: values, null: col.null)
        }
        let e = try Expressions.Expression(text, columns: signatures, label: "--b-where", condition: true)
        return try e.mask(batch)
    }

    // MARK: - a repacked table, read in blocks and allgathered

    static func table(_ o: CrossmatchOptions, comm: Communicator) throws -> CrossmatchCatalogue {
        let scan = try TableScan(path: o.catalogue, table: o.bTable, communicator: comm)
        let names = scan.signatures.map(\.name)
        let (idName, condition) = try comm.collectively { () -> (String, Expressions.Expression?) in
            let idName = try o.bId ?? ["id", "source_id"].first(where: names.contains) ?? {
                throw JobError("\(o.catalogue): no id column: give --b-id NAME (no column 'id' or 'source_id')")
            }()
            for c in [idName, "ra", "dec"] where !scan.signatures.contains(where: { $0.name == c && $0.shape == .scalar }) {
                throw JobError("\(o.catalogue):/\(scan.table.name) has no column '\(c)'\(Spelling.hint(for: c, among: names))")
            }
            guard scan.signatures.first(where: { $0.name == idName })?.kind == .int else {
                throw JobError("\(o.catalogue):/\(scan.table.name)/\(idName): the id column of a repacked B must be an integer column")
            }
            return (idName, try o.bWhere.map { try scan.compile($0, label: "--b-where") })
        }
        var c = CrossmatchCatalogue(path: o.catalogue, idName: idName, ids: .int([]))
        var ids: [Int64] = []
        try scan.forEachChunk(chunkRows: o.chunkRows, columns: referencedColumns([condition], plus: ["ra", "dec", idName])) { rows, batch in
            let keep = try condition?.mask(batch) ?? [Bool](repeating: true, count: rows.count)
            let ra = try PairInput.doubles(batch, "ra"), dec = try PairInput.doubles(batch, "dec")
            guard case .int(let id)? = batch.columns[idName]?.values else { return }
            for i in 0..<rows.count where keep[i] {
                c.rowsSelected += 1
                guard ra[i].isFinite, dec[i].isFinite else { c.skippedPosition += 1; continue }
                guard abs(dec[i]) <= 90 else {
                    throw JobError("\(o.catalogue):/\(scan.table.name) row \(rows.start + i): dec = \(dec[i])° lies outside [-90, 90]")
                }
                c.ra.append(ra[i]); c.dec.append(dec[i]); ids.append(id[i])
            }
        }
        try scan.close()
        let counts = comm.allreduce([c.rowsSelected, c.skippedPosition], .sum)
        c.rowsRead = scan.table.rowCount
        c.rowsSelected = counts[0]; c.skippedPosition = counts[1]
        c.ra = comm.allgatherv(c.ra).values
        c.dec = comm.allgatherv(c.dec).values
        c.ids = .int(comm.allgatherv(ids).values)
        return c
    }

    // MARK: - broadcast encoding (rank 0 → every rank)

    static func encode(_ c: CrossmatchCatalogue) -> [UInt8] {
        var w = ByteWriter()
        w.string(c.idName)
        w.ints([c.rowsRead, c.rowsSelected, c.skippedPosition].map(Int64.init))
        w.doubles(c.ra); w.doubles(c.dec)
        switch c.ids {
        case .int(let v): w.ints([0]); w.ints(v)
        case .string(let v): w.ints([1, Int64(v.count)]); for s in v { w.string(s) }
        }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> CrossmatchCatalogue {
        var r = ByteReader(bytes: bytes)
        var c = CrossmatchCatalogue(path: path, idName: r.string(), ids: .int([]))
        let counts = r.ints()
        c.rowsRead = Int(counts[0]); c.rowsSelected = Int(counts[1]); c.skippedPosition = Int(counts[2])
        c.ra = r.doubles(); c.dec = r.doubles()
        let kind = r.ints()
        if kind[0] == 0 { c.ids = .int(r.ints()) } else { c.ids = .string((0..<Int(kind[1])).map { _ in r.string() }) }
        return c
    }
}

/// Length-prefixed little-endian arrays in one byte buffer (one broadcast instead of several).
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func ints(_ v: [Int64]) {
        append(Int64(v.count))
        for x in v { append(x) }
    }
    mutating func doubles(_ v: [Double]) { ints(v.map { Int64(bitPattern: $0.bitPattern) }) }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        append(Int64(u.count))
        bytes += u
    }
    private mutating func append(_ x: Int64) { withUnsafeBytes(of: x.littleEndian) { bytes += $0 } }
}

struct ByteReader {
    let bytes: [UInt8]
    var at = 0
    mutating func int() -> Int64 {
        var x: Int64 = 0
        for k in 0..<8 { x |= Int64(bytes[at + k]) << (8 * Int64(k)) }
        at += 8
        return x
    }
    mutating func ints() -> [Int64] { (0..<Int(int())).map { _ in int() } }
    mutating func doubles() -> [Double] { ints().map { Double(bitPattern: UInt64(bitPattern: $0)) } }
    mutating func string() -> String {
        let n = Int(int())
        defer { at += n }
        return String(decoding: bytes[at..<(at + n)], as: UTF8.self)
    }
}
