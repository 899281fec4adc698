// The keyword cards of one HDU, read once in order (fits_get_hdrspace + fits_read_keyn), so that a
// keyword that repeats resolves to its FIRST occurrence: cfitsio's own keyword search starts at the
// current card and wraps, which would make the answer depend on earlier reads. String values are
// unquoted ('' → ', trailing blanks dropped, FITS standard 4.0 §4.2.1) and long strings continued
// with `&` + CONTINUE cards (the OGIP long-string convention) are joined.
import CFITSIO

public struct FITSCard: Sendable, Equatable {
    public var name: String
    /// The value text as written (strings still quoted); empty for commentary cards.
    public var rawValue: String
    public var comment: String

    public init(name: String, rawValue: String, comment: String = "") {
        self.name = name
        self.rawValue = rawValue
        self.comment = comment
    }
}

public struct FITSHeader: Sendable {
    public var cards: [FITSCard]
    private var firstIndex: [String: Int] = [:]

    public init(cards: [FITSCard]) {
        self.cards = cards
        for (i, c) in cards.enumerated() where firstIndex[c.name] == nil { firstIndex[c.name] = i }
    }

    /// The value of the first card named `name` (strings unquoted, long strings joined); nil if absent.
    public subscript(name: String) -> String? {
        guard let i = firstIndex[name] else { return nil }
        var value = Self.unquote(cards[i].rawValue)
        guard cards[i].rawValue.hasPrefix("'") else { return value }
        var j = i + 1
        while value.hasSuffix("&"), j < cards.count, cards[j].name == "CONTINUE" {
            value.removeLast()
            value += Self.unquote(cards[j].rawValue)
            j += 1
        }
        return value
    }

    /// An integer keyword; nil if absent or not an integer.
    public func integer(_ name: String) -> Int? { self[name].flatMap { Int($0.trimmingCharacters(" ")) } }

    /// `'abc '''` → `abc '`; non-string values are returned trimmed.
    static func unquote(_ raw: String) -> String {
        let s = raw.trimmingCharacters(" ")
        guard s.hasPrefix("'") else { return s }
        var out = ""
        var chars = s.dropFirst()[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "'" {
                if chars.first == "'" { out.append("'"); chars = chars.dropFirst(); continue }
                break
            }
            out.append(c)
        }
        return out.trimmingTrailingSpaces
    }

    /// Reads every card of the current HDU.
    static func read(_ fptr: UnsafeMutablePointer<fitsfile>, file: String, hdu: Int) throws -> FITSHeader {
        var status: Int32 = 0
        var count: Int32 = 0
        var more: Int32 = 0
        ffghsp(fptr, &count, &more, &status)
        guard status == 0 else { throw FITSError(file: file, hdu: hdu, status: status, "cannot read the header: " + FITSError.cfitsioText(status)) }
        var cards: [FITSCard] = []
        cards.reserveCapacity(Int(count))
        var name = [CChar](repeating: 0, count: 84)
        var value = [CChar](repeating: 0, count: 84)
        var comment = [CChar](repeating: 0, count: 84)
        for n in 0..<count {
            ffgkyn(fptr, n + 1, &name, &value, &comment, &status)
            guard status == 0 else {
                throw FITSError(file: file, hdu: hdu, status: status, "cannot read header card \(n + 1): " + FITSError.cfitsioText(status))
            }
            cards.append(FITSCard(name: String(cString: name), rawValue: String(cString: value), comment: String(cString: comment)))
        }
        return FITSHeader(cards: cards)
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
