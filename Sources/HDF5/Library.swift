// HDF5 library start-up, errors and the id handle every object wraps.
// Parallel HDF5 (the MPI-IO virtual file driver) is used for every file that several ranks
// open; the serial default driver for single-process tools (inspect, tests).
import CHDF5
import CShims

/// An HDF5 failure, naming the operation and the object.
public struct HDF5Error: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "HDF5: \(message)" }
}

public enum HDF5Library {
    /// Initialises the library once (H5open must run before the predefined type ids are read)
    /// and turns off HDF5's automatic error-stack printing: failures surface as Swift errors
    /// with our own messages instead of pages of stack on every rank.
    public static let initialize: Void = {
        H5open()
        H5Eset_auto2(gaia_H5E_DEFAULT(), nil, nil)
    }()

    /// Library version as "major.minor.release".
    public static var version: String {
        _ = initialize
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0
        H5get_libversion(&a, &b, &c)
        return "\(a).\(b).\(c)"
    }
}

@inline(__always) func h5check(_ rc: herr_t, _ what: @autoclosure () -> String) throws {
    if rc < 0 { throw HDF5Error(what()) }
}

@inline(__always) func h5id(_ id: hid_t, _ what: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw HDF5Error(what()) }
    return id
}

/// Owns an HDF5 identifier and closes it with the right H5?close when released.
public final class Handle {
    public let id: hid_t
    private let closer: (hid_t) -> herr_t
    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }
    deinit { _ = closer(id) }
}

/// Property lists are created and closed around single calls.
func withPropertyList<R>(_ cls: hid_t, _ body: (hid_t) throws -> R) throws -> R {
    let p = try h5id(H5Pcreate(cls), "H5Pcreate")
    defer { H5Pclose(p) }
    return try body(p)
}
