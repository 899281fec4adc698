// One declaration per option: key, type, default, help and check, in one place. From the
// declarations come the case-file reader (SWIFT-style: every key read with its default, unknown
// keys are errors), the command-line flags (typed overrides of the same keys), `--help`, the
// resolved PREFIX.yaml, and the messages that name a bad value by its key or flag.
//
// Keys are relative to the job's section (`nterms` is `periodogram.nterms`); a key starting with
// "/" is absolute (`/table`, `/selection.filters`). The default is the value of the property in
// `Options()`: written once, where the property is declared.
import Foundation
import GaiaIO

/// The command-line name of an option.
public enum FlagName: ExpressibleByStringLiteral, Sendable {
    /// `--` and the key's last part with `-` for `_` (`peak_separation` → `--peak-separation`).
    case automatic
    /// Case file and `--set` only.
    case none
    case named(String)
    public init(stringLiteral value: String) { self = .named(value) }
}

public struct JobOption<O: JobOptions> {
    /// How the option appears on the command line.
    public enum Form: Sendable, Equatable {
        /// `--flag VALUE`.
        case value
        /// `--flag` sets true (a Bool option).
        case flag
        /// `--no-flag` sets false (a Bool option whose default is true).
        case invertedFlag
        /// `--flag A,B` (split at commas when `split`) and/or `--flag A --flag B`.
        case list(split: Bool)
    }

    /// The key as declared (relative to the job's section unless it starts with "/").
    public let key: String
    public let flagName: FlagName
    public let form: Form
    /// Placeholder in `--help` (`<n>`, `<deg>`, `<list>`).
    public let valueName: String
    public let help: String
    /// Reads the option from the parameters into the options (default: the value already there).
    let read: (ParameterFile, String, inout O) throws -> Void
    /// The option's own check on the value read (nil: fine).
    let check: (O) -> String?
    /// The default as text for `--help` (nil: none shown).
    let defaultText: (O) -> String?
    /// Flags that each set the option to one value (`--all` for `--match all`): (flag, value).
    public internal(set) var valueFlags: [(flag: String, value: String)] = []

    public init(key: String, flag: FlagName = .automatic, form: Form = .value, valueName: String, help: String,
                read: @escaping (ParameterFile, _ fullKey: String, inout O) throws -> Void,
                check: @escaping (O) -> String? = { _ in nil },
                defaultText: @escaping (O) -> String? = { _ in nil }) {
        self.key = key
        self.flagName = flag
        self.form = form
        self.valueName = valueName
        self.help = help
        self.read = read
        self.check = check
        self.defaultText = defaultText
    }

    /// The full dotted key in `section`.
    public func fullKey(section: String) -> String {
        key.hasPrefix("/") ? String(key.dropFirst()) : section + "." + key
    }

    /// The key's last part (`nterms`, `filters`).
    public var leaf: String { String(key.split(separator: ".").last ?? Substring(key)).replacingOccurrences(of: "/", with: "") }

    /// The command-line flag, if any.
    public var flag: String? {
        switch flagName {
        case .none: return nil
        case .named(let f): return f
        case .automatic: return "--" + (form == .invertedFlag ? "no-" : "") + leaf.replacingOccurrences(of: "_", with: "-")
        }
    }
}

// MARK: - typed declarations

/// A scalar an option can hold, read from a parameter file by its own getter.
public protocol OptionScalar {
    static var valueName: String { get }
    static func read(_ p: ParameterFile, _ key: String, default: Self) throws -> Self
    static func readOptional(_ p: ParameterFile, _ key: String) throws -> Self?
    /// As YAML flow text (for `--help`).
    var yamlText: String { get }
}

/// A scalar that can also form a list option.
public protocol OptionListElement: OptionScalar {
    static func readList(_ p: ParameterFile, _ key: String, default: [Self]) throws -> [Self]
}

extension Int: OptionListElement {
    public static var valueName: String { "n" }
    public static func read(_ p: ParameterFile, _ k: String, default d: Int) throws -> Int { try p.int(k, default: d) }
    public static func readOptional(_ p: ParameterFile, _ k: String) throws -> Int? { try p.optionalInt(k) }
    public static func readList(_ p: ParameterFile, _ k: String, default d: [Int]) throws -> [Int] { try p.intList(k, default: d) }
    public var yamlText: String { String(self) }
}

extension Int64: OptionListElement {
    public static var valueName: String { "n" }
    public static func read(_ p: ParameterFile, _ k: String, default d: Int64) throws -> Int64 { try p.int64(k, default: d) }
    public static func readOptional(_ p: ParameterFile, _ k: String) throws -> Int64? { try p.optionalInt64(k) }
    public static func readList(_ p: ParameterFile, _ k: String, default d: [Int64]) throws -> [Int64] { try p.int64List(k, default: d) }
    public var yamlText: String { String(self) }
}

extension Double: OptionListElement {
    public static var valueName: String { "x" }
    public static func read(_ p: ParameterFile, _ k: String, default d: Double) throws -> Double { try p.double(k, default: d) }
    public static func readOptional(_ p: ParameterFile, _ k: String) throws -> Double? { try p.optionalDouble(k) }
    public static func readList(_ p: ParameterFile, _ k: String, default d: [Double]) throws -> [Double] { try p.doubleList(k, default: d) }
    public var yamlText: String { ParameterFile.yamlDouble(self) }
}

extension String: OptionListElement {
    public static var valueName: String { "text" }
    public static func read(_ p: ParameterFile, _ k: String, default d: String) throws -> String { try p.string(k, default: d) }
    public static func readOptional(_ p: ParameterFile, _ k: String) throws -> String? { try p.optionalString(k) }
    public static func readList(_ p: ParameterFile, _ k: String, default d: [String]) throws -> [String] { try p.stringList(k, default: d) }
    public var yamlText: String { ParameterFile.yamlString(self) }
}

