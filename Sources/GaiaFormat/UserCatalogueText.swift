// The text of a user's catalogue, its lines and their fields, for UserCatalogueReader.
//
// The file is decompressed whole into one buffer (the catalogue is held whole in memory anyway)
// that always ends in "\n", so every line has a sentinel and the scanning loops need no bounds
// checks. Splitting a line appends (start, end) byte offsets of its fields to one flat row-major
// array; the columns are converted afterwards, one at a time, once their type is known (from the
// ECSV header, or inferred over the whole CSV column).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class CatalogueText {
    let path: String
    let base: BytePointer
    /// Bytes of text (a UTF-8 byte-order mark skipped), the final "\n" included.
    let count: Int
    private let allocation: UnsafeMutableRawPointer

    init(path: String) throws {
        self.path = path
        let source = try ByteSource(path: path)
        var capacity = max(source.fileSize + 2, 1 << 16)
        var buffer = malloc(capacity)!
        var n = 0
        while true {
            if capacity - n < 1 << 16 {
                capacity *= 2
                buffer = realloc(buffer, capacity)!
            }
            let got: Int
            do {
                got = try source.read(into: buffer.assumingMemoryBound(to: UInt8.self) + n, capacity: capacity - n - 1)
            } catch {
                free(buffer)
                throw error
            }
            if got == 0 { break }
            n += got
        }
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        if n == 0 || bytes[n - 1] != Byte.newline {
            bytes[n] = Byte.newline
            n += 1
        }
        let bom = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        allocation = buffer
        base = bytes + bom
        count = n - bom
    }

    deinit { free(allocation) }

    func lines() -> CatalogueLines { CatalogueLines(next: base, end: base + count) }
}

/// The lines of a CatalogueText in order. Each line [start, end) excludes its "\n" or "\r\n";
/// the byte at `end` is "\n" (a "\r" there is overwritten).
struct CatalogueLines {
    var next: BytePointer
    let end: BytePointer
    /// 1-based number of the line last returned.
    private(set) var number = 0

    mutating func nextLine() -> (start: BytePointer, end: BytePointer)? {
        guard next < end else { return nil }
        let newline = memchr(next, Int32(Byte.newline), end - next)!.assumingMemoryBound(to: UInt8.self)
        var e = newline
        if e > next && e[-1] == Byte.cr {
            e -= 1
            e.pointee = Byte.newline
        }
        let s = next
        next = newline + 1
        number += 1
        return (s, e)
    }

    /// Blank lines and `#` comment lines (astropy's readers skip both between data rows).
    static func isBlankOrComment(_ s: BytePointer, _ e: BytePointer) -> Bool {
        var p = s
        while p < e && FieldParser.isBlank(p.pointee) { p += 1 }
        return p == e || p.pointee == UInt8(ascii: "#")
    }
}

/// A field problem of one line, turned into a FormatError (with the column name) by the reader.
struct SplitProblem: Error {
    /// 1-based field number.
    var field: Int
    var message: String
}

enum FieldSplitter {
    /// Set in a stored end offset when the field was quoted.
    static let quotedFlag = 1 << 62

    /// Appends the (start, end | quotedFlag) offsets from `base` of the fields of the line
    /// [s, e) (a "\n" at e) to `spans`; returns their number. With delimiter " " fields are
    /// separated by runs of blanks and blanks at either end of the line are ignored (as astropy
    /// reads space-delimited ECSV); with another delimiter every delimiter separates two fields
    /// and blanks around an unquoted field are trimmed. A field may be quoted with "…", "" being
    /// a quote inside; a quoted field cannot span lines.
    @inline(__always)
    static func split(_ s: BytePointer, _ e: BytePointer, delimiter: UInt8, base: BytePointer,
                      into spans: inout [Int]) throws -> Int {
        let spaced = delimiter == Byte.space
        var p = s
        var n = 0
        while true {
            while FieldParser.isBlank(p.pointee) { p += 1 }
            if spaced && p == e { return n }
            n += 1
            if p.pointee == Byte.quote {
                let content = p + 1
                var q = content
                while true {
                    guard let r = FieldParser.find(Byte.quote, from: q, to: e) else {
                        throw SplitProblem(field: n, message: "a quote opens this field but does not close on the same line")
                    }
                    if r[1] == Byte.quote { q = r + 2; continue }  // "" inside; r[1] is at most the sentinel
                    spans.append(content - base)
                    spans.append((r - base) | quotedFlag)
                    p = r + 1
                    break
                }
                let c = p.pointee
                if !(c == delimiter || c == Byte.newline || FieldParser.isBlank(c)) {
                    throw SplitProblem(field: n, message: "text after the closing quote (a quote inside a quoted field is written \"\")")
                }
                if !spaced {
                    while FieldParser.isBlank(p.pointee) { p += 1 }
                    guard p.pointee == delimiter || p.pointee == Byte.newline else {
                        throw SplitProblem(field: n, message: "text after the closing quote (a quote inside a quoted field is written \"\")")
                    }
                }
            } else if spaced {
                var q = p
                while q.pointee != Byte.space && q.pointee != Byte.tab && q.pointee != Byte.newline { q += 1 }
                spans.append(p - base)
                spans.append(q - base)
                p = q
            } else {
                var q = p
                while q.pointee != delimiter && q.pointee != Byte.newline { q += 1 }
                var t = q
                while t > p && FieldParser.isBlank(t[-1]) { t -= 1 }
                spans.append(p - base)
                spans.append(t - base)
                p = q
            }
            if !spaced {
                if p.pointee != delimiter { return n }
                p += 1
            }
        }
    }

    /// The text of a field: quotes removed, "" turned into ".
    static func string(_ s: BytePointer, _ e: BytePointer, quoted: Bool) -> String {
        let bytes = UnsafeBufferPointer(start: s, count: e - s)
        guard quoted, FieldParser.find(Byte.quote, from: s, to: e) != nil else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            out.append(bytes[i])
            i += bytes[i] == Byte.quote && i + 1 < bytes.count && bytes[i + 1] == Byte.quote ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
