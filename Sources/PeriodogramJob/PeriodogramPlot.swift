// PREFIX.svg: the most significant results (lowest FAP, then highest power), each as its
// periodogram (left) and its light curve folded at the best period with the best-fit model
// (right). Each rank keeps the figure data of its own few best curves while it runs; at the end
// the global best are chosen from every rank's candidates (the same choice on every rank) and
// their owners send the data to rank 0, which draws.
import Foundation
import GaiaIO
import LightCurves
import MPI
import Periodogram
import Plot

/// What a panel title needs of a result (travels to rank 0 with the arrays).
struct PlotInfo {
    var sourceID: Int64
    var band: PhotometryBand
    var nObs: Int
    var frequency: Double, power: Double, fap: Double, amplitude: Double

    init(_ r: CurveRow) {
        sourceID = r.sourceID
        band = r.band
        nObs = r.result.nObs
        frequency = r.result.frequency
        power = r.result.power
        fap = r.result.fap
        amplitude = r.result.amplitude
    }

    init(sourceID: Int64, band: PhotometryBand, scalars s: [Double]) {
        self.sourceID = sourceID
        self.band = band
        nObs = Int(s[0]); frequency = s[1]; power = s[2]; fap = s[3]; amplitude = s[4]
    }

    var scalars: [Double] { [Double(nObs), frequency, power, fap, amplitude] }
    var significance: Significance { Significance(fap: fap, power: power, sourceID: sourceID, band: band) }
}

/// The figure data of one curve: periodogram decimated to ~2 points per bin of `bins`, folded
/// observations and the model over one cycle.
struct PlotEntry {
    var row: PlotInfo
    var frequency: [Double], power: [Double]
    var phase: [Double], value: [Double], error: [Double]
    var modelPhase: [Double], modelValue: [Double]

    static let bins = 1500
    static let modelSamples = 201

    init(row: CurveRow, curve: LightCurve, grid: FrequencyGrid, power p: [Double]) {
        self.row = PlotInfo(row)
        // Decimation: the lowest and highest power of each bin, in frequency order, so peaks
        // survive and the SVG stays small whatever the grid size.
        var f: [Double] = [], pw: [Double] = []
        let per = max(1, (p.count + Self.bins - 1) / Self.bins)
        var lo = 0
        while lo < p.count {
            let hi = min(p.count, lo + per)
            var a = lo, b = lo
            for k in lo..<hi {
                if p[k] < p[a] { a = k }
                if p[k] > p[b] { b = k }
            }
            for k in Set([a, b]).sorted() { f.append(grid.frequency(k)); pw.append(p[k]) }
            lo = hi
        }
        frequency = f
        power = pw
        let prepared = PreparedCurve(curve)
        let fbest = row.result.frequency
        phase = curve.time.map { t in let x = ((t - prepared.epoch) * fbest).truncatingRemainder(dividingBy: 1); return x < 0 ? x + 1 : x }
        value = curve.value
        error = curve.error
        let fit = FourierFit(prepared, frequency: fbest, nterms: max(1, (row.result.coefficients.count - 1) / 2))
        modelPhase = (0..<Self.modelSamples).map { Double($0) / Double(Self.modelSamples - 1) }
        modelValue = modelPhase.map { prepared.mean + fit.model(at: $0 / fbest, frequency: fbest) }
    }

    /// Flattened for a gather: counts first, then the arrays.
    var payload: [Double] {
        [Double(frequency.count), Double(phase.count), Double(modelPhase.count)] + frequency + power + phase + value + error
            + modelPhase + modelValue
    }

    init(row: PlotInfo, payload p: [Double]) {
        self.row = row
        let nf = Int(p[0]), no = Int(p[1]), nm = Int(p[2])
        var k = 3
        func take(_ n: Int) -> [Double] { defer { k += n }; return Array(p[k..<k + n]) }
        frequency = take(nf); power = take(nf)
        phase = take(no); value = take(no); error = take(no)
        modelPhase = take(nm); modelValue = take(nm)
    }
}

/// A rank's best `capacity` curves so far (distinct sources), most significant first.
struct PlotKeeper {
    let capacity: Int
    private(set) var entries: [PlotEntry] = []

    init(capacity: Int) { self.capacity = capacity }

