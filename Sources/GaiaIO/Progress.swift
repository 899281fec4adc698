// Progress lines from rank 0 for long runs: done / total, rate, ETA, at most every few seconds,
// so that a 10-hour job on a cluster shows in its log that it is alive and when it will end.
import Foundation

public final class ProgressReporter {
    private let label: String
    private let unit: String
    private let enabled: Bool
    private let interval: Double
    private let start: Double
    private var last: Double
    private let output: (String) -> Void

    /// `enabled` is normally `communicator.isRoot`.
    public init(label: String, unit: String, enabled: Bool, interval: Double = 5,
                output: @escaping (String) -> Void = { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }) {
        self.label = label
        self.unit = unit
        self.enabled = enabled
        self.interval = interval
        start = Self.now()
        last = start
        self.output = output
    }

    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    public var elapsed: Double { Self.now() - start }

    /// Reports `done` of `total` (fraction for the ETA), with `count` items processed so far.
    public func update(fraction: Double, count: Int, detail: String = "", force: Bool = false) {
        guard enabled else { return }
        let t = Self.now()
        guard force || t - last >= interval else { return }
        last = t
        let el = t - start
        let rate = el > 0 ? Double(count) / el : 0
        var eta = "?"
        if fraction > 0.001 { eta = Self.duration(el / fraction - el) }
        output(String(format: "[%@] %5.1f%%  %d %@  %.0f %@/s  elapsed %@  ETA %@%@", label, fraction * 100, count, unit,
                      rate, unit, Self.duration(el), eta, detail.isEmpty ? "" : "  " + detail))
    }

    public static func duration(_ s: Double) -> String {
        if !s.isFinite { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return String(format: "%dh%02dm%02ds", t / 3600, (t / 60) % 60, t % 60) }
        if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%.1fs", s)
    }
}
