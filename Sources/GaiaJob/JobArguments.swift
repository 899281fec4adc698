// A job's command line, made from its option declarations: `gaiamine NAME INPUT --out PREFIX
// [--flag value …] [--set key=value …]`. Every flag is a typed override of a case-file key, so
// the command line and `gaiamine run CASE.yaml` are one parameter path; `--help` lists every
// option with its key and default.
import Foundation
import Expressions
import GaiaIO

public struct JobArguments {
    /// A value given on the command line for a key.
    enum Override {
        case scalar(String)
        case list([String])
        case yaml(String)
    }

    /// (key, value, how it was given), in command-line order.
    var overrides: [(key: String, value: Override, origin: String)] = []
    public private(set) var wantsHelp = false

    /// Parses `arguments` (after the subcommand) for `job`. `positionalInput`: a bare argument is
    /// the input file (false for `run CASE.yaml …`, where the case file is the bare argument).
    public init<J: Job>(_ job: J.Type, _ arguments: [String], positionalInput: Bool = true) throws {
        let options = J.options
        var lists: [String: (values: [String], flag: String)] = [:]
        var listOrder: [String] = []
        var i = 0
        var positional: [String] = []
        func value(_ flag: String, inline: String?) throws -> String {
            if let inline { return inline }
            i += 1
            guard i < arguments.count else { throw JobError("\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--" {
                positional += arguments[(i + 1)...]
                break
            }
            guard arg.hasPrefix("-"), arg.count > 1, Double(arg) == nil else {
                positional.append(arg)
                i += 1
                continue
            }
            var flag = arg, inline: String? = nil
            if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            switch flag {
            case "-h", "--help":
                wantsHelp = true
            case "--set":
                let text = try value(flag, inline: inline)
                guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                    throw JobError("--set \(text): expected KEY=VALUE, e.g. --set \(J.section).\(options.first?.leaf ?? "key")=…")
                }
                let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
                overrides.append((key, .yaml(String(text[text.index(after: eq)...])), "--set \(text)"))
            case "--out":
                overrides.append(("output", .scalar(try value(flag, inline: inline)), flag))
            case "--overwrite":
                overrides.append(("overwrite", .scalar(inline ?? "true"), flag))
            case "--progress-interval":
                overrides.append(("progress_interval", .scalar(try value(flag, inline: inline)), flag))
            case "--where":
                overrides.append((JobRunner.whereKey(J.self), .scalar(try value(flag, inline: inline)), flag))
            default:
                if let option = options.first(where: { $0.valueFlags.contains { $0.flag == flag } }) {
                    guard inline == nil else { throw JobError("\(flag) takes no value") }
                    let v = option.valueFlags.first { $0.flag == flag }!.value
                    overrides.append((option.fullKey(section: J.section), .scalar(v), flag))
                    i += 1
                    continue
                }
                guard let option = options.first(where: { $0.flag == flag }) else {
                    throw JobError("unknown option '\(flag)'" + (Spelling.closest(to: flag, among: Self.flags(of: J.self)).map { "; did you mean '\($0)'?" } ?? "")
                                   + " (see gaiamine \(J.name) --help)")
                }
                let key = option.fullKey(section: J.section)
                switch option.form {
                case .value:
                    overrides.append((key, .scalar(try value(flag, inline: inline)), flag))
                case .flag:
                    overrides.append((key, .scalar(inline ?? "true"), flag))
                case .invertedFlag:
                    guard inline == nil else { throw JobError("\(flag) takes no value") }
                    overrides.append((key, .scalar("false"), flag))
                case .list(let split):
                    let v = try value(flag, inline: inline)
                    let items = split ? v.split(separator: ",", omittingEmptySubsequences: false).map(String.init) : [v]
                    if lists[key] == nil { listOrder.append(key) }
                    lists[key, default: ([], flag)].values += items
                }
            }
            i += 1
        }
        for key in listOrder {
            let l = lists[key]!
            // "--dump-periodogram ''" is an empty list, not a list of one empty string.
            overrides.append((key, .list(l.values == [""] ? [] : l.values), l.flag))
        }
        if positionalInput, let first = positional.first {
            overrides.insert(("input", .scalar(first), "<input>"), at: 0)
            positional.removeFirst()
            if let key = J.secondInputKey, let option = options.first(where: { $0.key == key }), let second = positional.first {
                overrides.insert((option.fullKey(section: J.section), .scalar(second), "<\(option.valueName)>"), at: 1)
                positional.removeFirst()
            }
        }
        if let extra = positional.first {
            throw JobError("unexpected argument '\(extra)' (see gaiamine \(J.name) --help)")
        }
    }

    /// Applies the overrides to `p` (typed: each is read and checked as its option's type later).
    public func apply(to p: ParameterFile) throws {
        for o in overrides {
            switch o.value {
            case .scalar(let s): try p.override(o.key, scalar: s, origin: o.origin)
            case .list(let l): try p.override(o.key, list: l, origin: o.origin)
            case .yaml(let y): try p.override(o.key, yaml: y, origin: o.origin)
            }
        }
    }

    /// The `source` of a command-line run's parameters: its messages name flags, not keys.
    public static let commandLineSource = "command line"

    /// The parameters of a command-line run: the overrides on an empty parameter file.
    public func parameters() throws -> ParameterFile {
        let p = try ParameterFile(yaml: "", source: Self.commandLineSource)
        try apply(to: p)
        return p
    }

    static func flags<J: Job>(of job: J.Type) -> [String] {
        ["--out", "--overwrite", "--progress-interval", "--where", "--set", "--help"] + J.options.compactMap(\.flag)
            + J.options.flatMap { $0.valueFlags.map(\.flag) }
    }
}

// MARK: - help

public enum JobHelp {
    /// `gaiamine NAME --help`: usage, what the job does, every option with its key and default.
    public static func text<J: Job>(_ job: J.Type, program: String = "gaiamine") -> String {
        let defaults = J.Options()
        var rows: [(String, String)] = [
            ("<input>", J.inputHelp + " (key: input)"),
        ]
        if let k = J.secondInputKey, let o = J.options.first(where: { $0.key == k }) {
            rows.append(("<\(o.valueName)>", o.help + " (key: \(o.fullKey(section: J.section)))"))
        }
        rows += [
            ("--out <prefix>", "Output prefix: writes " + J.allOutputSuffixes.map { "PREFIX" + $0 }.joined(separator: ", ")
                + ". (key: output)"),
            ("--overwrite", "Replace existing outputs. (key: overwrite, default: false)"),
            ("--progress-interval <s>", "Seconds between progress lines. (key: progress_interval, default: "
                + ParameterFile.yamlDouble(defaults.progressInterval) + ")"),
            ("--where <expr>", "Use only the rows where this expression is true, e.g. 'parallax > 1 and ruwe < 1.4' "
                + "(Docs/expressions.md). (key: \(JobRunner.whereKey(J.self)), default: every row)"),
        ]
        for o in J.options {
            let key = o.fullKey(section: J.section)
            if o.key == J.secondInputKey { continue }
            var left = o.flag ?? "--set \(key)=<\(o.valueName)>"
            if o.flag != nil, o.form != .flag, o.form != .invertedFlag { left += " <\(o.valueName)>" }
            for v in o.valueFlags { left += ", " + v.flag }
            var right = o.help + " (key: \(key)"
            if let d = o.defaultText(defaults) { right += ", default: \(d)" }
            right += ")"
            rows.append((left, right))
        }
        rows.append(("--set <key=value>", "Any parameter by its case-file key (repeatable), e.g. --set \(J.section).\(J.options.first?.leaf ?? "key")=…"))
        rows.append(("-h, --help", "Show this help."))
        var s = "OVERVIEW: \(J.abstract)\n\n"
        if !J.discussion.isEmpty { s += wrap(J.discussion, width: 100, indent: "") + "\n\n" }
        let second = J.secondInputKey.flatMap { k in J.options.first { $0.key == k } }.map { " <\($0.valueName)>" } ?? ""
        s += "USAGE: \(program) \(J.name) <input>\(second) --out <prefix> [options]\n"
        s += "       \(program) run CASE.yaml [--set key=value …]   (case file with job: \(J.name))\n\n"
        s += "OPTIONS:\n"
        let width = min(34, rows.map(\.0.count).max() ?? 0)
        for (left, right) in rows {
            let pad = left.count < width ? String(repeating: " ", count: width - left.count) : "\n" + String(repeating: " ", count: width + 2)
            s += "  " + left + pad + "  " + wrap(right, width: 96 - width, indent: String(repeating: " ", count: width + 4)) + "\n"
        }
        return s
    }

    /// Greedy word wrap; lines after the first start with `indent`.
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = String(word)
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n" + indent)
    }
}
