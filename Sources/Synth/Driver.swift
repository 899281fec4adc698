// The shared machinery of the generators: options, the parallel file writer and the result.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import GaiaFormat

/// The tables Synth can generate (DR3 table names).
public enum SynthTable: String, CaseIterable, Sendable {
    case xpContinuousMeanSpectrum = "xp_continuous_mean_spectrum"
    case epochPhotometry = "epoch_photometry"
    case gaiaSource = "gaia_source"
    case epochAstrometry = "epoch_astrometry"

    /// Salt of the random streams of this table (so that equal seeds of different tables differ).
    var stream: UInt64 {
        switch self {
        case .xpContinuousMeanSpectrum: return 0x5850  // "XP"
        case .epochPhotometry: return 0x4550  // "EP"
        case .gaiaSource: return 0x4753  // "GS"
        case .epochAstrometry: return 0x4541  // "EA"
        }
    }

    public var knownTable: KnownTable { KnownTables.table(named: rawValue)! }
}

/// Options every generator takes.
public struct SynthOptions: Sendable {
    /// Number of sources (rows) in all files together.
    public var sources: Int
    /// Number of files (equal-width HEALPix level-8 ranges).
    public var files: Int
    public var seed: UInt64
    /// Output directory (created if missing).
    public var outDirectory: String
    /// zlib level 1–9 (Gaia's files: 6).
    public var level: Int32
    /// Worker threads writing files in parallel (≥ 1). The output does not depend on it.
    public var threads: Int

    public init(sources: Int, files: Int = 1, seed: UInt64 = 1, outDirectory: String, level: Int32 = 6, threads: Int = 2) {
        self.sources = sources
        self.files = files
        self.seed = seed
        self.outDirectory = outDirectory
        self.level = level
        self.threads = threads
    }

    func validate() throws {
        guard sources >= 0 else { throw SynthError("--sources must be ≥ 0") }
        guard files >= 1, Int64(files) <= SkyLayout.level8Pixels else { throw SynthError("--files must be in 1…786432") }
        guard (1...9).contains(level) else { throw SynthError("--level must be in 1…9") }
        guard threads >= 1 else { throw SynthError("--threads must be ≥ 1") }
    }
}

public struct SynthError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// What a generator wrote.
public struct SynthResult: Sendable {
    public var table: SynthTable
    /// Paths of the data files, in HEALPix order (files without sources are written too).
    public var files: [String]
    /// Sources per file.
    public var sourcesPerFile: [Int]
    public var truthJSON: String
    public var truthECSV: String
    public var sources: Int
    /// Bytes before compression (all data files).
    public var uncompressedBytes: Int
    /// Bytes on disk (all data files).
    public var compressedBytes: Int
    /// gaia_source: the planted pairs' truth (`gaia_source_pairs_truth.ecsv`); nil for the other tables.
    public var pairsTruth: String? = nil
}

/// Writes the data files of one table in parallel. `row` appends one complete CSV line (with
/// its newline) for the source at a sorted index and returns that source's truth record; the
/// records come back in sorted-index order.
struct FileWriter {
    let options: SynthOptions
    let header: String

    struct Output<T> {
        var paths: [String]
        var raw: Int
        var compressed: Int
        var truth: [T]
    }

