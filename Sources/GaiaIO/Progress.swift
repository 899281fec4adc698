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
        start = Clock.wall()
        last = start
        self.output = output
    }

    /// The job clock (Clock.wall()); kept for the repack driver's timings.
    public static func now() -> Double { Clock.wall() }

    public var elapsed: Double { Clock.wall() - start }

    /// Reports `done` of `total` (fraction for the ETA), with `count` items processed so far.
    public func update(fraction: Double, count: Int, detail: String = "", force: Bool = false) {
        guard enabled else { return }
        let t = Clock.wall()
        guard force || t - last >= interval else { return }
        last = t
        let el = t - start
        var eta = "?"
        if fraction > 0.001 { eta = Self.duration(el / fraction - el) }
        output(String(format: "[%@] %5.1f%%  %d %@  %.0f %@/s  elapsed %@  ETA %@%@", label, fraction * 100, count, unit,
                      Clock.rate(count, seconds: el), unit, Self.duration(el), eta, detail.isEmpty ? "" : "  " + detail))
    }

    public static func duration(_ s: Double) -> String {
        if !s.isFinite { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return String(format: "%dh%02dm%02ds", t / 3600, (t / 60) % 60, t % 60) }
        if t >= 60 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%.1fs", s)
    }
}