    mutating func offer(_ row: CurveRow, curve: LightCurve, grid: FrequencyGrid, power: [Double]) {
        guard capacity > 0 else { return }
        let key = row.significance
        if entries.count == capacity, !(key < entries[capacity - 1].row.significance) { return }
        // One entry per source (its most significant band): a rank owns all bands of its sources,
        // so the merged global list has distinct sources too.
        if let j = entries.firstIndex(where: { $0.row.sourceID == row.sourceID }) {
            guard key < entries[j].row.significance else { return }
            entries.remove(at: j)
        }
        let e = PlotEntry(row: row, curve: curve, grid: grid, power: power)
        let at = entries.firstIndex { key < $0.row.significance } ?? entries.count
        entries.insert(e, at: at)
        if entries.count > capacity { entries.removeLast() }
    }
}

enum PeriodogramPlot {
    /// Collective: picks the globally most significant curves and brings their data to rank 0.
    /// Returns them (most significant first) on rank 0, [] elsewhere.
    static func gather(_ keeper: PlotKeeper, comm: Communicator) -> [PlotEntry] {
        let mine = keeper.entries
        let ids = comm.allgatherv(mine.map(\.row.sourceID))
        let band = comm.allgatherv(mine.map { Int64($0.row.band.index) }).values
        let fap = comm.allgatherv(mine.map(\.row.fap)).values
        let power = comm.allgatherv(mine.map(\.row.power)).values
        // Every rank sorts the same candidates the same way: (owner, index in the owner's list).
        var candidates: [(owner: Int, index: Int, key: Significance)] = []
        var k = 0
        for (owner, n) in ids.counts.enumerated() {
            for i in 0..<n {
                candidates.append((owner, i, Significance(fap: fap[k], power: power[k], sourceID: ids.values[k],
                                                          band: PhotometryBand.allCases[Int(band[k])])))
                k += 1
            }
        }
        candidates.sort { $0.key < $1.key }
        var out: [PlotEntry] = []
        for c in candidates.prefix(keeper.capacity) {
            let sent = c.owner == comm.rank ? mine[c.index] : nil
            let p = comm.gatherv(sent?.payload ?? [], root: 0)
            // The row's scalars travel from the owner too: rebuild the row on rank 0.
            let scalars = comm.gatherv(sent?.row.scalars ?? [], root: 0)
            if comm.isRoot { out.append(PlotEntry(row: PlotInfo(sourceID: c.key.sourceID, band: c.key.band, scalars: scalars), payload: p)) }
        }
        return out
    }

    /// Draws the figure (rank 0).
    static func write(_ entries: [PlotEntry], quantity: Quantity, input: String, path: String) throws {
        var figure = Figure(columns: 2, panelWidth: 600, panelHeight: 330,
                            title: "GaiaMine periodogram: the \(entries.count) most significant sources of \(input.split(separator: "/").last.map(String.init) ?? input) (best band each)")
        if entries.isEmpty {
            var p = Panel(title: "no light curve passed the cuts", x: Axis("frequency (1/d)"), y: Axis("power"))
            p.add(Series(x: [], y: []))
            figure.add(p)
        }
        for e in entries {
            let r = e.row
            let name = "\(e.row.sourceID) \(e.row.band.rawValue.uppercased())"
            let fapText = r.fap.isNaN ? "FAP n/a" : String(format: "FAP %.2g", r.fap)
            var pg = Panel(title: String(format: "%@: %d transits, %@", name, r.nObs, fapText),
                           x: Axis("frequency (1/d)"), y: Axis("power (standard normalisation)"), legend: false)
            pg.add(Series(x: e.frequency, y: e.power, color: "#1f4e9c", style: .line(width: 1)))
            pg.vLine(r.frequency, label: String(format: "f = %.6g /d", r.frequency))
            figure.add(pg)
            let label = quantity == .mag ? "\(e.row.band.rawValue.uppercased()) (mag)" : "\(e.row.band.rawValue.uppercased()) flux (e⁻/s)"
            let unit = quantity == .mag ? "mag" : "e⁻/s"
            var lc = Panel(title: String(format: "%@ folded: P = %.7g d, A_pp = %.3g %@", name, 1 / r.frequency, r.amplitude, unit),
                           x: Axis("phase", range: 0...2), y: Axis(label, inverted: quantity == .mag), legend: false)
            lc.add(Series(x: e.phase + e.phase.map { $0 + 1 }, y: e.value + e.value, yError: e.error + e.error,
                          color: "#444", style: .points(radius: 2)))
            lc.add(Series(x: e.modelPhase + e.modelPhase.map { $0 + 1 }, y: e.modelValue + e.modelValue,
                          color: "#d62728", style: .line(width: 1.8)))
            figure.add(lc)
        }
        try figure.write(path: path)
    }
}
