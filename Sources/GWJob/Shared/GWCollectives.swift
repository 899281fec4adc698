// MPI for the GW kernels: the exact (rank-independent) reduction the kernels are written
// against, and gathering a distributed proper-motion sample on every rank.
import GWAstrometry
import MPI

/// `GWReduction` over an MPI communicator. Exact sums: each rank normalises its accumulator
/// (digits in [0, 2^32)), the ranks agree on the digits in use, and the Int64 digits are summed
/// with MPI_Allreduce — integer addition, so the total is exact and identical on every rank
/// for any number of ranks (< 2^31).
public struct MPIReduction: GWReduction {
    public let comm: Communicator
    public init(_ comm: Communicator) { self.comm = comm }

    public func sum(_ s: ExactSum) -> ExactSum {
        var local = s
        local.normalize()
        let used = local.occupiedDigits()
        let lo = comm.allreduce(used.isEmpty ? ExactSum.digits : used.lowerBound, .min)
        let hi = comm.allreduce(used.isEmpty ? 0 : used.upperBound, .max)
        let digits = lo < hi ? lo..<hi : 0..<0
        let total = comm.allreduce(local.packed(digits: digits), .sum)
        return ExactSum(count: s.count, digits: digits, packed: total)
    }

    public func sum(_ v: [Int]) -> [Int] { comm.allreduce(v, .sum) }
}

extension ProperMotions {
    /// Every rank's sources concatenated in rank order, on every rank (for kernels that need
    /// all pairs). Collective.
    public func allgathered(_ comm: Communicator) -> ProperMotions {
        var o = ProperMotions()
        o.sourceID = comm.allgatherv(sourceID).values
        o.row = comm.allgatherv(row.map(Int64.init)).values.map(Int.init)
        o.ra = comm.allgatherv(ra).values
        o.dec = comm.allgatherv(dec).values
        o.pmra = comm.allgatherv(pmra).values
        o.pmdec = comm.allgatherv(pmdec).values
        o.pmraError = comm.allgatherv(pmraError).values
        o.pmdecError = comm.allgatherv(pmdecError).values
        o.correlation = comm.allgatherv(correlation).values
        return o
    }
}
