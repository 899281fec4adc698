// Datasets and row-block (hyperslab) I/O. GaiaMine's tables are row-major: dimension 0 is the
// source (row), further dimensions the array elements, so a block of rows is one hyperslab and,
// with contiguous layout, one byte range in the file.
import CHDF5
import CShims

public final class Dataset: AttributeHolder {
    let handle: Handle
    public let name: String
    public let file: H5File
    public let element: H5Element
    public let shape: [Int]
    public var objectID: hid_t { handle.id }

    /// The element's memory type, created once: reads of many small row sets are dominated by
    /// per-call overheads, not bytes.
    private let memoryType: Handle?

    init(id: hid_t, name: String, file: H5File, element: H5Element, shape: [Int]) {
        handle = Handle(id, closer: H5Dclose)
        self.name = name
        self.file = file
        self.element = element
        self.shape = shape
        memoryType = (try? element.makeTypeID()).map { Handle($0, closer: H5Tclose) }
    }

    public var rowCount: Int { shape.first ?? 1 }
    /// Elements per row (product of the trailing dimensions).
    public var rowWidth: Int { shape.dropFirst().reduce(1, *) }

    /// Byte offset of the data in the file (contiguous layout), for diagnostics.
    public var fileOffset: UInt64 { UInt64(H5Dget_offset(objectID)) }

    /// Where row-major rows of this dataset can be read straight from the file with `pread`:
    /// the byte offset of row 0, when storage is contiguous, allocated, unfiltered and in the
    /// native representation of its element type; nil otherwise. GaiaMine's layout guarantees
    /// it (Docs/data-format.md); other files fall back to HDF5 reads.
    public lazy var directOffset: Int? = {
        let dcpl = H5Dget_create_plist(objectID)
        defer { H5Pclose(dcpl) }
        guard H5Pget_layout(dcpl) == H5D_CONTIGUOUS, H5Pget_nfilters(dcpl) == 0 else { return nil }
        let fileType = H5Dget_type(objectID)
        defer { H5Tclose(fileType) }
        guard let mem = memoryType?.id, H5Tequal(fileType, mem) > 0 else { return nil }
        let off = H5Dget_offset(objectID)
        guard off != haddr_t.max else { return nil }  // HADDR_UNDEF: not allocated
        return Int(off)
    }()

    /// Selects rows `ranges` (start, count) in the file space and the matching packed memory
    /// space; an empty selection is still a valid participant in a collective call.
    private func spaces(rows ranges: [(start: Int, count: Int)]) throws -> (file: hid_t, mem: hid_t, elements: Int) {
        let fspace = try h5id(H5Dget_space(objectID), "H5Dget_space")
        let total = ranges.reduce(0) { $0 + $1.count }
        let width = rowWidth
        var memDims = [hsize_t(max(total * width, 1))]
        let mspace = try h5id(H5Screate_simple(1, &memDims, nil), "H5Screate_simple")
        if total == 0 {
            H5Sselect_none(fspace)
            H5Sselect_none(mspace)
            return (fspace, mspace, 0)
        }
        let rank = max(shape.count, 1)
        var first = true
        for r in ranges where r.count > 0 {
            guard r.start >= 0, r.start + r.count <= rowCount else {
                H5Sclose(fspace); H5Sclose(mspace)
                throw HDF5Error("rows \(r.start)..<\(r.start + r.count) outside dataset '\(name)' of \(rowCount) rows")
            }
            var start = [hsize_t](repeating: 0, count: rank)
            var count = shape.isEmpty ? [hsize_t(1)] : shape.map { hsize_t($0) }
            start[0] = hsize_t(r.start)
            count[0] = hsize_t(r.count)
            let rc = H5Sselect_hyperslab(fspace, first ? H5S_SELECT_SET : H5S_SELECT_OR, &start, nil, &count, nil)
            if rc < 0 { H5Sclose(fspace); H5Sclose(mspace); throw HDF5Error.failed("H5Sselect_hyperslab on '\(name)'") }
            first = false
        }
        return (fspace, mspace, total * width)
    }

