// Arrays that a header declares variable-length but that every row fills to the same length
// (`KnownTable.uniformLengths`: the XP coefficients, errors and correlations — 55 per band in
// Gaia DR3, 51 BP and 55 RP in DR4, n(n−1)/2 correlations). The length is taken from the data, not
// from a table of sizes: the first non-empty row of the column fixes it, and the row parser then
// rejects any row of another length with an error naming the file, line and column (as for any
// fixed-length column). Stored like fixed arrays (2-D datasets N × n). A file in which every row
// of such a column is null keeps it variable (the repack then asks for --fixed NAME=n if other
// files fix it).

extension ECSVReader {
    /// Gives the selected uniform-length columns of `table` that are still variable (no user
    /// `--fixed`, no known fixed length) the length of their first non-empty row.
    static func fixUniformLengths(_ table: inout DeclaredTable, options: ReaderOptions, path: String) throws {
        guard options.lengthsFromData, let known = table.known else { return }
        let names = table.columns.filter { c in
            c.shape == .variable && known.hasUniformLength(c.name) && (options.columns?.contains(c.name) ?? true)
        }.map(\.name)
        guard !names.isEmpty else { return }
        let lengths = try firstLengths(path: path, columns: names, options: options)
        for i in table.columns.indices {
            if let n = lengths[table.columns[i].name] {
                table.columns[i].shape = .fixed(n)
                table.lengthsFromData.insert(table.columns[i].name)
            }
        }
    }

    /// The element count of the first non-empty (non-null) row of each column, read by a second
    /// reader that parses only these columns (a small buffer: it stops as soon as every column has
    /// one). A column without such a row in the whole file (a header-only file, a template lacking
    /// the band) is left out: it stays variable-length, its length unknowable from this file.
    static func firstLengths(path: String, columns: [String], options: ReaderOptions) throws -> [String: Int] {
        var o = options
        o.columns = columns
        o.lengthsFromData = false
        o.bufferBytes = 1 << 20
        let reader = try ECSVReader(path: path, options: o)
        var found: [String: Int] = [:]
        while found.count < columns.count, let batch = try reader.readBatch(maxRows: 64) {
            for c in batch.columns where found[c.schema.name] == nil {
                if let n = c.lengths.first(where: { $0 > 0 }) { found[c.schema.name] = Int(n) }
            }
        }
        return found
    }
}
