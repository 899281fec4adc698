// The parallel all-pairs proper-motion correlation (`gaiamine gw-correlation`).
//
// 1. Read: every rank reads its run of fixed row blocks (ProperMotionSample: collective MPI-IO,
//    selection, validation, µas/yr) and turns its selected sources into (α, δ, μα*, μδ, w).
// 2. Fixed blocks: the N selected sources, in file (= source_id = HEALPix) order, are cut into
//    K = ⌈N/B⌉ blocks of B sources (--block-sources) — the same blocks for any number of ranks.
//    The blocks are dealt to the ranks in contiguous runs (RowPartition.byCount) and the sources
//    moved there (Communicator.redistribute).
// 3. Ring: with p ranks, each rank r holds its own run of blocks and a travelling copy of another
//    rank's run, passed on to r + 1 at each step (blocking MPI_Sendrecv). Step 0 pairs the own
//    blocks (diagonal blocks i < j, and block pairs a < b); steps s = 1 … ⌊(p−1)/2⌋ pair every own
//    block with every block of rank r − s; for even p, at step p/2 ranks r and r + p/2 hold each
//    other's runs and split their block pairs by parity (a + b even: the lower rank). So every
//    unordered block pair is computed exactly once, in ⌊p/2⌋ transfers, with about the same number
//    of pairs on every rank (the classic systolic ring for all-pairs problems, halved by the
//    symmetry of pairs).
// 4. Exact reduction: every block pair's ten sums per bin (computed in a fixed order by the
//    kernel with the lower-numbered block first) are added to an exact accumulator (ExactSum),
//    summed over ranks as integers (MPIReduction). The result is bit-identical for any number of
//    ranks and any order in which pairs are done.
// 5. Estimator per bin, Hellings–Downs fit, Ω_GW and its upper limit (GWAstrometry).
import Foundation
import GaiaIO
import GaiaJob
import GWAstrometry
import MPI
import Numerics

/// How pairs are weighted.
public enum CorrelationWeighting: String, Sendable, CaseIterable {
    /// w_i = 1/(σ_i² + σ_extra²), σ_i² = (σ_α*² + σ_δ²)/2 (the variance of one proper-motion
    /// component in a random direction); pair weight w_i w_j.
    case inverseVariance = "inverse-variance"
    /// Every pair weight 1.
    case uniform
}

public struct CorrelationJobOptions {
    public var input: String
    /// Table in the file (nil: its only table).
    public var table: String? = nil
    public var selection = SourceSelection()
    /// Separation bins: `bins` equal bins over [thetaMinDeg, thetaMaxDeg].
    public var bins = 36
    public var thetaMinDeg = 0.0
    public var thetaMaxDeg = 180.0
    public var weighting = CorrelationWeighting.inverseVariance
    /// Added in quadrature to every source's proper-motion error (µas/yr), e.g. for intrinsic
    /// quasar motions.
    public var sigmaExtra = 0.0
    /// Errors that weight the fit (and are reported as corr_*_error).
    public var errors = CorrelationErrors.scatter
    public var components = HellingsDownsComponents.both
    /// Hubble constant for Ω_GW, km/s/Mpc.
    public var h0 = 70.0
    public var confidence = 0.95
    /// Sources per fixed block (part of the summation order, not of the result beyond rounding;
    /// the same value gives identical bits on any number of ranks).
    public var blockSources = 2048
    /// Rows per read block (I/O only).
    public var readBlockRows = 65536
    public var progressInterval = 5.0
    public init(input: String) { self.input = input }
    public init() { self.init(input: "") }

    public func binning() throws -> PairBinning {
        try PairBinning.uniform(bins: bins, minDeg: thetaMinDeg, maxDeg: thetaMaxDeg)
    }
}

