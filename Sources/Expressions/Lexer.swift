// Tokens of the expression language (Docs/expressions.md, "Grammar"). Positions are character
// offsets into the text, for the caret of error messages.

enum Token: Equatable {
    case int(Int64)
    case float(Double)
    case name(String)      // identifiers, keywords (and/or/not, true/false, nan/inf/pi), dotted names
    case symbol(String)    // operators and punctuation: ** // <= >= == != + - * / % < > & | ~ ( ) [ ] ,
    case end
}

struct Lexeme { let token: Token; let position: Int }

enum Lexer {
    static func tokens(_ text: String) throws -> [Lexeme] {
        let c = Array(text)
        var out: [Lexeme] = []
        var i = 0
        func isDigit(_ i: Int) -> Bool { i < c.count && c[i].isASCII && c[i].isNumber }
        func isNameStart(_ i: Int) -> Bool { i < c.count && (c[i] == "_" || (c[i].isASCII && c[i].isLetter)) }
        func isNamePart(_ i: Int) -> Bool { isNameStart(i) || isDigit(i) }
        while i < c.count {
            let start = i
            let ch = c[i]
            if ch.isWhitespace { i += 1; continue }
            if isDigit(i) || (ch == "." && isDigit(i + 1)) {
                out.append(Lexeme(token: try number(c, &i), position: start))
                if isNameStart(i) { throw LocatedError("unexpected '\(c[i])' after a number", at: i) }
                continue
            }
            if isNameStart(i) {
                // A dotted name (`a.pmra`) is one identifier: a column of a pair table.
                while isNamePart(i) || (i < c.count && c[i] == "." && isNameStart(i + 1)) { i += 1 }
                out.append(Lexeme(token: .name(String(c[start..<i])), position: start))
                continue
            }
            let two = i + 1 < c.count ? String(c[i...i + 1]) : ""
            if ["**", "//", "<=", ">=", "==", "!="].contains(two) {
                out.append(Lexeme(token: .symbol(two), position: start)); i += 2; continue
            }
            switch ch {
            case "+", "-", "*", "/", "%", "<", ">", "&", "|", "~", "(", ")", "[", "]", ",":
                out.append(Lexeme(token: .symbol(String(ch)), position: start)); i += 1
            case "=":
                throw LocatedError("'=' is not an operator; compare with '=='", at: i)
            case "!":
                throw LocatedError("'!' is not an operator; use 'not' (or '!=' to compare)", at: i)
            default:
                throw LocatedError("unexpected character '\(ch)'", at: i)
            }
        }
        out.append(Lexeme(token: .end, position: c.count))
        return out
    }

    /// `12`, `2.5`, `.5`, `5.`, `2.5e-3`, `1e6` (a float, as in Python). Integers must fit Int64.
    private static func number(_ c: [Character], _ i: inout Int) throws -> Token {
        let start = i
        func digits() { while i < c.count, c[i].isASCII, c[i].isNumber { i += 1 } }
        digits()
        var isFloat = false
        if i < c.count, c[i] == "." { isFloat = true; i += 1; digits() }
        if i < c.count, c[i] == "e" || c[i] == "E" {
            var j = i + 1
            if j < c.count, c[j] == "+" || c[j] == "-" { j += 1 }
            guard j < c.count, c[j].isASCII, c[j].isNumber else {
                throw LocatedError("malformed number: exponent has no digits", at: start)
            }
            isFloat = true; i = j; digits()
        }
        let s = String(c[start..<i])
        if isFloat {
            guard let v = Double(s) else { throw LocatedError("malformed number '\(s)'", at: start) }
            return .float(v)
        }
        guard let v = Int64(s) else {
            throw LocatedError("integer \(s) does not fit in int64 (write it as a float, e.g. \(s).0)", at: start)
        }
        return .int(v)
    }
}
