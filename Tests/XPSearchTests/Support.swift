// Helpers for the XPSearch tests: fixture paths and reading, a deterministic RNG, realistic
// synthetic XP bands, and a Jacobi eigen-solver for true eigenvalues.

import Foundation
import GaiaFormat
import Numerics
import XCTest
@testable import XPSearch

enum Fixtures {
    /// `/work/shared/fixtures` in development, `<repo>/../shared/fixtures` in CI: found from this
    /// file's path (Tests/XPSearchTests/Support.swift → repo root → ../shared/fixtures).
    static let root: String = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/fixtures").path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    static let xpRaw = path("xp_continuous/XP_CONTINUOUS_RAW.ecsv")
    static let xpMissingBP = path("xp_continuous/XP_CONTINUOUS_RAW_with_missing_BP.ecsv")
    static let xp18Sco = path("xp_continuous/18Sco-XP-spectra.csv")

    /// Every column of a file, batches concatenated.
    static func read(_ path: String, _ options: ReaderOptions) throws -> (rows: Int, columns: [String: ColumnData]) {
        let reader = try ECSVReader(path: path, options: options)
        var columns: [String: ColumnData] = [:]
        for c in reader.schema.columns { columns[c.name] = ColumnData(schema: c) }
        var rows = 0
        while let b = try reader.readBatch(maxRows: 1000) {
            rows += b.rowCount
            for c in b.columns { columns[c.schema.name]!.bytes += c.bytes }
        }
        return (rows, columns)
    }

    /// The XP spectra of a fixture file, parsed straight to float64 (promoteFloat32).
    static func spectra(_ path: String, tableName: String? = nil) throws -> [XPSpectrum] {
        let (rows, c) = try read(path, ReaderOptions(tableName: tableName, promoteFloat32: true))
        let ids = c["source_id"]!.values(Int64.self)
        var out = ids.map { XPSpectrum(sourceID: $0, name: "\($0)", bp: nil, rp: nil) }
        for b in Band.allCases {
            let co = c["\(b.rawValue)_coefficients"]!.values(Double.self)
            let er = c["\(b.rawValue)_coefficient_errors"]!.values(Double.self)
            let cr = c["\(b.rawValue)_coefficient_correlations"]!.values(Double.self)
            let sd = c["\(b.rawValue)_standard_deviation"]?.values(Double.self)
            for i in 0..<rows {
                let coeffs = Array(co[i * 55..<(i + 1) * 55])
                if coeffs.contains(where: \.isNaN) { continue }
                out[i][b] = XPBand(coefficients: coeffs, errors: Array(er[i * 55..<(i + 1) * 55]),
                                   correlations: Array(cr[i * 1485..<(i + 1) * 1485]), standardDeviation: sd?[i] ?? .nan)
            }
        }
        return out
    }

    /// A whitespace-separated matrix of numbers (`%.18e` text), row-major.
    static func matrix(_ relative: String) throws -> [Double] {
        let text = try String(contentsOfFile: path(relative), encoding: .utf8)
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).map { Double($0)! }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, deterministic.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Realistic synthetic XP bands.
enum Synthetic {
    static let n = xpCoefficientCount

