// Which bands of a block row can be compared: one rule shared by every scorer so that flags agree.

/// Raw pointers to one band of a block (row-major), or nil pointers when the block lacks the band.
struct BandArrays {
    var coefficients: UnsafePointer<Double>?
    var errors: UnsafePointer<Float>?
    var correlations: UnsafePointer<Float>?
    var standardDeviation: UnsafePointer<Float>?
    /// Basis size n of the band (0 when absent); correlations per row: n(n−1)/2.
    var n = 0
    var m: Int { xpCorrelationCount(n) }

    var present: Bool { coefficients != nil && errors != nil && correlations != nil }
}

enum Validity {
    /// True when every value of p[0..<n] is finite (NaN or ±inf anywhere → false).
    @inline(__always)
    static func allFinite(_ p: UnsafePointer<Float>, _ n: Int) -> Bool {
        // x·0 is 0 for finite x and NaN for NaN/±inf; a NaN survives the sums.
        var acc = SIMD16<Float>()
        let raw = UnsafeRawPointer(p)
        var k = 0
        while k + 16 <= n {
            acc += raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD16<Float>.self) * 0
            k += 16
        }
        var tail: Float = 0
        while k < n { tail += p[k] * 0; k += 1 }
        return (acc.sum() + tail) == 0
    }

    @inline(__always)
    static func allFinite(_ p: UnsafePointer<Double>, _ n: Int) -> Bool {
        var acc = SIMD8<Double>()
        let raw = UnsafeRawPointer(p)
        var k = 0
        while k + 8 <= n {
            acc += raw.loadUnaligned(fromByteOffset: k * 8, as: SIMD8<Double>.self) * 0
            k += 8
        }
        var tail: Double = 0
        while k < n { tail += p[k] * 0; k += 1 }
        return (acc.sum() + tail) == 0
    }

    /// Band usable for row `row`: present in the block, n finite coefficients, n finite errors,
    /// n(n−1)/2 finite correlations, and with standard-deviation scaling a finite positive standard
    /// deviation. (A null band in a DR3 file is NaN everywhere.)
    @inline(__always)
    static func usable(_ a: BandArrays, row: Int, scaling: ErrorScaling) -> Bool {
        guard let c = a.coefficients, let e = a.errors, let r = a.correlations else { return false }
        if scaling == .standardDeviation {
            guard let sd = a.standardDeviation, sd[row].isFinite, sd[row] > 0 else { return false }
        }
        let n = a.n, m = a.m
        return allFinite(c + row * n, n) && allFinite(e + row * n, n) && allFinite(r + row * m, m)
    }
}

extension XPBlock {
    /// Calls `body` with raw pointers to the arrays of `bands` (index = Band.index; a band not
    /// requested or absent has nil pointers). Sizes are checked against `count`.
    func withBandArrays<R>(_ bands: [Band], _ body: ([BandArrays]) throws -> R) rethrows -> R {
        func check<T>(_ a: [T]?, _ per: Int, _ what: String, _ b: Band) {
            if let a, a.count < count * per {
                fatalError("XPBlock: \(b.rawValue) \(what) has \(a.count) values for \(count) rows")
            }
        }
        var sizes = [0, 0]
        for b in bands {
            let n = basisSize(b) ?? 0
            sizes[b.index] = n
            check(coefficients[b], n, "coefficients", b)
            check(errors[b], n, "errors", b)
            check(correlations[b], xpCorrelationCount(n), "correlations", b)
            check(standardDeviation[b], 1, "standard deviations", b)
        }
        let want = Band.allCases.map { bands.contains($0) }
        func ptr<T>(_ a: [T]?, _ body: (UnsafePointer<T>?) throws -> R) rethrows -> R {
            guard let a else { return try body(nil) }
            return try a.withUnsafeBufferPointer { try body($0.baseAddress) }
        }
        return try ptr(want[0] ? coefficients[.bp] : nil) { c0 in
            try ptr(want[0] ? errors[.bp] : nil) { e0 in
                try ptr(want[0] ? correlations[.bp] : nil) { r0 in
                    try ptr(want[0] ? standardDeviation[.bp] : nil) { s0 in
                        try ptr(want[1] ? coefficients[.rp] : nil) { c1 in
                            try ptr(want[1] ? errors[.rp] : nil) { e1 in
                                try ptr(want[1] ? correlations[.rp] : nil) { r1 in
                                    try ptr(want[1] ? standardDeviation[.rp] : nil) { s1 in
                                        try body([BandArrays(coefficients: c0, errors: e0, correlations: r0, standardDeviation: s0, n: sizes[0]),
                                                  BandArrays(coefficients: c1, errors: e1, correlations: r1, standardDeviation: s1, n: sizes[1])])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether `band` of `row` can be compared with `scaling` (the rule of every scorer).
    public func isUsable(_ band: Band, row: Int, scaling: ErrorScaling) -> Bool {
        withBandArrays([band]) { Validity.usable($0[band.index], row: row, scaling: scaling) }
    }
}
