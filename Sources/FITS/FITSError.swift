// Errors of the cfitsio wrapper: cfitsio's status code, its text (fits_get_errstatus) and the
// messages it left on its error stack (fits_read_errmsg), with the place — file, HDU, column, row.
import CFITSIO

public struct FITSError: Error, CustomStringConvertible, Sendable {
    public var file: String
    /// 1-based HDU number (1 = primary), when known.
    public var hdu: Int?
    public var column: String?
    /// 1-based table row, when known.
    public var row: Int?
    /// cfitsio status (0 for errors found by the wrapper itself).
    public var status: Int32
    public var message: String

    public init(file: String, hdu: Int? = nil, column: String? = nil, row: Int? = nil, status: Int32 = 0, _ message: String) {
        self.file = file
        self.hdu = hdu
        self.column = column
        self.row = row
        self.status = status
        self.message = message
    }

    /// `file: HDU 2, column 'x', row 7: message`.
    public var description: String {
        var place: [String] = []
        if let hdu { place.append("HDU \(hdu)") }
        if let column { place.append("column '\(column)'") }
        if let row { place.append("row \(row)") }
        return "\(file): " + (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
    }

    /// cfitsio's text for `status` followed by the (drained) error-message stack.
    static func cfitsioText(_ status: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 96)
        ffgerr(status, &buffer)
        var text = "cfitsio status \(status) (\(String(cString: buffer)))"
        var stack: [String] = []
        while ffgmsg(&buffer) != 0 {
            let m = String(cString: buffer).trimmingTrailingSpaces
            if !m.isEmpty { stack.append(m) }
        }
        if !stack.isEmpty { text += ": " + stack.joined(separator: " ") }
        return text
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
