// A job's statistics reduced over ranks in a few collectives instead of one per field: each
// value is added to the pack with its operation (the returned slot says where it went), the pack
// does one MPI_Allreduce per element type and operation in use — typically two or three in all —
// and each value is read back by its slot. The reduction is element-wise, so every value is what
// its own allreduce would have given (integer sums and all maxima and minima exactly).
import MPI

public struct ReductionPack {
    /// Where a value sits: its operation and its positions in that operation's array.
    public struct Slot<Value> {
        fileprivate let lane: Int
        fileprivate let range: Range<Int>
    }

    /// The operations a pack supports, in the order of its lanes.
    private static let operations: [ReductionOp] = [.sum, .max, .min]
    private var ints = [[Int]](repeating: [], count: operations.count)
    private var doubles = [[Double]](repeating: [], count: operations.count)

    public init() {}

    private static func lane(_ op: ReductionOp) -> Int {
        guard let l = operations.firstIndex(of: op) else { preconditionFailure("ReductionPack: \(op) is not sum, max or min") }
        return l
    }

    public mutating func add(_ values: [Int], _ op: ReductionOp) -> Slot<[Int]> { Self.append(values, op, to: &ints) }
    public mutating func add(_ value: Int, _ op: ReductionOp) -> Slot<Int> { Self.append([value], op, to: &ints) }
    public mutating func add(_ values: [Double], _ op: ReductionOp) -> Slot<[Double]> { Self.append(values, op, to: &doubles) }
    public mutating func add(_ value: Double, _ op: ReductionOp) -> Slot<Double> { Self.append([value], op, to: &doubles) }

    private static func append<T, V>(_ values: [T], _ op: ReductionOp, to lanes: inout [[T]]) -> Slot<V> {
        let l = lane(op), start = lanes[l].count
        lanes[l] += values
        return Slot(lane: l, range: start..<lanes[l].count)
    }

    /// The values reduced over ranks. Collective: every rank must have added values of the same
    /// lengths with the same operations in the same order (lanes left empty are skipped on all).
    public func reduced(_ comm: Communicator) -> Reduced {
        func reduce<T: MPIScalar>(_ lanes: [[T]]) -> [[T]] {
            zip(lanes, Self.operations).map { v, op in v.isEmpty ? v : comm.allreduce(v, op) }
        }
        return Reduced(ints: reduce(ints), doubles: reduce(doubles))
    }

    /// Reduced values, read by the slots `add` returned.
    public struct Reduced {
        fileprivate let ints: [[Int]]
        fileprivate let doubles: [[Double]]
        public subscript(_ s: Slot<Int>) -> Int { ints[s.lane][s.range.lowerBound] }
        public subscript(_ s: Slot<[Int]>) -> [Int] { Array(ints[s.lane][s.range]) }
        public subscript(_ s: Slot<Double>) -> Double { doubles[s.lane][s.range.lowerBound] }
        public subscript(_ s: Slot<[Double]>) -> [Double] { Array(doubles[s.lane][s.range]) }
    }
}
