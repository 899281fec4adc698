// The element types GaiaMine stores, mapped to HDF5's native types.
import CHDF5
import CShims

/// Element type of a dataset or attribute.
public enum H5Element: Equatable, Sendable, CustomStringConvertible {
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64
    /// Fixed-length, null-padded ASCII/UTF-8 string of this many bytes.
    case string(Int)

    public var byteWidth: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        case .string(let n): return n
        }
    }

    public var description: String {
        switch self {
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .float32: return "float32"
        case .float64: return "float64"
        case .string(let n): return "string[\(n)]"
        }
    }

    /// A new HDF5 type id for this element (caller closes it with H5Tclose).
    func makeTypeID() throws -> hid_t {
        _ = HDF5Library.initialize
        let base: hid_t
        switch self {
        case .int8: base = gaia_H5T_NATIVE_INT8()
        case .int16: base = gaia_H5T_NATIVE_INT16()
        case .int32: base = gaia_H5T_NATIVE_INT32()
        case .int64: base = gaia_H5T_NATIVE_INT64()
        case .uint8: base = gaia_H5T_NATIVE_UINT8()
        case .uint16: base = gaia_H5T_NATIVE_UINT16()
        case .uint32: base = gaia_H5T_NATIVE_UINT32()
        case .uint64: base = gaia_H5T_NATIVE_UINT64()
        case .float32: base = gaia_H5T_NATIVE_FLOAT()
        case .float64: base = gaia_H5T_NATIVE_DOUBLE()
        case .string(let n):
            let t = try h5id(H5Tcopy(gaia_H5T_C_S1()), "H5Tcopy")
            try h5check(H5Tset_size(t, max(n, 1)), "H5Tset_size")
            try h5check(H5Tset_strpad(t, H5T_STR_NULLPAD), "H5Tset_strpad")
            try h5check(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset")
            return t
        }
        return try h5id(H5Tcopy(base), "H5Tcopy")
    }

    /// The element type of an existing HDF5 type id.
    static func from(typeID t: hid_t) throws -> H5Element {
        let size = H5Tget_size(t)
        switch H5Tget_class(t) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(t) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): return .int8
            case (2, true): return .int16
            case (4, true): return .int32
            case (8, true): return .int64
            case (1, false): return .uint8
            case (2, false): return .uint16
            case (4, false): return .uint32
            case (8, false): return .uint64
            default: break
            }
        case H5T_FLOAT:
            if size == 4 { return .float32 }
            if size == 8 { return .float64 }
        case H5T_STRING:
            if H5Tis_variable_str(t) > 0 { throw HDF5Error("variable-length strings are not supported") }
            return .string(size)
        case H5T_ENUM:
            // h5py stores numpy bool as an int8 enum {FALSE, TRUE}.
            if size == 1 { return .int8 }
        default: break
        }
        throw HDF5Error("unsupported HDF5 datatype (class \(H5Tget_class(t).rawValue), size \(size))")
    }
}

/// Swift scalar types that have a native HDF5 counterpart.
public protocol H5Scalar { static var h5Element: H5Element { get } }
extension Int8: H5Scalar { public static var h5Element: H5Element { .int8 } }
extension Int16: H5Scalar { public static var h5Element: H5Element { .int16 } }
extension Int32: H5Scalar { public static var h5Element: H5Element { .int32 } }
extension Int64: H5Scalar { public static var h5Element: H5Element { .int64 } }
extension UInt8: H5Scalar { public static var h5Element: H5Element { .uint8 } }
extension UInt16: H5Scalar { public static var h5Element: H5Element { .uint16 } }
extension UInt32: H5Scalar { public static var h5Element: H5Element { .uint32 } }
extension UInt64: H5Scalar { public static var h5Element: H5Element { .uint64 } }
extension Float: H5Scalar { public static var h5Element: H5Element { .float32 } }
extension Double: H5Scalar { public static var h5Element: H5Element { .float64 } }
