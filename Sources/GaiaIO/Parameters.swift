// Run parameters in a YAML file, the way the SWIFT SPH code does it: every parameter of a run
// lives in one file, grouped in sections (`xp_search: {k: 100}` is read as "xp_search.k"); the
// code asks for each parameter by its dotted name, with a default or without; keys that nothing
// asked for are an error (a misspelt key must not silently fall back to a default); and the
// parameters actually used, defaults filled in, are echoed and stored with the outputs.
//
// Values are interpreted from the scalar's text, not from YAML's own typing, so that a Gaia
// source_id (up to 2^63 − 1) is read exactly and `k: "100"` is still the integer 100. A key
// given with no value (`k:`, `k: ~`, `k: null`) counts as not set: its default is used.
//
// Files: Parameters.swift (the file, lookup, unknown keys), ParameterGetters.swift (typed getters),
// ParameterOverrides.swift (command-line overrides), ParameterResolved.swift (what a run used),
// ParameterScalars.swift (scalar text ↔ values).

import Foundation
import Expressions
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

    struct Entry {
        var node: Node
        var line: Int?
    }

    /// Leaf values (scalars and lists) by dotted key, and the keys in file order.
    var entries: [String: Entry] = [:]
    var fileOrder: [String] = []
    /// Section (mapping) paths present in the file.
    var sections: [String: Int?] = [:]
    /// Keys read by a getter (present or not), for unusedKeys and "did you mean".
    var asked = Set<String>()
    var used = Set<String>()
    var resolvedOrder: [String] = []
    var resolvedValues: [String: String] = [:]

    /// Where each overridden key's value came from (`--nterms`, `--set periodogram.nterms=3`):
    /// messages about that key name it instead of the file.
    public internal(set) var origins: [String: String] = [:]

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
        return Spelling.closest(to: key, among: candidates)
    }

    // MARK: - lookup

    /// The file's value for `key`, marked used; nil if absent or null. Throws if `key` is a section.
    func lookup(_ key: String) throws -> Entry? {
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

    func missing(_ key: String, _ what: String) -> ParameterError {
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

    func typeError(_ key: String, _ e: Entry, _ what: String, _ detail: String? = nil) -> ParameterError {
        let got: String
        if let s = e.node.scalar { got = "'\(s.string)'" } else { got = Self.kind(e.node) }
        return ParameterError(file: source, key: key, line: e.node.mark?.line ?? e.line,
                              "expected \(what), got \(got)" + (detail.map { " (\($0))" } ?? ""))
    }
}
