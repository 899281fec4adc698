// The sources' positions for the plane-wave search. The DR4 DataLink EPOCH_ASTROMETRY product has
// no position (a user joins gaia_source), so they come from a second table with source_id, ra and
// dec sorted by source_id — a repacked gaia_source (or the GaiaSource_*.csv.gz files `gaiamine
// synth epoch_astrometry` writes beside its data). Each rank finds its first and last source by
// binary search on disk (GaiaTable.rowIndex: ~log2 N single-value reads), reads that slice once,
// and matches it to its sources; a source without a position is an error naming both files.
import GaiaIO
import MPI

struct PlaneWavePositions {
    /// Per source of the rank's range (index positions `sources`), degrees.
    var ra: [Double] = [], dec: [Double] = []

    /// Collective: every rank calls it once, with its own (possibly empty) sorted source_ids.
    static func read(path: String, table name: String?, ids: ArraySlice<Int64>, epochFile: String,
                     comm: Communicator) throws -> PlaneWavePositions {
        let table = try comm.collectively { () -> GaiaTable in
            let t = try GaiaTable(path: path, table: name ?? (PlaneWaveJob.hasTable(path, "gaia_source") ? "gaia_source" : nil),
                                  communicator: comm)
            let missing = ["source_id", "ra", "dec"].filter { !t.hasColumn($0) }
            guard missing.isEmpty else {
                throw GWJobError("\(path):/\(t.name) (positions) has no column " + missing.map { "'\($0)'" }.joined(separator: ", "))
            }
            return t
        }
        defer { try? table.close() }
        func absent(_ id: Int64) -> GWJobError {
            GWJobError("source_id \(id) of \(epochFile) has no position in \(path):/\(table.name) (source_id, ra, dec sorted by source_id; "
                       + "a repacked gaia_source of the same sources)")
        }
        let slice = try comm.collectively { () -> RowRange in
            guard let first = ids.first, let last = ids.last else { return RowRange(start: 0, count: 0) }
            guard let lo = try table.rowIndex(ofSourceID: first) else { throw absent(first) }
            guard let hi = try table.rowIndex(ofSourceID: last), hi >= lo else { throw absent(last) }
            return RowRange(start: lo, count: hi - lo + 1)
        }
        var got: (ids: [Int64], ra: [Double], dec: [Double]) = ([], [], [])
        do {
            got.ids = try table.read("source_id", rows: slice, as: Int64.self, collective: true)
            got.ra = try EpochAstrometryReader.doubles(table, "ra", slice)
            got.dec = try EpochAstrometryReader.doubles(table, "dec", slice)
        } catch {
            comm.abort(message: "reading positions from \(path): \(error)")
        }
        return try comm.collectively {
            var p = PlaneWavePositions()
            var k = 0
            for id in ids {
                while k < got.ids.count && got.ids[k] < id { k += 1 }
                guard k < got.ids.count, got.ids[k] == id else { throw absent(id) }
                let ra = got.ra[k], dec = got.dec[k]
                guard ra.isFinite, ra >= 0, ra <= 360, dec.isFinite, abs(dec) <= 90 else {
                    throw GWJobError("\(path):/\(table.name) row \(slice.start + k) (source_id \(id)): ra \(ra), dec \(dec) is not a position in degrees")
                }
                p.ra.append(ra); p.dec.append(dec)
            }
            return p
        }
    }
}
