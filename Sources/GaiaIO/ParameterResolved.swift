// The parameters a run actually used (defaults filled in), as (key, value) pairs and as a YAML
// document that reads back to the same values. See Parameters.swift.

import Foundation
import GaiaFormat
import Yams

extension ParameterFile {
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

    func record(_ key: String, _ value: String) {
        if resolvedValues[key] == nil { resolvedOrder.append(key) }
        resolvedValues[key] = value
    }
}
