// A small job for the framework's tests: sums a column of squares over a row range, split by
// count over ranks, writing PREFIX.txt from rank 0.
import Foundation
import GaiaIO
import GaiaJob
import MPI

enum Mode: String, CaseIterable { case plain, squared }
enum Colour: String, CaseIterable, Hashable { case red, green, blue }

struct ToyOptions: JobOptions {
    var input = ""
    var progressInterval = 5.0
    var rows = 10
    var scale = 1.5
    var label: String? = nil
    var mode = Mode.squared
    var colours: [Colour] = [.red]
    var ids: [Int64] = []
    var files: [String] = []
    var verbose = false
    var fast = true
    var low = 0.0, high = 1.0

    func problems() -> [OptionProblem] {
        low < high ? [] : [OptionProblem(key: "low/high", message: "need low < high, got \(low), \(high)")]
    }
}

struct ToyResult { var sum: Double; var rows: Int }

enum ToyJob: Job {
    typealias Options = ToyOptions
    static let name = "toy-sum"
    static let abstract = "Sums squares (framework tests)."
    static let inputHelp = "Any file (not read)."
    static let outputSuffixes = [".txt"]
    nonisolated(unsafe) static var runs = 0

    static let options: [JobOption<Options>] = [
        .value("rows", \.rows, help: "Rows summed.", check: { $0 > 0 ? nil : "must be positive, got \($0)" }),
        .value("scale", \.scale, help: "Scale factor."),
        .optional("label", \.label, help: "A label."),
        .choice("mode", \.mode, help: "plain | squared."),
        .choices("colours", \.colours, what: "colour", help: "Colours."),
        .list("ids", \.ids, flag: "--id", help: "Source ids."),
        .list("files", \.files, flag: "--file", split: false, help: "Files."),
        .value("verbose", \.verbose, help: "Say more."),
        .invertedFlag("fast", \.fast, help: "Fast path."),
        .value("low", \.low, help: "Low."),
        .value("high", \.high, help: "High."),
        .value("/extra.depth", \.rows, flag: .none, help: "Same as rows, in another section (absolute key)."),
    ]

    static func run(_ o: Options, in context: JobContext) throws -> ToyResult {
        runs += 1
        let comm = context.communicator
        let mine = RowPartition.byCount(rows: o.rows, parts: comm.size, index: comm.rank)
        var local = 0.0
        for round in CollectiveChunks(mine, chunkRows: 3, communicator: comm) {
            for i in round.rows.start..<round.rows.end { local += o.mode == .squared ? Double(i * i) : Double(i) }
        }
        return ToyResult(sum: comm.allreduce(local, .sum) * o.scale, rows: o.rows)
    }

    static func write(_ r: ToyResult, options o: Options, in context: JobContext) throws {
        if context.isRoot { try JobRunner.writeAtomically("\(r.sum)\n" + context.parameters, to: context.path(".txt")) }
    }

    static func summary(_ r: ToyResult, options o: Options, in context: JobContext) -> String {
        "toy-sum: done: \(r.rows) rows, sum \(r.sum)"
    }
}
