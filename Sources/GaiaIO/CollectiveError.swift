// Agreeing on failure. A rank that meets bad input must not leave the others waiting in a
// collective (the GADGET-4 rule): at each agreement point every rank contributes its error text,
// and if any is non-empty every rank throws the same combined error and unwinds in step.
import MPI

public struct CollectiveError: Error, CustomStringConvertible {
    /// (rank, message) for every rank that failed.
    public let failures: [(rank: Int, message: String)]
    public var description: String {
        var seen = Set<String>()
        var lines: [String] = []
        for f in failures where seen.insert(f.message).inserted { lines.append(f.message) }
        return lines.joined(separator: "\n")
    }
}

extension Communicator {
    /// Collective: throws `CollectiveError` on every rank if `localError` is non-nil on any rank.
    public func agree(_ localError: Error?) throws {
        let messages = allgather(string: localError.map { "\($0)" } ?? "")
        let failures = messages.enumerated().filter { !$0.element.isEmpty }.map { (rank: $0.offset, message: $0.element) }
        if !failures.isEmpty { throw CollectiveError(failures: failures) }
    }

    /// Runs `body`; whatever it throws on any rank becomes a `CollectiveError` on all ranks.
    public func collectively<R>(_ body: () throws -> R) throws -> R {
        var result: R?
        var failure: Error?
        do { result = try body() } catch { failure = error }
        try agree(failure)
        return result!
    }
}

extension Communicator {
    /// As `collectively`, but every rank throws only the lowest failing rank's error: for data
    /// errors met while ranks read consecutive row blocks, that is the first bad row in input
    /// order, reported once.
    public func collectivelyFirst<R>(_ body: () throws -> R) throws -> R {
        do {
            return try collectively(body)
        } catch let e as CollectiveError {
            throw CollectiveError(failures: Array(e.failures.prefix(1)))
        }
    }
}