public struct CorrelationStatistics {
    public var rows = 0
    public var sources = 0
    public var ranks = 1
    public var blocks = 0
    public var blockPairs = 0
    /// N(N−1)/2 and what the bins received.
    public var pairsTotal = 0
    public var pairsBinned = 0
    public var pairsOutside = 0
    public var coincident = 0
    public var antipodal = 0
    public var seconds = 0.0
    public var readSeconds = 0.0
    /// Kernel time summed over ranks: thread CPU time and wall-clock.
    public var kernelCPUSeconds = 0.0
    public var kernelWallSeconds = 0.0
    /// Ring transfers (max over ranks).
    public var transferSeconds = 0.0
    /// Pairs per rank: fewest and most.
    public var pairsPerRankMin = 0
    public var pairsPerRankMax = 0
    /// Pairs per second per core of the kernel (CPU time).
    public var kernelPairsPerCoreSecond: Double { Clock.rate(pairsTotal, seconds: kernelCPUSeconds) }
}

public struct CorrelationResult {
    public var options: CorrelationJobOptions
    public var binning: PairBinning
    /// Global sums per bin (exact reduction).
    public var sums: PairSums
    public var bins: [BinnedCorrelation]
    /// The fit of the components asked for, and of each component alone.
    public var fit: HellingsDownsFit
    public var fitParallel: HellingsDownsFit
    public var fitPerpendicular: HellingsDownsFit
    public var upperLimit: Double
    public var counts: SelectionCounts
    public var correlationColumn: Bool
    public var statistics: CorrelationStatistics

    public var omega: Double { HellingsDowns.omega(amplitude: fit.amplitude, hubble: options.h0) }
    public var omegaError: Double { HellingsDowns.omega(amplitude: fit.amplitudeError, hubble: options.h0) }
    public var omegaUpperLimit: Double { HellingsDowns.omega(amplitude: upperLimit, hubble: options.h0) }
    /// Ω_GW h², independent of H0 (h = H0 / 100 km/s/Mpc).
    public var omegaH2UpperLimit: Double { HellingsDowns.omega(amplitude: upperLimit, hubble: 100) }
}

public enum CorrelationJob {
    /// Fields of a source record while sources move between ranks: α, δ (rad), μα*, μδ (µas/yr), w.
    static let recordWidth = 5

