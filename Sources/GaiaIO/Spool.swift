// Pass-1 storage of parsed rows. The global row offset of a file is known only after every rank
// has parsed its files (Gaia's bulk files carry no row counts), so parsed batches wait here,
// in binary (about a third of the text size), until pass 2 writes them at their final place.
// Beyond a memory budget batches go to a rank-private scratch file next to the output and are
// read back once, so memory stays bounded on nodes with many ranks.
#if canImport(Glibc)
import Glibc
#endif
import GaiaFormat

final class BatchSpool {
    private enum Stored {
        case memory(ColumnBatch)
        case disk(offset: Int, sizes: [(bytes: Int, lengths: Int)], rowCount: Int, firstLine: Int, schemas: [ColumnSchema], nulls: [Int])
    }

    private var stored: [Stored] = []
    private let budget: Int
    private let scratchPath: String
    private var fd: Int32 = -1
    private var diskEnd = 0
    private(set) var memoryBytes = 0
    private(set) var spilledBytes = 0

    init(memoryBudget: Int, scratchPath: String) {
        budget = memoryBudget
        self.scratchPath = scratchPath
    }

    deinit { removeScratch() }

    func removeScratch() {
        if fd >= 0 {
            close(fd)
            fd = -1
            unlink(scratchPath)
        }
    }

    var count: Int { stored.count }

    static func size(of b: ColumnBatch) -> Int { b.columns.reduce(0) { $0 + $1.bytes.count + 4 * $1.lengths.count } }

    /// Appends a batch; returns its index.
    @discardableResult
    func append(_ b: ColumnBatch) throws -> Int {
        let s = Self.size(of: b)
        if memoryBytes + s <= budget || stored.isEmpty {
            stored.append(.memory(b))
            memoryBytes += s
        } else {
            if fd < 0 {
                fd = open(scratchPath, O_RDWR | O_CREAT | O_TRUNC, 0o600)
                if fd < 0 { throw FormatError(file: scratchPath, "cannot create spool file: \(String(cString: strerror(errno)))") }
            }
            let start = diskEnd
            var sizes: [(Int, Int)] = []
            for c in b.columns {
                try c.bytes.withUnsafeBytes { try put($0) }
                try c.lengths.withUnsafeBytes { try put($0) }
                sizes.append((c.bytes.count, c.lengths.count))
            }
            stored.append(.disk(offset: start, sizes: sizes, rowCount: b.rowCount, firstLine: b.firstLine,
                                schemas: b.columns.map(\.schema), nulls: b.columns.map(\.nullCount)))
            spilledBytes += s
        }
        return stored.count - 1
    }

    private func put(_ p: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < p.count {
            let w = pwrite(fd, p.baseAddress! + done, p.count - done, off_t(diskEnd + done))
            if w < 0 {
                if errno == EINTR { continue }
                throw FormatError(file: scratchPath, "spool write failed: \(String(cString: strerror(errno)))")
            }
            done += w
        }
        diskEnd += p.count
    }

    private func get(_ p: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < p.count {
            let r = pread(fd, p.baseAddress! + done, p.count - done, off_t(offset + done))
            if r <= 0 {
                if r < 0 && errno == EINTR { continue }
                throw FormatError(file: scratchPath, "spool read failed")
            }
            done += r
        }
    }

    func batch(_ i: Int) throws -> ColumnBatch {
        switch stored[i] {
        case .memory(let b): return b
        case let .disk(offset, sizes, rowCount, firstLine, schemas, nulls):
            var pos = offset
            var cols: [ColumnData] = []
            for (k, s) in sizes.enumerated() {
                var bytes = [UInt8](repeating: 0, count: s.bytes)
                try bytes.withUnsafeMutableBytes { try get($0, at: pos) }
                pos += s.bytes
                var lengths = [Int32](repeating: 0, count: s.lengths)
                try lengths.withUnsafeMutableBytes { try get($0, at: pos) }
                pos += 4 * s.lengths
                cols.append(ColumnData(schema: schemas[k], bytes: bytes, lengths: lengths, nullCount: nulls[k]))
            }
            return ColumnBatch(columns: cols, rowCount: rowCount, firstLine: firstLine)
        }
    }

    func isInMemory(_ i: Int) -> Bool {
        if case .memory = stored[i] { return true }
        return false
    }

    func replace(_ i: Int, with b: ColumnBatch) { stored[i] = .memory(b) }
}

/// Row operations on batches, used to sort a file whose rows are not in source_id order.
enum BatchOps {
    /// Concatenates batches of the same schema.
    static func concatenate(_ batches: [ColumnBatch]) -> ColumnBatch {
        guard var out = batches.first else { return ColumnBatch(columns: [], rowCount: 0, firstLine: 0) }
        for b in batches.dropFirst() {
            for k in out.columns.indices {
                out.columns[k].bytes += b.columns[k].bytes
                out.columns[k].lengths += b.columns[k].lengths
                out.columns[k].nullCount += b.columns[k].nullCount
            }
            out.rowCount += b.rowCount
        }
        return out
    }

    /// Reorders rows: row j of the result is row `order[j]` of `b`.
    static func permute(_ b: ColumnBatch, order: [Int]) -> ColumnBatch {
        var out = b
        for k in b.columns.indices {
            let c = b.columns[k]
            var bytes = [UInt8]()
            bytes.reserveCapacity(c.bytes.count)
            if c.lengths.isEmpty || c.schema.shape == .scalar && c.schema.element != .string {
                let w = c.schema.element.byteWidth * (c.schema.shape == .scalar ? 1 : { if case .fixed(let n) = c.schema.shape { return n } else { return 1 } }())
                for r in order { bytes.append(contentsOf: c.bytes[r * w..<(r + 1) * w]) }
                out.columns[k].bytes = bytes
            } else {
                let unit = c.schema.element == .string ? 1 : c.schema.element.byteWidth
                var starts = [Int](repeating: 0, count: c.lengths.count + 1)
                for i in c.lengths.indices { starts[i + 1] = starts[i] + Int(c.lengths[i]) * unit }
                var lengths = [Int32]()
                lengths.reserveCapacity(order.count)
                for r in order {
                    bytes.append(contentsOf: c.bytes[starts[r]..<starts[r + 1]])
                    lengths.append(c.lengths[r])
                }
                out.columns[k].bytes = bytes
                out.columns[k].lengths = lengths
            }
        }
        return out
    }
}
