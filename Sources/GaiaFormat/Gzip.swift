// Streaming byte sources and sinks for Gaia files: gzip (RFC 1952, through zlib) or plain text.
// Gaia's bulk download is ~10^4 gzip files of up to a few GB each; they are never held whole in
// memory. Reads are large (4 MiB) to keep system-call and inflate overheads small.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Reads the decompressed bytes of a `.gz` file (any number of concatenated members), or the raw
/// bytes of an uncompressed file; which one is decided by the gzip magic number, not the name.
public final class ByteSource {
    public let path: String
    private let fd: Int32
    private var stream = z_stream()
    private var inflating = false
    public private(set) var isGzip = false
    private var inBuffer: UnsafeMutablePointer<UInt8>
    private let inCapacity = 1 << 22
    private var inCount = 0
    private var inputExhausted = false
    private var memberOpen = false
    /// Compressed (on-disk) bytes consumed so far, for throughput reports.
    public private(set) var compressedBytesRead: Int = 0
    /// Size of the file on disk.
    public let fileSize: Int
    /// Decompressed bytes delivered so far.
    public private(set) var bytesDelivered: Int = 0

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY)
        if fd < 0 { throw FormatError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
        var st = stat()
        fstat(fd, &st)
        fileSize = Int(st.st_size)
        inBuffer = .allocate(capacity: inCapacity)
        try refill()
        if inCount >= 2 && inBuffer[0] == 0x1f && inBuffer[1] == 0x8b {
            isGzip = true
            try startMember()
        }
    }

    deinit {
        if inflating { inflateEnd(&stream) }
        inBuffer.deallocate()
        close(fd)
    }

    private func refill() throws {
        // Keep unconsumed input at the front.
        var keep = 0
        if inflating, stream.avail_in > 0, let next = stream.next_in {
            keep = Int(stream.avail_in)
            memmove(inBuffer, next, keep)
        }
        var n = 0
        repeat { n = Glibc.read(fd, inBuffer + keep, inCapacity - keep) } while n < 0 && errno == EINTR
        if n < 0 { throw FormatError(file: path, "read failed: \(String(cString: strerror(errno)))") }
        if n == 0 { inputExhausted = true }
        compressedBytesRead += n
        inCount = keep + n
        if inflating {
            stream.next_in = inBuffer
            stream.avail_in = uInt(inCount)
        }
    }

    private func startMember() throws {
        if !inflating {
            stream.next_in = inBuffer
            stream.avail_in = uInt(inCount)
            // 15 + 16: gzip wrapper only, maximum window.
            guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw FormatError(file: path, "zlib inflateInit2 failed")
            }
            inflating = true
        } else {
            guard inflateReset(&stream) == Z_OK else { throw FormatError(file: path, "zlib inflateReset failed") }
        }
        memberOpen = true
    }

    /// An error met after some bytes of a call were already produced: those bytes are returned
    /// first (so a reader can say which line was the last good one), the error on the next call.
    private var pendingError: Error?

    /// Fills `buffer` with up to `capacity` bytes; returns 0 only at the end of the data.
    /// Throws if a gzip stream is truncated or corrupt.
    public func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        if let e = pendingError { throw e }
        if !isGzip {
            var produced = 0
            if inCount > 0 {  // bytes already read while sniffing the magic number
                produced = min(inCount, capacity)
                memcpy(buffer, inBuffer, produced)
                memmove(inBuffer, inBuffer + produced, inCount - produced)
                inCount -= produced
                bytesDelivered += produced
                return produced
            }
            var n = 0
            repeat { n = Glibc.read(fd, buffer, capacity) } while n < 0 && errno == EINTR
            if n < 0 { throw FormatError(file: path, "read failed: \(String(cString: strerror(errno)))") }
            compressedBytesRead += n
            bytesDelivered += n
            return n
        }
        stream.next_out = buffer
        stream.avail_out = uInt(capacity)
        do {
            try inflateInto(capacity: capacity)
        } catch {
            let produced = capacity - Int(stream.avail_out)
            if produced == 0 { throw error }
            pendingError = error
        }
        let produced = capacity - Int(stream.avail_out)
        bytesDelivered += produced
        return produced
    }

    private func inflateInto(capacity: Int) throws {
        while stream.avail_out > 0 {
            if !memberOpen {
                // Between members: skip nothing but look for another member.
                if stream.avail_in == 0 && !inputExhausted { try refill() }
                if stream.avail_in == 0 { break }
                guard stream.avail_in >= 2, stream.next_in[0] == 0x1f, stream.next_in[1] == 0x8b else {
                    throw FormatError(file: path, "trailing garbage after gzip member at compressed byte \(compressedBytesRead - Int(stream.avail_in))")
                }
                try startMember()
            }
            if stream.avail_in == 0 {
                if inputExhausted {
                    throw FormatError(file: path, "truncated gzip file: the compressed stream ends before its end marker (\(compressedBytesRead) bytes read); re-download it")
                }
                try refill()
                continue
            }
            let rc = inflate(&stream, Z_NO_FLUSH)
            switch rc {
            case Z_OK: continue
            case Z_STREAM_END: memberOpen = false
            case Z_BUF_ERROR:
                if stream.avail_in == 0 { continue }  // needs more input
                throw FormatError(file: path, "corrupt gzip data (zlib Z_BUF_ERROR)")
            default:
                let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw FormatError(file: path, "corrupt gzip data: \(msg)")
            }
        }
    }
}

