// The collective read loop, written once. Collective HDF5 reads need every rank in every read,
// so each rank walks its own rows in chunks for as many rounds as the rank with the most chunks
// (one allreduce(max)), and a rank that has finished takes part with an empty range.
import MPI

public struct CollectiveChunks: Sequence {
    /// This rank's chunks, in order.
    public let chunks: [RowRange]
    /// Rounds every rank goes through (the most chunks of any rank).
    public let rounds: Int

    /// `rows` (this rank's share) in chunks of at most `chunkRows` rows. Collective.
    public init(_ rows: RowRange, chunkRows: Int, communicator: Communicator) {
        precondition(chunkRows > 0, "chunkRows must be positive")
        var c: [RowRange] = []
        var start = rows.start
        while start < rows.end {
            c.append(RowRange(start: start, count: Swift.min(chunkRows, rows.end - start)))
            start += chunkRows
        }
        self.init(chunks: c, communicator: communicator)
    }

    /// Given chunks (e.g. fixed blocks assigned to this rank). Collective.
    public init(chunks: [RowRange], communicator: Communicator) {
        self.chunks = chunks
        rounds = communicator.allreduce(chunks.count, .max)
    }

    /// One round: its number, and this rank's rows in it (empty once this rank is done).
    public struct Round {
        public let index: Int
        public let rows: RowRange
        /// Index of the chunk in `chunks`, nil for an empty round of a finished rank.
        public let chunk: Int?
        /// Fraction of the rounds done after this one (for progress lines).
        public let fractionDone: Double
    }

    public func makeIterator() -> AnyIterator<Round> {
        var r = 0
        let chunks = self.chunks, rounds = self.rounds
        return AnyIterator {
            guard r < rounds else { return nil }
            defer { r += 1 }
            let mine = r < chunks.count
            return Round(index: r, rows: mine ? chunks[r] : RowRange(start: mine ? chunks[r].start : 0, count: 0),
                         chunk: mine ? r : nil, fractionDone: Double(r + 1) / Double(Swift.max(rounds, 1)))
        }
    }
}
