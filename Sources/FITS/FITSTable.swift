// A FITS binary table opened read-only through cfitsio: the first BINTABLE HDU of a file (plain or
// gzip-compressed: cfitsio decompresses `.fits.gz` itself), its header, its columns (TTYPE, TFORM,
// TUNIT, TNULL, TDIM, TCOMM, TUCD — first occurrence of each keyword) and typed block reads.
// FITS Standard 4.0 §7.3 (binary tables) and §7.3.5 (variable-length arrays, `P`/`Q` descriptors).
import CFITSIO

/// A column's element type after TZERO/TSCAL (fits_get_eqcoltype): `J` with TZERO = 2³¹ is uint32.
public enum FITSElement: String, Sendable, Equatable {
    case logical, bit, uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64, string
    case complex64, complex128

    init?(cfitsioType t: Int32) {
        switch abs(t) {
        case TLOGICAL: self = .logical
        case TBIT: self = .bit
        case TBYTE: self = .uint8
        case TSBYTE: self = .int8
        case TSHORT: self = .int16
        case TUSHORT: self = .uint16
        case TINT, TLONG: self = .int32
        case TUINT, TULONG: self = .uint32
        case TLONGLONG: self = .int64
        case TULONGLONG: self = .uint64
        case TFLOAT: self = .float32
        case TDOUBLE: self = .float64
        case TSTRING: self = .string
        case TCOMPLEX: self = .complex64
        case TDBLCOMPLEX: self = .complex128
        default: return nil
        }
    }
}

public struct FITSColumn: Sendable {
    /// 1-based column number.
    public var number: Int
    public var name: String
    public var form: String
    public var element: FITSElement
    /// Elements per row (strings: characters per row); for variable-length columns the maximum
    /// given in TFORM (`PD(10)` → 10), 0 if none.
    public var repeatCount: Int
    /// Characters per string element (TFORM `rAw`), else the element's byte size.
    public var width: Int
    public var isVariable: Bool
    public var unit: String?
    public var comment: String?
    public var ucd: String?
    /// TDIMn, fastest-varying first; nil when absent.
    public var dimensions: [Int]?
    /// TNULLn of an integer column.
    public var null: Int64?
}

public final class FITSTable {
    public let path: String
    /// 1-based HDU number of the table.
    public let hdu: Int
    public let header: FITSHeader
    public let columns: [FITSColumn]
    public let rowCount: Int
    /// Bytes of the HDU's header and data (table + heap), uncompressed.
    public let hduSize: Int
    let fptr: UnsafeMutablePointer<fitsfile>

    /// Opens `path` and moves to its first binary-table HDU.
    public init(path: String) throws {
        var status: Int32 = 0
        var f: UnsafeMutablePointer<fitsfile>?
        ffopen(&f, path, READONLY, &status)
        guard status == 0, let f else {
            throw FITSError(file: path, status: status, "cannot open as FITS: " + FITSError.cfitsioText(status))
        }
        fptr = f
        self.path = path
        do {
            var count: Int32 = 0
            ffthdu(f, &count, &status)
            var found: Int?
            var kind: Int32 = 0
            for n in 1...max(Int(count), 1) {
                ffmahd(f, Int32(n), &kind, &status)
                guard status == 0 else {
                    throw FITSError(file: path, hdu: n, status: status, "cannot read HDU \(n): " + FITSError.cfitsioText(status))
                }
                if kind == BINARY_TBL { found = n; break }
            }
            guard let found else {
                throw FITSError(file: path, "no binary-table extension (BINTABLE HDU) among the file's \(count) HDU(s) (a file truncated inside the table's header looks the same)")
            }
            hdu = found
            header = try FITSHeader.read(f, file: path, hdu: found)
            var rows: Int64 = 0
            var ncols: Int32 = 0
            ffgnrwll(f, &rows, &status)
            ffgncl(f, &ncols, &status)
            var headStart: Int64 = 0, dataStart: Int64 = 0, dataEnd: Int64 = 0
            ffghadll(f, &headStart, &dataStart, &dataEnd, &status)
            guard status == 0 else {
                throw FITSError(file: path, hdu: found, status: status, "cannot read the table's size: " + FITSError.cfitsioText(status))
            }
            rowCount = Int(rows)
            hduSize = Int(dataEnd - headStart)
            let head = header
            columns = try (0..<Int(ncols)).map { n in
                try Self.describe(f, column: n + 1, header: head, path: path, hdu: found)
            }
        } catch {
            var s: Int32 = 0
            ffclos(f, &s)
            throw error
        }
    }

    deinit {
        var status: Int32 = 0
        ffclos(fptr, &status)
    }

