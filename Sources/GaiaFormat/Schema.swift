// The typed description of a Gaia table, as declared by an ECSV header.
//
// ECSV 1.0 (Aldcroft et al., https://github.com/astropy/astropy-APEs/blob/main/APE6.rst) declares
// every column with a `datatype` and, for arrays, a `subtype`: `float64[55]` is a fixed-length
// array, `float64[null]` a variable-length one. Gaia's bulk files declare every array as
// variable-length even where DR3 always stores 55 or 1485 values; `KnownTables` supplies those
// lengths so the repack can store them as 2-D datasets.

/// The element type of a column (for arrays: of each element).
public enum ElementType: String, Sendable, CaseIterable, Codable {
    case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, string

    /// Bytes per element in the binary (HDF5) representation; strings are sized per column.
    public var byteWidth: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        case .string: return 0
        }
    }

    public var isFloat: Bool { self == .float32 || self == .float64 }
    public var isInteger: Bool { !isFloat && self != .string && self != .bool }

    /// The value stored for a null element. Floats: NaN. Signed integers: the type's minimum,
    /// unsigned: the type's maximum (neither occurs in Gaia data). Booleans are stored as int8
    /// 0/1 with −1 for null. Documented in Docs/data-format.md and written as `_FillValue`.
    public var fillValue: Int64? {
        switch self {
        case .bool: return -1
        case .int8: return Int64(Int8.min)
        case .int16: return Int64(Int16.min)
        case .int32: return Int64(Int32.min)
        case .int64: return Int64.min
        case .uint8: return Int64(UInt8.max)
        case .uint16: return Int64(UInt16.max)
        case .uint32: return Int64(UInt32.max)
        case .uint64: return -1  // all bits set, read back as UInt64.max
        case .float32, .float64, .string: return nil
        }
    }
}

/// Scalar, fixed-length array, or variable-length array.
public enum ColumnShape: Equatable, Sendable, Codable {
    case scalar
    case fixed(Int)
    case variable

    public var isArray: Bool { self != .scalar }
}

/// One column as the ECSV header declares it.
public struct ColumnSchema: Equatable, Sendable {
    public var name: String
    public var element: ElementType
    public var shape: ColumnShape
    public var unit: String?
    public var ucd: String?
    public var description: String?
    /// The header's own words, kept for provenance (`datatype`, `subtype`).
    public var declaredDatatype: String
    public var declaredSubtype: String?

    public init(name: String, element: ElementType, shape: ColumnShape = .scalar, unit: String? = nil,
                ucd: String? = nil, description: String? = nil,
                declaredDatatype: String? = nil, declaredSubtype: String? = nil) {
        self.name = name
        self.element = element
        self.shape = shape
        self.unit = unit
        self.ucd = ucd
        self.description = description
        self.declaredDatatype = declaredDatatype ?? (shape == .scalar ? element.rawValue : "string")
        self.declaredSubtype = declaredSubtype
    }
}

/// A table: its columns, in file order, and table-level metadata.
public struct TableSchema: Equatable, Sendable {
    public var columns: [ColumnSchema]
    /// The Gaia table name (`xp_continuous_mean_spectrum`, …) if the header's meta names it.
    public var tableName: String?
    /// Table-level `meta` entries whose values are scalars, as text, in header order.
    public var meta: [MetaEntry]
    public var delimiter: UInt8
    /// Columns that the known table (`tableName`) does not declare, in file order: empty when
    /// the table is unknown or every column is one of its own.
    public var extraColumns: [String] = []
    /// When no table was given or named and the columns contain every column of several known
    /// tables, none more specific than the others: their names (the reader leaves `tableName` nil).
    public var ambiguousTables: [String] = []

    public struct MetaEntry: Equatable, Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    public init(columns: [ColumnSchema], tableName: String? = nil, meta: [MetaEntry] = [], delimiter: UInt8 = UInt8(ascii: ",")) {
        self.columns = columns
        self.tableName = tableName
        self.meta = meta
        self.delimiter = delimiter
    }

    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}