extension Bool: OptionScalar {
    public static var valueName: String { "bool" }
    public static func read(_ p: ParameterFile, _ k: String, default d: Bool) throws -> Bool { try p.bool(k, default: d) }
    public static func readOptional(_ p: ParameterFile, _ k: String) throws -> Bool? { try p.optionalBool(k) }
    public var yamlText: String { self ? "true" : "false" }
}

extension JobOption {
    /// A single value with a default (`--k 100`, `xp_search.k: 100`); a Bool is a flag.
    public static func value<V: OptionScalar>(_ key: String, _ path: WritableKeyPath<O, V>, flag: FlagName = .automatic,
                                              valueName: String? = nil, help: String,
                                              check: ((V) -> String?)? = nil) -> JobOption {
        JobOption(key: key, flag: flag, form: V.self == Bool.self ? .flag : .value, valueName: valueName ?? V.valueName, help: help,
                  read: { p, k, o in o[keyPath: path] = try V.read(p, k, default: o[keyPath: path]) },
                  check: { o in check?(o[keyPath: path]) },
                  defaultText: { $0[keyPath: path].yamlText })
    }

    /// A Bool whose default is true, switched off on the command line by `--no-NAME`.
    public static func invertedFlag(_ key: String, _ path: WritableKeyPath<O, Bool>, flag: FlagName = .automatic,
                                    help: String) -> JobOption {
        JobOption(key: key, flag: flag, form: .invertedFlag, valueName: "bool", help: help,
                  read: { p, k, o in o[keyPath: path] = try p.bool(k, default: o[keyPath: path]) },
                  defaultText: { $0[keyPath: path].yamlText })
    }

    /// A value that may be absent (`~`): nil unless given.
    public static func optional<V: OptionScalar>(_ key: String, _ path: WritableKeyPath<O, V?>, flag: FlagName = .automatic,
                                                 valueName: String? = nil, help: String,
                                                 check: ((V) -> String?)? = nil) -> JobOption {
        JobOption(key: key, flag: flag, valueName: valueName ?? V.valueName, help: help,
                  read: { p, k, o in
                      if let v = try V.readOptional(p, k) { o[keyPath: path] = v } else if let d = o[keyPath: path] {
                          o[keyPath: path] = try V.read(p, k, default: d)
                      }
                  },
                  check: { o in o[keyPath: path].flatMap { check?($0) } },
                  defaultText: { o in o[keyPath: path].map(\.yamlText) })
    }

    /// A list (`[a, b]` in a case file; `--flag a,b` when `split`, or the flag repeated).
    public static func list<V: OptionListElement>(_ key: String, _ path: WritableKeyPath<O, [V]>, flag: FlagName = .automatic,
                                                  split: Bool = true, valueName: String? = nil, help: String,
                                                  check: (([V]) -> String?)? = nil) -> JobOption {
        JobOption(key: key, flag: flag, form: .list(split: split), valueName: valueName ?? V.valueName + "[,…]", help: help,
                  read: { p, k, o in o[keyPath: path] = try V.readList(p, k, default: o[keyPath: path]) },
                  check: { o in check?(o[keyPath: path]) },
                  defaultText: { o in "[" + o[keyPath: path].map(\.yamlText).joined(separator: ", ") + "]" })
    }

    /// One of an enumeration's raw values (`--engine direct`); the error lists the choices.
    /// `valueFlags`: each choice is also a flag of its own (`--all` for `--match all`).
    public static func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ path: WritableKeyPath<O, E>,
                                                                   flag: FlagName = .automatic, valueFlags: Bool = false,
                                                                   help: String) -> JobOption
    where E.RawValue == String {
        var option = JobOption(key: key, flag: flag, valueName: E.allCases.map(\.rawValue).joined(separator: "|"), help: help,
                               read: { p, k, o in
                                   o[keyPath: path] = E(rawValue: try p.choice(k, default: o[keyPath: path].rawValue,
                                                                               allowed: E.allCases.map(\.rawValue)))!
                               },
                               defaultText: { $0[keyPath: path].rawValue })
        if valueFlags {
            option.valueFlags = E.allCases.map { ("--" + $0.rawValue.replacingOccurrences(of: "_", with: "-"), $0.rawValue) }
        }
        return option
    }

    /// A list of distinct choices (`--bands g,bp`), case-insensitive; `what` names one ("band").
    public static func choices<E: RawRepresentable & CaseIterable & Hashable>(
        _ key: String, _ path: WritableKeyPath<O, [E]>, what: String, flag: FlagName = .automatic, help: String) -> JobOption
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        return JobOption(key: key, flag: flag, form: .list(split: true), valueName: names.joined(separator: ","), help: help,
                         read: { p, k, o in
                             let texts = try p.stringList(k, default: o[keyPath: path].map(\.rawValue))
                             var out: [E] = []
                             for t in texts {
                                 let name = t.trimmingCharacters(in: .whitespaces).lowercased()
                                 guard let e = E(rawValue: name) else {
                                     throw p.error(key: k, "unknown \(what) '\(t)' (\(names.joined(separator: ", ")))")
                                 }
                                 out.append(e)
                             }
                             guard !out.isEmpty else { throw p.error(key: k, "give at least one \(what): \(names.joined(separator: ", "))") }
                             guard Set(out).count == out.count else { throw p.error(key: k, "a \(what) is named twice") }
                             o[keyPath: path] = out
                         },
                         defaultText: { o in "[" + o[keyPath: path].map(\.rawValue).joined(separator: ", ") + "]" })
    }
}