    private func transfer<R>(collective: Bool, _ body: (hid_t) throws -> R) throws -> R {
        // Independent transfer is the default for both drivers: no property list needed.
        if !collective { return try body(gaia_H5P_DEFAULT()) }
        return try withPropertyList(gaia_H5P_DATASET_XFER()) { dxpl in
            if file.isParallel {
                try h5check(H5Pset_dxpl_mpio(dxpl, collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT),
                            "H5Pset_dxpl_mpio")
            }
            return try body(dxpl)
        }
    }

    /// Writes rows from packed raw memory of this dataset's element type, or of `memoryElement`
    /// (HDF5 converts, e.g. int8 → int16 when files declare different widths). `collective`:
    /// every rank of the file's communicator must make the same call (possibly with zero rows).
    public func write(rows ranges: [(start: Int, count: Int)], from data: UnsafeRawPointer?, collective: Bool,
                      memoryElement: H5Element? = nil) throws {
        let (fspace, mspace, n) = try spaces(rows: ranges)
        defer { H5Sclose(fspace); H5Sclose(mspace) }
        let t = try (memoryElement ?? element).makeTypeID()
        defer { H5Tclose(t) }
        var dummy: UInt64 = 0
        try transfer(collective: collective) { dxpl in
            let rc = withUnsafeMutableBytes(of: &dummy) { d in
                H5Dwrite(objectID, t, mspace, fspace, dxpl, n == 0 ? UnsafeRawPointer(d.baseAddress!) : data)
            }
            try h5check(rc, "cannot write \(n) elements of '\(name)' in \(file.path)")
        }
    }

    public func write(rows start: Int, count: Int, from data: UnsafeRawPointer?, collective: Bool,
                      memoryElement: H5Element? = nil) throws {
        try write(rows: [(start, count)], from: data, collective: collective, memoryElement: memoryElement)
    }

    /// Reads rows into packed raw memory (which must hold count × rowWidth elements).
    public func read(rows ranges: [(start: Int, count: Int)], into data: UnsafeMutableRawPointer?, collective: Bool) throws {
        let (fspace, mspace, n) = try spaces(rows: ranges)
        defer { H5Sclose(fspace); H5Sclose(mspace) }
        guard let t = memoryType?.id else { throw HDF5Error("no memory type for '\(name)'") }
        var dummy: UInt64 = 0
        try transfer(collective: collective) { dxpl in
            let rc = withUnsafeMutableBytes(of: &dummy) { d in
                H5Dread(objectID, t, mspace, fspace, dxpl, n == 0 ? d.baseAddress! : data)
            }
            try h5check(rc, "cannot read \(n) elements of '\(name)' in \(file.path)")
        }
    }

    /// Typed read of rows `start..<start+count` (all rows by default).
    public func read<T: H5Scalar>(_ type: T.Type, start: Int = 0, count: Int? = nil, collective: Bool = false) throws -> [T] {
        guard T.h5Element.byteWidth == element.byteWidth, !(T.h5Element == .float32 && element != .float32),
              !(T.h5Element == .float64 && element != .float64) || element == .float64 else {
            throw HDF5Error("dataset '\(name)' holds \(element), not \(T.h5Element)")
        }
        let n = count ?? (rowCount - start)
        var out = [T](unsafeUninitializedCapacity: n * rowWidth) { _, c in c = n * rowWidth }
        try out.withUnsafeMutableBytes { try read(rows: [(start, n)], into: $0.baseAddress, collective: collective) }
        return out
    }

    /// Raw bytes of rows `start..<start+count` (any element type, including fixed strings).
    public func readBytes(start: Int = 0, count: Int? = nil, collective: Bool = false) throws -> [UInt8] {
        let n = count ?? (rowCount - start)
        let bytes = n * rowWidth * element.byteWidth
        var out = [UInt8](repeating: 0, count: bytes)
        try out.withUnsafeMutableBytes { try read(rows: [(start, n)], into: $0.baseAddress, collective: collective) }
        return out
    }
}
