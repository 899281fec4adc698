// A typed Swift face for an MPI communicator: rank, size and the collectives GaiaMine uses.
// Every collective must be called by every rank in the same order (MPI-3.1 §5.1); the methods
// here add nothing that could make ranks diverge. Buffers are passed only to blocking calls, so
// Swift's array pointers never outlive their `withUnsafe…` closures.
import CMPI
import CShims
#if canImport(Glibc)
import Glibc
#endif

/// Element types that map onto an MPI datatype.
public protocol MPIScalar { static var mpiDatatype: MPI_Datatype { get } }
extension Double: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_DOUBLE() } }
extension Float: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_FLOAT() } }
extension Int64: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_INT64_T() } }
extension Int32: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_INT32_T() } }
extension Int16: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_INT16_T() } }
extension Int8: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_INT8_T() } }
extension UInt8: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_UINT8_T() } }
extension UInt64: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_UINT64_T() } }
extension Int: MPIScalar { public static var mpiDatatype: MPI_Datatype { gaia_MPI_INT64_T() } }

/// Reduction operations.
public enum ReductionOp: Sendable {
    case sum, max, min, logicalOr, logicalAnd
    var mpiOp: MPI_Op {
        switch self {
        case .sum: return gaia_MPI_SUM()
        case .max: return gaia_MPI_MAX()
        case .min: return gaia_MPI_MIN()
        case .logicalOr: return gaia_MPI_LOR()
        case .logicalAnd: return gaia_MPI_LAND()
        }
    }
}

/// An MPI error, with MPI's own error string.
public struct MPIError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public var description: String {
        var buf = [CChar](repeating: 0, count: Int(gaia_MPI_MAX_ERROR_STRING()) + 1)
        var len: Int32 = 0
        MPI_Error_string(code, &buf, &len)
        return "\(call) failed: \(String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self))"
    }
}

@inline(__always) func check(_ rc: Int32, _ call: @autoclosure () -> String) {
    // MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts the job on error; this check is
    // for communicators set to return errors.
    if rc != gaia_MPI_SUCCESS() { fatalError(MPIError(call: call(), code: rc).description) }
}

/// A communicator. `Communicator.world` is MPI_COMM_WORLD (a computed value: Swift 6 forbids a
/// global `let` of the C handle type, which is not Sendable).
public struct Communicator: @unchecked Sendable {
    public let handle: MPI_Comm

    public init(handle: MPI_Comm) { self.handle = handle }

    public static var world: Communicator { Communicator(handle: gaia_MPI_COMM_WORLD()) }
    public static var `self`: Communicator { Communicator(handle: gaia_MPI_COMM_SELF()) }

    public var rank: Int {
        var r: Int32 = 0
        MPI_Comm_rank(handle, &r)
        return Int(r)
    }

    public var size: Int {
        var s: Int32 = 0
        MPI_Comm_size(handle, &s)
        return Int(s)
    }

    public var isRoot: Bool { rank == 0 }

    public func barrier() { check(MPI_Barrier(handle), "MPI_Barrier") }

    /// Ends the whole job (every rank of MPI_COMM_WORLD) after printing `message` with the rank
    /// to standard error: the GADGET-4 rule that a failure on one rank must not hang the others.
    public func abort(message: String, code: Int32 = 1) -> Never {
        let text = "gaiamine: error (rank \(rank) of \(size)): \(message)\n"
        fputs(text, stderr)
        fflush(stderr)
        fflush(stdout)
        MPI_Abort(handle, code)
        exit(code)
    }

    // MARK: broadcast

    public func broadcast<T: MPIScalar>(_ values: inout [T], root: Int = 0) {
        var n = Int64(values.count)
        check(MPI_Bcast(&n, 1, Int64.mpiDatatype, Int32(root), handle), "MPI_Bcast")
        if rank != root { values = [T](unsafeUninitializedCapacity: Int(n)) { _, c in c = Int(n) } }
        values.withUnsafeMutableBufferPointer { p in
            if n > 0 { check(MPI_Bcast(p.baseAddress, Int32(n), T.mpiDatatype, Int32(root), handle), "MPI_Bcast") }
        }
    }

    public func broadcast<T: MPIScalar>(_ value: T, root: Int = 0) -> T {
        var v = [value]
        broadcast(&v, root: root)
        return v[0]
    }

