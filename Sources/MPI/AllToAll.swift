// Personalised all-to-all exchange of typed arrays (MPI_Alltoallv, MPI-3.1 §5.8): rank r sends
// `sendCounts[d]` consecutive elements of its array to each rank d (in rank order) and receives
// every rank's piece for it, concatenated in source-rank order. Used to move rows to the rank that
// owns their group (GaiaIO's GroupedStatistics). MPI counts and displacements are Int32: when
// every count and displacement of this call fits, one MPI_Alltoallv does it; otherwise the
// exchange runs in rounds, each moving at most `limit / size` elements per pair through packed
// buffers (so no displacement exceeds `limit`), the number of rounds agreed over ranks.
// Blocking only: buffers live inside their `withUnsafe…` closures.
import CMPI
import CShims

extension Communicator {
    /// Sends `values[prefix(sendCounts)[d] ..< … + sendCounts[d]]` to rank d for every d; returns
    /// the received elements in source-rank order and how many came from each rank. Collective.
    public func alltoallv<T: MPIScalar>(_ values: [T], sendCounts: [Int]) -> (values: [T], counts: [Int]) {
        alltoallv(values, sendCounts: sendCounts, limit: Int(Int32.max))
    }

    /// `limit` (the largest MPI count or displacement used) is a parameter so tests can force rounds.
    func alltoallv<T: MPIScalar>(_ values: [T], sendCounts: [Int], limit: Int) -> (values: [T], counts: [Int]) {
        precondition(sendCounts.count == size, "alltoallv: \(sendCounts.count) send counts for \(size) ranks")
        precondition(sendCounts.reduce(0, +) == values.count, "alltoallv: send counts sum to \(sendCounts.reduce(0, +)), \(values.count) values given")
        // Counts travel as Int64, so they are never truncated.
        let recvCounts = alltoall(sendCounts.map(Int64.init)).map(Int.init)
        let sendStarts = Self.starts(sendCounts), recvStarts = Self.starts(recvCounts)
        let total = recvStarts[size]
        var out = [T](unsafeUninitializedCapacity: total) { _, c in c = total }
        let fits = allreduce(max(values.count, total) <= limit ? 0 : 1, .max) == 0
        if fits {
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    check(MPI_Alltoallv(src.baseAddress, sendCounts.map(Int32.init), sendStarts.dropLast().map(Int32.init), T.mpiDatatype,
                                        dst.baseAddress, recvCounts.map(Int32.init), recvStarts.dropLast().map(Int32.init), T.mpiDatatype,
                                        handle), "MPI_Alltoallv")
                }
            }
            return (out, recvCounts)
        }
        // Rounds: piece k of pair (r, d) is elements [k·piece, (k + 1)·piece) of r's block for d.
        let piece = max(1, limit / size)
        let largest = allreduce(max(sendCounts.max() ?? 0, recvCounts.max() ?? 0), .max)
        let rounds = (largest + piece - 1) / piece
        for k in 0..<rounds {
            let send = (0..<size).map { d in max(0, min(piece, sendCounts[d] - k * piece)) }
            let recv = (0..<size).map { s in max(0, min(piece, recvCounts[s] - k * piece)) }
            var packed: [T] = []
            packed.reserveCapacity(send.reduce(0, +))
            for d in 0..<size where send[d] > 0 {
                packed += values[(sendStarts[d] + k * piece)..<(sendStarts[d] + k * piece + send[d])]
            }
            let got = alltoallvOnce(packed, send, recv)
            var at = 0
            for s in 0..<size where recv[s] > 0 {
                out.replaceSubrange((recvStarts[s] + k * piece)..<(recvStarts[s] + k * piece + recv[s]), with: got[at..<(at + recv[s])])
                at += recv[s]
            }
        }
        return (out, recvCounts)
    }

    /// One element from every rank to every rank (MPI_Alltoall).
    public func alltoall<T: MPIScalar>(_ values: [T]) -> [T] {
        precondition(values.count == size, "alltoall: \(values.count) values for \(size) ranks")
        var out = values
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Alltoall(src.baseAddress, 1, T.mpiDatatype, dst.baseAddress, 1, T.mpiDatatype, handle), "MPI_Alltoall")
            }
        }
        return out
    }

    private func alltoallvOnce<T: MPIScalar>(_ values: [T], _ send: [Int], _ recv: [Int]) -> [T] {
        let total = recv.reduce(0, +)
        var out = [T](unsafeUninitializedCapacity: total) { _, c in c = total }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                check(MPI_Alltoallv(src.baseAddress, send.map(Int32.init), Self.starts(send).dropLast().map(Int32.init), T.mpiDatatype,
                                    dst.baseAddress, recv.map(Int32.init), Self.starts(recv).dropLast().map(Int32.init), T.mpiDatatype,
                                    handle), "MPI_Alltoallv")
            }
        }
        return out
    }

    /// Prefix sums with a leading 0 (size + 1 entries).
    static func starts(_ counts: [Int]) -> [Int] {
        var s = [0]
        s.reserveCapacity(counts.count + 1)
        for c in counts { s.append(s.last! + c) }
        return s
    }
}
