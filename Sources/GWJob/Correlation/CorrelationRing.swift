// Steps 2 and 3 of `gw-correlation` (see CorrelationRun.swift): the fixed blocks of the selected
// sources dealt to the ranks, and the systolic ring that computes every unordered block pair
// exactly once, adding each pair's sums to an exact accumulator.
import GaiaIO
import GWAstrometry
import MPI
import Numerics

/// The N selected sources, in file order, cut into K = ⌈N/B⌉ fixed blocks of B sources (the same
/// for any number of ranks), dealt to the ranks in contiguous runs of blocks.
struct CorrelationBlocks {
    let sources: Int
    let blockSources: Int
    /// Per rank, its run of block indices.
    let runs: [RowRange]
    var count: Int { (sources + blockSources - 1) / blockSources }

    init(sources n: Int, blockSources b: Int, ranks: Int) {
        sources = n
        blockSources = b
        let k = (n + b - 1) / b
        runs = (0..<ranks).map { RowPartition.byCount(rows: k, parts: ranks, index: $0) }
    }

    /// The sources of a run of blocks.
    func sources(_ run: RowRange) -> Range<Int> { min(run.start * blockSources, sources)..<min(run.end * blockSources, sources) }

    /// Moves every rank's records (in rank order = file order) to the rank whose run holds them.
    /// Collective.
    func distribute(_ records: [Double], comm: Communicator) -> CorrelationBlockRun {
        let w = CorrelationJob.recordWidth
        let current = comm.allgather(Int64(records.count / w)).map(Int.init)
        let target = runs.map { sources($0).count }
        let mine = comm.redistribute(records, width: w, current: current, target: target)
        return run(comm.rank, records: mine)
    }

    /// Rank q's run with its records.
    func run(_ q: Int, records: [Double]) -> CorrelationBlockRun {
        CorrelationBlockRun(blocks: runs[q], sources: sources(runs[q]), records: records, blockSources: blockSources)
    }
}

/// What one rank accumulates over the ring: the exact sums, pair counts and timings.
struct CorrelationTally {
    var exact: ExactSum
    var coincident = 0, antipodal = 0, outside = 0, pairsDone = 0, blockPairs = 0
    var cpu = 0.0, wall = 0.0, transfer = 0.0
}

enum CorrelationRing {
    /// Step 3: with p ranks, step 0 pairs the own blocks; steps s = 1 … ⌊p/2⌋ pair them with the
    /// travelling run of rank r − s (passed on to r + 1 by MPI_Sendrecv). Collective.
    static func accumulate(own: CorrelationBlockRun, layout: CorrelationBlocks, binning: PairBinning,
                           progressInterval: Double, comm: Communicator) -> CorrelationTally {
        let kernel = PairCorrelationKernel(binning: binning)
        var t = CorrelationTally(exact: ExactSum(count: binning.count * PairSums.quantities))
        let planned = plannedPairs(own: own, layout: layout, comm: comm)
        let progress = ProgressReporter(label: "gw-correlation pairs (rank 0)", unit: "pairs", enabled: comm.isRoot, interval: progressInterval)
        func compute(_ x: PairSample, _ y: PairSample?) {
            let c0 = Clock.threadCPU(), w0 = Clock.wall()
            let r = y.map { kernel.cross(x, $0) } ?? kernel.diagonal(x)
            t.cpu += Clock.threadCPU() - c0
            t.wall += Clock.wall() - w0
            t.exact.add(r.values)
            t.coincident += r.coincident
            t.antipodal += r.antipodal
            t.outside += r.outside
            t.pairsDone += r.visited
            t.blockPairs += 1
            progress.update(fraction: Double(t.pairsDone) / Double(max(planned, 1)), count: t.pairsDone,
                            detail: String(format: "≈ %.3g pairs/s on %d rank(s)", Clock.rate(t.pairsDone, seconds: progress.elapsed) * Double(comm.size), comm.size))
        }
        // Step 0: the own blocks.
        for a in 0..<own.count {
            compute(own.block(a), nil)
            for c in (a + 1)..<own.count { compute(own.block(a), own.block(c)) }
        }
        // Steps 1 … ⌊p/2⌋: the travelling run of rank r − s.
        var visitor = own
        for s in stride(from: 1, through: comm.size / 2, by: 1) {
            let w0 = Clock.wall()
            let received = comm.sendrecv(visitor.records, to: (comm.rank + 1) % comm.size, from: (comm.rank - 1 + comm.size) % comm.size, tag: 7000 + s)
            t.transfer += Clock.wall() - w0
            let q = (comm.rank - s + comm.size) % comm.size
            visitor = layout.run(q, records: received)
            for a in 0..<own.count {
                for c in 0..<visitor.count where includes(own.blocks.start + a, visitor.blocks.start + c, step: s, other: q, comm: comm) {
                    // The lower-numbered block first: the same sums whichever rank computes the pair.
                    if own.blocks.start + a < visitor.blocks.start + c {
                        compute(own.block(a), visitor.block(c))
                    } else {
                        compute(visitor.block(c), own.block(a))
                    }
                }
            }
        }
        progress.update(fraction: 1, count: t.pairsDone, force: true)
        return t
    }

