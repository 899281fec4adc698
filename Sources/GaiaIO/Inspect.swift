// `gaiamine inspect`: a human-readable account of a GaiaMine HDF5 file — provenance, tables,
// columns with shape, type, units and description.
import HDF5

public enum Inspect {
    public static func describe(path: String, verbose: Bool = false) throws -> String {
        let f = try H5File.open(path: path)
        defer { try? f.close() }
        var out = "\(path)\n"
        out += "provenance:\n"
        for a in try f.attributeNames() {
            let v = try f.attribute(a)?.description ?? ""
            out += "  \(a): \(v.count > 200 && !verbose ? String(v.prefix(200)) + "…" : v)\n"
        }
        for t in try f.childNames() where f.isGroup(t) {
            let g = try f.openGroup(t)
            let rows = try g.attribute("n_rows")?.description ?? "?"
            out += "table \(t): \(rows) rows\(try transitSummary(g))\n"
            for a in try g.attributeNames() where a.hasPrefix("meta_") {
                let v = try g.attribute(a)?.description ?? ""
                let line = v.split(separator: "\n").first.map(String.init) ?? ""
                out += "  \(a.dropFirst(5)): \(verbose ? v : (line.count > 100 ? String(line.prefix(100)) + "…" : line))\n"
            }
            if case .strings(let extra)? = try g.attribute("extra_columns") {
                out += "  note: \(extra.count) column(s) are not among GaiaMine's \(t) columns (kept as their header declared them): \(extra.joined(separator: ", "))\n"
            }
            var order: [String] = []
            if case .strings(let c)? = try g.attribute("columns") { order = c }
            let names = try g.childNames()
            order += names.filter { !order.contains($0) }
            let w = order.map(\.count).max() ?? 10
            out += "  " + "column".padding(toLength: w, withPad: " ", startingAt: 0) + "  " + "shape".padding(toLength: 26, withPad: " ", startingAt: 0) + " type         units                 description\n"
            for name in order where names.contains(name) && !g.isGroup(name) {
                let d = try g.openDataset(name)
                var shape = "(" + d.shape.map(String.init).joined(separator: ", ") + ")"
                if let off = try d.attribute("offsets")?.stringValue { shape = "ragged[\(d.rowCount)] by \(off)" }
                var type = d.element.description
                if try d.attribute("gaia_datatype")?.stringValue == "bool" { type = "bool(int8)" }
                let units = try d.attribute("units")?.description ?? ""
                var desc = try d.attribute("description")?.description ?? ""
                if !verbose && desc.count > 60 { desc = String(desc.prefix(59)) + "…" }
                out += "  " + name.padding(toLength: w, withPad: " ", startingAt: 0) + "  "
                    + shape.padding(toLength: 26, withPad: " ", startingAt: 0) + " "
                    + type.padding(toLength: 12, withPad: " ", startingAt: 0) + " "
                    + units.padding(toLength: 21, withPad: " ", startingAt: 0) + " " + desc + "\n"
            }
            for sub in names where g.isGroup(sub) {
                let sg = try g.openGroup(sub)
                let parts = try sg.childNames().map { n in "\(n) (\(try sg.openDataset(n).shape.map(String.init).joined(separator: ", ")))" }
                out += "  group \(sub): \(parts.joined(separator: ", "))\n"
            }
        }
        return out
    }

    /// ", transits of S sources, n_ccd 10" for a table whose rows are transits, else "".
    private static func transitSummary(_ g: Group) throws -> String {
        guard try g.attribute("rows_are")?.stringValue == "transits" else { return "" }
        let ccds = try g.attribute("n_ccd")?.description ?? "?"
        var sources = "?"
        if g.exists(SourceIndex.groupName) && g.isGroup(SourceIndex.groupName) {
            sources = try g.openGroup(SourceIndex.groupName).attribute("n_sources")?.description ?? "?"
        }
        return " (field-of-view transits) of \(sources) source(s), n_ccd = \(ccds) CCDs per transit; per-source index in group source_index"
    }
}
