// Files and groups. A file opened with a communicator uses the MPI-IO driver (every rank of
// the communicator must open, create objects and close in the same order); without one, the
// serial driver.
import CHDF5
import CShims
import MPI

/// Something that holds groups and datasets: a file (its root group) or a group.
public protocol Location: AttributeHolder {
    var file: H5File { get }
}

extension Location {
    public func createGroup(_ name: String) throws -> Group {
        let id = try h5id(H5Gcreate2(objectID, name, gaia_H5P_DEFAULT(), gaia_H5P_DEFAULT(), gaia_H5P_DEFAULT()),
                          "cannot create group '\(name)'")
        return Group(id: id, name: name, file: file)
    }

    public func openGroup(_ name: String) throws -> Group {
        let id = try h5id(H5Gopen2(objectID, name, gaia_H5P_DEFAULT()), "no group '\(name)' in \(file.path)")
        return Group(id: id, name: name, file: file)
    }

    public func exists(_ name: String) -> Bool { H5Lexists(objectID, name, gaia_H5P_DEFAULT()) > 0 }

    /// Names of the links (groups, datasets) directly below, in name order.
    public func childNames() throws -> [String] {
        var info = H5G_info_t()
        try h5check(H5Gget_info(objectID, &info), "H5Gget_info")
        var names: [String] = []
        for i in 0..<info.nlinks {
            let n = H5Lget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, gaia_H5P_DEFAULT())
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            H5Lget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, gaia_H5P_DEFAULT())
            names.append(String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Removes a link (the space of the object is not reclaimed until the file is repacked).
    public func removeLink(_ name: String) throws {
        try h5check(H5Ldelete(objectID, name, gaia_H5P_DEFAULT()), "cannot remove '\(name)'")
    }

    public func isGroup(_ name: String) -> Bool {
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(objectID, name, &info, UInt32(H5O_INFO_BASIC), gaia_H5P_DEFAULT()) >= 0 else { return false }
        return info.type == H5O_TYPE_GROUP
    }

    /// Creates a dataset with contiguous storage, allocated at creation and never pre-filled:
    /// contiguous layout maps any block of rows to one byte range of the file, which is what
    /// large collective MPI-IO reads and writes want (see Docs/data-format.md).
    public func createDataset(_ name: String, element: H5Element, shape: [Int]) throws -> Dataset {
        let t = try element.makeTypeID()
        defer { H5Tclose(t) }
        var dims = shape.map { hsize_t($0) }
        let space = try h5id(H5Screate_simple(Int32(dims.count), &dims, nil), "H5Screate_simple")
        defer { H5Sclose(space) }
        let id = try withPropertyList(gaia_H5P_DATASET_CREATE()) { dcpl -> hid_t in
            try h5check(H5Pset_layout(dcpl, H5D_CONTIGUOUS), "H5Pset_layout")
            try h5check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time")
            try h5check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "H5Pset_fill_time")
            return try h5id(H5Dcreate2(objectID, name, t, space, gaia_H5P_DEFAULT(), dcpl, gaia_H5P_DEFAULT()),
                            "cannot create dataset '\(name)' \(element) \(shape)")
        }
        return Dataset(id: id, name: name, file: file, element: element, shape: shape)
    }

    public func openDataset(_ name: String) throws -> Dataset {
        let id = try h5id(H5Dopen2(objectID, name, gaia_H5P_DEFAULT()), "no dataset '\(name)' in \(file.path)")
        let t = H5Dget_type(id)
        defer { H5Tclose(t) }
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        let element: H5Element
        do { element = try H5Element.from(typeID: t) } catch {
            H5Dclose(id)
            throw HDF5Error("dataset '\(name)': \(error)")
        }
        return Dataset(id: id, name: name, file: file, element: element, shape: dims.prefix(rank).map { Int($0) })
    }
}

public final class Group: Location {
    let handle: Handle
    public let name: String
    public let file: H5File
    public var objectID: hid_t { handle.id }

    init(id: hid_t, name: String, file: H5File) {
        handle = Handle(id, closer: H5Gclose)
        self.name = name
        self.file = file
    }
}

