// Lines of a (possibly gzipped) text file, straight out of one large reusable buffer.
//
// The buffer (8 MiB by default) is refilled from `ByteSource`; a line that straddles the end of
// the buffer is kept by moving the unread tail to the front before the refill, and a line longer
// than the whole buffer doubles it. Each returned line [start, end) excludes its "\n" or "\r\n",
// and the byte at `end` is overwritten with "\n" as a sentinel for the field parsers. The bytes
// stay valid until the next call.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ECSVLineSource {
    let path: String
    let source: ByteSource
    private(set) var buffer: BytePointer
    private(set) var capacity: Int
    /// Unread bytes are buffer[position..<filled].
    private var position = 0
    private var filled = 0
    /// buffer[position..<searched] is known to hold no newline.
    private var searched = 0
    private var atEnd = false
    /// A decompression error met after some data of the same refill: thrown at the next refill.
    private var pendingError: FormatError?
    /// Lines returned so far (= 1-based number of the last line returned).
    private(set) var lineNumber = 0
    /// Decompressed bytes of the lines returned so far (line ends and a BOM included).
    private(set) var bytesConsumed = 0

    init(path: String, capacity: Int = 8 << 20) throws {
        self.path = path
        source = try ByteSource(path: path)
        self.capacity = max(capacity, 1 << 12)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// True if the file holds no byte at all.
    func isEmptyFile() throws -> Bool {
        if filled > position { return false }
        try refill()
        return filled == position
    }

    /// Skips a UTF-8 byte-order mark at the very start.
    func skipByteOrderMark() throws {
        while filled - position < 3 && !atEnd { try refill() }
        if filled - position >= 3 && buffer[position] == 0xEF && buffer[position + 1] == 0xBB && buffer[position + 2] == 0xBF {
            position += 3
            bytesConsumed += 3
            searched = max(searched, position)
        }
    }

    @inline(__always)
    func nextLine() throws -> (start: BytePointer, end: BytePointer)? {
        while true {
            let from = max(searched, position)
            if from < filled, let nl = memchr(buffer + from, Int32(Byte.newline), filled - from) {
                let newline = nl.assumingMemoryBound(to: UInt8.self)
                let start = buffer + position
                var end = newline
                if end > start && end[-1] == Byte.cr { end -= 1 }
                end.pointee = Byte.newline
                bytesConsumed += newline - start + 1
                position = newline - buffer + 1
                searched = position
                lineNumber += 1
                return (start, end)
            }
            if atEnd {
                guard position < filled else { return nil }
                // Last line without a newline: the slack byte at `filled` takes the sentinel.
                let start = buffer + position
                var end = buffer + filled
                if end > start && end[-1] == Byte.cr { end -= 1 }
                end.pointee = Byte.newline
                bytesConsumed += filled - position
                position = filled
                searched = filled
                lineNumber += 1
                return (start, end)
            }
            searched = filled
            try refill()
        }
    }

    /// Moves the unread tail to the front, grows the buffer if the tail fills it, reads more.
    private func refill() throws {
        if position > 0 {
            let tail = filled - position
            if tail > 0 { memmove(buffer, buffer + position, tail) }
            searched -= position
            filled = tail
            position = 0
        }
        if filled >= capacity - 1 {  // one line larger than the buffer: double it
            let bigger = BytePointer.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        if let pending = pendingError { throw placed(pending) }
        // gzip: fill in chunks, so that a truncated or corrupt stream loses at most one chunk
        // (ByteSource drops the output of the call that fails) and the error can name a line.
        let room = capacity - 1 - filled  // keep 1 byte for the sentinel
        let chunk = source.isGzip ? Self.gzipChunk : room
        var got = 0
        do {
            while got < room {
                let n = try source.read(into: buffer + filled + got, capacity: min(chunk, room - got))
                if n == 0 { atEnd = true; break }
                got += n
            }
        } catch let error as FormatError {
            guard got > 0 else { throw placed(error) }
            pendingError = error  // hand out the lines decoded so far first
        }
        filled += got
    }

    /// Decompressed bytes asked of ByteSource per call for gzip input.
    static let gzipChunk = 256 << 10

    /// A ByteSource error with the line reached.
    private func placed(_ error: FormatError) -> FormatError {
        let lost = source.isGzip ? " or within \(Self.gzipChunk >> 10) KiB after its start" : ""
        return FormatError(file: error.file, line: lineNumber + 1,
                           error.message + " (\(lineNumber) complete lines were read; the data stops inside line \(lineNumber + 1)\(lost))")
    }
}
