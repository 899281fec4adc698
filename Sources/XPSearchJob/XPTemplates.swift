// Templates: spectra to search for. Either rows of the repacked table, found by source_id on
// whichever rank owns them and broadcast, or spectra in an external XP file (archive ECSV,
// bulk eCSV, GaiaXPy CSV such as the 18 Sco and Proxima Cen samples), read with float64 precision
// as GaiaXPy does.
import GaiaFormat
import GaiaIO
import MPI
import XPSearch

enum XPTemplates {
    /// Every spectrum in an XP file.
    static func load(file: String) throws -> [XPSpectrum] {
        let reader = try ECSVReader(path: file, options: ReaderOptions(tableName: XPColumns.table, promoteFloat32: true))
        var spectra: [XPSpectrum] = []
        while let batch = try reader.readBatch(maxRows: 1024) {
            guard let ids = batch.column(named: "source_id")?.values(Int64.self) else {
                throw FormatError(file: file, "template file has no source_id column")
            }
            var bands: [Band: [XPBand?]] = [:]
            for b in Band.allCases {
                guard let c = batch.column(named: XPColumns.coefficients(b)),
                      let e = batch.column(named: XPColumns.errors(b)),
                      let r = batch.column(named: XPColumns.correlations(b)) else {
                    bands[b] = [XPBand?](repeating: nil, count: batch.rowCount)
                    continue
                }
                let sd = batch.column(named: XPColumns.standardDeviation(b))?.values(Double.self)
                let cv = c.values(Double.self), ev = e.values(Double.self), rv = r.values(Double.self)
                // The file's basis size: the reader fixed each array's length from its data (every
                // row equal); errors and correlations must match the coefficients.
                let n = batch.rowCount > 0 ? cv.count / batch.rowCount : 0, m = xpCorrelationCount(n)
                guard ev.count == n * batch.rowCount, rv.count == m * batch.rowCount else {
                    throw FormatError(file: file, column: XPColumns.correlations(b),
                                      "template \(b.rawValue.uppercased()) arrays disagree: \(n) coefficients, \(ev.count / max(batch.rowCount, 1)) errors and \(rv.count / max(batch.rowCount, 1)) correlations per row (n, n and n(n−1)/2 expected)")
                }
                bands[b] = (0..<batch.rowCount).map { i -> XPBand? in
                    if n == 0 { return nil }  // every row lacks the band (the array stayed empty)
                    let coeffs = Array(cv[i * n..<(i + 1) * n])
                    if coeffs.contains(where: { $0.isNaN }) { return nil }
                    return XPBand(coefficients: coeffs, errors: Array(ev[i * n..<(i + 1) * n]),
                                  correlations: Array(rv[i * m..<(i + 1) * m]), standardDeviation: sd?[i] ?? .nan)
                }
            }
            for i in 0..<batch.rowCount {
                spectra.append(XPSpectrum(sourceID: ids[i], name: "\(ids[i])", bp: bands[.bp]![i], rp: bands[.rp]![i]))
            }
        }
        if spectra.isEmpty { throw FormatError(file: file, "template file holds no spectra") }
        return spectra
    }

    /// Rows of the table with these source_ids. Collective: the owning rank reads the row and
    /// broadcasts it; every rank returns the same spectra. `mySourceIDs` (ascending) are the
    /// ids of this rank's rows `myRows`.
    static func fromTable(ids: [Int64], table: GaiaTable, myRows: RowRange, mySourceIDs: [Int64],
                          comm: Communicator) throws -> [XPSpectrum] {
        var out: [XPSpectrum] = []
        for id in ids {
            let local = binarySearch(mySourceIDs, id)
            let owner = comm.allreduce(local == nil ? Int.max : comm.rank, .min)
            guard owner != Int.max else {
                throw FormatError(file: table.path, "template source_id \(id) is not in table \(table.name)")
            }
            // Packed per band: n_b coefficients, n_b errors, n_b(n_b−1)/2 correlations, 1 standard
            // deviation (n_b: the table's basis size, the same on every rank).
            let sizes = try table.xpBasisSizes(Band.allCases)
            var packed: [Double] = []
            if comm.rank == owner {
                let row = RowRange(start: myRows.start + local!, count: 1)
                let block = try table.readXPBlock(ranges: [row], bands: Band.allCases, sourceIDs: [id], basisSizes: sizes,
                                                  collective: false)
                for b in Band.allCases {
                    packed += block.coefficients[b]!
                    packed += block.errors[b]!.map(Double.init)
                    packed += block.correlations[b]!.map(Double.init)
                    packed.append(Double(block.standardDeviation[b]![0]))
                }
            }
            comm.broadcast(&packed, root: owner)
            var spectrum = XPSpectrum(sourceID: id, name: "\(id)", bp: nil, rp: nil)
            var o = 0
            for b in Band.allCases {
                let n = sizes[b]!, m = xpCorrelationCount(n)
                defer { o += 2 * n + m + 1 }
                let coeffs = Array(packed[o..<o + n])
                if coeffs.contains(where: { $0.isNaN }) { continue }
                let band = XPBand(coefficients: coeffs, errors: Array(packed[o + n..<o + 2 * n]),
                                  correlations: Array(packed[o + 2 * n..<o + 2 * n + m]), standardDeviation: packed[o + 2 * n + m])
                if b == .bp { spectrum.bp = band } else { spectrum.rp = band }
            }
            out.append(spectrum)
        }
        return out
    }

    static func binarySearch(_ a: [Int64], _ x: Int64) -> Int? {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x ? lo : nil
    }
}
