// The rows of a pair search held by one rank — its own, the halo received from other ranks, the
// broadcast large-radius rows — in one structure of arrays that can be gathered, appended and
// moved between ranks: position, search radius, a globally unique key, source_id, the side (0:
// the selection, 1: its shifted copy) and the payload columns the pair expressions name (typed,
// with null masks, so `a.phot_variable_flag` or a null int keep their meaning after a move).
import Expressions
import MPI
import Pairs

struct PairRows {
    var ra: [Double] = [], dec: [Double] = []
    /// Search radius, arcsec (finite, ≥ 0).
    var radius: [Double] = []
    /// Unique over the whole run: the row's index in the table (shifted copies: + the row count).
    var key: [Int64] = []
    var sourceId: [Int64] = []
    var side: [UInt8] = []
    /// Scalar columns named by pair expressions (`a.X`, `b.X` → X), the same names on every rank.
    var payloadNames: [String] = []
    var payload: [PayloadColumn] = []

    var count: Int { key.count }

    init(payloadNames: [String] = [], kinds: [ElementKind] = []) {
        self.payloadNames = payloadNames
        payload = kinds.map(PayloadColumn.init(kind:))
    }

    /// Unit vectors for the kernel.
    var points: SkyPoints { SkyPoints(raDeg: ra, decDeg: dec) }

    func pairSet(withSides: Bool) -> PairSet {
        PairSet(points: points, radii: radius, keys: key, sides: withSides ? side : nil)
    }

    func gather(_ idx: [Int]) -> PairRows {
        var out = PairRows()
        out.ra = idx.map { ra[$0] }; out.dec = idx.map { dec[$0] }; out.radius = idx.map { radius[$0] }
        out.key = idx.map { key[$0] }; out.sourceId = idx.map { sourceId[$0] }; out.side = idx.map { side[$0] }
        out.payloadNames = payloadNames
        out.payload = payload.map { $0.gather(idx) }
        return out
    }

    /// Room for `n` rows in every column (no regrowth while chunks are appended).
    mutating func reserveCapacity(_ n: Int) {
        ra.reserveCapacity(n); dec.reserveCapacity(n); radius.reserveCapacity(n)
        key.reserveCapacity(n); sourceId.reserveCapacity(n); side.reserveCapacity(n)
        for j in payload.indices { payload[j].reserveCapacity(n) }
    }

    mutating func append(_ o: PairRows) {
        ra += o.ra; dec += o.dec; radius += o.radius; key += o.key; sourceId += o.sourceId; side += o.side
        for j in payload.indices { payload[j].append(o.payload[j]) }
    }

    /// Rows `idx[k]` sent to rank `rank[k]` (ascending ranks); returns what this rank receives,
    /// in source-rank order. One Alltoallv per column.
    func exchange(_ idx: [Int], to rank: [Int32], _ comm: Communicator) -> PairRows {
        var counts = [Int](repeating: 0, count: comm.size)
        for r in rank { counts[Int(r)] += 1 }
        return gather(idx).transfer(AllToAllMove(comm: comm, counts: counts))
    }

    /// Every rank's rows, on every rank, in rank order.
    func allgathered(_ comm: Communicator) -> PairRows { transfer(AllGatherMove(comm: comm)) }

    /// Applies one collective data movement to every column (the same on every rank).
    private func transfer<M: ColumnMove>(_ move: M) -> PairRows {
        var out = PairRows()
        out.ra = move(ra); out.dec = move(dec); out.radius = move(radius)
        out.key = move(key); out.sourceId = move(sourceId); out.side = move(side)
        out.payloadNames = payloadNames
        out.payload = payload.map { $0.transfer(move) }
        return out
    }
}

/// A collective movement of one column's values, whatever their element type.
protocol ColumnMove { func callAsFunction<T: MPIScalar>(_ values: [T]) -> [T] }

struct AllToAllMove: ColumnMove {
    let comm: Communicator, counts: [Int]
    func callAsFunction<T: MPIScalar>(_ values: [T]) -> [T] { comm.alltoallv(values, sendCounts: counts).values }
}