    /// Pairs this rank will compute over the whole ring, for the progress fraction.
    static func plannedPairs(own: CorrelationBlockRun, layout: CorrelationBlocks, comm: Communicator) -> Int {
        var planned = own.sources.count * (own.sources.count - 1) / 2
        for s in stride(from: 1, through: comm.size / 2, by: 1) {
            let q = (comm.rank - s + comm.size) % comm.size
            let theirs = CorrelationBlockRun.blockSizes(layout.runs[q], n: layout.sources, blockSources: layout.blockSources)
            for (ai, a) in own.sizes.enumerated() {
                for (bi, c) in theirs.enumerated() where includes(own.blocks.start + ai, layout.runs[q].start + bi, step: s, other: q, comm: comm) {
                    planned += a * c
                }
            }
        }
        return planned
    }

    /// Whether this rank computes block pair (own block a, block c of rank `other`) at ring step s:
    /// always, except at the tie step of an even number of ranks, where the two ranks split the
    /// pairs by parity of a + c (even: the lower rank).
    static func includes(_ a: Int, _ c: Int, step s: Int, other: Int, comm: Communicator) -> Bool {
        guard comm.size % 2 == 0 && s == comm.size / 2 else { return true }
        return ((a + c) % 2 == 0) == (comm.rank < other)
    }
}

/// A contiguous run of fixed blocks held by one rank: its records (record-major, 5 per source)
/// and the kernel samples of its blocks.
struct CorrelationBlockRun {
    let blocks: RowRange
    let sources: Range<Int>
    let records: [Double]
    let samples: [PairSample]
    var count: Int { samples.count }
    var sizes: [Int] { samples.map(\.count) }

    init(blocks: RowRange, sources: Range<Int>, records: [Double], blockSources b: Int) {
        precondition(records.count == sources.count * CorrelationJob.recordWidth, "ring: \(records.count) values for \(sources.count) sources")
        self.blocks = blocks
        self.sources = sources
        self.records = records
        let w = CorrelationJob.recordWidth
        samples = (0..<blocks.count).map { k in
            let lo = (blocks.start + k) * b - sources.lowerBound
            let hi = min(lo + b, sources.count)
            func field(_ f: Int) -> [Double] { (lo..<hi).map { records[$0 * w + f] } }
            return PairSample(raRad: field(0), decRad: field(1), pmra: field(2), pmdec: field(3), weight: field(4))
        }
    }

    func block(_ k: Int) -> PairSample { samples[k] }

    /// Sizes of the blocks of a run without its data.
    static func blockSizes(_ blocks: RowRange, n: Int, blockSources b: Int) -> [Int] {
        (blocks.start..<blocks.end).map { min(b, n - $0 * b) }
    }
}
