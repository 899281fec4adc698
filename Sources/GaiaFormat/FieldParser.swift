// Allocation-free parsers for the fields of one eCSV data row.
//
// The reader hands every row to these functions as a byte range [line, lineEnd) of its own
// buffer, with a '\n' written at lineEnd as a sentinel: no other '\n' can occur inside the range,
// so the scanning loops stop at the sentinel without a bounds check. Each parser starts at the
// first byte of its field and returns the position of the byte that ends it (the delimiter or the
// sentinel); anything else is a `FieldFailure`. Values are appended as raw native bytes to a
// `ColumnAccumulator` (malloc'd, reused across batches). No Swift String, closure or existential
// is touched unless a field is unusual (null words, quotes around numbers, spaces) or wrong.
//
// Conventions (see ECSVReader.swift for the full list): an empty field, `null`/`NULL`/`Null`
// and a quoted empty field `""` are null; floats parse with CFastFloat (std::from_chars,
// correctly rounded; float32 directly from the text); a float scalar that is NaN counts as null
// (the archive exports write a missing float scalar as `nan`); inside arrays only `null` counts
// as null, `NaN` is a value.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFastFloat

typealias BytePointer = UnsafeMutablePointer<UInt8>

enum Byte {
    static let newline: UInt8 = 10
    static let cr: UInt8 = 13
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let quote: UInt8 = 34
    static let plus: UInt8 = 43
    static let comma: UInt8 = 44
    static let minus: UInt8 = 45
    static let dot: UInt8 = 46
    static let zero: UInt8 = 48
    static let lbracket: UInt8 = 91
    static let rbracket: UInt8 = 93
    static let lparen: UInt8 = 40
    static let rparen: UInt8 = 41
    static let upperE: UInt8 = 69
    static let lowerE: UInt8 = 101
}

/// Why a field could not be parsed, and where. Thrown with typed throws (no allocation); the
/// reader turns it into a `FormatError` with file, line and column.
struct FieldFailure: Error, @unchecked Sendable {
    enum Kind {
        case unterminatedQuote
        case garbageAfterQuote
        case notANumber
        case integerOutOfRange
        case badBoolean
        case arrayNotBracketed
        case arrayUnclosed(element: Int)
        case badElement(element: Int)
        case elementOutOfRange(element: Int)
        case arrayLength(got: Int, expected: Int)
        case garbageAfterArray
        case tooFewFields
        case tooManyFields
    }
    var kind: Kind
    /// Start of the offending field.
    var field: BytePointer
    init(_ kind: Kind, _ field: BytePointer) { self.kind = kind; self.field = field }
}

/// What the row parser does with one field of the file, precomputed per column.
struct FieldPlan {
    enum Kind: UInt8 {
        case skip, integer, float32, float64, bool, string, integerArray, float32Array, float64Array, boolArray
    }
    var kind: Kind
    /// Index of the accumulator (output column); unused for `.skip`.
    var accumulator: Int
    /// Integer byte width (1, 2, 4, 8).
    var width: Int
    /// Largest magnitude allowed for positive / negative integers.
    var positiveMax: UInt64
    var negativeMax: UInt64
    /// The integer (or bool) fill value's bit pattern.
    var fill: Int64
    /// Fixed array length, or -1 for variable arrays (and scalars).
    var fixedLength: Int

    init(kind: Kind, accumulator: Int = -1, element: ElementType = .int8, fixedLength: Int = -1) {
        self.kind = kind
        self.accumulator = accumulator
        self.width = max(element.byteWidth, 1)
        self.fixedLength = fixedLength
        self.fill = element.fillValue ?? 0
        switch element {
        case .int8: positiveMax = UInt64(Int8.max); negativeMax = UInt64(Int8.max) + 1
        case .int16: positiveMax = UInt64(Int16.max); negativeMax = UInt64(Int16.max) + 1
        case .int32: positiveMax = UInt64(Int32.max); negativeMax = UInt64(Int32.max) + 1
        case .int64: positiveMax = UInt64(Int64.max); negativeMax = UInt64(Int64.max) + 1
        case .uint8: positiveMax = UInt64(UInt8.max); negativeMax = 0
        case .uint16: positiveMax = UInt64(UInt16.max); negativeMax = 0
        case .uint32: positiveMax = UInt64(UInt32.max); negativeMax = 0
        case .uint64: positiveMax = UInt64.max; negativeMax = 0
        default: positiveMax = 0; negativeMax = 0
        }
    }
}

