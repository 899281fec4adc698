// Run parameters in a YAML file, the way the SWIFT SPH code does it: every parameter of a run
// lives in one file, grouped in sections (`xp_search: {k: 100}` is read as "xp_search.k"); the
// code asks for each parameter by its dotted name, with a default or without; keys that nothing
// asked for are an error (a misspelt key must not silently fall back to a default); and the
// parameters actually used, defaults filled in, are echoed and stored with the outputs.
//
// Values are interpreted from the scalar's text, not from YAML's own typing, so that a Gaia
// source_id (up to 2^63 − 1) is read exactly and `k: "100"` is still the integer 100. A key
// given with no value (`k:`, `k: ~`, `k: null`) counts as not set: its default is used.

import Foundation
import GaiaFormat
import Yams

/// A problem with a parameter file: which file, which key, which line (when known), and what was
/// wrong or expected. Printed as `file:line: key: message`, the form compilers use.
public struct ParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var key: String?
    public var line: Int?
    public var message: String

    public init(file: String, key: String? = nil, line: Int? = nil, _ message: String) {
        self.file = file
        self.key = key
        self.line = line
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ":"
        if let key { s += " \(key):" }
        return s + " " + message
    }
}

public final class ParameterFile {
    /// Where the parameters came from (a path, or the `source` given with the text).
    public let source: String

    private struct Entry {
        var node: Node
        var line: Int?
    }

    /// Leaf values (scalars and lists) by dotted key, and the keys in file order.
    private var entries: [String: Entry] = [:]
    private var fileOrder: [String] = []
    /// Section (mapping) paths present in the file.
    private var sections: [String: Int?] = [:]
    /// Keys read by a getter (present or not), for unusedKeys and "did you mean".
    private var asked = Set<String>()
    private var used = Set<String>()
    private var resolvedOrder: [String] = []
    private var resolvedValues: [String: String] = [:]

    public convenience init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            if !FileManager.default.fileExists(atPath: path) {
                throw ParameterError(file: path, "cannot read the parameter file: no such file")
            }
            throw ParameterError(file: path, "cannot read the parameter file (is it UTF-8 text?): \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: path)
    }

