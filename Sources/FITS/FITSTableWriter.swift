// Writes a small FITS binary table through cfitsio (fits_create_file, fits_create_tbl,
// fits_write_col, fits_write_col_null, fits_update_key): used by tests and tools to make inputs
// with TNULL integers, NaN floats, fixed and variable-length arrays, strings and logicals.
import CFITSIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class FITSTableWriter {
    public let path: String
    private var fptr: UnsafeMutablePointer<fitsfile>?

    /// Creates (overwriting) `path` with an empty primary HDU and one BINTABLE of `rows` rows.
    public init(path: String, columns: [(name: String, form: String, unit: String?)], rows: Int,
                extensionName: String? = nil) throws {
        self.path = path
        var status: Int32 = 0
        ffinit(&fptr, "!" + path, &status)
        guard status == 0, let f = fptr else {
            throw FITSError(file: path, status: status, "cannot create: " + FITSError.cfitsioText(status))
        }
        var owned: [UnsafeMutablePointer<CChar>?] = []
        defer { owned.forEach { free($0) } }
        func cStrings(_ list: [String]) -> [UnsafeMutablePointer<CChar>?] {
            let p = list.map { strdup($0) }
            owned += p
            return p
        }
        var names = cStrings(columns.map(\.name))
        var forms = cStrings(columns.map(\.form))
        var units = cStrings(columns.map { $0.unit ?? "" })
        ffcrtb(f, BINARY_TBL, Int64(rows), Int32(columns.count), &names, &forms, &units, extensionName, &status)
        try check(status, "cannot create the table")
    }

    private func check(_ status: Int32, _ what: String, column: Int? = nil, row: Int? = nil) throws {
        guard status != 0 else { return }
        throw FITSError(file: path, column: column.map { "\($0)" }, row: row, status: status, what + ": " + FITSError.cfitsioText(status))
    }

    /// Sets a string keyword in the table header.
    public func setKey(_ name: String, _ value: String) throws {
        var status: Int32 = 0
        ffukys(fptr, name, value, nil, &status)
        try check(status, "cannot write keyword \(name)")
    }

    /// Sets an integer keyword in the table header (e.g. `TNULL3`).
    public func setKey(_ name: String, _ value: Int64) throws {
        var status: Int32 = 0
        ffukyj(fptr, name, value, nil, &status)
        try check(status, "cannot write keyword \(name)")
    }

    /// Writes `values` to column `c` (1-based) from element `firstElement` of row `firstRow`;
    /// for a variable-length column this sets that row's array.
    public func write<T: FITSValue>(column c: Int, firstRow: Int, firstElement: Int = 1, _ values: [T]) throws {
        var status: Int32 = 0
        var v = values
        ffpcl(fptr, T.fitsType, Int32(c), Int64(firstRow), Int64(firstElement), Int64(v.count), &v, &status)
        try check(status, "cannot write", column: c, row: firstRow)
    }

    /// Writes one string per row from `firstRow`.
    public func writeStrings(column c: Int, firstRow: Int, _ values: [String]) throws {
        var owned = values.map { strdup($0) }
        defer { owned.forEach { free($0) } }
        var status: Int32 = 0
        ffpcls(fptr, Int32(c), Int64(firstRow), 1, Int64(values.count), &owned, &status)
        try check(status, "cannot write strings", column: c, row: firstRow)
    }

    /// Marks `count` elements null from element `firstElement` of row `row` (TNULL for integers,
    /// NaN for floats, a 0 byte for logicals).
    public func setNull(column c: Int, row: Int, firstElement: Int = 1, count: Int = 1) throws {
        var status: Int32 = 0
        ffpclu(fptr, Int32(c), Int64(row), Int64(firstElement), Int64(count), &status)
        try check(status, "cannot write a null", column: c, row: row)
    }

    public func close() throws {
        guard let f = fptr else { return }
        var status: Int32 = 0
        ffclos(f, &status)
        fptr = nil
        try check(status, "cannot close")
    }

    deinit { try? close() }
}
