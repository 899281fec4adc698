// Blocking point-to-point exchanges for ring schedules and redistributions: MPI_Sendrecv of typed
// arrays (MPI-3.1 §3.10). Blocking only: Swift's array pointers live just inside their
// `withUnsafe…` closures, so no buffer is ever handed to a non-blocking call that outlives them.
// A missing partner is MPI_PROC_NULL (the call completes at once on that side).
import CMPI
import CShims

extension Communicator {
    /// Largest element count of one message (MPI counts are Int32); longer arrays go in pieces.
    static let maximumMessage = 1 << 30

    /// Sends `values` to `dest` and returns what `source` sends, in one deadlock-free blocking
    /// exchange (the counts first, then the elements in pieces of at most 2^30). nil for either
    /// partner: nothing sent / nothing received. Both partners must call it with matching tags.
    public func sendrecv<T: MPIScalar>(_ values: [T], to dest: Int?, from source: Int?, tag: Int = 0) -> [T] {
        let d = Int32(dest ?? Int(MPI_PROC_NULL)), s = Int32(source ?? Int(MPI_PROC_NULL))
        var outCount = Int64(values.count), inCount: Int64 = 0
        check(MPI_Sendrecv(&outCount, 1, Int64.mpiDatatype, d, Int32(tag), &inCount, 1, Int64.mpiDatatype, s, Int32(tag),
                           handle, gaia_MPI_STATUS_IGNORE()), "MPI_Sendrecv")
        if source == nil { inCount = 0 }
        let n = Int(inCount)
        var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var sent = 0, received = 0
                // Same number of rounds on both sides of each message: ceil(count / piece).
                while sent < values.count || received < n {
                    let a = min(Self.maximumMessage, values.count - sent), b = min(Self.maximumMessage, n - received)
                    check(MPI_Sendrecv(a > 0 ? UnsafeRawPointer(src.baseAddress! + sent) : nil, Int32(a), T.mpiDatatype,
                                       a > 0 ? d : Int32(MPI_PROC_NULL), Int32(tag),
                                       b > 0 ? UnsafeMutableRawPointer(dst.baseAddress! + received) : nil, Int32(b), T.mpiDatatype,
                                       b > 0 ? s : Int32(MPI_PROC_NULL), Int32(tag), handle, gaia_MPI_STATUS_IGNORE()), "MPI_Sendrecv")
                    sent += a
                    received += b
                }
            }
        }
        return out
    }

    /// Replaces `values` by the equally long array `source` sends, while sending it to `dest`
    /// (MPI_Sendrecv_replace: one buffer). Every rank of the exchange must pass the same count.
    public func sendrecvReplace<T: MPIScalar>(_ values: inout [T], to dest: Int, from source: Int, tag: Int = 0) {
        precondition(values.count <= Int(Int32.max), "sendrecvReplace: \(values.count) elements exceed one MPI message")
        values.withUnsafeMutableBufferPointer { p in
            check(MPI_Sendrecv_replace(p.baseAddress, Int32(p.count), T.mpiDatatype, Int32(dest), Int32(tag), Int32(source),
                                       Int32(tag), handle, gaia_MPI_STATUS_IGNORE()), "MPI_Sendrecv_replace")
        }
    }

    /// Moves a distributed array of records (`width` values each) from one contiguous layout
    /// to another: rank r holds records [start_r, start_r + current[r]) of the global order and
    /// ends with [start'_r, start'_r + target[r]), where the starts are the prefix sums of
    /// `current` and `target` (same totals; every rank passes the same two arrays). Collective:
    /// size − 1 rounds of sendrecv, round k pairing rank r with r + k and r − k; a round in which
    /// nothing moves between two ranks costs one empty exchange.
    public func redistribute<T: MPIScalar>(_ local: [T], width: Int, current: [Int], target: [Int]) -> [T] {
        precondition(current.count == size && target.count == size, "redistribute: one count per rank")
        precondition(current.reduce(0, +) == target.reduce(0, +), "redistribute: totals differ")
        precondition(local.count == current[rank] * width, "redistribute: \(local.count) values, expected \(current[rank] * width)")
        func starts(_ c: [Int]) -> [Int] { var s = [0]; for v in c { s.append(s.last! + v) }; return s }
        let cs = starts(current), ts = starts(target)
        /// Records rank `from` holds that rank `to` must end with, as a range of the global order.
        func overlap(_ from: Int, _ to: Int) -> Range<Int> {
            let lo = max(cs[from], ts[to]), hi = min(cs[from + 1], ts[to + 1])
            return lo < hi ? lo..<hi : lo..<lo
        }
        var out: [T] = []
        out.reserveCapacity(target[rank] * width)
        var pieces: [(Int, [T])] = []
        let keep = overlap(rank, rank)
        if !keep.isEmpty {
            pieces.append((keep.lowerBound, Array(local[((keep.lowerBound - cs[rank]) * width)..<((keep.upperBound - cs[rank]) * width)])))
        }
        for k in 1..<max(size, 1) where size > 1 {
            let dest = (rank + k) % size, source = (rank - k + size) % size
            let send = overlap(rank, dest), recv = overlap(source, rank)
            let payload = send.isEmpty ? [] : Array(local[((send.lowerBound - cs[rank]) * width)..<((send.upperBound - cs[rank]) * width)])
            let got = sendrecv(payload, to: dest, from: source, tag: 7100 + k % 64)
            precondition(got.count == recv.count * width, "redistribute: received \(got.count) values from rank \(source), expected \(recv.count * width)")
            if !recv.isEmpty { pieces.append((recv.lowerBound, got)) }
        }
        for (_, p) in pieces.sorted(by: { $0.0 < $1.0 }) { out += p }
        precondition(out.count == target[rank] * width, "redistribute: ended with \(out.count) values, expected \(target[rank] * width)")
        return out
    }
}