    /// Parses `yaml` (a mapping, possibly empty); `source` names it in messages.
    public init(yaml: String, source: String) throws {
        self.source = source
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let (line, problem) = Self.describe(error)
            throw ParameterError(file: source, line: line, "bad YAML: \(problem)")
        } catch {
            throw ParameterError(file: source, "bad YAML: \(error)")
        }
        guard let root else { return }  // empty file: every parameter at its default
        if case .scalar(let s) = root, Self.isNull(s) { return }
        guard let top = root.mapping else {
            throw ParameterError(file: source, line: root.mark?.line,
                                 "the parameter file must be a mapping of 'key: value' lines and sections, found \(Self.kind(root))")
        }
        try flatten(top, prefix: "")
    }

    private func flatten(_ mapping: Node.Mapping, prefix: String) throws {
        for (k, v) in mapping {
            guard let name = k.scalar?.string, !name.isEmpty else {
                throw ParameterError(file: source, line: k.mark?.line, "keys must be plain names, found \(Self.kind(k))")
            }
            let key = prefix + name
            if entries[key] != nil || sections[key] != nil {
                let first = entries[key]?.line ?? sections[key] ?? nil
                throw ParameterError(file: source, key: key, line: k.mark?.line,
                                     "given twice" + (first.map { " (first on line \($0))" } ?? ""))
            }
            if let m = v.mapping {
                sections[key] = k.mark?.line
                try flatten(m, prefix: key + ".")
            } else {
                entries[key] = Entry(node: v, line: k.mark?.line)
                fileOrder.append(key)
            }
        }
    }

    // MARK: - overrides (command-line flags and `--set key=value`)

    /// Where each overridden key's value came from (`--nterms`, `--set periodogram.nterms=3`):
    /// messages about that key name it instead of the file.
    public private(set) var origins: [String: String] = [:]

    /// Gives `key` the YAML value `yaml` (a scalar, `[a, b]`, `~`…), replacing the file's value:
    /// the typed command-line override of the SWIFT model. Throws if `yaml` is not YAML or `key`
    /// is a section of the file.
    public func override(_ key: String, yaml: String, origin: String) throws {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw ParameterError(file: origin, "not a YAML value: \(yaml)")
        }
        try override(key, node: node ?? Node.scalar(.init("~", .implicit, .plain)), origin: origin)
    }

    /// Gives `key` one command-line value, taken as text (never null, never a YAML structure).
    public func override(_ key: String, scalar: String, origin: String) throws {
        try override(key, node: Node.scalar(.init(scalar, .implicit, .doubleQuoted)), origin: origin)
    }

    /// Gives `key` a list of command-line values.
    public func override(_ key: String, list: [String], origin: String) throws {
        let items = list.map { Node.scalar(.init($0, .implicit, .doubleQuoted)) }
        try override(key, node: Node.sequence(.init(items)), origin: origin)
    }

    private func override(_ key: String, node: Node, origin: String) throws {
        if let m = node.mapping {
            // `--set section={a: 1}`: each leaf is overridden.
            for (k, v) in m {
                guard let name = k.scalar?.string, !name.isEmpty else { throw ParameterError(file: origin, "keys must be plain names") }
                try override(key + "." + name, node: v, origin: origin)
            }
            return
        }
        if sections[key] != nil {
            throw ParameterError(file: origin, key: key, "is a section (a mapping of parameters), expected a single value")
        }
        if entries[key] == nil { fileOrder.append(key) }
        entries[key] = Entry(node: node, line: nil)
        origins[key] = origin
    }

    /// The line of `key` in the file (nil if absent or overridden).
    public func line(of key: String) -> Int? { entries[key]?.line ?? (sections[key] ?? nil) }

    /// The error about `key`, named the way the user gave it: `file:line: key: message`, or
    /// `--flag: message` for a command-line override.
    public func error(key: String, _ message: String) -> ParameterError {
        if let origin = origins[key] { return ParameterError(file: origin, message) }
        return ParameterError(file: source, key: key, line: line(of: key), message)
    }

    /// `error` rewritten to name a command-line origin where its key was overridden.
    public func attributed(_ error: ParameterError) -> ParameterError {
        guard error.file == source, let key = error.key, let origin = origins[key] else { return error }
        return ParameterError(file: origin, error.message)
    }

    // MARK: - presence

    /// True if the file gives `key` a value (a null value counts as absent), or has a section of that name.
    public func has(_ key: String) -> Bool {
        if sections[key] != nil { return true }
        guard let e = entries[key] else { return false }
        if case .scalar(let s) = e.node, Self.isNull(s) { return false }
        return true
    }

    /// Keys present in the file that no getter has read, in file order.
    public func unusedKeys() -> [String] { fileOrder.filter { !used.contains($0) } }

    /// Throws if the file holds keys that nothing read (misspelt or misplaced parameters), naming
    /// every one of them with its line and, where a read key is close, a "did you mean".
    public func checkAllUsed() throws {
        let unused = unusedKeys()
        guard !unused.isEmpty else { return }
        var lines: [String] = []
        for key in unused {
            var s = "'\(key)'"
            if let origin = origins[key] { s += " (\(origin))" } else if let line = entries[key]?.line { s += " (line \(line))" }
            if let hint = suggestion(for: key) { s += ": did you mean '\(hint)'?" }
            lines.append(s)
        }
        let line = unused.count == 1 ? entries[unused[0]]?.line : nil
        let what = unused.count == 1 ? "unknown parameter " + lines[0]
            : "\(unused.count) unknown parameters:\n  " + lines.joined(separator: "\n  ")
        throw ParameterError(file: source, key: unused.count == 1 ? unused[0] : nil, line: line, what)
    }

    private func suggestion(for key: String) -> String? {
        // Keys the code asked for that the file does not give: what a misspelt key was meant to be.
        let candidates = asked.filter { entries[$0] == nil && sections[$0] == nil }.sorted()
        guard !candidates.isEmpty else { return nil }
        // Same name in another section ("k" given at top level, asked as "xp_search.k").
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        let sameLeaf = candidates.filter { ($0.split(separator: ".").last.map(String.init) ?? $0) == leaf }
        if sameLeaf.count == 1 { return sameLeaf[0] }
        var best: (String, Int)? = nil
        for c in candidates {
            let d = Self.editDistance(key.lowercased(), c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (c, d) = best else { return nil }
        let limit = max(2, min(key.count, c.count) / 3)
        return d <= limit ? c : nil
    }

    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                // adjacent transposition counts as one edit
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { cur[j] = min(cur[j], prev[j - 1]) }
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    // MARK: - resolved set

    /// Every parameter read, in the order first read, with its value as YAML flow text
    /// (defaults included; `~` for an optional parameter that was not set).
    public var resolved: [(key: String, value: String)] { resolvedOrder.map { ($0, resolvedValues[$0]!) } }

    /// The resolved parameters as a YAML document, sections nested, in read order: what the run
    /// actually used. Reading it back as a parameter file gives the same values.
    public func resolvedYAML() -> String {
        final class Section {
            var order: [String] = []
            var values: [String: String] = [:]
            var children: [String: Section] = [:]
        }
        let root = Section()
        for key in resolvedOrder {
            let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            var s = root
            for p in parts.dropLast() {
                if let c = s.children[p] {
                    s = c
                } else {
                    let c = Section()
                    s.children[p] = c
                    s.order.append(p)
                    s = c
                }
            }
            let leaf = parts.last!
            if s.values[leaf] == nil && s.children[leaf] == nil { s.order.append(leaf) }
            s.values[leaf] = resolvedValues[key]!
        }
        var out = ""
        func emit(_ s: Section, indent: String) {
            for name in s.order {
                if let v = s.values[name] { out += indent + ECSVWriter.yamlScalar(name) + ": " + v + "\n" }
                if let c = s.children[name] {
                    out += indent + ECSVWriter.yamlScalar(name) + ":\n"
                    emit(c, indent: indent + "  ")
                }
            }
        }
        emit(root, indent: "")
        return out
    }

    private func record(_ key: String, _ value: String) {
        if resolvedValues[key] == nil { resolvedOrder.append(key) }
        resolvedValues[key] = value
    }

    // MARK: - lookup

    /// The file's value for `key`, marked used; nil if absent or null. Throws if `key` is a section.
    private func lookup(_ key: String) throws -> Entry? {
        asked.insert(key)
        if sections[key] != nil {
            throw ParameterError(file: source, key: key, line: sections[key] ?? nil,
                                 "is a section (a mapping of parameters), expected a single value")
        }
        guard let e = entries[key] else { return nil }
        used.insert(key)
        if case .scalar(let s) = e.node, Self.isNull(s) { return nil }
        return e
    }

    private func missing(_ key: String, _ what: String) -> ParameterError {
        // If the section exists, point at it; the file itself otherwise.
        let parts = key.split(separator: ".")
        var line: Int? = nil
        if parts.count > 1 { line = sections[parts.dropLast().joined(separator: ".")] ?? nil }
        var msg = "required parameter missing (expected \(what))"
        if let e = entries[key], case .scalar(let s) = e.node, Self.isNull(s) {
            msg = "required parameter has no value (expected \(what))"
            line = e.line
        }
        return ParameterError(file: source, key: key, line: line, msg)
    }

    private func typeError(_ key: String, _ e: Entry, _ what: String, _ detail: String? = nil) -> ParameterError {
        let got: String
        if let s = e.node.scalar { got = "'\(s.string)'" } else { got = Self.kind(e.node) }
        return ParameterError(file: source, key: key, line: e.node.mark?.line ?? e.line,
                              "expected \(what), got \(got)" + (detail.map { " (\($0))" } ?? ""))
    }

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
            if let near = allowed.min(by: { Self.editDistance(v.lowercased(), $0.lowercased()) < Self.editDistance(v.lowercased(), $1.lowercased()) }),
               Self.editDistance(v.lowercased(), near.lowercased()) <= max(2, near.count / 3) {
                msg += ": did you mean '\(near)'?"
            }
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

    // MARK: - scalar text

    static func isNull(_ s: Node.Scalar) -> Bool {
        guard s.style == .plain || s.style == .any else { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL"
    }

    /// Decimal (optional sign, `_` separators allowed), hex `0x…`, or a number in exponent form
    /// whose value is a whole number (`1e6`), within Int64.
    static func parseInt64(_ text: String) -> Int64? {
        var t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        guard !t.isEmpty else { return nil }
        var negative = false
        if t.hasPrefix("+") || t.hasPrefix("-") {
            negative = t.hasPrefix("-")
            t.removeFirst()
        }
        if t.hasPrefix("0x") || t.hasPrefix("0X") {
            guard let m = UInt64(t.dropFirst(2), radix: 16) else { return nil }
            return negative ? (m <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- m) : nil) : (m <= UInt64(Int64.max) ? Int64(m) : nil)
        }
        if t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return Int64((negative ? "-" : "") + t)
        }
        // Exponent form: exact only when the mantissa digits and exponent give a whole number.
        let parts = t.lowercased().split(separator: "e", omittingEmptySubsequences: false)
        guard parts.count == 2, let exp = Int(parts[1]), exp >= 0, exp <= 19 else { return nil }
        let mant = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard mant.count <= 2, !mant[0].isEmpty || (mant.count == 2 && !mant[1].isEmpty),
              mant.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        var frac = mant.count == 2 ? String(mant[1]) : ""
        while frac.hasSuffix("0") { frac.removeLast() }
        guard frac.count <= exp else { return nil }
        let digits = String(mant[0]) + frac + String(repeating: "0", count: exp - frac.count)
        return Int64((negative ? "-" : "") + (digits.isEmpty ? "0" : digits))
    }

    static func parseInt(_ text: String) -> Int? { parseInt64(text).flatMap { Int(exactly: $0) } }

    static func intDetail(_ text: String) -> String? {
        let t = text.replacingOccurrences(of: "_", with: "")
        if let d = Double(t), d.isFinite {
            if d.rounded() != d { return "not a whole number" }
            return "outside the 64-bit integer range"
        }
        return nil
    }

    /// Decimal or exponent numbers, `.inf`/`-.inf`/`.nan` (YAML) and `inf`/`nan`.
    static func parseDouble(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        switch t.lowercased() {
        case ".inf", "+.inf", "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-.inf", "-inf", "-infinity": return -.infinity
        case ".nan", "nan": return .nan
        default: break
        }
        // Swift's Double(String) also takes hex floats ("0x1p-3"); fine, but not words.
        guard let first = t.first, first.isNumber || first == "." || first == "-" || first == "+" else { return nil }
        return Double(t)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "y", "1": return true
        case "false", "no", "off", "n", "0": return false
        default: return nil
        }
    }

    /// A Double as YAML that both YAML 1.1 (PyYAML) and 1.2 read as the same float: shortest
    /// round-trip digits, always with a '.', exponent signed; `.inf`, `-.inf`, `.nan`.
    public static func yamlDouble(_ x: Double) -> String {
        if x.isNaN { return ".nan" }
        if x.isInfinite { return x < 0 ? "-.inf" : ".inf" }
        var s = x.description  // "1e-05", "1e+16", "0.1", "100.0"
        if let e = s.firstIndex(of: "e") {
            var mant = String(s[..<e])
            var exp = String(s[s.index(after: e)...])
            if !mant.contains(".") { mant += ".0" }
            if !exp.hasPrefix("-") && !exp.hasPrefix("+") { exp = "+" + exp }
            s = mant + "e" + exp
        } else if !s.contains(".") {
            s += ".0"
        }
        return s
    }

    public static func yamlString(_ s: String) -> String { ECSVWriter.yamlScalar(s) }

    private static func kind(_ n: Node) -> String {
        switch n {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping (section)"
        case .sequence: return "a list"
        }
    }

    private static func describe(_ error: YamlError) -> (Int?, String) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            var p = problem
            if let context { p += " (\(context.text) at line \(context.mark.line))" }
            return (mark.line, p)
        default:
            return (nil, "\(error)")
        }
    }
}
