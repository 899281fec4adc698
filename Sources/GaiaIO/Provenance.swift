// Who made an output, from what, when: stored as attributes on every HDF5 file GaiaMine writes
// (and as meta in every ECSV result), so a result found years later can be traced to its
// software version, source revision, compiler, build flags and inputs.
import CShims
import Foundation
import HDF5
import MPI

public enum GaiaMineVersion {
    /// The release version; CITATION.cff `version:` and the newest CHANGELOG.md release equal it
    /// (GaiaIOTests.VersionTests).
    public static let current = "0.2.0"
    /// Version of the on-disk layout described in Docs/data-format.md.
    public static let layout = "1"
}

/// Facts of the build, compiled in by `make build` (Makefile `build-info`); "unknown" in builds
/// made otherwise (`swift build`, `swift test`).
public enum BuildInfo {
    /// Full git commit of the source tree, "+dirty" when it had uncommitted or untracked files.
    public static let gitRevision = String(cString: gaia_build_git_revision())
    /// First line of `swift --version`.
    public static let compiler = String(cString: gaia_build_compiler())
    /// The `swift build` arguments.
    public static let buildFlags = String(cString: gaia_build_flags())
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
        try target.setAttribute("git_revision", BuildInfo.gitRevision)
        try target.setAttribute("compiler", BuildInfo.compiler)
        try target.setAttribute("build_flags", BuildInfo.buildFlags)
        try target.setAttribute("layout_version", GaiaMineVersion.layout)
        try target.setAttribute("hdf5_version", HDF5Library.version)
        try target.setAttribute("command_line", commandLine)
        try target.setAttribute("created", created)
        try target.setAttribute("mpi_ranks", Int64(ranks))
        try target.setAttribute("host", host)
    }
}

extension Provenance {
    /// Rank 0's provenance on every rank: attributes of a parallel file must be identical on
    /// every rank (collective), and the time, host and command line may differ between ranks.
    public static func agreed(over comm: Communicator) -> Provenance {
        var p = Provenance(ranks: comm.size)
        p.created = comm.broadcast(string: p.created)
        p.host = comm.broadcast(string: p.host)
        p.commandLine = comm.broadcast(string: p.commandLine)
        return p
    }

    /// The software entries of an ECSV result's meta (the HDF5 twin's root attributes say the same).
    public static var ecsvMeta: [(String, String)] {
        [("software", "GaiaMine \(GaiaMineVersion.current)"), ("git_revision", BuildInfo.gitRevision),
         ("compiler", BuildInfo.compiler), ("build_flags", BuildInfo.buildFlags)]
    }
}