/// An HDF5 file. Close it explicitly (`close()`) so errors at close are seen; deinit closes too.
public final class H5File: Location {
    public let path: String
    /// The communicator whose ranks share the file, or nil for serial access.
    public let communicator: Communicator?
    private var id: hid_t
    public var objectID: hid_t { id }
    public var file: H5File { self }
    public var isParallel: Bool { communicator != nil }

    private init(id: hid_t, path: String, communicator: Communicator?) {
        self.id = id
        self.path = path
        self.communicator = communicator
    }

    deinit { if id >= 0 { H5Fclose(id) } }

    private static func accessList(_ comm: Communicator?, alignment: Int, _ body: (hid_t) throws -> hid_t) throws -> hid_t {
        _ = HDF5Library.initialize
        return try withPropertyList(gaia_H5P_FILE_ACCESS()) { fapl in
            if let comm {
                try h5check(H5Pset_fapl_mpio(fapl, comm.handle, gaia_MPI_INFO_NULL()), "H5Pset_fapl_mpio")
                // Metadata reads by rank 0 and broadcast, metadata writes collective: keeps
                // thousands of ranks from hammering the metadata server on open.
                try h5check(H5Pset_all_coll_metadata_ops(fapl, true), "H5Pset_all_coll_metadata_ops")
                try h5check(H5Pset_coll_metadata_write(fapl, true), "H5Pset_coll_metadata_write")
            }
            if alignment > 1 {
                // Objects ≥ 64 KiB start on an `alignment` boundary (file-system stripe / block).
                try h5check(H5Pset_alignment(fapl, 65536, hsize_t(alignment)), "H5Pset_alignment")
            }
            // Newest format: compact groups, faster attribute handling; readable by HDF5 ≥ 1.10.
            try h5check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110), "H5Pset_libver_bounds")
            return try body(fapl)
        }
    }

    /// Creates (truncating) a file. `alignment`: byte boundary for large datasets (1 = none).
    public static func create(path: String, communicator: Communicator? = nil, alignment: Int = 1) throws -> H5File {
        let id = try accessList(communicator, alignment: alignment) { fapl in
            try h5id(H5Fcreate(path, gaia_H5F_ACC_TRUNC(), gaia_H5P_DEFAULT(), fapl), "cannot create HDF5 file \(path)")
        }
        return H5File(id: id, path: path, communicator: communicator)
    }

    /// Opens an existing file.
    public static func open(path: String, readOnly: Bool = true, communicator: Communicator? = nil) throws -> H5File {
        _ = HDF5Library.initialize
        let isHDF5 = H5Fis_hdf5(path)
        if isHDF5 <= 0 {
            // H5Fis_hdf5 fails (< 0, with a stack) on a missing or unreadable file, but answers 0
            // without one for a readable file with no HDF5 signature: then H5Fopen says why.
            var stack = HDF5Library.takeErrorStack()
            if isHDF5 == 0 {
                let id = H5Fopen(path, gaia_H5F_ACC_RDONLY(), gaia_H5P_DEFAULT())
                if id >= 0 { H5Fclose(id) } else { stack = HDF5Library.takeErrorStack() }
            }
            throw HDF5Error("\(path) is not an HDF5 file (or cannot be read)", stack: stack)
        }
        let id = try accessList(communicator, alignment: 1) { fapl in
            try h5id(H5Fopen(path, readOnly ? gaia_H5F_ACC_RDONLY() : gaia_H5F_ACC_RDWR(), fapl),
                     "cannot open HDF5 file \(path)")
        }
        return H5File(id: id, path: path, communicator: communicator)
    }

    public func flush() throws { try h5check(H5Fflush(id, H5F_SCOPE_GLOBAL), "H5Fflush \(path)") }

    /// Closes the file. A parallel file (MPI-IO, close degree SEMI) cannot close while any of
    /// its groups or datasets is still referenced: release them first (end their scope).
    public func close() throws {
        guard id >= 0 else { return }
        if isParallel {
            let open = H5Fget_obj_count(id, UInt32(H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_ATTR | H5F_OBJ_DATATYPE) | UInt32(H5F_OBJ_LOCAL))
            if open > 0 { throw HDF5Error("cannot close \(path): \(open) object(s) still open") }
        }
        let rc = H5Fclose(id)
        id = -1
        try h5check(rc, "H5Fclose \(path)")
    }
}