    private static func describe(_ f: UnsafeMutablePointer<fitsfile>, column n: Int, header: FITSHeader,
                                 path: String, hdu: Int) throws -> FITSColumn {
        var status: Int32 = 0
        var type: Int32 = 0, eqType: Int32 = 0
        var repeatCount: Int64 = 0, width: Int64 = 0
        ffgtclll(f, Int32(n), &type, &repeatCount, &width, &status)
        ffeqtyll(f, Int32(n), &eqType, &repeatCount, &width, &status)
        let name = header["TTYPE\(n)"] ?? "col\(n)"
        guard status == 0 else {
            throw FITSError(file: path, hdu: hdu, column: name, status: status, "cannot read the column's type: " + FITSError.cfitsioText(status))
        }
        let form = header["TFORM\(n)"] ?? ""
        guard let element = FITSElement(cfitsioType: eqType) else {
            throw FITSError(file: path, hdu: hdu, column: name, "unsupported TFORM '\(form)' (cfitsio type \(eqType))")
        }
        let dims = header["TDIM\(n)"].map { t in
            t.filter { $0 != "(" && $0 != ")" && $0 != " " }.split(separator: ",").compactMap { Int($0) }
        }
        return FITSColumn(number: n, name: name, form: form, element: element, repeatCount: Int(repeatCount),
                          width: Int(width), isVariable: type < 0,
                          unit: header["TUNIT\(n)"].flatMap { $0.isEmpty ? nil : $0 },
                          comment: header["TCOMM\(n)"], ucd: header["TUCD\(n)"], dimensions: dims,
                          null: header["TNULL\(n)"].flatMap { Int64($0) })
    }

    func fail(_ c: Int, row: Int?, _ status: Int32, _ what: String) -> FITSError {
        FITSError(file: path, hdu: hdu, column: columns[c - 1].name, row: row, status: status,
                  what + ": " + FITSError.cfitsioText(status))
    }

    /// Element counts of a variable-length column in rows firstRow..<firstRow+count (1-based rows).
    public func lengths(column c: Int, firstRow: Int, count: Int) throws -> [Int] {
        guard count > 0 else { return [] }
        var lengths = [Int64](repeating: 0, count: count)
        var offsets = [Int64](repeating: 0, count: count)
        var status: Int32 = 0
        ffgdessll(fptr, Int32(c), Int64(firstRow), Int64(count), &lengths, &offsets, &status)
        guard status == 0 else { throw fail(c, row: firstRow, status, "cannot read the array descriptors") }
        return lengths.map { Int($0) }
    }

    /// Reads `count` elements of column `c` starting at element `firstElement` (1-based) of row
    /// `firstRow` (1-based), converted by cfitsio to `T`; `nulls[i]` is 1 where the element is null
    /// (TNULL for integers, NaN for floats, 0 byte for logicals). Fixed-length columns may be read
    /// across rows; variable-length ones one row at a time. True if any element was null.
    @discardableResult
    public func read<T: FITSValue>(_ type: T.Type, column c: Int, firstRow: Int, firstElement: Int = 1, count: Int,
                                   into values: UnsafeMutablePointer<T>, nulls: UnsafeMutablePointer<Int8>) throws -> Bool {
        guard count > 0 else { return false }
        var status: Int32 = 0
        var anyNull: Int32 = 0
        ffgcf(fptr, T.fitsType, Int32(c), Int64(firstRow), Int64(firstElement), Int64(count),
              values, nulls, &anyNull, &status)
        guard status == 0 else { throw fail(c, row: firstRow, status, "cannot read \(count) value(s)") }
        return anyNull != 0
    }

    /// Strings of a character column (`rA`) in rows firstRow..<firstRow+count, trailing blanks removed.
    public func readStrings(column c: Int, firstRow: Int, count: Int) throws -> [String] {
        guard count > 0 else { return [] }
        let w = max(columns[c - 1].repeatCount, 1) + 1
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: w * count)
        defer { storage.deallocate() }
        storage.initialize(repeating: 0, count: w * count)
        var pointers: [UnsafeMutablePointer<CChar>?] = (0..<count).map { storage + $0 * w }
        var empty: CChar = 0
        var anyNull: Int32 = 0
        var status: Int32 = 0
        pointers.withUnsafeMutableBufferPointer { p in
            _ = ffgcv(fptr, TSTRING, Int32(c), Int64(firstRow), 1, Int64(count), &empty, p.baseAddress, &anyNull, &status)
        }
        guard status == 0 else { throw fail(c, row: firstRow, status, "cannot read \(count) string(s)") }
        return (0..<count).map { String(cString: storage + $0 * w).trimmingTrailingSpaces }
    }
}

/// Swift types cfitsio converts column values to (its datatype codes).
public protocol FITSValue { static var fitsType: Int32 { get } }
extension Double: FITSValue { public static var fitsType: Int32 { TDOUBLE } }
extension Float: FITSValue { public static var fitsType: Int32 { TFLOAT } }
extension Int64: FITSValue { public static var fitsType: Int32 { TLONGLONG } }
extension UInt64: FITSValue { public static var fitsType: Int32 { TULONGLONG } }
extension Int32: FITSValue { public static var fitsType: Int32 { TINT } }
extension UInt32: FITSValue { public static var fitsType: Int32 { TUINT } }
extension Int16: FITSValue { public static var fitsType: Int32 { TSHORT } }
extension UInt16: FITSValue { public static var fitsType: Int32 { TUSHORT } }
extension UInt8: FITSValue { public static var fitsType: Int32 { TBYTE } }
/// Int8 reads signed bytes (TSBYTE); logical columns are read with `FITSLogical`.
extension Int8: FITSValue { public static var fitsType: Int32 { TSBYTE } }
/// A logical (`L`) element as cfitsio returns it: 1 = T, 0 = F (null flagged separately).
public struct FITSLogical: FITSValue {
    public var raw: Int8
    public init(raw: Int8) { self.raw = raw }
    public static var fitsType: Int32 { TLOGICAL }
}
