// The HDF5 layout of a repacked Gaia table (Docs/data-format.md is the user-facing statement):
//
//   /<table>/                      group per Gaia table, attributes: gaia_table, n_rows, columns,
//                                  meta_*, and extra_columns when some columns are not the known
//                                  table's (an archive query's `dist`)
//   /<table>/<column>              scalar column: 1-D, N rows
//   /<table>/<array column>        fixed-length array: 2-D, N × n  (XP: N × 55, N × 1485)
//   /<table>/<ragged column>       variable-length array: 1-D concatenation of all rows' values,
//                                  attribute `offsets` names the offsets dataset
//   /<table>/offsets (or <leader>_offsets)  int64, N + 1: row i is values[offsets[i]..<offsets[i+1]];
//                                  shared by every ragged column whose per-row lengths are equal
//
// Floats: NaN for null. Integers: `_FillValue` attribute (type minimum). Booleans: int8 0/1,
// −1 for null, attribute `gaia_datatype = bool`. Strings: fixed-length, null-padded UTF-8.
// Every column dataset carries `units`, `description`, `ucd`, `ecsv_datatype`.
import GaiaFormat
import HDF5

/// One column of the merged (all-files) layout.
public struct ColumnLayout: Codable, Equatable, Sendable {
    public var name: String
    public var element: ElementType
    public var shape: ColumnShape
    public var unit: String?
    public var ucd: String?
    public var description: String?
    public var declared: String
    /// Strings: bytes per value (global maximum, at least 1).
    public var stringWidth: Int
    /// Ragged columns: index (in the table's columns) of the column whose offsets it shares.
    public var offsetsLeader: Int?

    public init(_ c: ColumnSchema) {
        name = c.name
        element = c.element
        shape = c.shape
        unit = c.unit
        ucd = c.ucd
        description = c.description
        declared = c.declaredSubtype.map { "\(c.declaredDatatype) (\($0))" } ?? c.declaredDatatype
        stringWidth = 1
        offsetsLeader = nil
    }

    /// The HDF5 element type stored on disk.
    public var h5Element: H5Element { Self.h5Element(element, stringWidth: stringWidth) }

    public static func h5Element(_ e: ElementType, stringWidth: Int = 1) -> H5Element {
        switch e {
        case .bool, .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .uint8: return .uint8
        case .uint16: return .uint16
        case .uint32: return .uint32
        case .uint64: return .uint64
        case .float32: return .float32
        case .float64: return .float64
        case .string: return .string(stringWidth)
        }
    }
}

public enum TableLayout {
    /// Name of the offsets dataset of a ragged group led by column `leader`: `offsets` when one
    /// group holds every ragged column of the table (epoch photometry), else `<leader>_offsets`.
    public static func offsetsName(leader: Int, columns: [ColumnLayout]) -> String {
        let leaders = Set(columns.compactMap(\.offsetsLeader))
        return leaders.count == 1 ? "offsets" : "\(columns[leader].name)_offsets"
    }

    /// Creates the group and every dataset (collective in a parallel file) and writes the
    /// self-describing attributes.
    static func create(in file: H5File, table: String, columns: [ColumnLayout], rows: Int,
                       raggedTotals: [Int: Int], meta: [TableSchema.MetaEntry],
                       extraColumns: [String] = []) throws -> (Group, [Dataset], [Int: Dataset]) {
        let g = try file.createGroup(table)
        try g.setAttribute("gaia_table", table)
        try g.setAttribute("n_rows", Int64(rows))
        try g.setAttribute("columns", columns.map(\.name))
        if !extraColumns.isEmpty { try g.setAttribute("extra_columns", extraColumns) }
        for m in meta { try g.setAttribute("meta_\(m.key)", m.value) }
        var datasets: [Dataset] = []
        var offsets: [Int: Dataset] = [:]
        for (i, c) in columns.enumerated() {
            let shape: [Int]
            switch c.shape {
            case .scalar: shape = [rows]
            case .fixed(let n): shape = [rows, n]
            case .variable:
                let leader = c.offsetsLeader ?? i
                if offsets[leader] == nil {
                    let od = try g.createDataset(offsetsName(leader: leader, columns: columns), element: .int64, shape: [rows + 1])
                    try od.setAttribute("description", "Row i of each ragged column that names this dataset in its `offsets` attribute holds elements offsets[i] ..< offsets[i+1]")
                    try od.setAttribute("units", "")
                    offsets[leader] = od
                }
                shape = [raggedTotals[leader] ?? 0]
            }
            let d = try g.createDataset(c.name, element: c.h5Element, shape: shape)
            try d.setAttribute("units", c.unit ?? "")
            try d.setAttribute("description", c.description ?? "")
            try d.setAttribute("ucd", c.ucd ?? "")
            try d.setAttribute("ecsv_datatype", c.declared)
            if c.element == .bool { try d.setAttribute("gaia_datatype", "bool") }
            if let fill = c.element.fillValue { try setFill(d, c.h5Element, fill) }
            if c.shape == .variable {
                try d.setAttribute("offsets", offsetsName(leader: c.offsetsLeader ?? i, columns: columns))
            }
            datasets.append(d)
        }
        return (g, datasets, offsets)
    }

    /// `_FillValue` in the dataset's own type (the netCDF/CF convention that xarray and h5netcdf honour).
    static func setFill(_ d: Dataset, _ e: H5Element, _ fill: Int64) throws {
        switch e {
        case .int8: try d.setAttribute("_FillValue", Int8(truncatingIfNeeded: fill))
        case .int16: try d.setAttribute("_FillValue", Int16(truncatingIfNeeded: fill))
        case .int32: try d.setAttribute("_FillValue", Int32(truncatingIfNeeded: fill))
        case .int64: try d.setAttribute("_FillValue", fill)
        case .uint8: try d.setAttribute("_FillValue", UInt8(truncatingIfNeeded: fill))
        case .uint16: try d.setAttribute("_FillValue", UInt16(truncatingIfNeeded: fill))
        case .uint32: try d.setAttribute("_FillValue", UInt32(truncatingIfNeeded: fill))
        case .uint64: try d.setAttribute("_FillValue", UInt64(bitPattern: fill))
        default: break
        }
    }
}
