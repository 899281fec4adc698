// The block reads of FITSTableReader: one column of rows [firstRow, firstRow + count) into a
// `ColumnData` with the ECSV reader's null conventions (see FITSTableReader.swift).
import FITS

extension FITSTableReader {
    func readColumn(_ s: ColumnSchema, fitsColumn c: Int, firstRow: Int, count n: Int) throws -> ColumnData {
        var data = ColumnData(schema: s)
        if s.element == .string {
            for text in try table.readStrings(column: c, firstRow: firstRow, count: n) {
                let bytes = Array(text.utf8)
                if bytes.isEmpty { data.nullCount += 1 }
                data.bytes += bytes
                data.lengths.append(Int32(bytes.count))
            }
            return data
        }
        // Elements per row: nil when the FITS column is fixed-width (one read spans the rows).
        var layout = RowLayout(lengths: nil, stride: nil)
        var total = n
        if table.columns[c - 1].isVariable {
            let lengths = try table.lengths(column: c, firstRow: firstRow, count: n)
            layout.lengths = lengths
            if case .fixed(let m) = s.shape {
                // Stored fixed (KnownTables, --fixed): an empty row is a null array (m fill values);
                // other lengths are errors.
                if let bad = lengths.firstIndex(where: { $0 != m && $0 != 0 }) {
                    throw FITSError(file: path, column: s.name, row: firstRow + bad,
                                    "array of \(lengths[bad]) elements where the column's fixed length is \(m)")
                }
                layout.stride = m
                total = n * m
            } else {
                data.lengths = lengths.map { Int32($0) }
                total = lengths.reduce(0, +)
            }
        } else if case .fixed(let m) = s.shape {
            total = n * m
        }
        let scalar = s.shape == .scalar
        let fill = s.element.fillValue ?? 0
        switch s.element {
        case .bool: try read(FITSLogical.self, c, firstRow, layout, total, fill: FITSLogical(raw: -1), &data)
        case .int8: try read(Int8.self, c, firstRow, layout, total, fill: Int8(truncatingIfNeeded: fill), &data)
        case .uint8: try read(UInt8.self, c, firstRow, layout, total, fill: UInt8(truncatingIfNeeded: fill), &data)
        case .int16: try read(Int16.self, c, firstRow, layout, total, fill: Int16(truncatingIfNeeded: fill), &data)
        case .uint16: try read(UInt16.self, c, firstRow, layout, total, fill: UInt16(truncatingIfNeeded: fill), &data)
        case .int32: try read(Int32.self, c, firstRow, layout, total, fill: Int32(truncatingIfNeeded: fill), &data)
        case .uint32: try read(UInt32.self, c, firstRow, layout, total, fill: UInt32(truncatingIfNeeded: fill), &data)
        case .int64: try read(Int64.self, c, firstRow, layout, total, fill: fill, &data)
        case .uint64: try read(UInt64.self, c, firstRow, layout, total, fill: UInt64(truncatingIfNeeded: fill), &data)
        case .float32: try readFloats(Float.self, c, firstRow, layout, total, countNaN: scalar, &data)
        case .float64: try readFloats(Double.self, c, firstRow, layout, total, countNaN: scalar, &data)
        case .string: break
        }
        return data
    }

    /// Rows of a variable-length FITS column: their element counts, and the fixed length they are
    /// stored at (nil: stored variable).
    struct RowLayout {
        var lengths: [Int]?
        var stride: Int?
    }

    /// Reads `total` elements (row by row for a variable-length FITS column) with cfitsio's null
    /// flags. An empty row of a variable-length column is a null array (FITS has no other way to
    /// write one; the ECSV reader's empty cell): stored fixed, its slots are filled with `fill`
    /// (flags left 0); either way it is counted once, in the third argument of `body`.
    private func readRaw<T: FITSValue>(_ type: T.Type, _ c: Int, _ firstRow: Int, _ layout: RowLayout, _ total: Int, fill: T,
                                       _ body: (UnsafeMutablePointer<T>, UnsafeMutablePointer<Int8>, Int) -> Void) throws {
        let values = UnsafeMutablePointer<T>.allocate(capacity: max(total, 1))
        let nulls = UnsafeMutablePointer<Int8>.allocate(capacity: max(total, 1))
        defer { values.deallocate(); nulls.deallocate() }
        nulls.initialize(repeating: 0, count: max(total, 1))
        var nullRows = 0
        if let lengths = layout.lengths {
            var offset = 0
            for (i, len) in lengths.enumerated() {
                let width = layout.stride ?? len
                if len == 0 {
                    (values + offset).initialize(repeating: fill, count: width)
                    nullRows += 1
                } else {
                    try table.read(T.self, column: c, firstRow: firstRow + i, count: len, into: values + offset, nulls: nulls + offset)
                }
                offset += width
            }
        } else {
            try table.read(T.self, column: c, firstRow: firstRow, count: total, into: values, nulls: nulls)
        }
        body(values, nulls, nullRows)
    }

    /// Integers and logicals: a null element (TNULL, logical 0 byte) becomes `fill`, counted.
    private func read<T: FITSValue>(_ type: T.Type, _ c: Int, _ firstRow: Int, _ layout: RowLayout, _ total: Int,
                                    fill: T, _ data: inout ColumnData) throws {
        var nullCount = 0
        var bytes: [UInt8] = []
        try readRaw(T.self, c, firstRow, layout, total, fill: fill) { values, nulls, nullRows in
            nullCount = nullRows
            for i in 0..<total where nulls[i] != 0 {
                values[i] = fill
                nullCount += 1
            }
            bytes = Array(UnsafeRawBufferPointer(start: values, count: total * MemoryLayout<T>.stride))
        }
        data.bytes = bytes
        data.nullCount += nullCount
    }

    /// Floats: null or NaN → the canonical quiet NaN (so both readers store the same bits); counted
    /// for scalars only, as the ECSV reader counts a `nan` scalar but not a NaN array element.
    private func readFloats<T: FITSValue & BinaryFloatingPoint>(_ type: T.Type, _ c: Int, _ firstRow: Int, _ layout: RowLayout,
                                                                _ total: Int, countNaN: Bool, _ data: inout ColumnData) throws {
        var nullCount = 0
        var nullRowCount = 0
        var bytes: [UInt8] = []
        try readRaw(T.self, c, firstRow, layout, total, fill: .nan) { values, nulls, nullRows in
            nullRowCount = nullRows
            for i in 0..<total where nulls[i] != 0 || values[i].isNaN {
                values[i] = .nan
                nullCount += 1
            }
            bytes = Array(UnsafeRawBufferPointer(start: values, count: total * MemoryLayout<T>.stride))
        }
        data.bytes = bytes
        data.nullCount += (countNaN ? nullCount : 0) + nullRowCount
    }
}
