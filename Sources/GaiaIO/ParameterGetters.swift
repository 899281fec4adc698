// The typed getters of a ParameterFile: strings, choices, integers (Int64 exact for source_ids),
// numbers, booleans and lists of them, each required, with a default, or optional. Every read is
// recorded (the resolved set); a missing or mistyped value is an error naming file, line and key.

import Foundation
import Expressions
import GaiaFormat
import Yams

extension ParameterFile {
    /// Generic single-value getter: required when `def` is nil and `optional` is false.
    private func get<T>(_ key: String, _ what: String, default def: T?, optional: Bool,
                        parse: (String) -> T?, format: (T) -> String, detail: ((String) -> String?)? = nil) throws -> T? {
        guard let e = try lookup(key) else {
            if let def {
                record(key, format(def))
                return def
            }
            if optional {
                record(key, "~")
                return nil
            }
            throw missing(key, what)
        }
        guard let s = e.node.scalar else { throw typeError(key, e, what) }
        guard let v = parse(s.string) else { throw typeError(key, e, what, detail?(s.string)) }
        record(key, format(v))
        return v
    }

    /// Generic list getter. A single scalar is accepted as a list of one.
    private func getList<T>(_ key: String, _ what: String, default def: [T]?, optional: Bool,
                            parse: (String) -> T?, format: (T) -> String, detail: ((String) -> String?)? = nil) throws -> [T]? {
        let listWhat = "a list of \(what)"
        func fmt(_ list: [T]) -> String { "[" + list.map(format).joined(separator: ", ") + "]" }
        guard let e = try lookup(key) else {
            if let def {
                record(key, fmt(def))
                return def
            }
            if optional {
                record(key, "~")
                return nil
            }
            throw missing(key, listWhat)
        }
        let items: [Node]
        if let seq = e.node.sequence { items = Array(seq) } else if e.node.scalar != nil { items = [e.node] } else {
            throw typeError(key, e, listWhat)
        }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let s = item.scalar else {
                throw ParameterError(file: source, key: key, line: item.mark?.line ?? e.line,
                                     "expected \(listWhat), but item \(i + 1) is \(Self.kind(item))")
            }
            guard let v = parse(s.string) else {
                let d = detail?(s.string).map { " (\($0))" } ?? ""
                throw ParameterError(file: source, key: key, line: item.mark?.line ?? e.line,
                                     "expected \(listWhat), but item \(i + 1) is '\(s.string)'\(d)")
            }
            out.append(v)
        }
        record(key, fmt(out))
        return out
    }

    // MARK: - strings

    public func string(_ key: String) throws -> String {
        try get(key, "a string", default: nil, optional: false, parse: { $0 }, format: Self.yamlString)!
    }
    public func string(_ key: String, default def: String) throws -> String {
        try get(key, "a string", default: def, optional: false, parse: { $0 }, format: Self.yamlString)!
    }
    public func optionalString(_ key: String) throws -> String? {
        try get(key, "a string", default: nil, optional: true, parse: { $0 }, format: Self.yamlString)
    }

    /// A string that must be one of `allowed` (case-sensitive); the error lists the choices.
    public func choice(_ key: String, default def: String, allowed: [String]) throws -> String {
        let v = try string(key, default: def)
        guard allowed.contains(v) else {
            var msg = "expected one of " + allowed.map { "'\($0)'" }.joined(separator: ", ") + ", got '\(v)'"
            if let near = Spelling.closest(to: v, among: allowed) { msg += ": did you mean '\(near)'?" }
            throw ParameterError(file: source, key: key, line: entries[key]?.node.mark?.line ?? entries[key]?.line, msg)
        }
        return v
    }

    // MARK: - integers

    public func int(_ key: String) throws -> Int {
        try get(key, "an integer", default: nil, optional: false, parse: Self.parseInt, format: { String($0) }, detail: Self.intDetail)!
    }
    public func int(_ key: String, default def: Int) throws -> Int {
        try get(key, "an integer", default: def, optional: false, parse: Self.parseInt, format: { String($0) }, detail: Self.intDetail)!
    }
    public func optionalInt(_ key: String) throws -> Int? {
        try get(key, "an integer", default: nil, optional: true, parse: Self.parseInt, format: { String($0) }, detail: Self.intDetail)
    }

    public func int64(_ key: String) throws -> Int64 {
        try get(key, "an integer", default: nil, optional: false, parse: Self.parseInt64, format: { String($0) }, detail: Self.intDetail)!
    }
    public func int64(_ key: String, default def: Int64) throws -> Int64 {
        try get(key, "an integer", default: def, optional: false, parse: Self.parseInt64, format: { String($0) }, detail: Self.intDetail)!
    }
    public func optionalInt64(_ key: String) throws -> Int64? {
        try get(key, "an integer", default: nil, optional: true, parse: Self.parseInt64, format: { String($0) }, detail: Self.intDetail)
    }

    // MARK: - doubles

    public func double(_ key: String) throws -> Double {
        try get(key, "a number", default: nil, optional: false, parse: Self.parseDouble, format: Self.yamlDouble)!
    }
    public func double(_ key: String, default def: Double) throws -> Double {
        try get(key, "a number", default: def, optional: false, parse: Self.parseDouble, format: Self.yamlDouble)!
    }
    public func optionalDouble(_ key: String) throws -> Double? {
        try get(key, "a number", default: nil, optional: true, parse: Self.parseDouble, format: Self.yamlDouble)
    }

    // MARK: - booleans

    public func bool(_ key: String) throws -> Bool {
        try get(key, "true or false", default: nil, optional: false, parse: Self.parseBool, format: { $0 ? "true" : "false" })!
    }
    public func bool(_ key: String, default def: Bool) throws -> Bool {
        try get(key, "true or false", default: def, optional: false, parse: Self.parseBool, format: { $0 ? "true" : "false" })!
    }
    public func optionalBool(_ key: String) throws -> Bool? {
        try get(key, "true or false", default: nil, optional: true, parse: Self.parseBool, format: { $0 ? "true" : "false" })
    }

    // MARK: - lists

    public func stringList(_ key: String) throws -> [String] {
        try getList(key, "strings", default: nil, optional: false, parse: { $0 }, format: Self.yamlString)!
    }
    public func stringList(_ key: String, default def: [String]) throws -> [String] {
        try getList(key, "strings", default: def, optional: false, parse: { $0 }, format: Self.yamlString)!
    }
    public func optionalStringList(_ key: String) throws -> [String]? {
        try getList(key, "strings", default: nil, optional: true, parse: { $0 }, format: Self.yamlString)
    }

    public func intList(_ key: String) throws -> [Int] {
        try getList(key, "integers", default: nil, optional: false, parse: Self.parseInt, format: { String($0) }, detail: Self.intDetail)!
    }
    public func intList(_ key: String, default def: [Int]) throws -> [Int] {
        try getList(key, "integers", default: def, optional: false, parse: Self.parseInt, format: { String($0) }, detail: Self.intDetail)!
    }
    public func optionalIntList(_ key: String) throws -> [Int]? {
        try getList(key, "integers", default: nil, optional: true, parse: Self.parseInt, format: { String($0) }, detail: Self.intDetail)
    }

    /// For Gaia source_ids (up to 2^63 − 1), read exactly from the text.
    public func int64List(_ key: String) throws -> [Int64] {
        try getList(key, "integers", default: nil, optional: false, parse: Self.parseInt64, format: { String($0) }, detail: Self.intDetail)!
    }
    public func int64List(_ key: String, default def: [Int64]) throws -> [Int64] {
        try getList(key, "integers", default: def, optional: false, parse: Self.parseInt64, format: { String($0) }, detail: Self.intDetail)!
    }
    public func optionalInt64List(_ key: String) throws -> [Int64]? {
        try getList(key, "integers", default: nil, optional: true, parse: Self.parseInt64, format: { String($0) }, detail: Self.intDetail)
    }

    public func doubleList(_ key: String) throws -> [Double] {
        try getList(key, "numbers", default: nil, optional: false, parse: Self.parseDouble, format: Self.yamlDouble)!
    }
    public func doubleList(_ key: String, default def: [Double]) throws -> [Double] {
        try getList(key, "numbers", default: def, optional: false, parse: Self.parseDouble, format: Self.yamlDouble)!
    }
    public func optionalDoubleList(_ key: String) throws -> [Double]? {
        try getList(key, "numbers", default: nil, optional: true, parse: Self.parseDouble, format: Self.yamlDouble)
    }
}
