// What a kernel needs from "all participants" to stay independent of how its data are split:
// exact sums (ExactSum, FixedPointSums) and integer sums over every participant, identical on
// each. Kernels are written against this protocol; `SingleProcess` serves one process (tests,
// serial use), GaiaIO's `MPIReduction` the ranks of an MPI communicator.

/// Global sums over all participants of a computation (MPI ranks, or just this process).
public protocol ExactReduction {
    /// Exact element-wise sum of every participant's accumulator (identical everywhere).
    func sum(_ s: ExactSum) -> ExactSum
    /// Exact element-wise sum of every participant's fixed-point sums; `maxAbs` is the largest
    /// over participants (identical everywhere).
    func sum(_ s: FixedPointSums) -> FixedPointSums
    /// Element-wise integer sum.
    func sum(_ v: [Int]) -> [Int]
}

/// A single process: the sums are the values themselves.
public struct SingleProcess: ExactReduction {
    public init() {}
    public func sum(_ s: ExactSum) -> ExactSum { s }
    public func sum(_ s: FixedPointSums) -> FixedPointSums { s }
    public func sum(_ v: [Int]) -> [Int] { v }
}
