// Small generated ECSV files for the variant and error tests.

import Foundation
import GaiaFormat

/// One column of a generated header: `datatype` and optional `subtype` as ECSV spells them.
struct Col {
    var name: String
    var datatype: String
    var subtype: String?
    init(_ name: String, _ datatype: String, _ subtype: String? = nil) {
        self.name = name
        self.datatype = datatype
        self.subtype = subtype
    }
}

/// The text of an ECSV file: header lines, the column-name line, then `rows` (one per line).
func ecsvText(_ columns: [Col], rows: [String], metaBefore: [String] = [], metaAfter: [String] = [],
              newline: String = "\n", finalNewline: Bool = true, names: String? = nil) -> String {
    var lines = ["# %ECSV 1.0", "# ---", "# delimiter: ','"]
    lines += metaBefore.map { "# " + $0 }
    lines.append("# datatype:")
    for c in columns {
        lines.append("# - name: \(c.name)")
        lines.append("#   datatype: \(c.datatype)")
        if let s = c.subtype { lines.append("#   subtype: '\(s)'") }
    }
    lines += metaAfter.map { "# " + $0 }
    lines.append(names ?? columns.map(\.name).joined(separator: ","))
    lines += rows
    return lines.joined(separator: newline) + (finalNewline ? newline : "")
}

/// Header line count of `ecsvText` (incl. the column-name line): 5 + meta + 2 per column + 1 per subtype.
func headerLines(_ columns: [Col], meta: Int = 0) -> Int {
    5 + meta + columns.reduce(0) { $0 + 2 + ($1.subtype == nil ? 0 : 1) }
}