/// Growable output of one column: element bytes plus per-row lengths (variable arrays, strings).
/// Plain malloc'd memory, reused from batch to batch; copied into `ColumnData` at batch end.
struct ColumnAccumulator {
    var data: UnsafeMutableRawPointer
    var count = 0
    var capacity: Int
    var lengths: UnsafeMutablePointer<Int32>
    var lengthCount = 0
    var lengthCapacity: Int
    var nullCount = 0

    init(capacity: Int = 1 << 16, lengthCapacity: Int = 1 << 10) {
        self.capacity = capacity
        self.lengthCapacity = lengthCapacity
        data = malloc(capacity)!
        lengths = malloc(lengthCapacity * 4)!.bindMemory(to: Int32.self, capacity: lengthCapacity)
    }

    func release() {
        free(data)
        free(lengths)
    }

    mutating func reset() {
        count = 0
        lengthCount = 0
        nullCount = 0
    }

    @inline(never)
    mutating func grow(minimum: Int) {
        var c = capacity
        while c < minimum { c &*= 2 }
        data = realloc(data, c)!
        capacity = c
    }

    @inline(__always)
    mutating func ensure(_ extra: Int) {
        if count &+ extra > capacity { grow(minimum: count &+ extra) }
    }

    @inline(never)
    mutating func growLengths() {
        lengthCapacity &*= 2
        lengths = realloc(lengths, lengthCapacity * 4)!.bindMemory(to: Int32.self, capacity: lengthCapacity)
    }

    @inline(__always)
    mutating func appendLength(_ n: Int) {
        if lengthCount == lengthCapacity { growLengths() }
        lengths[lengthCount] = Int32(truncatingIfNeeded: n)
        lengthCount &+= 1
    }

    /// Stores the low `width` bytes of `value` (native byte order); capacity must be ensured.
    @inline(__always)
    mutating func storeInteger(_ value: Int64, width: Int) {
        let p = data + count
        switch width {
        case 1: p.storeBytes(of: Int8(truncatingIfNeeded: value), as: Int8.self)
        case 2: p.storeBytes(of: Int16(truncatingIfNeeded: value), as: Int16.self)
        case 4: p.storeBytes(of: Int32(truncatingIfNeeded: value), as: Int32.self)
        default: p.storeBytes(of: value, as: Int64.self)
        }
        count &+= width
    }

    func makeColumnData(schema: ColumnSchema) -> ColumnData {
        let bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: count))
        let lens = (schema.shape == .variable || schema.element == .string)
            ? [Int32](UnsafeBufferPointer(start: lengths, count: lengthCount)) : []
        return ColumnData(schema: schema, bytes: bytes, lengths: lens, nullCount: nullCount)
    }
}

/// float32 / float64 parsed straight from the decimal text by CFastFloat.
protocol FastParsedFloat: BinaryFloatingPoint {
    static func parse(_ first: BytePointer, _ last: BytePointer, into out: UnsafeMutableRawPointer) -> Bool
}

extension Float: FastParsedFloat {
    @inline(__always)
    static func parse(_ first: BytePointer, _ last: BytePointer, into out: UnsafeMutableRawPointer) -> Bool {
        gaia_parse_float(UnsafeRawPointer(first).assumingMemoryBound(to: CChar.self),
                         UnsafeRawPointer(last).assumingMemoryBound(to: CChar.self),
                         out.assumingMemoryBound(to: Float.self)) != 0
    }
}