struct AllGatherMove: ColumnMove {
    let comm: Communicator
    func callAsFunction<T: MPIScalar>(_ values: [T]) -> [T] { comm.allgatherv(values).values }
}

/// One payload column: values of one kind and the null mask (true: null).
struct PayloadColumn {
    var values: ExpressionColumn.Values
    var null: [Bool] = []

    init(kind: ElementKind) {
        switch kind {
        case .float: values = .float([])
        case .int: values = .int([])
        case .bool: values = .bool([])
        }
    }

    init(values: ExpressionColumn.Values, null: [Bool]) { self.values = values; self.null = null }

    var kind: ElementKind {
        switch values {
        case .float: return .float
        case .int: return .int
        case .bool: return .bool
        }
    }

    var expressionColumn: ExpressionColumn {
        ExpressionColumn(values: values, null: null.contains(true) ? null : nil)
    }

    /// A whole batch column (scalar), nulls materialised.
    init(_ c: ExpressionColumn, count: Int) {
        values = c.values
        null = c.null ?? [Bool](repeating: false, count: count)
    }

    /// The rows `idx` of a batch column (scalar), nulls materialised.
    init(_ c: ExpressionColumn, rows idx: [Int]) {
        switch c.values {
        case .float(let v): values = .float(idx.map { v[$0] })
        case .int(let v): values = .int(idx.map { v[$0] })
        case .bool(let v): values = .bool(idx.map { v[$0] })
        }
        null = c.null.map { n in idx.map { n[$0] } } ?? [Bool](repeating: false, count: idx.count)
    }

    func gather(_ idx: [Int]) -> PayloadColumn {
        let v: ExpressionColumn.Values
        switch values {
        case .float(let x): v = .float(idx.map { x[$0] })
        case .int(let x): v = .int(idx.map { x[$0] })
        case .bool(let x): v = .bool(idx.map { x[$0] })
        }
        return PayloadColumn(values: v, null: idx.map { null[$0] })
    }

    /// The rows `idx` as an expression column: `gather(idx).expressionColumn` without gathering
    /// the null mask when `nulls` is false (the column has no null, so neither has the subset).
    func expressionColumn(_ idx: [Int], nulls: Bool) -> ExpressionColumn {
        if nulls { return gather(idx).expressionColumn }
        switch values {
        case .float(let x): return ExpressionColumn(values: .float(idx.map { x[$0] }))
        case .int(let x): return ExpressionColumn(values: .int(idx.map { x[$0] }))
        case .bool(let x): return ExpressionColumn(values: .bool(idx.map { x[$0] }))
        }
    }

    /// Appends in place: the values are taken out of the enum first (leaving it empty), so the
    /// array is uniquely referenced and grows geometrically — `a + b` copied the whole column on
    /// every chunk read.
    mutating func append(_ o: PayloadColumn) {
        let taken = values
        values = .bool([])
        switch (taken, o.values) {
        case (.float(var a), .float(let b)): a += b; values = .float(a)
        case (.int(var a), .int(let b)): a += b; values = .int(a)
        case (.bool(var a), .bool(let b)): a += b; values = .bool(a)
        default: preconditionFailure("payload kinds differ between ranks")
        }
        null += o.null
    }

    mutating func reserveCapacity(_ n: Int) {
        let taken = values
        values = .bool([])
        switch taken {
        case .float(var a): a.reserveCapacity(n); values = .float(a)
        case .int(var a): a.reserveCapacity(n); values = .int(a)
        case .bool(var a): a.reserveCapacity(n); values = .bool(a)
        }
        null.reserveCapacity(n)
    }

    func transfer<M: ColumnMove>(_ move: M) -> PayloadColumn {
        let v: ExpressionColumn.Values
        switch values {
        case .float(let x): v = .float(move(x))
        case .int(let x): v = .int(move(x))
        case .bool(let x): v = .bool(move(x.map { UInt8($0 ? 1 : 0) }).map { $0 != 0 })
        }
        return PayloadColumn(values: v, null: move(null.map { UInt8($0 ? 1 : 0) }).map { $0 != 0 })
    }
}
