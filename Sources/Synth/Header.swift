// ECSV headers: the Gaia bulk-download (CDN) style for the synthetic tables, and a plain astropy
// style for truth tables.
//
// CDN style (compare XpContinuousMeanSpectrum_000000-003111.csv.gz, EpochPhotometry_*.csv.gz):
//
//   # %ECSV 1.0
//   # ---
//   # delimiter: ','
//   # meta: !!omap
//   # - RELEASE: Gaia DR3
//   # - TABLE: epoch_photometry
//   # - DESCRIPTION: >
//   #     <folded text>
//   # datatype:
//   # - ␠                          (entry separator with a trailing space)
//   #   name: g_transit_flux
//   #   datatype: string ␠         (arrays: trailing space)
//   #   subtype: 'float64[null]' ␠ (trailing space)
//   #   unit: "'electron'.s**-1"  (double-quoted when the unit contains a quote)
//   #   description: Transit averaged G band flux
//   #   meta:
//   #     ucd: phot.flux;stat.mean
//   <column names>
//   <rows>

import GaiaFormat

public enum CDNHeader {
    /// The full header (ending with the column-name line and a newline). `release`: the RELEASE
    /// meta entry (tables that no DR3 file has say what they anticipate).
    public static func render(table: KnownTable, description: [String], release: String = "Gaia DR3") -> String {
        var h = ""
        h.reserveCapacity(16384)
        h += "# %ECSV 1.0\n# ---\n# delimiter: ','\n# meta: !!omap\n"
        h += "# - RELEASE: \(release)\n"
        h += "# - TABLE: \(table.name)\n"
        h += "# - DESCRIPTION: >\n"
        for (k, paragraph) in description.enumerated() {
            if k > 0 { h += "#     \n" }
            h += "#     \(paragraph)\n"
        }
        h += "# datatype:\n"
        for c in table.columns {
            h += "# - \n"
            h += "#   name: \(c.name)\n"
            if let sub = c.declaredSubtype {
                h += "#   datatype: \(c.declaredDatatype) \n"
                h += "#   subtype: '\(sub)' \n"
            } else {
                h += "#   datatype: \(c.declaredDatatype)\n"
            }
            if let u = c.unit { h += "#   unit: \(yamlScalar(u))\n" }
            if let d = c.description { h += "#   description: \(yamlScalar(d))\n" }
            if let ucd = c.ucd { h += "#   meta:\n#     ucd: \(ucd)\n" }
        }
        h += table.columns.map(\.name).joined(separator: ",") + "\n"
        return h
    }

    /// A YAML scalar as Gaia writes it: plain when that is unambiguous, double-quoted when the
    /// text contains a quote character (`"'electron'.s**-1"`), single-quoted for other
    /// indicator characters.
    public static func yamlScalar(_ s: String) -> String {
        if s.contains("'") || s.contains("\"") {
            let escaped = s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        let indicators: Set<Character> = ["-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "%", "@", "`"]
        let needsQuotes = s.isEmpty || s.first.map { indicators.contains($0) || $0 == " " } == true
            || s.last == " " || s.contains(": ") || s.contains(" #")
        return needsQuotes ? "'\(s)'" : s
    }
}

/// A plain ECSV table in astropy's own style (`Table.write(format='ascii.ecsv')`): flow-style
/// column entries, comma delimiter, `nan` for not-a-number, empty fields for missing strings.
public struct PlainECSV {
    public struct Column {
        public var name: String
        public var datatype: String  // int64, float64, string, bool
        public var unit: String?
        public var description: String?
        public init(_ name: String, _ datatype: String, unit: String? = nil, description: String? = nil) {
            self.name = name; self.datatype = datatype; self.unit = unit; self.description = description
        }
    }

    public var columns: [Column]
    public var meta: [(String, String)]

    public init(columns: [Column], meta: [(String, String)] = []) {
        self.columns = columns
        self.meta = meta
    }

    public func header() -> String {
        var h = "# %ECSV 1.0\n# ---\n# delimiter: ','\n# datatype:\n"
        for c in columns {
            var parts = ["name: \(c.name)"]
            if let u = c.unit { parts.append("unit: \(CDNHeader.yamlScalar(u))") }
            parts.append("datatype: \(c.datatype)")
            if let d = c.description { parts.append("description: \(flowScalar(d))") }
            h += "# - {" + parts.joined(separator: ", ") + "}\n"
        }
        if !meta.isEmpty {
            h += "# meta: !!omap\n"
            for (k, v) in meta { h += "# - {\(k): \(flowScalar(v))}\n" }
        }
        h += "# schema: astropy-2.0\n"
        h += columns.map(\.name).joined(separator: ",") + "\n"
        return h
    }

    /// Inside a YAML flow mapping commas and braces are indicators too: single-quote always
    /// unless the text is a simple word sequence.
    private func flowScalar(_ s: String) -> String {
        let simple = s.allSatisfy { $0.isLetter || $0.isNumber || $0 == " " || $0 == "_" || $0 == "." || $0 == "(" || $0 == ")" || $0 == "/" || $0 == "+" || $0 == "=" || $0 == "^" }
        if simple && !s.isEmpty && s.first != " " && s.last != " " { return s }
        return "'" + s.replacingAll("'", with: "''") + "'"
    }
}

extension String {
    /// Foundation-free replacement of every occurrence.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        let t = Array(target.utf8)
        let u = self.utf8
        guard t.count <= u.count else { return nil }
        var i = u.startIndex
        while i != u.endIndex {
            var j = i, k = 0
            while k < t.count, j != u.endIndex, u[j] == t[k] { j = u.index(after: j); k += 1 }
            if k == t.count { return i..<j }
            i = u.index(after: i)
        }
        return nil
    }
}
