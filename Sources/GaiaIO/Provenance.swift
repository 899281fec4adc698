// Who made an output, from what, when: stored as attributes on every HDF5 file GaiaMine writes,
// so a result found years later can be traced to its software version and inputs.
import Foundation
import HDF5

public enum GaiaMineVersion {
    public static let current = "0.1.0"
    /// Version of the on-disk layout described in Docs/data-format.md.
    public static let layout = "1"
}

public struct Provenance {
    public var commandLine: String
    public var created: String
    public var ranks: Int
    public var host: String

    public init(ranks: Int) {
        commandLine = CommandLine.arguments.joined(separator: " ")
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        created = f.string(from: Date())
        self.ranks = ranks
        host = ProcessInfo.processInfo.hostName
    }

    /// Writes the provenance attributes on `target` (collective in a parallel file: every rank
    /// must pass identical values — rank 0's are broadcast by the caller).
    public func write(to target: AttributeHolder) throws {
        try target.setAttribute("software", "GaiaMine")
        try target.setAttribute("software_version", GaiaMineVersion.current)
        try target.setAttribute("layout_version", GaiaMineVersion.layout)
        try target.setAttribute("hdf5_version", HDF5Library.version)
        try target.setAttribute("command_line", commandLine)
        try target.setAttribute("created", created)
        try target.setAttribute("mpi_ranks", Int64(ranks))
        try target.setAttribute("host", host)
    }
}
