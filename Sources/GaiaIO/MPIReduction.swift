// The exact reductions of Numerics over an MPI communicator, for any job whose kernel is written
// against `ExactReduction` (the GW fits) or that accumulates ExactSum / FixedPointSums itself
// (the pair correlation, the plane-wave search). Integer additions only, so every total is exact
// and identical on every rank for any number of ranks (< 2^31).
import MPI
import Numerics

public struct MPIReduction: ExactReduction {
    public let comm: Communicator
    public init(_ comm: Communicator) { self.comm = comm }

    /// Each rank normalises its accumulator (digits in [0, 2^32)), the ranks agree on the digits
    /// in use, and those Int64 digits are summed with MPI_Allreduce.
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

    /// Each rank normalises its sums; the three digit arrays (each as large as the sums) are
    /// summed one at a time with MPI_Allreduce, so no rank ever holds a concatenated copy.
    public func sum(_ s: FixedPointSums) -> FixedPointSums {
        var local = s
        local.normalize()
        return FixedPointSums(low: comm.allreduce(local.low, .sum), middle: comm.allreduce(local.middle, .sum),
                              high: comm.allreduce(local.high, .sum), maxAbs: comm.allreduce(local.maxAbs, .max),
                              rejected: comm.allreduce(local.rejected, .sum))
    }

    public func sum(_ v: [Int]) -> [Int] { comm.allreduce(v, .sum) }
}