    func write<T: Sendable>(files: [SkyFile], row: @escaping @Sendable (Int, inout TextBuffer) -> T) throws -> Output<T> {
        try makeDirectory(options.outDirectory)
        let paths = files.map { options.outDirectory + "/" + $0.name }
        let results = ResultSlots<T>(count: files.count)
        let next = AtomicCounter()
        let workers = max(1, min(options.threads, files.count))
        let opts = options, header = self.header
        let job: @Sendable (Int) -> Void = { _ in
            while true {
                let f = next.increment()
                if f >= files.count { return }
                do {
                    let sink = try ByteSink(path: paths[f], gzip: true, level: opts.level)
                    var raw = 0
                    try sink.write(header)
                    raw += header.utf8.count
                    var buf = TextBuffer(capacity: 1 << 21)
                    var truth: [T] = []
                    truth.reserveCapacity(files[f].count)
                    for i in files[f].first..<files[f].end {
                        truth.append(row(i, &buf))
                        if buf.count >= 1 << 20 {
                            try buf.bytes.withUnsafeBytes { try sink.write($0) }
                            raw += buf.count
                            buf.removeAll()
                        }
                    }
                    try buf.bytes.withUnsafeBytes { try sink.write($0) }
                    raw += buf.count
                    try sink.close()
                    results.set(f, .success(FileOutcome(raw: raw, compressed: fileSize(paths[f]), truth: truth)))
                } catch {
                    results.set(f, .failure(SynthError("\(paths[f]): \(error)")))
                }
            }
        }
        if workers == 1 {
            job(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: job)
        }
        var out = Output<T>(paths: paths, raw: 0, compressed: 0, truth: [])
        for f in 0..<files.count {
            switch results.take(f) {
            case .success(let o):
                out.raw += o.raw
                out.compressed += o.compressed
                out.truth += o.truth
            case .failure(let e): throw e
            case nil: throw SynthError("internal: file \(f) not written")
            }
        }
        return out
    }
}

struct FileOutcome<T: Sendable>: Sendable {
    var raw: Int
    var compressed: Int
    var truth: [T]
}

/// A pthread mutex at a stable address.
final class Lock: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        m.initialize(to: pthread_mutex_t())
        pthread_mutex_init(m, nil)
    }
    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(m)
        defer { pthread_mutex_unlock(m) }
        return try body()
    }
}

/// Per-file result slots, filled by the workers and read after all have finished.
final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private var slots: [Result<FileOutcome<T>, SynthError>?]
    private let lock = Lock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<FileOutcome<T>, SynthError>) { lock.locked { slots[i] = r } }
    func take(_ i: Int) -> Result<FileOutcome<T>, SynthError>? {
        lock.locked {
            let r = slots[i]
            slots[i] = nil
            return r
        }
    }
}

final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = Lock()
    func increment() -> Int {
        lock.locked {
            let v = value
            value += 1
            return v
        }
    }
}

func makeDirectory(_ path: String) throws {
    var partial = path.hasPrefix("/") ? "" : "."
    for comp in path.split(separator: "/") {
        partial += "/" + comp
        if mkdir(partial, 0o755) != 0 && errno != EEXIST {
            throw SynthError("cannot create directory \(partial): \(String(cString: strerror(errno)))")
        }
    }
}

func fileSize(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_size) : 0
}

/// Writes a plain-text file from a header and one line per record, in chunks.
func writeLines<C: Collection>(_ path: String, header: String, _ items: C, line: (C.Element, inout TextBuffer) -> Void) throws {
    let sink = try ByteSink(path: path, gzip: false)
    try sink.write(header)
    var buf = TextBuffer(capacity: 1 << 21)
    for item in items {
        line(item, &buf)
        if buf.count >= 1 << 20 {
            try buf.bytes.withUnsafeBytes { try sink.write($0) }
            buf.removeAll()
        }
    }
    try buf.bytes.withUnsafeBytes { try sink.write($0) }
    try sink.close()
}

func writeTextFile(_ path: String, _ text: String) throws {
    let sink = try ByteSink(path: path, gzip: false)
    try sink.write(text)
    try sink.close()
}

/// The folded DESCRIPTION block of a synthetic file.
func syntheticDescription(table: SynthTable, seed: UInt64, extra: String) -> [String] {
    [
        "GaiaMine synthetic data, NOT Gaia data: table \(table.rawValue) generated by `gaiamine synth` with seed \(seed). "
            + "Format, column names, types and units follow the Gaia DR3 bulk download; all values are simulated. " + extra,
        "The known truth is in \(table.rawValue)_truth.json and \(table.rawValue)_truth.ecsv next to these files.",
    ]
}
