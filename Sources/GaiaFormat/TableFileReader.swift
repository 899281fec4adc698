// One interface over the table formats repack reads — ECSV/CSV text (ECSVReader) and FITS binary
// tables (FITSTableReader) — and the factory that picks the reader from a file's name or content.

/// A streaming reader of one table file into `ColumnBatch`es. The same table in either format
/// gives the same `schema` and the same batches (values, null fill values, null counts).
public protocol TableFileReader: AnyObject {
    var path: String { get }
    /// Columns produced by `readBatch` (after `ReaderOptions.columns`), in file order, shapes resolved.
    var schema: TableSchema { get }
    /// All columns of the file, in file order, with the same shape resolution.
    var fileSchema: TableSchema { get }
    /// The next block of at most `maxRows` rows (at least one); nil at the end of the data.
    func readBatch(maxRows: Int) throws -> ColumnBatch?
    /// Bytes of the file as stored (compressed when gzip) consumed so far; the file size at the end.
    var compressedBytesRead: Int { get }
    /// Decompressed bytes consumed so far (ECSV: text incl. header; FITS: the table HDU).
    var uncompressedBytesRead: Int { get }
}

extension ECSVReader: TableFileReader {}

public enum TableFiles {
    /// The FITS file-name endings GaiaMine reads as FITS (also gzip-compressed).
    static let fitsExtensions = [".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz"]

    /// Whether `path` is a FITS file: by name, else by content (the primary header's first card
    /// `SIMPLE  =`, FITS Standard 4.0 §4.4.1.1), looked at through gzip if compressed.
    public static func isFITS(path: String) throws -> Bool {
        let lower = path.lowercased()
        if fitsExtensions.contains(where: { lower.hasSuffix($0) }) { return true }
        let source = try ByteSource(path: path)
        let magic = Array("SIMPLE  =".utf8)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: magic.count)
        defer { buffer.deallocate() }
        var n = 0
        while n < magic.count {
            let got = try source.read(into: buffer + n, capacity: magic.count - n)
            if got == 0 { break }
            n += got
        }
        return n == magic.count && (0..<n).allSatisfy { buffer[$0] == magic[$0] }
    }

    /// The reader for `path`: FITS (cfitsio) or ECSV/CSV text. `options` mean the same for both.
    public static func open(path: String, options: ReaderOptions = ReaderOptions()) throws -> TableFileReader {
        if try isFITS(path: path) { return try FITSTableReader(path: path, options: options) }
        return try ECSVReader(path: path, options: options)
    }
}