    public static func run(_ o: CorrelationJobOptions, communicator comm: Communicator,
                           log: (String) -> Void) throws -> CorrelationResult {
        let t0 = Clock.wall()
        let binning = try comm.collectively { () throws -> PairBinning in
            guard o.blockSources > 0 else { throw GWJobError("block sources must be positive, got \(o.blockSources)") }
            guard o.readBlockRows > 0 else { throw GWJobError("read block rows must be positive, got \(o.readBlockRows)") }
            guard o.sigmaExtra >= 0 && o.sigmaExtra.isFinite else { throw GWJobError("sigma_extra must be ≥ 0, got \(o.sigmaExtra)") }
            guard o.h0 > 0 && o.h0.isFinite else { throw GWJobError("H0 must be positive, got \(o.h0)") }
            guard o.confidence > 0 && o.confidence < 1 else { throw GWJobError("confidence must be in (0, 1), got \(o.confidence)") }
            do { return try o.binning() } catch { throw GWJobError("\(error)") }
        }
        var notes: [String] = []
        let sample = try comm.collectively {
            try ProperMotionSample(path: o.input, table: o.table, selection: o.selection, communicator: comm, note: { notes.append($0) })
        }
        for n in notes { log("gw-correlation: note: " + n) }
        log("gw-correlation: \(o.input): \(sample.rowCount) rows; selection: \(o.selection.summary); \(binning.count) bins "
            + String(format: "over [%g°, %g°]", o.thetaMinDeg, o.thetaMaxDeg) + "; weights \(o.weighting.rawValue)"
            + (o.sigmaExtra > 0 ? String(format: " (σ_extra %g µas/yr)", o.sigmaExtra) : "")
            + "; blocks of \(o.blockSources) sources; \(comm.size) rank(s)")
        // ---- read ---------------------------------------------------------------------------------
        let reading = ProgressReporter(label: "gw-correlation read", unit: "blocks", enabled: comm.isRoot, interval: o.progressInterval)
        let blocks = try sample.readBlocks(blockRows: o.readBlockRows, comm: comm) { done, total in
            reading.update(fraction: Double(done) / Double(max(total, 1)), count: done * comm.size)
        }
        let counts = sample.counts.summed(comm)
        try comm.collectively { try sample.close() }
        var records: [Double] = []
        for block in blocks {
            let d = block.data
            records.reserveCapacity(records.count + recordWidth * d.count)
            for i in 0..<d.count {
                records += [d.ra[i], d.dec[i], d.pmra[i], d.pmdec[i], weight(d.pmraError[i], d.pmdecError[i], o)]
            }
        }
        let readSeconds = Clock.wall() - t0
        log(describe(counts, selection: o.selection))
        if counts.correlationNull > 0 {
            log("gw-correlation: note: \(counts.correlationNull) selected source(s) have a null pmra_pmdec_corr (not used by this estimator)")
        }
        let n = counts.selected
        try comm.collectively {
            guard n >= 2 else {
                throw GWJobError("\(n) source(s) pass the selection (\(o.selection.summary)) in \(o.input); the correlation needs at least 2")
            }
        }
        // ---- fixed blocks, dealt to ranks ----------------------------------------------------------
        let b = o.blockSources
        let k = (n + b - 1) / b
        let runs = (0..<comm.size).map { RowPartition.byCount(rows: k, parts: comm.size, index: $0) }
        func sources(_ run: RowRange) -> Range<Int> { min(run.start * b, n)..<min(run.end * b, n) }
        let current = comm.allgather(Int64(records.count / recordWidth)).map(Int.init)
        let target = runs.map { sources($0).count }
        let mine = comm.redistribute(records, width: recordWidth, current: current, target: target)
        let own = CorrelationBlockRun(blocks: runs[comm.rank], sources: sources(runs[comm.rank]), records: mine, blockSources: b)
        // ---- ring -----------------------------------------------------------------------------------
        let kernel = PairCorrelationKernel(binning: binning)
        var exact = ExactSum(count: binning.count * PairSums.quantities)
        var coincident = 0, antipodal = 0, outside = 0, pairsDone = 0, blockPairs = 0
        var cpu = 0.0, wall = 0.0, transfer = 0.0
        let half = comm.size / 2
        // Pairs this rank will compute, for the progress fraction.
        func crossPairs(_ q: Int, step s: Int) -> Int {
            let theirs = CorrelationBlockRun.blockSizes(runs[q], n: n, blockSources: b)
            var total = 0
            for (ai, a) in own.sizes.enumerated() {
                for (bi, c) in theirs.enumerated() where includes(own.blocks.start + ai, runs[q].start + bi, step: s, other: q, comm: comm) {
                    total += a * c
                }
            }
            return total
        }
        var planned = own.sources.count * (own.sources.count - 1) / 2
        for s in stride(from: 1, through: half, by: 1) { planned += crossPairs((comm.rank - s + comm.size) % comm.size, step: s) }
        let progress = ProgressReporter(label: "gw-correlation pairs (rank 0)", unit: "pairs", enabled: comm.isRoot, interval: o.progressInterval)
        func compute(_ x: PairSample, _ y: PairSample?) {
            let c0 = Clock.threadCPU(), w0 = Clock.wall()
            let r = y.map { kernel.cross(x, $0) } ?? kernel.diagonal(x)
            cpu += Clock.threadCPU() - c0
            wall += Clock.wall() - w0
            exact.add(r.values)
            coincident += r.coincident
            antipodal += r.antipodal
            outside += r.outside
            pairsDone += r.visited
            blockPairs += 1
            progress.update(fraction: Double(pairsDone) / Double(max(planned, 1)), count: pairsDone,
                            detail: String(format: "≈ %.3g pairs/s on %d rank(s)", Clock.rate(pairsDone, seconds: progress.elapsed) * Double(comm.size), comm.size))
        }
        // Step 0: the own blocks.
        for a in 0..<own.count {
            compute(own.block(a), nil)
            for c in (a + 1)..<own.count { compute(own.block(a), own.block(c)) }
        }
        // Steps 1 … ⌊p/2⌋: the travelling run of rank r − s.
        var visitor = own
        for s in stride(from: 1, through: half, by: 1) {
            let w0 = Clock.wall()
            let received = comm.sendrecv(visitor.records, to: (comm.rank + 1) % comm.size, from: (comm.rank - 1 + comm.size) % comm.size, tag: 7000 + s)
            transfer += Clock.wall() - w0
            let q = (comm.rank - s + comm.size) % comm.size
            visitor = CorrelationBlockRun(blocks: runs[q], sources: sources(runs[q]), records: received, blockSources: b)
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
        progress.update(fraction: 1, count: pairsDone, force: true)
        // ---- exact reduction ----------------------------------------------------------------------------
        let total = MPIReduction(comm).sum(exact)
        var pack = ReductionPack()
        let ints = pack.add([coincident, antipodal, outside, blockPairs], .sum)
        let pairsMin = pack.add(pairsDone, .min), pairsMax = pack.add(pairsDone, .max)
        let cpuSum = pack.add(cpu, .sum), wallSum = pack.add(wall, .sum)
        let readMax = pack.add(readSeconds, .max), transferMax = pack.add(transfer, .max)
        let reduced = pack.reduced(comm)
        var sums = PairSums(bins: binning.count)
        sums.values = total.values()
        (sums.coincident, sums.antipodal, sums.outside) = (reduced[ints][0], reduced[ints][1], reduced[ints][2])
        let expected = n * (n - 1) / 2
        try comm.collectively {
            guard sums.visited == expected else {
                throw GWJobError("internal error: \(sums.visited) pairs visited, expected N(N−1)/2 = \(expected) for N = \(n)")
            }
        }
        let bins = BinnedCorrelation.bins(sums, binning: binning)
        let fit = HellingsDownsFit(bins: bins, components: o.components, errors: o.errors)
        var stats = CorrelationStatistics()
        stats.rows = sample.rowCount
        stats.sources = n
        stats.ranks = comm.size
        stats.blocks = k
        stats.blockPairs = reduced[ints][3]
        stats.pairsTotal = expected
        stats.pairsBinned = sums.pairs
        stats.pairsOutside = sums.outside
        stats.coincident = sums.coincident
        stats.antipodal = sums.antipodal
        stats.readSeconds = reduced[readMax]
        stats.kernelCPUSeconds = reduced[cpuSum]
        stats.kernelWallSeconds = reduced[wallSum]
        stats.transferSeconds = reduced[transferMax]
        stats.pairsPerRankMin = reduced[pairsMin]
        stats.pairsPerRankMax = reduced[pairsMax]
        stats.seconds = comm.elapsed(since: t0)
        return CorrelationResult(options: o, binning: binning, sums: sums, bins: bins, fit: fit,
                                 fitParallel: HellingsDownsFit(bins: bins, components: .parallel, errors: o.errors),
                                 fitPerpendicular: HellingsDownsFit(bins: bins, components: .perpendicular, errors: o.errors),
                                 upperLimit: fit.upperLimit(confidence: o.confidence), counts: counts,
                                 correlationColumn: sample.hasCorrelation, statistics: stats)
    }

    /// Whether this rank computes block pair (own block a, block c of rank `other`) at ring step s:
    /// always, except at the tie step of an even number of ranks, where the two ranks split the
    /// pairs by parity of a + c (even: the lower rank).
    static func includes(_ a: Int, _ c: Int, step s: Int, other: Int, comm: Communicator) -> Bool {
        guard comm.size % 2 == 0 && s == comm.size / 2 else { return true }
        return ((a + c) % 2 == 0) == (comm.rank < other)
    }

    /// Per-source weight (see CorrelationWeighting).
    static func weight(_ sa: Double, _ sd: Double, _ o: CorrelationJobOptions) -> Double {
        switch o.weighting {
        case .uniform: return 1
        case .inverseVariance: return 1 / (0.5 * (sa * sa + sd * sd) + o.sigmaExtra * o.sigmaExtra)
        }
    }

    static func describe(_ c: SelectionCounts, selection: SourceSelection) -> String {
        var s = "gw-correlation: \(c.rows) rows read, \(c.selected) selected"
        if selection.sourceIDFile != nil { s += "; \(c.notListed) not in the source_id list" }
        for (f, n) in zip(selection.filters, c.failedFilter) { s += "; \(n) failed '\(f.text)'" }
        s += "; \(c.nullProperMotion) without proper motion"
        return s
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
