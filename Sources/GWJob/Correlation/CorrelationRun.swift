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
// Steps 2–3 (blocks, ring) are in CorrelationRing.swift.
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

    /// `select`: the run's `--where` compiled against the table (JobContext.selection(for:)).
    public static func run(_ o: CorrelationJobOptions, communicator comm: Communicator, log: (String) -> Void,
                           selection select: (GaiaTable) throws -> TableSelection? = { _ in nil }) throws -> CorrelationResult {
        let t0 = Clock.wall()
        let binning = try validatedBinning(o, comm: comm)
        let input = try read(o, binning: binning, comm: comm, log: log, selection: select)
        let readSeconds = Clock.wall() - t0
        let n = input.counts.selected
        try comm.collectively {
            guard n >= 2 else {
                throw GWJobError("\(n) source(s) pass the selection (\(o.selection.summary)) in \(o.input); the correlation needs at least 2")
            }
        }
        let layout = CorrelationBlocks(sources: n, blockSources: o.blockSources, ranks: comm.size)
        let own = layout.distribute(input.records, comm: comm)
        let tally = CorrelationRing.accumulate(own: own, layout: layout, binning: binning, progressInterval: o.progressInterval, comm: comm)
        var (sums, stats) = try reduce(tally, binning: binning, layout: layout, readSeconds: readSeconds, comm: comm)
        stats.rows = input.rows
        stats.seconds = comm.elapsed(since: t0)
        let bins = BinnedCorrelation.bins(sums, binning: binning)
        let fit = HellingsDownsFit(bins: bins, components: o.components, errors: o.errors)
        return CorrelationResult(options: o, binning: binning, sums: sums, bins: bins, fit: fit,
                                 fitParallel: HellingsDownsFit(bins: bins, components: .parallel, errors: o.errors),
                                 fitPerpendicular: HellingsDownsFit(bins: bins, components: .perpendicular, errors: o.errors),
                                 upperLimit: fit.upperLimit(confidence: o.confidence), counts: input.counts,
                                 correlationColumn: input.hasCorrelation, statistics: stats)
    }

    /// The options' checks (the same on every rank) and the separation bins.
    static func validatedBinning(_ o: CorrelationJobOptions, comm: Communicator) throws -> PairBinning {
        try comm.collectively { () throws -> PairBinning in
            guard o.blockSources > 0 else { throw GWJobError("block sources must be positive, got \(o.blockSources)") }
            guard o.readBlockRows > 0 else { throw GWJobError("read block rows must be positive, got \(o.readBlockRows)") }
            guard o.sigmaExtra >= 0 && o.sigmaExtra.isFinite else { throw GWJobError("sigma_extra must be ≥ 0, got \(o.sigmaExtra)") }
            guard o.h0 > 0 && o.h0.isFinite else { throw GWJobError("H0 must be positive, got \(o.h0)") }
            guard o.confidence > 0 && o.confidence < 1 else { throw GWJobError("confidence must be in (0, 1), got \(o.confidence)") }
            do { return try o.binning() } catch { throw GWJobError("\(error)") }
        }
    }

    /// This rank's selected sources as records, in file order, and the selection counts summed
    /// over ranks.
    struct Input {
        var rows: Int
        var hasCorrelation: Bool
        var counts: SelectionCounts
        var records: [Double]
    }

    /// Step 1: reads this rank's fixed row blocks and turns the selected sources into records.
    static func read(_ o: CorrelationJobOptions, binning: PairBinning, comm: Communicator, log: (String) -> Void,
                     selection select: (GaiaTable) throws -> TableSelection?) throws -> Input {
        let job = "gw-correlation"
        let sample = try ProperMotionSample.open(path: o.input, table: o.table, selection: o.selection, where: select,
                                                 job: job, comm: comm, log: log)
        log("\(job): \(o.input): \(sample.rowCount) rows; selection: \(o.selection.summary); \(binning.count) bins "
            + String(format: "over [%g°, %g°]", o.thetaMinDeg, o.thetaMaxDeg) + "; weights \(o.weighting.rawValue)"
            + (o.sigmaExtra > 0 ? String(format: " (σ_extra %g µas/yr)", o.sigmaExtra) : "")
            + "; blocks of \(o.blockSources) sources; \(comm.size) rank(s)")
        let (blocks, counts) = try sample.readAll(blockRows: o.readBlockRows, job: job, progressInterval: o.progressInterval, comm: comm, log: log)
        var records: [Double] = []
        for block in blocks {
            let d = block.data
            records.reserveCapacity(records.count + recordWidth * d.count)
            for i in 0..<d.count {
                records += [d.ra[i], d.dec[i], d.pmra[i], d.pmdec[i], weight(d.pmraError[i], d.pmdecError[i], o)]
            }
        }
        log(counts.describe(selection: o.selection, job: job))
        if counts.correlationNull > 0 {
            log("\(job): note: \(counts.correlationNull) selected source(s) have a null pmra_pmdec_corr (not used by this estimator)")
        }
        return Input(rows: sample.rowCount, hasCorrelation: sample.hasCorrelation, counts: counts, records: records)
    }

    /// Step 4: the exact sums and the counts over ranks (one ExactSum reduction and one pack of
    /// statistics), checked against N(N−1)/2 pairs.
    static func reduce(_ t: CorrelationTally, binning: PairBinning, layout: CorrelationBlocks, readSeconds: Double,
                       comm: Communicator) throws -> (PairSums, CorrelationStatistics) {
        let total = MPIReduction(comm).sum(t.exact)
        var pack = ReductionPack()
        let ints = pack.add([t.coincident, t.antipodal, t.outside, t.blockPairs], .sum)
        let pairsMin = pack.add(t.pairsDone, .min), pairsMax = pack.add(t.pairsDone, .max)
        let cpuSum = pack.add(t.cpu, .sum), wallSum = pack.add(t.wall, .sum)
        let readMax = pack.add(readSeconds, .max), transferMax = pack.add(t.transfer, .max)
        let reduced = pack.reduced(comm)
        var sums = PairSums(bins: binning.count)
        sums.values = total.values()
        (sums.coincident, sums.antipodal, sums.outside) = (reduced[ints][0], reduced[ints][1], reduced[ints][2])
        let n = layout.sources, expected = n * (n - 1) / 2
        try comm.collectively {
            guard sums.visited == expected else {
                throw GWJobError("internal error: \(sums.visited) pairs visited, expected N(N−1)/2 = \(expected) for N = \(n)")
            }
        }
        var stats = CorrelationStatistics()
        stats.sources = n
        stats.ranks = comm.size
        stats.blocks = layout.count
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
        return (sums, stats)
    }

    /// Per-source weight (see CorrelationWeighting).
    static func weight(_ sa: Double, _ sd: Double, _ o: CorrelationJobOptions) -> Double {
        switch o.weighting {
        case .uniform: return 1
        case .inverseVariance: return 1 / (0.5 * (sa * sa + sd * sd) + o.sigmaExtra * o.sigmaExtra)
        }
    }
}
