// The parallel VSH fit (`gaiamine gw-vsh`).
//
// 1. Every rank reads its contiguous run of fixed row blocks (ProperMotionSample: collective
//    MPI-IO, selection, validation, mas/yr → µas/yr) and keeps the selected sources in memory
//    (≈ 80 bytes each).
// 2. VSHClippedFit iterates: each rank accumulates the normal equations of its blocks (each
//    block summed in a fixed order), the block sums are added exactly across ranks
//    (MPIReduction), every rank solves the same system, computes every source's normalised
//    residual X, and the exact global median decides the next clipped set. The blocks do not
//    depend on the number of ranks and the sums are exact, so np 1, 2, 3… give identical bits.
// 3. Rank-independent extras: the clipped sources gathered in source_id order, per-degree
//    powers, rotation/glide, the Ω_GW limits, a binned field for the figure.
import Foundation
import GaiaIO
import GaiaJob
import GWAstrometry
import MPI

public struct VSHJobOptions {
    public var input: String
    /// Table in the file (nil: its only table).
    public var table: String? = nil
    public var selection = SourceSelection()
    public var fit = VSHFitOptions()
    /// Hubble constant for Ω_GW, km/s/Mpc.
    public var h0 = 70.0
    /// Rows per fixed block (reads and exact partial sums). Part of the result's definition:
    /// the same value gives the same bits on any number of ranks.
    public var blockRows = 16384
    public var progressInterval = 5.0
    public init(input: String) { self.input = input }
    public init() { self.init(input: "") }
}

public struct VSHJobStatistics {
    public var rows = 0
    public var ranks = 1
    public var seconds = 0.0
    public var readSeconds = 0.0
    /// Accumulation + residual time summed over ranks.
    public var kernelSeconds = 0.0
    /// Σ over iterations of the sources processed (fit + residuals).
    public var sourceIterations = 0
}

/// A clipped source, for the outlier table.
public struct ClippedSource {
    public var sourceID: Int64
    public var raDeg: Double, decDeg: Double
    public var pmra: Double, pmdec: Double  // µas/yr
    public var x: Double
}

public struct VSHJobResult {
    public var options: VSHJobOptions
    public var outcome: VSHFitOutcome
    public var counts: SelectionCounts
    public var correlationColumn: Bool
    public var clipped: [ClippedSource]
    public var powers: [VSHDegreePower]
    /// Ω_GW from l = 2 alone, from each degree 2…lmax, and combined (2…min(lmax, 10)).
    public var omegaQuadrupole: GWBackgroundLimit.Result?
    public var omegaPerDegree: [GWBackgroundLimit.Result]
    public var omegaCombined: GWBackgroundLimit.Result?
    public var binned: [VSHPlot.Cell]
    /// Counts of X in bins of VSHPlot.histogramWidth (all ranks).
    public var histogram: [Int]
    public var statistics: VSHJobStatistics
    public var solution: VSHSolution { outcome.solution }
}

