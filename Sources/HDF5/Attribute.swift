// Attributes: the self-description of every file, group and dataset (units, descriptions,
// parameters, provenance). Strings are written as variable-length UTF-8 (h5py reads them as
// `str`). In a parallel file, attribute writes are collective: every rank writes the same value.
import CHDF5
import CShims
#if canImport(Glibc)
import Glibc
#endif

/// The value of an attribute as read back.
public enum AttributeValue: Equatable, CustomStringConvertible {
    case string(String)
    case strings([String])
    case integers([Int64])
    case doubles([Double])

    public var description: String {
        switch self {
        case .string(let s): return s
        case .strings(let s): return s.joined(separator: ", ")
        case .integers(let v): return v.count == 1 ? "\(v[0])" : "\(v)"
        case .doubles(let v): return v.count == 1 ? "\(v[0])" : "\(v)"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// Anything that carries attributes: a file's root group, a group, a dataset.
public protocol AttributeHolder {
    var objectID: hid_t { get }
}

extension AttributeHolder {
    private func removeIfPresent(_ name: String) throws {
        if H5Aexists(objectID, name) > 0 { try h5check(H5Adelete(objectID, name), "H5Adelete '\(name)'") }
    }

    private func writeAttribute(_ name: String, type: hid_t, count: Int?, _ data: UnsafeRawPointer) throws {
        try removeIfPresent(name)
        let space: hid_t
        if let count {
            var dims = [hsize_t(count)]
            space = try h5id(H5Screate_simple(1, &dims, nil), "H5Screate_simple")
        } else {
            space = try h5id(H5Screate(H5S_SCALAR), "H5Screate")
        }
        defer { H5Sclose(space) }
        let a = try h5id(H5Acreate2(objectID, name, type, space, gaia_H5P_DEFAULT(), gaia_H5P_DEFAULT()),
                         "cannot create attribute '\(name)'")
        defer { H5Aclose(a) }
        try h5check(H5Awrite(a, type, data), "cannot write attribute '\(name)'")
    }

    private func vlenStringType() throws -> hid_t {
        _ = HDF5Library.initialize
        let t = try h5id(H5Tcopy(gaia_H5T_C_S1()), "H5Tcopy")
        H5Tset_size(t, Int(bitPattern: UInt(bitPattern: -1)))  // H5T_VARIABLE
        H5Tset_cset(t, H5T_CSET_UTF8)
        return t
    }

    public func setAttribute(_ name: String, _ value: String) throws {
        let t = try vlenStringType()
        defer { H5Tclose(t) }
        try value.withCString { cs in
            var p: UnsafePointer<CChar>? = cs
            try withUnsafePointer(to: &p) { try writeAttribute(name, type: t, count: nil, UnsafeRawPointer($0)) }
        }
    }

    public func setAttribute(_ name: String, _ values: [String]) throws {
        let t = try vlenStringType()
        defer { H5Tclose(t) }
        let cstrings = values.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        let ptrs: [UnsafePointer<CChar>?] = cstrings.map { $0.map { UnsafePointer($0) } }
        try ptrs.withUnsafeBufferPointer { try writeAttribute(name, type: t, count: values.count, UnsafeRawPointer($0.baseAddress!)) }
    }

    public func setAttribute<T: H5Scalar>(_ name: String, _ value: T) throws {
        let t = try T.h5Element.makeTypeID()
        defer { H5Tclose(t) }
        var v = value
        try withUnsafeBytes(of: &v) { try writeAttribute(name, type: t, count: nil, $0.baseAddress!) }
    }

    public func setAttribute<T: H5Scalar>(_ name: String, _ values: [T]) throws {
        let t = try T.h5Element.makeTypeID()
        defer { H5Tclose(t) }
        try values.withUnsafeBytes { raw in
            var dummy: UInt64 = 0
            if values.isEmpty {
                try withUnsafeBytes(of: &dummy) { try writeAttribute(name, type: t, count: 0, $0.baseAddress!) }
            } else {
                try writeAttribute(name, type: t, count: values.count, raw.baseAddress!)
            }
        }
    }

    public func setAttribute(_ name: String, _ value: Int) throws { try setAttribute(name, Int64(value)) }

    public func hasAttribute(_ name: String) -> Bool { H5Aexists(objectID, name) > 0 }

    /// Names of all attributes, in creation order where tracked, else name order.
    public func attributeNames() throws -> [String] {
        var info = H5O_info_t()
        try h5check(H5Oget_info2(objectID, &info, UInt32(H5O_INFO_NUM_ATTRS)), "H5Oget_info")
        var names: [String] = []
        for i in 0..<info.num_attrs {
            let n = H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, gaia_H5P_DEFAULT())
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, gaia_H5P_DEFAULT())
            names.append(String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Reads an attribute of any supported type; nil if it does not exist.
    public func attribute(_ name: String) throws -> AttributeValue? {
        guard H5Aexists(objectID, name) > 0 else { return nil }
        let a = try h5id(H5Aopen(objectID, name, gaia_H5P_DEFAULT()), "H5Aopen '\(name)'")
        defer { H5Aclose(a) }
        let t = H5Aget_type(a)
        defer { H5Tclose(t) }
        let space = H5Aget_space(a)
        defer { H5Sclose(space) }
        let n = Int(H5Sget_simple_extent_npoints(space))
        let isScalar = H5Sget_simple_extent_ndims(space) == 0
        switch H5Tget_class(t) {
        case H5T_STRING:
            var strings: [String] = []
            if H5Tis_variable_str(t) > 0 {
                let memType = try vlenStringType()
                defer { H5Tclose(memType) }
                var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(n, 1))
                try h5check(H5Aread(a, memType, &ptrs), "H5Aread '\(name)'")
                strings = ptrs.prefix(n).map { $0.map { String(cString: $0) } ?? "" }
                H5Dvlen_reclaim(memType, space, gaia_H5P_DEFAULT(), &ptrs)
            } else {
                let size = H5Tget_size(t)
                var buf = [UInt8](repeating: 0, count: size * max(n, 1))
                try h5check(H5Aread(a, t, &buf), "H5Aread '\(name)'")
                for i in 0..<n {
                    let s = buf[i * size..<(i + 1) * size].prefix { $0 != 0 }
                    strings.append(String(decoding: s, as: UTF8.self))
                }
            }
            return isScalar ? .string(strings.first ?? "") : .strings(strings)
        case H5T_INTEGER:
            var v = [Int64](repeating: 0, count: max(n, 1))
            try h5check(H5Aread(a, gaia_H5T_NATIVE_INT64(), &v), "H5Aread '\(name)'")
            return .integers(Array(v.prefix(n)))
        case H5T_FLOAT:
            var v = [Double](repeating: 0, count: max(n, 1))
            try h5check(H5Aread(a, gaia_H5T_NATIVE_DOUBLE(), &v), "H5Aread '\(name)'")
            return .doubles(Array(v.prefix(n)))
        default:
            throw HDF5Error("attribute '\(name)' has an unsupported type")
        }
    }
}
