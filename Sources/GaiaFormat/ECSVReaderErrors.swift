// ECSVReader's error reports (cold code): a failed field of a row, rewritten as a FormatError that
// names the file, line, column and field and quotes the offending text.

extension ECSVReader {
    /// Field count of a row, counting delimiters outside quotes.
    private func countFields(_ line: BytePointer, _ lineEnd: BytePointer) -> Int {
        var n = 1
        var inQuotes = false
        var q = line
        while q < lineEnd {
            let c = q.pointee
            if c == Byte.quote { inQuotes.toggle() } else if c == delimiter && !inQuotes { n += 1 }
            q += 1
        }
        return n
    }

    /// A short quotation of the field at `p` (up to its end, at most 60 bytes).
    private func excerpt(_ p: BytePointer, _ lineEnd: BytePointer) -> String {
        var e = p
        if p.pointee == Byte.quote {
            e = p + 1
            while e < lineEnd {
                if e.pointee == Byte.quote {
                    if e + 1 < lineEnd && e[1] == Byte.quote { e += 2; continue }
                    e += 1
                    break
                }
                e += 1
            }
        } else {
            while e < lineEnd && e.pointee != delimiter { e += 1 }
        }
        let n = e - p
        if n > 60 { return Self.text(p, p + 57) + "…" }
        return Self.text(p, e)
    }

    /// Text of element `k` of the array cell at `p` (cold; for messages).
    private func elementExcerpt(_ p: BytePointer, _ lineEnd: BytePointer, _ k: Int) -> String {
        var q = p
        if q.pointee == Byte.quote { q += 1 }
        if q.pointee == Byte.lbracket || q.pointee == Byte.lparen { q += 1 }
        var index = 0
        var s = q
        while q < lineEnd {
            let c = q.pointee
            if c == Byte.comma || c == Byte.rbracket || c == Byte.rparen {
                if index == k { break }
                index += 1
                s = q + 1
            }
            q += 1
        }
        var a = s, b = q
        FieldParser.trim(&a, &b)
        let t = Self.text(a, b)
        return t.count > 40 ? String(t.prefix(37)) + "…" : t
    }

    private func typeName(_ c: ColumnSchema) -> String {
        switch c.shape {
        case .scalar: return c.element.rawValue
        case .fixed(let n): return "\(c.element.rawValue)[\(n)]"
        case .variable: return "\(c.element.rawValue)[null]"
        }
    }

    private func range(_ e: ElementType) -> String {
        switch e {
        case .int8: return "\(Int8.min)…\(Int8.max)"
        case .int16: return "\(Int16.min)…\(Int16.max)"
        case .int32: return "\(Int32.min)…\(Int32.max)"
        case .int64: return "\(Int64.min)…\(Int64.max)"
        case .uint8: return "0…\(UInt8.max)"
        case .uint16: return "0…\(UInt16.max)"
        case .uint32: return "0…\(UInt32.max)"
        case .uint64: return "0…\(UInt64.max)"
        default: return ""
        }
    }

    func describe(_ r: RowFailure, line: BytePointer, lineEnd: BytePointer) -> FormatError {
        let lineNumber = lines.lineNumber
        let columns = fileSchema.columns
        let f = min(r.field, columns.count - 1)
        let c = columns[f]
        let p = r.failure.field
        func error(_ message: String, column: ColumnSchema? = nil, index: Int? = nil) -> FormatError {
            FormatError(file: path, line: lineNumber, column: (column ?? c).name, fieldIndex: index ?? f + 1, message)
        }
        // An array that fails inside a quoted cell: first check the CSV quoting of the cell, which
        // explains a truncated line or a missing bracket better than the element that broke.
        switch r.failure.kind {
        case .arrayUnclosed, .badElement, .garbageAfterArray:
            guard p.pointee == Byte.quote else { break }
            do throws(FieldFailure) {
                var (s, e, _, _) = try FieldParser.token(p, lineEnd, delimiter)
                FieldParser.trim(&s, &e)
                var bracketExpected = true
                if case .garbageAfterArray = r.failure.kind { bracketExpected = false }
                if bracketExpected && e > s && e[-1] != Byte.rbracket && e[-1] != Byte.rparen {
                    return error("malformed array \(excerpt(p, lineEnd)): no closing ']' or ')' before the closing quote")
                }
            } catch {
                return describe(RowFailure(failure: error, field: r.field), line: line, lineEnd: lineEnd)
            }
        default:
            break
        }
        switch r.failure.kind {
        case .unterminatedQuote:
            return error("unterminated quote: the field \(excerpt(p, lineEnd)) has no closing '\"' before the end of the line")
        case .garbageAfterQuote:
            return error("characters after the closing quote of the field \(excerpt(p, lineEnd))")
        case .notANumber:
            return error("'\(excerpt(p, lineEnd))' is not a valid \(c.element.rawValue)")
        case .integerOutOfRange:
            return error("\(excerpt(p, lineEnd)) is out of range for \(c.element.rawValue) (\(range(c.element)))")
        case .badBoolean:
            return error("'\(excerpt(p, lineEnd))' is not a boolean (True/False, true/false, 1/0, or empty/null)")
        case .arrayNotBracketed:
            return error("malformed array '\(excerpt(p, lineEnd))': expected '[' or '(' (or an empty/null cell) for \(typeName(c))")
        case .arrayUnclosed(let k):
            return error("malformed array: no closing ']' or ')' after element \(k) (the line ends inside the array)")
        case .badElement(let k):
            return error("malformed array: element \(k) ('\(elementExcerpt(p, lineEnd, k))') is not a valid \(c.element.rawValue) element or separator")
        case .elementOutOfRange(let k):
            return error("array element \(k) (\(elementExcerpt(p, lineEnd, k))) is out of range for \(c.element.rawValue) (\(range(c.element)))")
        case .arrayLength(let got, let expected):
            // A length taken from the data (ECSVUniformLengths.swift): say where it came from.
            let fromData = lengthsFromData.contains(c.name)
            return error("array has \(got) elements but the column is stored with fixed length \(expected) (\(typeName(c)))"
                + (fromData ? ", the length of its first non-empty row in this file: every row must have the same" : ""))
        case .garbageAfterArray:
            return error("malformed array '\(excerpt(p, lineEnd))': characters after the closing bracket")
        case .tooFewFields:
            let n = countFields(line, lineEnd)
            let missing = min(f + 1, columns.count - 1)
            return error("wrong number of fields: the row has \(n) fields but the header declares \(columns.count) columns",
                         column: columns[missing], index: missing + 1)
        case .tooManyFields:
            let n = countFields(line, lineEnd)
            return error("wrong number of fields: the row has \(n) fields but the header declares \(columns.count) columns (extra fields after this last column)")
        }
    }
}
