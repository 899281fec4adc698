// One version number: the code's, CITATION.cff's and the newest release of CHANGELOG.md.

import Foundation
import GaiaIO
import XCTest

final class VersionTests: XCTestCase {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func text(_ name: String) throws -> String {
        try String(contentsOf: repo.appendingPathComponent(name), encoding: .utf8)
    }

    func testCodeCitationAndChangelogAgree() throws {
        let cff = try text("CITATION.cff").split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("version:") ? line.dropFirst("version:".count).trimmingCharacters(in: .whitespaces) : nil
        }
        XCTAssertEqual(cff, [GaiaMineVersion.current])
        // Keep a Changelog: "## [Unreleased]" first, then "## [x.y.z] - date", newest first.
        let releases = try text("CHANGELOG.md").split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("## ["), let end = line.firstIndex(of: "]") else { return nil }
            let v = String(line[line.index(line.startIndex, offsetBy: 4)..<end])
            return v == "Unreleased" ? nil : v
        }
        XCTAssertEqual(releases.first, GaiaMineVersion.current)
    }

    func testBuildInfoIsARevisionOrUnknown() {
        // `swift test` builds without the Makefile's build facts; `make build` puts them in
        // (e2e test_cli.py checks the revision of a make build against git).
        let r = BuildInfo.gitRevision
        let sha = r.hasSuffix("+dirty") ? String(r.dropLast(6)) : r
        XCTAssertTrue(r == "unknown" || (sha.count == 40 && sha.allSatisfy(\.isHexDigit)), r)
        XCTAssertFalse(BuildInfo.compiler.isEmpty)
        XCTAssertFalse(BuildInfo.buildFlags.isEmpty)
    }
}
