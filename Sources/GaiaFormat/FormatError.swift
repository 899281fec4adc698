// Every problem found in input data is reported with its place: file, line (1-based, counting
// header lines) and column (the ECSV column name and its 1-based field position), so that a
// user with a 25 TB download can find the one bad byte range.

public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var column: String?
    public var fieldIndex: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: String? = nil, fieldIndex: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.fieldIndex = fieldIndex
        self.message = message
    }

    /// `file:line: column 'name' (field k): message`, the form compilers use, so editors can jump to it.
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ":"
        if let column {
            s += " column '\(column)'"
            if let fieldIndex { s += " (field \(fieldIndex))" }
            s += ":"
        }
        return s + " " + message
    }
}
