// Same seed → identical bytes (whatever the thread count); different seed → different bytes.

import Foundation
@testable import Synth
import XCTest

final class DeterminismTests: XCTestCase {
    func run(_ table: SynthTable, seed: UInt64, threads: Int, dir: String) throws -> SynthResult {
        let o = SynthOptions(sources: table == .gaiaSource ? 400 : 60, files: 3, seed: seed,
                             outDirectory: Shared.root + "/det/" + dir, level: 1, threads: threads)
        return try Synth.generate(table: table, options: o)
    }

    func testDeterminism() throws {
        for table in SynthTable.allCases {
            let a = try run(table, seed: 21, threads: 1, dir: "\(table.rawValue)-a")
            let b = try run(table, seed: 21, threads: 2, dir: "\(table.rawValue)-b")
            let c = try run(table, seed: 22, threads: 2, dir: "\(table.rawValue)-c")
            XCTAssertEqual(a.files.count, 3)
            for k in 0..<a.files.count {
                XCTAssertEqual(try fileBytes(a.files[k]), try fileBytes(b.files[k]), a.files[k])
                XCTAssertNotEqual(try readText(a.files[k]), try readText(c.files[k]), a.files[k])
            }
            XCTAssertEqual(try fileBytes(a.truthJSON), try fileBytes(b.truthJSON))
            XCTAssertEqual(try fileBytes(a.truthECSV), try fileBytes(b.truthECSV))
            XCTAssertNotEqual(try fileBytes(a.truthECSV), try fileBytes(c.truthECSV))
        }
    }

    /// Guards against accidental changes of the generated values, also across machines and
    /// compilers: a digest (FNV-1a) of the XP data lines for a fixed seed.
    func testStableDigest() throws {
        let r = try run(.xpContinuousMeanSpectrum, seed: 5, threads: 2, dir: "digest")
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over all files
        for f in r.files {
            for line in try readText(f).split(separator: "\n") where !line.hasPrefix("#") {
                for b in line.utf8 { h = (h ^ UInt64(b)) &* 0x0100_0000_01B3 }
                h = (h ^ 10) &* 0x0100_0000_01B3
            }
        }
        // Update deliberately when the XP generator changes on purpose.
        XCTAssertEqual(String(h, radix: 16), "8a56101a5b32ffb9", "XP data digest changed")
    }

    /// astropy reads the generated files and truth tables (skipped without python3 + astropy).
    func testAstropyReads() throws {
        let script = """
            import sys
            try:
                from astropy.table import Table
            except ImportError:
                sys.exit(3)
            for p in sys.argv[1:]:
                t = Table.read(p, format='ascii.ecsv', fill_values=[('null', '0')]) if p.endswith('.gz') else Table.read(p, format='ascii.ecsv')
                assert len(t) > 0, p
            print('ok')
            """
        let paths = [Shared.xp.files[0], Shared.epoch.files[0], Shared.gaiaSource.files[0],
                     Shared.xp.truthECSV, Shared.epoch.truthECSV, Shared.gaiaSource.truthECSV]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + paths
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { throw XCTSkip("python3 not available") }
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if p.terminationStatus == 3 || p.terminationStatus == 127 { throw XCTSkip("astropy not available") }
        XCTAssertEqual(p.terminationStatus, 0, out)
    }
}
