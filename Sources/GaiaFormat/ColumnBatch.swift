// Parsed rows in binary, column by column: what the eCSV reader produces and the HDF5 writer
// consumes. Values are kept as raw native-endian bytes of the column's element type so the
// writer can hand them to HDF5 without a per-type code path.

/// One column of a batch.
public struct ColumnData: Sendable {
    public var schema: ColumnSchema
    /// Element values, contiguous, native byte order. Scalars: one per row. Fixed arrays
    /// (`.fixed(n)`): n per row (a null array is n fill values). Variable arrays: the
    /// concatenation of every row's elements. Strings: the concatenated UTF-8 bytes.
    /// Booleans: int8 0/1, −1 for null. Nulls: `ElementType.fillValue` (NaN for floats).
    public var bytes: [UInt8]
    /// Variable arrays: element count of each row (a null array has 0). Strings: byte length
    /// of each row. Empty for scalars and fixed arrays.
    public var lengths: [Int32]
    /// Number of null values seen (null scalars, null arrays, null elements inside arrays).
    public var nullCount: Int

    public init(schema: ColumnSchema, bytes: [UInt8] = [], lengths: [Int32] = [], nullCount: Int = 0) {
        self.schema = schema
        self.bytes = bytes
        self.lengths = lengths
        self.nullCount = nullCount
    }

    /// Number of elements (strings: bytes) stored.
    public var elementCount: Int {
        schema.element == .string ? bytes.count : bytes.count / schema.element.byteWidth
    }

    /// Typed read-only view of the values, for tests and kernels: `withValues(Double.self) { … }`.
    public func withValues<T, R>(_ type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { raw in
            try body(raw.bindMemory(to: T.self))
        }
    }

    /// Convenience copy of the values as an array of `T` (tests; not for hot paths).
    public func values<T>(_ type: T.Type) -> [T] { withValues(type) { Array($0) } }

    /// Strings of every row (tests; not for hot paths).
    public func strings() -> [String] {
        var out: [String] = []
        var start = 0
        for n in lengths {
            out.append(String(decoding: bytes[start..<start + Int(n)], as: UTF8.self))
            start += Int(n)
        }
        return out
    }
}

/// A block of consecutive rows of one file.
public struct ColumnBatch: Sendable {
    public var columns: [ColumnData]
    public var rowCount: Int
    /// 1-based line number (in the decompressed file) of the batch's first row.
    public var firstLine: Int

    public init(columns: [ColumnData], rowCount: Int, firstLine: Int) {
        self.columns = columns
        self.rowCount = rowCount
        self.firstLine = firstLine
    }

    public func column(named name: String) -> ColumnData? { columns.first { $0.schema.name == name } }
}