/// Writes gzip-compressed (or plain) bytes to a file. Used by `synth` and by tests; outputs of
/// the kernels are HDF5 and plain ECSV.
public final class ByteSink {
    public let path: String
    private let fd: Int32
    private var stream = z_stream()
    private let compress: Bool
    private var out: UnsafeMutablePointer<UInt8>
    private let outCapacity = 1 << 20
    private var pending: [UInt8] = []
    private var closed = false

    /// `level`: zlib compression level 1–9 (Gaia's files use the default, 6).
    public init(path: String, gzip: Bool, level: Int32 = 6) throws {
        self.path = path
        self.compress = gzip
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw FormatError(file: path, "cannot create: \(String(cString: strerror(errno)))") }
        out = .allocate(capacity: outCapacity)
        pending.reserveCapacity(1 << 20)
        if gzip {
            guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw FormatError(file: path, "zlib deflateInit2 failed")
            }
        }
    }

    deinit {
        if !closed { try? close() }
        out.deallocate()
    }

    public func write(_ s: String) throws {
        var s = s
        try s.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flushPending(finish: false) }
    }

    private func writeAll(_ p: UnsafeRawPointer, _ n: Int) throws {
        var done = 0
        while done < n {
            let w = Glibc.write(fd, p + done, n - done)
            if w < 0 {
                if errno == EINTR { continue }
                throw FormatError(file: path, "write failed: \(String(cString: strerror(errno)))")
            }
            done += w
        }
    }

    private func flushPending(finish: Bool) throws {
        if !compress {
            try pending.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
            pending.removeAll(keepingCapacity: true)
            return
        }
        try pending.withUnsafeMutableBufferPointer { buf in
            stream.next_in = buf.baseAddress
            stream.avail_in = uInt(buf.count)
            repeat {
                stream.next_out = out
                stream.avail_out = uInt(outCapacity)
                let rc = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                if rc == Z_STREAM_ERROR { throw FormatError(file: path, "zlib deflate failed") }
                try writeAll(out, outCapacity - Int(stream.avail_out))
                if finish && rc == Z_STREAM_END { break }
            } while stream.avail_out == 0 || (finish && stream.avail_in > 0) || finish
        }
        pending.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        guard !closed else { return }
        closed = true
        try flushPending(finish: true)
        if compress { deflateEnd(&stream) }
        if Glibc.close(fd) != 0 { throw FormatError(file: path, "close failed: \(String(cString: strerror(errno)))") }
    }
}