    /// Broadcasts raw bytes (e.g. an encoded message or parameter file).
    public func broadcast(bytes: [UInt8], root: Int = 0) -> [UInt8] {
        var b = bytes
        broadcast(&b, root: root)
        return b
    }

    public func broadcast(string: String, root: Int = 0) -> String {
        String(decoding: broadcast(bytes: Array(string.utf8), root: root), as: UTF8.self)
    }

    // MARK: reductions

    public func allreduce<T: MPIScalar>(_ values: [T], _ op: ReductionOp) -> [T] {
        var out = values
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Allreduce(src.baseAddress, dst.baseAddress, Int32(values.count), T.mpiDatatype, op.mpiOp, handle),
                      "MPI_Allreduce")
            }
        }
        return out
    }

    public func allreduce<T: MPIScalar>(_ value: T, _ op: ReductionOp) -> T { allreduce([value], op)[0] }

    /// Logical OR of a flag over all ranks (used to agree that some rank failed).
    public func any(_ flag: Bool) -> Bool { allreduce(Int32(flag ? 1 : 0), .max) != 0 }

    /// Exclusive prefix sum (MPI_Exscan): rank r gets op(values of ranks 0..<r); rank 0 gets zero.
    public func exscan<T: MPIScalar & AdditiveArithmetic>(_ value: T) -> T {
        let v = [value]
        var out = [T.zero]
        v.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Exscan(src.baseAddress, dst.baseAddress, 1, T.mpiDatatype, gaia_MPI_SUM(), handle), "MPI_Exscan")
            }
        }
        return rank == 0 ? .zero : out[0]
    }

    // MARK: gathers

    /// Every rank's equal-length contribution, concatenated in rank order, on every rank.
    public func allgather<T: MPIScalar>(_ values: [T]) -> [T] {
        let n = values.count
        var out = [T](unsafeUninitializedCapacity: n * size) { _, c in c = n * size }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Allgather(src.baseAddress, Int32(n), T.mpiDatatype, dst.baseAddress, Int32(n), T.mpiDatatype, handle),
                      "MPI_Allgather")
            }
        }
        return out
    }

    public func allgather<T: MPIScalar>(_ value: T) -> [T] { allgather([value]) }

    /// Variable-length contributions concatenated in rank order on every rank; also returns
    /// each rank's count.
    public func allgatherv<T: MPIScalar>(_ values: [T]) -> (values: [T], counts: [Int]) {
        let counts = allgather(Int32(values.count)).map(Int.init)
        var displs = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) where r < size { displs[r] = displs[r - 1] + Int32(counts[r - 1]) }
        let total = counts.reduce(0, +)
        var out = [T](unsafeUninitializedCapacity: total) { _, c in c = total }
        let counts32 = counts.map { Int32($0) }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Allgatherv(src.baseAddress, Int32(values.count), T.mpiDatatype,
                                     dst.baseAddress, counts32, displs, T.mpiDatatype, handle), "MPI_Allgatherv")
            }
        }
        return (out, counts)
    }

    /// Variable-length contributions gathered on `root` only (others get []).
    public func gatherv<T: MPIScalar>(_ values: [T], root: Int = 0) -> [T] {
        var n = Int32(values.count)
        var counts = [Int32](repeating: 0, count: size)
        counts.withUnsafeMutableBufferPointer { c in
            check(MPI_Gather(&n, 1, Int32.mpiDatatype, c.baseAddress, 1, Int32.mpiDatatype, Int32(root), handle), "MPI_Gather")
        }
        var displs = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) where r < size { displs[r] = displs[r - 1] + counts[r - 1] }
        let total = rank == root ? Int(counts.reduce(0, +)) : 0
        var out = [T](unsafeUninitializedCapacity: total) { _, c in c = total }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Gatherv(src.baseAddress, n, T.mpiDatatype, dst.baseAddress, counts, displs, T.mpiDatatype,
                                  Int32(root), handle), "MPI_Gatherv")
            }
        }
        return out
    }

    /// Gathers each rank's string on every rank (e.g. per-rank error messages).
    public func allgather(string: String) -> [String] {
        let (bytes, counts) = allgatherv(Array(string.utf8))
        var out: [String] = []
        var start = 0
        for c in counts {
            out.append(String(decoding: bytes[start..<start + c], as: UTF8.self))
            start += c
        }
        return out
    }
}
