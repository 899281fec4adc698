// HDF5 library start-up, errors and the id handle every object wraps.
// Parallel HDF5 (the MPI-IO virtual file driver) is used for every file that several ranks
// open; the serial default driver for single-process tools (inspect, tests).
import CHDF5
import CShims

/// An HDF5 failure, naming the operation and the object, and — when an HDF5 call failed — the
/// library's own error stack (HDF5 no longer prints it to stderr: see `HDF5Library.initialize`).
public struct HDF5Error: Error, CustomStringConvertible {
    public let message: String
    /// HDF5's error stack at the failure, API call first, innermost function last; one entry per
    /// level in HDF5's own format ("#000: H5F.c line 620 in H5Fopen(): unable to open file" with
    /// its major and minor messages). Empty for failures our code detected itself.
    public let stack: [String]

    public init(_ message: String, stack: [String] = []) {
        self.message = message
        self.stack = stack
    }

    /// The error of the HDF5 call that just failed, with the stack that call left behind.
    public static func failed(_ message: String) -> HDF5Error { HDF5Error(message, stack: HDF5Library.takeErrorStack()) }

    public var description: String {
        stack.isEmpty ? "HDF5: \(message)" : "HDF5: \(message)\nHDF5 error stack:\n" + stack.joined(separator: "\n")
    }
}

public enum HDF5Library {
    /// Initialises the library once (H5open must run before the predefined type ids are read)
    /// and turns off HDF5's automatic error-stack printing: failures surface as Swift errors
    /// that carry the stack (`HDF5Error.stack`) instead of pages of stack on every rank's stderr.
    public static let initialize: Void = {
        H5open()
        H5Eset_auto2(gaia_H5E_DEFAULT(), nil, nil)
    }()

    /// HDF5's current error stack (H5E_DEFAULT: this thread's), walked from the API call down to
    /// where the error was detected and formatted as H5Eprint2 prints it; then cleared, so that
    /// a later failure reports only its own entries. (Every API call clears the stack on entry,
    /// so right after a failed call it holds exactly that call's errors.)
    public static func takeErrorStack() -> [String] {
        _ = initialize
        var entries: [String] = []
        withUnsafeMutablePointer(to: &entries) { out in
            _ = H5Ewalk2(gaia_H5E_DEFAULT(), H5E_WALK_DOWNWARD, { n, e, data in
                guard let e, let data else { return 0 }
                let err = e.pointee
                func text(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
                let index = String(n)
                let head = "  #" + String(repeating: "0", count: max(0, 3 - index.count)) + index + ": " + "\(text(err.file_name)) line \(err.line) in \(text(err.func_name))(): \(text(err.desc))"
                data.assumingMemoryBound(to: [String].self).pointee.append(
                    head + "\n    major: \(HDF5Library.message(err.maj_num))\n    minor: \(HDF5Library.message(err.min_num))")
                return 0
            }, UnsafeMutableRawPointer(out))
        }
        H5Eclear2(gaia_H5E_DEFAULT())
        return entries
    }

    /// The text of an HDF5 major or minor error message id.
    static func message(_ id: hid_t) -> String {
        let n = H5Eget_msg(id, nil, nil, 0)
        guard n > 0 else { return "(no message)" }
        var buf = [CChar](repeating: 0, count: Int(n) + 1)
        _ = H5Eget_msg(id, nil, &buf, buf.count)
        return String(cString: buf)
    }

    /// Library version as "major.minor.release".
    public static var version: String {
        _ = initialize
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0
        H5get_libversion(&a, &b, &c)
        return "\(a).\(b).\(c)"
    }
}

@inline(__always) func h5check(_ rc: herr_t, _ what: @autoclosure () -> String) throws {
    if rc < 0 { throw HDF5Error.failed(what()) }
}

@inline(__always) func h5id(_ id: hid_t, _ what: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw HDF5Error.failed(what()) }
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