extension Double: FastParsedFloat {
    @inline(__always)
    static func parse(_ first: BytePointer, _ last: BytePointer, into out: UnsafeMutableRawPointer) -> Bool {
        gaia_parse_double(UnsafeRawPointer(first).assumingMemoryBound(to: CChar.self),
                          UnsafeRawPointer(last).assumingMemoryBound(to: CChar.self),
                          out.assumingMemoryBound(to: Double.self)) != 0
    }
}

enum FieldParser {
    // MARK: small helpers

    /// Bytes a plain decimal number can contain (not the words nan / inf / null).
    @inline(__always)
    static func isNumberByte(_ c: UInt8) -> Bool {
        (c &- Byte.zero) < 10 || c == Byte.dot || c == Byte.minus || c == Byte.lowerE || c == Byte.upperE || c == Byte.plus
    }

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c == Byte.space || c == Byte.tab }

    @inline(__always)
    static func find(_ byte: UInt8, from p: BytePointer, to end: BytePointer) -> BytePointer? {
        guard p < end, let r = memchr(p, Int32(byte), end - p) else { return nil }
        return r.assumingMemoryBound(to: UInt8.self)
    }

    /// `null` in any letter case (the missing-value word of the DR3 bulk files).
    @inline(__always)
    static func isNullWord(_ s: BytePointer, _ e: BytePointer) -> Bool {
        guard e - s == 4 else { return false }
        return s[0] | 0x20 == UInt8(ascii: "n") && s[1] | 0x20 == UInt8(ascii: "u")
            && s[2] | 0x20 == UInt8(ascii: "l") && s[3] | 0x20 == UInt8(ascii: "l")
    }

    static func trim(_ s: inout BytePointer, _ e: inout BytePointer) {
        while s < e && isBlank(s.pointee) { s += 1 }
        while e > s && isBlank(e[-1]) { e -= 1 }
    }

    /// The content of the field starting at `p`: for a quoted field the bytes between the quotes
    /// (with `""` escapes still doubled), else the bytes up to the delimiter. `next` is the
    /// delimiter or the sentinel after the field.
    @inline(__always)
    static func token(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8) throws(FieldFailure)
        -> (start: BytePointer, end: BytePointer, next: BytePointer, quoted: Bool) {
        if p.pointee == Byte.quote {
            var q = p + 1
            while true {
                guard let r = find(Byte.quote, from: q, to: lineEnd) else {
                    throw FieldFailure(.unterminatedQuote, p)
                }
                if r[1] == Byte.quote { q = r + 2; continue }  // escaped quote (r[1] is at most the sentinel)
                let next = r + 1
                if next.pointee != delim && next.pointee != Byte.newline {
                    throw FieldFailure(.garbageAfterQuote, p)
                }
                return (p + 1, r, next, true)
            }
        }
        let r = find(delim, from: p, to: lineEnd) ?? lineEnd
        return (p, r, r, false)
    }

    // MARK: skip

    @inline(__always)
    static func skip(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8) throws(FieldFailure) -> BytePointer {
        if p.pointee != Byte.quote {
            return find(delim, from: p, to: lineEnd) ?? lineEnd
        }
        return try token(p, lineEnd, delim).next
    }

    // MARK: integers

    /// Parses an optionally signed decimal integer from [s, e) entirely. nil if not an integer;
    /// `overflow` set if it does not fit 64 bits.
    static func parseIntegerSlow(_ s: BytePointer, _ e: BytePointer, overflow: inout Bool) -> (negative: Bool, magnitude: UInt64)? {
        var q = s
        var negative = false
        if q < e && (q.pointee == Byte.minus || q.pointee == Byte.plus) { negative = q.pointee == Byte.minus; q += 1 }
        guard q < e else { return nil }
        var v: UInt64 = 0
        while q < e {
            let d = q.pointee &- Byte.zero
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { overflow = true }
            v = a
            q += 1
        }
        return (negative, v)
    }

    @inline(__always)
    static func integerValue(negative: Bool, magnitude: UInt64, plan: FieldPlan) -> Int64? {
        if negative {
            guard magnitude <= plan.negativeMax else { return magnitude == 0 ? 0 : nil }
            return Int64(bitPattern: 0 &- magnitude)
        }
        guard magnitude <= plan.positiveMax else { return nil }
        return Int64(bitPattern: magnitude)
    }

    @inline(__always)
    static func integer(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8, _ plan: FieldPlan,
                        _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        var q = p
        var negative = false
        if q.pointee == Byte.minus { negative = true; q += 1 }
        let s = q
        var v: UInt64 = 0
        var c = q.pointee
        while true {
            let d = c &- Byte.zero
            if d >= 10 { break }
            v = v &* 10 &+ UInt64(d)
            q += 1
            c = q.pointee
        }
        let digits = q - s
        if digits > 0 && digits <= 18 && (c == delim || c == Byte.newline),
           let value = integerValue(negative: negative, magnitude: v, plan: plan) {
            acc.pointee.ensure(8)
            acc.pointee.storeInteger(value, width: plan.width)
            return q
        }
        return try integerSlow(p, lineEnd, delim, plan, acc)
    }

    @inline(never)
    static func integerSlow(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8, _ plan: FieldPlan,
                            _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        var (s, e, next, _) = try token(p, lineEnd, delim)
        trim(&s, &e)
        acc.pointee.ensure(8)
        if s == e || isNullWord(s, e) {
            acc.pointee.storeInteger(plan.fill, width: plan.width)
            acc.pointee.nullCount += 1
            return next
        }
        var overflow = false
        guard let (neg, mag) = parseIntegerSlow(s, e, overflow: &overflow) else { throw FieldFailure(.notANumber, p) }
        guard !overflow, let value = integerValue(negative: neg, magnitude: mag, plan: plan) else {
            throw FieldFailure(.integerOutOfRange, p)
        }
        acc.pointee.storeInteger(value, width: plan.width)
        return next
    }

    // MARK: floats

    @inline(__always)
    static func float<F: FastParsedFloat>(_ type: F.Type, _ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8,
                                          _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        var q = p
        while isNumberByte(q.pointee) { q += 1 }
        let c = q.pointee
        if q != p && (c == delim || c == Byte.newline) {
            acc.pointee.ensure(8)
            if F.parse(p, q, into: acc.pointee.data + acc.pointee.count) {
                acc.pointee.count &+= MemoryLayout<F>.size
                return q
            }
        }
        return try floatSlow(type, p, lineEnd, delim, acc)
    }

    @inline(never)
    static func floatSlow<F: FastParsedFloat>(_ type: F.Type, _ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8,
                                              _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        var (s, e, next, _) = try token(p, lineEnd, delim)
        trim(&s, &e)
        acc.pointee.ensure(8)
        let out = acc.pointee.data + acc.pointee.count
        if s == e || isNullWord(s, e) {
            out.storeBytes(of: F.nan, as: F.self)
            acc.pointee.nullCount += 1
        } else {
            guard F.parse(s, e, into: out) else { throw FieldFailure(.notANumber, p) }
            if out.load(as: F.self).isNaN { acc.pointee.nullCount += 1 }
        }
        acc.pointee.count &+= MemoryLayout<F>.size
        return next
    }

    // MARK: booleans

    /// 1 / 0 for `True`/`False` (any letter case) and `1`/`0`, -1 for null words and empty, nil otherwise.
    @inline(__always)
    static func boolValue(_ s: BytePointer, _ e: BytePointer) -> Int8? {
        switch e - s {
        case 0:
            return -1
        case 1:
            if s.pointee == UInt8(ascii: "1") { return 1 }
            if s.pointee == UInt8(ascii: "0") { return 0 }
            return nil
        case 4:
            if s[0] | 0x20 == UInt8(ascii: "t") && s[1] | 0x20 == UInt8(ascii: "r") && s[2] | 0x20 == UInt8(ascii: "u")
                && s[3] | 0x20 == UInt8(ascii: "e") { return 1 }
            return isNullWord(s, e) ? -1 : nil
        case 5:
            if s[0] | 0x20 == UInt8(ascii: "f") && s[1] | 0x20 == UInt8(ascii: "a") && s[2] | 0x20 == UInt8(ascii: "l")
                && s[3] | 0x20 == UInt8(ascii: "s") && s[4] | 0x20 == UInt8(ascii: "e") { return 0 }
            return nil
        default:
            return nil
        }
    }

    /// Strips blanks and any quote characters around an element or field content (`""True""`).
    @inline(__always)
    static func stripQuotes(_ s: inout BytePointer, _ e: inout BytePointer) {
        trim(&s, &e)
        while s < e && s.pointee == Byte.quote { s += 1 }
        while e > s && e[-1] == Byte.quote { e -= 1 }
        trim(&s, &e)
    }

    static func boolean(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8,
                        _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        var (s, e, next, _) = try token(p, lineEnd, delim)
        stripQuotes(&s, &e)
        guard let v = boolValue(s, e) else { throw FieldFailure(.badBoolean, p) }
        if v < 0 { acc.pointee.nullCount += 1 }
        acc.pointee.ensure(1)
        acc.pointee.data.storeBytes(of: v, toByteOffset: acc.pointee.count, as: Int8.self)
        acc.pointee.count &+= 1
        return next
    }

    // MARK: strings

    static func string(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8,
                       _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        let before = acc.pointee.count
        if p.pointee == Byte.quote {
            var q = p + 1
            while true {
                guard let r = find(Byte.quote, from: q, to: lineEnd) else { throw FieldFailure(.unterminatedQuote, p) }
                let n = r - q
                acc.pointee.ensure(n + 1)
                (acc.pointee.data + acc.pointee.count).copyMemory(from: q, byteCount: n)
                acc.pointee.count &+= n
                if r[1] == Byte.quote {
                    acc.pointee.data.storeBytes(of: Byte.quote, toByteOffset: acc.pointee.count, as: UInt8.self)
                    acc.pointee.count &+= 1
                    q = r + 2
                    continue
                }
                q = r + 1
                break
            }
            if q.pointee != delim && q.pointee != Byte.newline { throw FieldFailure(.garbageAfterQuote, p) }
            let n = acc.pointee.count - before
            if n == 0 { acc.pointee.nullCount += 1 }
            acc.pointee.appendLength(n)
            return q
        }
        let r = find(delim, from: p, to: lineEnd) ?? lineEnd
        let n = r - p
        if n == 0 || isNullWord(p, r) {
            acc.pointee.nullCount += 1
            acc.pointee.appendLength(0)
            return r
        }
        acc.pointee.ensure(n)
        (acc.pointee.data + acc.pointee.count).copyMemory(from: p, byteCount: n)
        acc.pointee.count &+= n
        acc.pointee.appendLength(n)
        return r
    }

    // MARK: arrays

    /// Opening of an array cell: returns the position after `[` / `(` and the closing byte, or
    /// nil if the cell is not bracketed (then it may be a null array).
    @inline(__always)
    static func openArray(_ p: BytePointer) -> (q: BytePointer, closer: UInt8, quoted: Bool)? {
        var q = p
        let quoted = q.pointee == Byte.quote
        if quoted { q += 1 }
        let c = q.pointee
        if c == Byte.lbracket { return (q + 1, Byte.rbracket, quoted) }
        if c == Byte.lparen { return (q + 1, Byte.rparen, quoted) }
        return nil
    }

    /// After the closing bracket: the closing quote if the cell was quoted, then the delimiter or end.
    @inline(__always)
    static func closeArray(_ q: BytePointer, quoted: Bool, _ p: BytePointer, _ delim: UInt8) throws(FieldFailure) -> BytePointer {
        var q = q
        if quoted {
            while isBlank(q.pointee) { q += 1 }
            guard q.pointee == Byte.quote else { throw FieldFailure(.garbageAfterArray, p) }
            q += 1
        }
        guard q.pointee == delim || q.pointee == Byte.newline else { throw FieldFailure(.garbageAfterArray, p) }
        return q
    }

    /// A cell that does not start with a bracket: a null array (empty, `null`, `""`) or an error.
    @inline(never)
    static func nullArray(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8, fixed: Int, width: Int,
                          fillBits: Int64, _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        var (s, e, next, _) = try token(p, lineEnd, delim)
        trim(&s, &e)
        guard s == e || isNullWord(s, e) else { throw FieldFailure(.arrayNotBracketed, p) }
        acc.pointee.nullCount += 1
        if fixed < 0 {
            acc.pointee.appendLength(0)
        } else {
            acc.pointee.ensure(fixed * width)
            for _ in 0..<fixed { acc.pointee.storeInteger(fillBits, width: width) }
        }
        return next
    }

    /// The raw span of an array element starting at `s` (up to `,`, the closer or the sentinel),
    /// with blanks and quote characters stripped; `next` is the terminator.
    @inline(__always)
    static func elementSpan(_ s: BytePointer, closer: UInt8) -> (start: BytePointer, end: BytePointer, next: BytePointer) {
        var q = s
        while true {
            let c = q.pointee
            if c == Byte.comma || c == closer || c == Byte.newline { break }
            q += 1
        }
        var a = s, b = q
        stripQuotes(&a, &b)
        return (a, b, q)
    }

    @inline(__always)
    static func afterElement(_ q: BytePointer, closer: UInt8, element: Int, _ p: BytePointer) throws(FieldFailure)
        -> (next: BytePointer, done: Bool) {
        var q = q
        var c = q.pointee
        if c == Byte.comma { return (q + 1, false) }
        if c == closer { return (q + 1, true) }
        while isBlank(c) { q += 1; c = q.pointee }
        if c == Byte.comma { return (q + 1, false) }
        if c == closer { return (q + 1, true) }
        if c == Byte.newline { throw FieldFailure(.arrayUnclosed(element: element), p) }
        throw FieldFailure(.badElement(element: element), p)
    }

    @inline(__always)
    static func finishArray(count n: Int, fixed: Int, _ p: BytePointer,
                            _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) {
        if fixed < 0 {
            acc.pointee.appendLength(n)
        } else if n != fixed {
            throw FieldFailure(.arrayLength(got: n, expected: fixed), p)
        }
    }

    static func floatArray<F: FastParsedFloat>(_ type: F.Type, _ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8,
                                               fixed: Int, _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        let size = MemoryLayout<F>.size
        guard let (start, closer, quoted) = openArray(p) else {
            let nanBits: Int64 = size == 4 ? Int64(Float.nan.bitPattern) : Int64(bitPattern: Double.nan.bitPattern)
            return try nullArray(p, lineEnd, delim, fixed: fixed, width: size, fillBits: nanBits, acc)
        }
        var q = start
        var n = 0
        while isBlank(q.pointee) { q += 1 }
        if q.pointee == closer {
            q += 1
        } else {
            acc.pointee.ensure(fixed > 0 ? fixed * size : 64 * size)
            var base = acc.pointee.data
            var out = base + acc.pointee.count
            var limit = base + acc.pointee.capacity
            while true {
                if out + size > limit {
                    acc.pointee.count = out - base
                    acc.pointee.grow(minimum: acc.pointee.count + 64 * size)
                    base = acc.pointee.data
                    out = base + acc.pointee.count
                    limit = base + acc.pointee.capacity
                }
                let s = q
                while isNumberByte(q.pointee) { q += 1 }
                let c = q.pointee
                if q == s || !(c == Byte.comma || c == closer || isBlank(c)) || !F.parse(s, q, into: out) {
                    // null, NaN, nan, inf, quoted or blank-padded elements, or an error
                    let (a, b, next) = elementSpan(s, closer: closer)
                    if isNullWord(a, b) {
                        out.storeBytes(of: F.nan, as: F.self)
                        acc.pointee.nullCount += 1
                    } else if a == b || !F.parse(a, b, into: out) {
                        if next.pointee == Byte.newline && a == b { throw FieldFailure(.arrayUnclosed(element: n), p) }
                        throw FieldFailure(.badElement(element: n), p)
                    }
                    q = next
                }
                out += size
                n += 1
                let (next, done) = try afterElement(q, closer: closer, element: n - 1, p)
                q = next
                if done { break }
                while isBlank(q.pointee) { q += 1 }
            }
            acc.pointee.count = out - base
        }
        let end = try closeArray(q, quoted: quoted, p, delim)
        try finishArray(count: n, fixed: fixed, p, acc)
        return end
    }

    static func integerArray(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8, _ plan: FieldPlan,
                             _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        let width = plan.width
        let fixed = plan.fixedLength
        guard let (start, closer, quoted) = openArray(p) else {
            return try nullArray(p, lineEnd, delim, fixed: fixed, width: width, fillBits: plan.fill, acc)
        }
        var q = start
        var n = 0
        while isBlank(q.pointee) { q += 1 }
        if q.pointee == closer {
            q += 1
        } else {
            while true {
                acc.pointee.ensure(8)
                var value: Int64 = 0
                var fast = false
                let s = q
                var negative = false
                if q.pointee == Byte.minus { negative = true; q += 1 }
                let ds = q
                var v: UInt64 = 0
                var c = q.pointee
                while true {
                    let d = c &- Byte.zero
                    if d >= 10 { break }
                    v = v &* 10 &+ UInt64(d)
                    q += 1
                    c = q.pointee
                }
                let digits = q - ds
                if digits > 0 && digits <= 18 && (c == Byte.comma || c == closer),
                   let x = integerValue(negative: negative, magnitude: v, plan: plan) {
                    value = x
                    fast = true
                }
                if !fast {
                    let (a, b, next) = elementSpan(s, closer: closer)
                    if isNullWord(a, b) {
                        value = plan.fill
                        acc.pointee.nullCount += 1
                    } else {
                        var overflow = false
                        guard let (neg, mag) = parseIntegerSlow(a, b, overflow: &overflow) else {
                            if next.pointee == Byte.newline && a == b { throw FieldFailure(.arrayUnclosed(element: n), p) }
                            throw FieldFailure(.badElement(element: n), p)
                        }
                        guard !overflow, let x = integerValue(negative: neg, magnitude: mag, plan: plan) else {
                            throw FieldFailure(.elementOutOfRange(element: n), p)
                        }
                        value = x
                    }
                    q = next
                }
                acc.pointee.storeInteger(value, width: width)
                n += 1
                let (next, done) = try afterElement(q, closer: closer, element: n - 1, p)
                q = next
                if done { break }
                while isBlank(q.pointee) { q += 1 }
            }
        }
        let end = try closeArray(q, quoted: quoted, p, delim)
        try finishArray(count: n, fixed: fixed, p, acc)
        return end
    }

    static func boolArray(_ p: BytePointer, _ lineEnd: BytePointer, _ delim: UInt8, fixed: Int,
                          _ acc: UnsafeMutablePointer<ColumnAccumulator>) throws(FieldFailure) -> BytePointer {
        guard let (start, closer, quoted) = openArray(p) else {
            return try nullArray(p, lineEnd, delim, fixed: fixed, width: 1, fillBits: -1, acc)
        }
        var q = start
        var n = 0
        while isBlank(q.pointee) { q += 1 }
        if q.pointee == closer {
            q += 1
        } else {
            while true {
                let (a, b, next) = elementSpan(q, closer: closer)
                guard a < b, let v = boolValue(a, b) else {
                    if next.pointee == Byte.newline { throw FieldFailure(.arrayUnclosed(element: n), p) }
                    throw FieldFailure(.badElement(element: n), p)
                }
                if v < 0 { acc.pointee.nullCount += 1 }
                acc.pointee.ensure(1)
                acc.pointee.data.storeBytes(of: v, toByteOffset: acc.pointee.count, as: Int8.self)
                acc.pointee.count &+= 1
                n += 1
                let (after, done) = try afterElement(next, closer: closer, element: n - 1, p)
                q = after
                if done { break }
                while isBlank(q.pointee) { q += 1 }
            }
        }
        let end = try closeArray(q, quoted: quoted, p, delim)
        try finishArray(count: n, fixed: fixed, p, acc)
        return end
    }
}
