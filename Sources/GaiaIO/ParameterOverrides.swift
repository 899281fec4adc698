// Command-line overrides of a ParameterFile (`--nterms 3`, `--set periodogram.nterms=3`) and
// messages that name where an overridden value came from. See Parameters.swift.

import Foundation
import GaiaFormat
import Yams

extension ParameterFile {
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
}
