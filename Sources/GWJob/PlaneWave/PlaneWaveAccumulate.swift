// Steps 1–3 of `gw-planewave` (see PlaneWaveRun.swift): open the transit table and the positions,
// split the sources by cost, and read and add this rank's sources block by block.
import Astrometry
import GaiaIO
import GWAstrometry
import MPI

extension PlaneWaveJob {
    /// The opened table and this rank's sources: a contiguous run of whole fixed blocks.
    struct Input {
        var reader: EpochAstrometryReader
        /// Index positions of this rank's sources, and their positions on the sky.
        var sources: Range<Int>
        var positions: PlaneWavePositions
        /// This rank's share of the modelled cost (the progress fraction's denominator).
        var share: Double
        /// The run's `--where` (nil: every transit row).
        var selection: TableSelection?
    }

    /// Steps 1–2: opens the table on every rank, splits its fixed blocks by modelled cost and
    /// reads the positions of this rank's sources.
    static func open(_ o: PlaneWaveJobOptions, grid: PlaneWaveGrid, comm: Communicator,
                     selection select: (GaiaTable) throws -> TableSelection?) throws -> Input {
        let table = try comm.collectively { () -> GaiaTable in
            let name = o.table ?? (Self.hasTable(o.input, AstrometryColumns.table) ? AstrometryColumns.table : nil)
            return try GaiaTable(path: o.input, table: name, communicator: comm)
        }
        let reader = try comm.collectively { try EpochAstrometryReader(table: table) }
        let selection = try comm.collectively { try select(table) }
        let split = PlaneWavePartition.myBlocks(index: reader.index, ccds: reader.nCCD, blockSources: o.blockSources,
                                                directions: grid.directionCount, rank: comm.rank, ranks: comm.size)
        let n = reader.index.count
        let sources = min(split.blocks.start * o.blockSources, n)..<min(split.blocks.end * o.blockSources, n)
        let positions = try PlaneWavePositions.read(path: o.positions, table: o.positionsTable, ids: reader.index.sourceIDs[sources],
                                                    epochFile: o.input, comm: comm)
        return Input(reader: reader, sources: sources, positions: positions, share: split.perRank, selection: selection)
    }

    /// What one rank accumulates: the engine's exact sums, counts by reason, timings and the
    /// modelled cost done.
    struct Tally {
        let engine: PlaneWaveEngine
        var series: PlaneWaveSeries
        var counts = PlaneWaveCounts()
        var kernel = 0.0, kernelCPU = 0.0, read = 0.0, done = 0.0
    }

    /// Step 3: reads this rank's sources in collective rounds of whole blocks (one row slice per
    /// round) and adds each block to the F-statistic sums. Collective.
    static func accumulate(_ input: Input, grid: PlaneWaveGrid, options o: PlaneWaveJobOptions, comm: Communicator) throws -> Tally {
        var t = Tally(engine: PlaneWaveEngine(grid: grid), series: PlaneWaveSeries(robust: o.robust))
        let chunkBlocks = max(1, (o.chunkRows + o.blockSources - 1) / o.blockSources)
        let mine = RowRange(start: input.sources.lowerBound, count: input.sources.count)
        let progress = ProgressReporter(label: "gw-planewave (rank 0)", unit: "sources", enabled: comm.isRoot, interval: o.progressInterval)
        for round in CollectiveChunks(mine, chunkRows: chunkBlocks * o.blockSources, communicator: comm) {
            let r0 = Clock.wall()
            let sources = round.rows.start..<round.rows.end
            let block: AstrometryBlock
            var keep: [Bool]? = nil
            do {
                block = try input.reader.read(sources: sources)
                keep = try input.selection?.keep(rows: input.reader.index.rows(of: sources), collective: true)
            } catch {
                // A failure inside collective I/O cannot be agreed on safely: end every rank.
                comm.abort(message: "reading \(o.input): \(error)")
            }
            t.read += Clock.wall() - r0
            try comm.collectivelyFirst {
                try input.reader.check(block)
                // Blocks are whole: the range starts on a block boundary and holds whole blocks
                // (but the table's last one).
                var b = sources.lowerBound
                while b < sources.upperBound {
                    let end = min(sources.upperBound, b + o.blockSources)
                    try add(block, sources: b..<end, keep: keep, input: input, grid: grid, options: o, to: &t)
                    b = end
                }
            }
            progress.update(fraction: min(1, t.done / max(input.share, 1e-300)), count: t.counts.sources,
                            detail: "\(t.counts.sources) of \(input.sources.count) sources; ≈ \(t.counts.sources * comm.size) on all ranks")
        }
        return t
    }

    /// One fixed block: each source's series through the kernel (skips, by reason, those without
    /// observations, too short or degenerate), its 5-parameter fit removed, the block added to the sums.
    static func add(_ block: AstrometryBlock, sources range: Range<Int>, keep: [Bool]?, input: Input, grid: PlaneWaveGrid,
                    options o: PlaneWaveJobOptions, to t: inout Tally) throws {
        let reader = input.reader
        var sources: [PlaneWaveSource] = []
        for i in range {
            var s = try reader.observations(block, source: i)
            if let keep {
                // Transit rows a `--where` drops are as if absent from the table.
                let first = Int(reader.index.firstRows[i]) - block.rows.start
                let rows = (0..<s.transitCount).filter { keep[first + $0] }
                if rows.isEmpty { continue }
                if rows.count < s.transitCount { s = Self.subset(s, transits: rows) }
            }
            t.counts.sources += 1
            let p = i - input.sources.lowerBound
            guard let series = try t.series.series(s, raDeg: input.positions.ra[p], decDeg: input.positions.dec[p], counts: &t.counts) else { continue }
            guard series.count >= o.minTransits else { t.counts.skipped[SourceSkip.tooFewObservations.rawValue] += 1; continue }
            do {
                sources.append(try PlaneWaveSource(series, minimumTransits: o.minTransits))
                t.counts.sourcesUsed += 1
                t.counts.searched += series.count
            } catch FitFailure.degenerateDesign {
                t.counts.skipped[SourceSkip.degenerateDesign.rawValue] += 1
            }
        }
        let k0 = Clock.wall(), c0 = Clock.threadCPU()
        t.engine.add(block: sources)
        t.kernel += Clock.wall() - k0
        t.kernelCPU += Clock.threadCPU() - c0
        for i in range {
            t.done += PlaneWavePartition.cost(transits: Int(reader.index.rowCounts[i]), ccds: reader.nCCD, directions: grid.directionCount)
        }
    }

    /// The transits `rows` (positions within the source) of `s`.
    static func subset(_ s: SourceObservations, transits rows: [Int]) -> SourceObservations {
        var out = SourceObservations(sourceID: s.sourceID, nCCD: s.nCCD, transitCount: rows.count)
        out.agisSourceExcessNoise = s.agisSourceExcessNoise
        for j in rows {
            let ccd = (j * s.nCCD)..<((j + 1) * s.nCCD)
            out.obsTimeTCB += s.obsTimeTCB[ccd]; out.usedByAGISAL += s.usedByAGISAL[ccd]
            out.centroidPosAL += s.centroidPosAL[ccd]; out.centroidPosErrorAL += s.centroidPosErrorAL[ccd]
            out.scanPosAngle += s.scanPosAngle[ccd]
            out.obsTimeBaryCorr.append(s.obsTimeBaryCorr[j]); out.parallaxFactorAL.append(s.parallaxFactorAL[j])
            out.colourFactorAL.append(s.colourFactorAL[j])
        }
        return out
    }
}
