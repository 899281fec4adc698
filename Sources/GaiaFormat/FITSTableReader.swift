// Reader of FITS binary tables (through the cfitsio wrapper, module FITS) into the same
// `TableSchema` and `ColumnBatch` values the ECSV reader produces for the same table.
//
// Columns (FITS Standard 4.0 §7.3.1, TFORMn = rT, and §7.3.5 for P/Q):
//   K → int64, J → int32, I → int16, B → uint8, E → float32, D → float64, L → bool, A → string;
//   TZERO-shifted integers as cfitsio's equivalent type (J + TZERO 2³¹ → uint32, B + TZERO −128 → int8);
//   r = 1 → scalar, r > 1 → fixed array `.fixed(r)` (1-D only), `P?(n)`/`Q?(n)` → variable array.
//   Declared types in ECSV words, as astropy writes them: scalars `datatype: <element>`; arrays
//   `datatype: string` + `subtype: <element>[null]` (variable) or `<element>[r]` (fixed).
// Nulls, stored as ColumnBatch does: integers equal to TNULLn → the fill value (counted);
//   floats: NaN (a NaN scalar is counted, a NaN array element is a value, as in the ECSV reader);
//   logicals: the 0 byte → −1 (counted); strings: empty → null (counted); an empty
//   variable-length array is a null array (counted once; n fill values when stored fixed(n)),
//   as the ECSV reader's empty cell (so an ECSV `[]` has no FITS twin).
// Metadata: TUNITn, TCOMMn (description), TUCDn — the first occurrence of a repeated keyword —
//   except for the columns of a known Gaia table (DeclaredTable.adoptKnownMetadata says why).
//   Other header keywords (DATE-HDU, STILVERS, …) describe the writer, not the table, and are not
//   kept as meta.
// `ColumnBatch.firstLine` is the 1-based table row of the batch's first row.
import FITS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class FITSTableReader: TableFileReader {
    public let path: String
    public let schema: TableSchema
    public let fileSchema: TableSchema
    let table: FITSTable
    /// FITS column number (1-based) of each output column.
    let sources: [Int]
    private var nextRow = 1
    private var failure: Error?
    private let fileSize: Int

    public var rowCount: Int { table.rowCount }
    public var compressedBytesRead: Int { fraction(of: fileSize) }
    public var uncompressedBytesRead: Int { fraction(of: table.hduSize) }

    /// Bytes in proportion to the rows read: cfitsio reads (and inflates) on demand.
    private func fraction(of total: Int) -> Int {
        table.rowCount == 0 || nextRow > table.rowCount ? total : total * (nextRow - 1) / table.rowCount
    }

    public init(path: String, options: ReaderOptions = ReaderOptions()) throws {
        self.path = path
        let t: FITSTable
        do {
            t = try FITSTable(path: path)
        } catch let e as FITSError {
            // FormatError adds the file name itself.
            let place = e.description.hasPrefix(path + ": ") ? String(e.description.dropFirst(path.count + 2)) : e.description
            throw FormatError(file: path, "not a readable FITS table: " + place)
        }
        table = t
        var st = stat()
        fileSize = stat(path, &st) == 0 ? Int(st.st_size) : 0
        var declared = DeclaredTable(columns: try t.columns.map { try Self.declare($0, path: path, hdu: t.hdu) })
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        declared.identify(given: options.tableName, fileName: fileName)
        declared.adoptKnownMetadata()
        let s = try declared.prepare(options: options, path: path, headerLine: nil)
        fileSchema = s.file
        schema = s.output
        sources = declared.columns.indices.filter { s.selected[$0] }.map { $0 + 1 }
        // A fixed length (user or known table) given to a variable-length FITS column is checked per row.
    }

    /// A FITS column in GaiaMine's terms.
    static func declare(_ c: FITSColumn, path: String, hdu: Int) throws -> ColumnSchema {
        func unsupported(_ what: String) -> FormatError {
            FormatError(file: path, column: c.name, fieldIndex: c.number, "\(what) (TFORM\(c.number) = '\(c.form)', HDU \(hdu)) is not supported")
        }
        let element: ElementType
        switch c.element {
        case .logical: element = .bool
        case .uint8: element = .uint8
        case .int8: element = .int8
        case .int16: element = .int16
        case .uint16: element = .uint16
        case .int32: element = .int32
        case .uint32: element = .uint32
        case .int64: element = .int64
        case .uint64: element = .uint64
        case .float32: element = .float32
        case .float64: element = .float64
        case .string: element = .string
        case .bit: throw unsupported("a bit column")
        case .complex64, .complex128: throw unsupported("a complex column")
        }
        if let dims = c.dimensions, dims.filter({ $0 != 1 }).count > 1 {
            throw unsupported("a multi-dimensional array (TDIM\(c.number) = \(dims))")
        }
        let shape: ColumnShape
        if element == .string {
            if c.isVariable { throw unsupported("a variable-length string column") }
            if let dims = c.dimensions, dims.count > 1, dims.dropFirst().contains(where: { $0 != 1 }) {
                throw unsupported("an array of strings")
            }
            shape = .scalar
        } else if c.isVariable {
            shape = .variable
        } else {
            shape = c.repeatCount == 1 ? .scalar : .fixed(c.repeatCount)
        }
        let subtype: String?
        switch shape {
        case .scalar: subtype = nil
        case .variable: subtype = "\(element.rawValue)[null]"
        case .fixed(let n): subtype = "\(element.rawValue)[\(n)]"
        }
        return ColumnSchema(name: c.name, element: element, shape: shape, unit: c.unit, ucd: c.ucd,
                            description: c.comment, declaredSubtype: subtype)
    }

    public func readBatch(maxRows: Int) throws -> ColumnBatch? {
        if let failure { throw failure }
        let first = nextRow
        let n = min(max(maxRows, 1), table.rowCount - first + 1)
        guard n > 0 else { return nil }
        var columns: [ColumnData] = []
        columns.reserveCapacity(sources.count)
        for (k, c) in sources.enumerated() {
            do {
                columns.append(try readColumn(schema.columns[k], fitsColumn: c, firstRow: first, count: n))
            } catch let e as FITSError {
                let error = FormatError(file: path, column: schema.columns[k].name, fieldIndex: c,
                                        "HDU \(table.hdu)\(e.row.map { ", row \($0)" } ?? ""): \(e.message)")
                failure = error
                throw error
            } catch {
                failure = error
                throw error
            }
        }
        nextRow += n
        return ColumnBatch(columns: columns, rowCount: n, firstLine: first)
    }
}