    /// Packed correlations of a positive-definite correlation matrix: the normalised Gram matrix
    /// of F·Fᵀ + D, F 55×rank normal (low rank → strong correlations), D diagonal in [dMin, dMax].
    static func correlations(_ rng: inout SplitMix64, rank: Int = 6, dMin: Double = 0.05, dMax: Double = 1.0) -> [Double] {
        var f = [Double](repeating: 0, count: n * rank)
        for k in f.indices { f[k] = rng.normal() }
        var g = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for r in 0..<rank { s += f[i * rank + r] * f[j * rank + r] }
                g[i * n + j] = s
                g[j * n + i] = s
            }
            g[i * n + i] += rng.uniform(dMin, dMax)
        }
        var packed = [Double](repeating: 0, count: xpCorrelationCount)
        var k = 0
        for i in 0..<n {
            for j in 0..<i {
                packed[k] = g[i * n + j] / (g[i * n + i] * g[j * n + j]).squareRoot()
                k += 1
            }
        }
        return packed
    }

    /// Errors spanning 4 orders of magnitude (1e-2 … 1e2, log-uniform).
    static func errors(_ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in pow(10, rng.uniform(-2, 2)) }
    }

    /// Coefficients decreasing from ~1e2 to ~1e-2 with random signs and ±30 % scatter.
    static func coefficients(_ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { k in
            let mag = pow(10, 2 - 4 * Double(k) / Double(n - 1)) * (1 + 0.3 * rng.normal())
            return rng.uniform() < 0.5 ? -mag : mag
        }
    }

    /// A band; values rounded to float32 where the files store float32 (errors, correlations, sd)
    /// so that float64 and float32 paths see the same numbers.
    static func band(_ rng: inout SplitMix64) -> XPBand {
        XPBand(coefficients: coefficients(&rng), errors: errors(&rng).map { Double(Float($0)) },
               correlations: correlations(&rng).map { Double(Float($0)) },
               standardDeviation: Double(Float(rng.uniform(0.8, 3))))
    }

    /// A draw c = mean + L·z, z ~ N(0, I), L·Lᵀ = Σ of `b` (scaling none): the coefficients of a
    /// source whose true spectrum is `mean` and whose covariance is that of `b`.
    static func draw(mean: [Double], covarianceOf b: XPBand, _ rng: inout SplitMix64) -> [Double] {
        let l = try! Cholesky.factor(try! b.covariance(), n: n)
        let z = (0..<n).map { _ in rng.normal() }
        let lz = Cholesky.lowerTimes(l, n: n, z)
        return (0..<n).map { mean[$0] + lz[$0] }
    }

    /// A noisy twin of `b`: same correlations, errors jittered ±20 %, coefficients b + N(0, Σ_twin)
    /// × `noise`; everything (coefficients and errors) times `scale`, to test scaleFit.
    static func twin(of b: XPBand, _ rng: inout SplitMix64, noise: Double = 1, scale: Double = 1) -> XPBand {
        let e = b.errors.map { Double(Float($0 * rng.uniform(0.8, 1.2) * scale)) }
        var t = XPBand(coefficients: b.coefficients, errors: e, correlations: b.correlations,
                       standardDeviation: Double(Float(rng.uniform(0.8, 3))))
        let noisy = draw(mean: b.coefficients, covarianceOf: t, &rng)
        t.coefficients = (0..<n).map { scale * b.coefficients[$0] + noise * (noisy[$0] - b.coefficients[$0]) }
        return t
    }

    /// A band whose covariance is strongly indefinite (all correlations −0.9, errors 1e3): any
    /// Σ_t + Σ_i with it is not positive definite.
    static func indefinite(_ rng: inout SplitMix64) -> XPBand {
        XPBand(coefficients: coefficients(&rng), errors: [Double](repeating: 1000, count: n),
               correlations: [Double](repeating: Double(Float(-0.9)), count: xpCorrelationCount), standardDeviation: 1.5)
    }

    /// A template and `count` sources: a mix of twins (small D²), scaled twins, unrelated
    /// spectra, missing BP / RP / both, and (if `withIndefinite`) one non-positive-definite source.
    static func dataset(seed: UInt64, count: Int, withIndefinite: Bool = true) -> (template: XPSpectrum, sources: [XPSpectrum]) {
        var rng = SplitMix64(seed: seed)
        let t = XPSpectrum(sourceID: 1, name: "template", bp: band(&rng), rp: band(&rng))
        var sources: [XPSpectrum] = []
        for i in 0..<count {
            let id = Int64(1000 + i)
            var s: XPSpectrum
            switch i % 5 {
            case 0, 1:
                s = XPSpectrum(sourceID: id, bp: twin(of: t.bp!, &rng, noise: rng.uniform(0.5, 3)),
                               rp: twin(of: t.rp!, &rng, noise: rng.uniform(0.5, 3)))
            case 2:
                let a = rng.uniform(0.3, 3)
                s = XPSpectrum(sourceID: id, bp: twin(of: t.bp!, &rng, scale: a), rp: twin(of: t.rp!, &rng, scale: a))
            default:
                s = XPSpectrum(sourceID: id, bp: band(&rng), rp: band(&rng))
            }
            if i % 7 == 3 { s.bp = nil }
            if i % 11 == 5 { s.rp = nil }
            if i % 13 == 9 { s.bp = nil; s.rp = nil }
            if withIndefinite && i == 4 { s.rp = indefinite(&rng) }
            sources.append(s)
        }
        return (t, sources)
    }
}

/// Eigenvalues of a symmetric matrix (row-major n×n) by cyclic Jacobi rotations (Golub & Van
/// Loan, Matrix Computations, §8.5); slow, accurate to a few ulps of the norm. Tests only.
func jacobiEigenvalues(_ a0: [Double], n: Int) -> [Double] {
    var a = a0
    for _ in 0..<100 {
        var off = 0.0
        for i in 0..<n { for j in 0..<n where i != j { off += a[i * n + j] * a[i * n + j] } }
        var norm = 0.0
        for v in a { norm += v * v }
        if off <= 1e-30 * norm { break }
        for p in 0..<n - 1 {
            for q in (p + 1)..<n {
                let apq = a[p * n + q]
                if apq == 0 { continue }
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {  // columns p, q
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {  // rows p, q
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
            }
        }
    }
    return (0..<n).map { a[$0 * n + $0] }.sorted()
}

/// |a − b| / |b| (0 when both are 0; NaN-equal counts as 0).
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    if a.isNaN && b.isNaN { return 0 }
    if a == b { return 0 }
    return abs(a - b) / abs(b)
}