public enum VSHJob {
    /// `select`: the run's `--where` compiled against the table (JobContext.selection(for:)).
    public static func run(_ o: VSHJobOptions, communicator comm: Communicator, log: (String) -> Void,
                           selection select: (GaiaTable) throws -> TableSelection? = { _ in nil }) throws -> VSHJobResult {
        let t0 = Clock.wall()
        // Every error below is raised on every rank alike, as a CollectiveError (clean exit).
        try comm.collectively {
            guard o.blockRows > 0 else { throw GWJobError("block rows must be positive, got \(o.blockRows)") }
            guard o.fit.lmax >= 1 && o.fit.lmax <= VSHLayout.maximumDegree else {
                throw GWJobError("lmax must be between 1 and \(VSHLayout.maximumDegree), got \(o.fit.lmax)")
            }
            guard o.fit.kappa >= 0 && o.fit.kappa.isFinite else { throw GWJobError("clip κ must be ≥ 0 (0 disables clipping), got \(o.fit.kappa)") }
            guard o.h0 > 0 && o.h0.isFinite else { throw GWJobError("H0 must be positive, got \(o.h0)") }
        }
        let sample = try ProperMotionSample.open(path: o.input, table: o.table, selection: o.selection, where: select,
                                                 job: "gw-vsh", comm: comm, log: log)
        log("gw-vsh: \(o.input): \(sample.rowCount) rows; selection: \(o.selection.summary); lmax \(o.fit.lmax) "
            + "(\(VSHLayout(lmax: o.fit.lmax).count) coefficients), clip κ = \(o.fit.kappa), blocks of \(o.blockRows) rows, \(comm.size) rank(s)")
        // ---- read -------------------------------------------------------------------------------
        let (blocks, counts) = try sample.readAll(blockRows: o.blockRows, job: "gw-vsh", progressInterval: o.progressInterval, comm: comm,
                                                log: log)
        let readSeconds = Clock.wall() - t0
        log(counts.describe(selection: o.selection, job: "gw-vsh"))
        if counts.correlationNull > 0 {
            log("gw-vsh: note: \(counts.correlationNull) selected source(s) have a null pmra_pmdec_corr, taken as 0")
        }
        try comm.collectively {
            guard counts.selected > 0 else { throw GWJobError("no source passes the selection (\(o.selection.summary)) in \(o.input)") }
        }
        // ---- fit --------------------------------------------------------------------------------
        let reduction = MPIReduction(comm)
        var reporter: ProgressReporter? = nil
        var currentIteration = 0
        let outcome = try comm.collectively {
            try VSHClippedFit.run(blocks: blocks, options: o.fit, reduction: reduction) { iteration, done in
                if iteration != currentIteration {
                    currentIteration = iteration
                    reporter = ProgressReporter(label: "gw-vsh fit \(iteration)", unit: "blocks", enabled: comm.isRoot,
                                                interval: o.progressInterval)
                }
                reporter?.update(fraction: Double(done) / Double(max(blocks.count, 1)), count: done * comm.size)
            }
        }
        for it in outcome.iterations {
            let dof = 2 * it.sourcesFitted - VSHLayout(lmax: o.fit.lmax).count
            log(String(format: "gw-vsh: iteration %d: %d sources fitted, χ²/dof %.4f, median X %.4f%@", it.iteration, it.sourcesFitted,
                       it.chi2 / Double(max(dof, 1)), it.medianX, o.fit.kappa > 0 ? ", \(it.clippedNext) above κ·median" : ""))
        }
        if !outcome.converged {
            log("gw-vsh: warning: the clipped set still changed after \(o.fit.maxIterations) iterations; results are those of the last fit")
        }
        // ---- extras -----------------------------------------------------------------------------
        let clipped = gatherClipped(blocks: blocks, outcome: outcome, comm: comm)
        let sol = outcome.solution
        let limit = GWBackgroundLimit(h0: o.h0)
        var quad: GWBackgroundLimit.Result? = nil, combined: GWBackgroundLimit.Result? = nil
        var perDegree: [GWBackgroundLimit.Result] = []
        if o.fit.lmax >= 2 {
            try comm.collectively {
                quad = try limit.limit(sol, degrees: [2])
                perDegree = try (2...o.fit.lmax).map { try limit.limit(sol, degrees: [$0]) }
                combined = try limit.limit(sol, degrees: Array(2...min(o.fit.lmax, 10)))
            }
        }
        let binned = VSHPlot.binnedField(blocks: blocks, clipped: outcome.clipped, reduction: reduction)
        let histogram = VSHPlot.histogram(outcome, reduction: reduction)
        var stats = VSHJobStatistics()
        stats.rows = sample.rowCount
        stats.ranks = comm.size
        stats.readSeconds = comm.allreduce(readSeconds, .max)
        stats.kernelSeconds = comm.allreduce(outcome.kernelSeconds, .sum)
        stats.sourceIterations = outcome.iterations.count * outcome.sourcesTotal
        stats.seconds = comm.elapsed(since: t0)
        return VSHJobResult(options: o, outcome: outcome, counts: counts, correlationColumn: sample.hasCorrelation, clipped: clipped,
                            powers: sol.powers, omegaQuadrupole: quad, omegaPerDegree: perDegree, omegaCombined: combined,
                            binned: binned, histogram: histogram, statistics: stats)
    }

    /// Every rank's clipped sources, sorted by source_id (the same list on every rank).
    static func gatherClipped(blocks: [ProperMotionBlock], outcome: VSHFitOutcome, comm: Communicator) -> [ClippedSource] {
        var ids: [Int64] = [], v: [Double] = []
        for (b, block) in blocks.enumerated() {
            let d = block.data
            for i in 0..<d.count where outcome.clipped[b][i] {
                ids.append(d.sourceID[i])
                v += [d.ra[i] * 180 / .pi, d.dec[i] * 180 / .pi, d.pmra[i], d.pmdec[i], outcome.normalisedResidual[b][i]]
            }
        }
        let allIDs = comm.allgatherv(ids).values
        let allV = comm.allgatherv(v).values
        var out = allIDs.indices.map { i in
            ClippedSource(sourceID: allIDs[i], raDeg: allV[5 * i], decDeg: allV[5 * i + 1], pmra: allV[5 * i + 2],
                          pmdec: allV[5 * i + 3], x: allV[5 * i + 4])
        }
        out.sort { $0.sourceID < $1.sourceID }
        return out
    }
}
