// The fast path: W sources at once, one per SIMD lane (structure of arrays over sources), with a
// fused left-looking Cholesky factorisation and forward substitution per band.
//
// Per group of W sources and band b, with M = Σ_t + Σ_i (scaleFit: Σ_t + a0²·Σ_i):
//   * M is never stored: rows of M are built in place in the storage of L right before they are
//     factorised, straight from the float32 errors and correlations of the block (converted once
//     per element) and the float64 Σ_t of the template (a broadcast scalar: the template is the
//     same in every lane).
//   * L (strictly lower triangle, packed row-major, np(np−1)/2 vectors for the order n_b padded
//     to np, the next multiple of 4: 55 → 56 (1540 vectors), DR4 BP 51 → 52 (1326)) is
//     computed left-looking by panels of 4 rows with 4×4 register tiles, and the forward
//     substitution L·y = r is fused into it (see `factorSolve`).
//   * A lane whose pivot is ≤ 0 or NaN (M not positive definite) is marked in a lane mask and its
//     pivot replaced by 1 so that the other lanes carry on: no branch on the data.
//   * Lanes without the band (missing band) or past the end of the rows (remainder) are fed a
//     dummy, well-conditioned matrix (unit errors, zero correlations, Δ = 0) and their results
//     are discarded.
//   * The W lanes' float32 correlations are first transposed to structure of arrays by W×W SIMD
//     block transposes (LaneVector.swift), so that building M costs one vector load, one
//     float32→float64 conversion and one FMA per element for all W sources.
// Scratch (sized for the larger band): np(np−1)/2 + 6·np float64 vectors + n(n−1)/2 float32
// vectors (n = 55: 1876 + 1485, ≈ 167 KB for W = 8), allocated once per call and reused for
// every group. The basis size n_b of each band is the data's (XPBlock.basisSize), independent
// for BP and RP.

/// The fast scorer: same definitions, flags and results as `ReferenceScorer` (which documents
/// the distance and the scaleFit estimator) to rounding (≤ 2e-12 relative in the tests).
///
/// Throughput, one AMD Zen 5 core (AVX-512), 2048-row block streamed from memory, both bands
/// (XPSearchTests/BenchmarkTests): ≈ 300k sources/s with W = 8 (W = 4: 240k, W = 16: 225k,
/// W = 2: 145k); ≈ 370k sources/s when the block is cache-resident; ≈ 190k sources/s for W = 8
/// compiled for AVX2 only (-target-cpu znver3). The numpy batched baseline does ≈ 11k on the
/// same core; ReferenceScorer ≈ 32k.
public struct BatchedScorer: XPScorer {
    /// SIMD width used by default (sources per group): the fastest measured with AVX-512 and with
    /// AVX2 only.
    public static let defaultLanes = 8
    /// Sources per SIMD group: 2, 4, 8 or 16.
    public let lanes: Int

    public init(lanes: Int = BatchedScorer.defaultLanes) {
        guard [2, 4, 8, 16].contains(lanes) else { fatalError("BatchedScorer: lanes must be 2, 4, 8 or 16, not \(lanes)") }
        self.lanes = lanes
    }

    public func score(_ t: PreparedTemplate, _ block: XPBlock, rows: Range<Int>, options: XPSearchOptions,
                      into out: inout [XPScore]) {
        t.check(options)
        t.check(block, options)
        guard rows.lowerBound >= 0, rows.upperBound <= block.count else {
            fatalError("BatchedScorer: rows \(rows) outside a block of \(block.count)")
        }
        switch lanes {
        case 2: BatchedKernel<SIMD2<Double>>.run(t, block, rows, options, &out)
        case 4: BatchedKernel<SIMD4<Double>>.run(t, block, rows, options, &out)
        case 16: BatchedKernel<SIMD16<Double>>.run(t, block, rows, options, &out)
        default: BatchedKernel<SIMD8<Double>>.run(t, block, rows, options, &out)
        }
    }
}

enum BatchedKernel<V: LaneVector> {
    typealias Mask = SIMDMask<V.MaskStorage>
    static var W: Int { V.scalarCount }

    /// The order n padded to a multiple of 4 (panels of 4 rows).
    @inline(__always) static func padded(_ n: Int) -> Int { (n + 3) & ~3 }

    /// Vectors of scratch, reused for every group of a call, laid out for order `np` (the larger
    /// band's padded order; a smaller band uses a prefix of each region).
    struct Scratch {
        let base: UnsafeMutablePointer<V>
        let np: Int
        var L: UnsafeMutablePointer<V> { base }                                   // np(np−1)/2
        var invD: UnsafeMutablePointer<V> { base + np * (np - 1) / 2 }            // np
        var s: UnsafeMutablePointer<V> { invD + np }                              // np
        func y1(_ b: Int) -> UnsafeMutablePointer<V> { s + np + np * b }          // 2 × np
        func y2(_ b: Int) -> UnsafeMutablePointer<V> { s + 3 * np + np * b }      // 2 × np
        var count: Int { np * (np - 1) / 2 + 6 * np }
    }

    static func run(_ t: PreparedTemplate, _ block: XPBlock, _ rows: Range<Int>, _ options: XPSearchOptions,
                    _ out: inout [XPScore]) {
        let bands = options.usedBands
        let first = out.count
        out.reserveCapacity(first + rows.count)
        // The largest basis size of the bands compared sizes the scratch.
        let nMax = bands.map { t.basisSize[$0] ?? 0 }.max() ?? 0
        // Dummy inputs for lanes without the band: unit errors, zero correlations.
        let ones = [Float](repeating: 1, count: nMax)
        let zeros = [Float](repeating: 0, count: xpCorrelationCount(nMax))
        let np = padded(nMax)
        let scratch = Scratch(base: .allocate(capacity: np * (np - 1) / 2 + 6 * np), np: np)
        scratch.base.initialize(repeating: V(), count: scratch.count)
        let soa = UnsafeMutablePointer<V.Narrow>.allocate(capacity: max(xpCorrelationCount(nMax), 1))
        soa.initialize(repeating: V.Narrow(), count: max(xpCorrelationCount(nMax), 1))
        defer { scratch.base.deallocate(); soa.deallocate() }
        block.withBandArrays(bands) { arrays in
            // Usable bands per row (bit b), the placeholder scores, the rows to compute.
            var active: [Int] = []
            active.reserveCapacity(rows.count)
            var use = [UInt8](repeating: 0, count: rows.count)
            for row in rows {
                var flags: XPFlags = []
                var bits: UInt8 = 0
                for b in bands {
                    if Validity.usable(arrays[b.index], row: row, scaling: options.scaling) {
                        bits |= 1 << UInt8(b.index)
                    } else {
                        flags.insert(.missing(b))
                    }
                }
                use[row - rows.lowerBound] = bits
                if bits == 0 { flags.insert(.skipped) } else { active.append(row) }
                out.append(XPScore(sourceID: block.sourceIDs[row], chi2: .nan, dof: 0,
                                   scale: options.scaleFit ? .nan : 1, flags: flags))
            }
            ones.withUnsafeBufferPointer { onesP in
                zeros.withUnsafeBufferPointer { zerosP in
                    let dummy = (errors: onesP.baseAddress!, correlations: zerosP.baseAddress!)
                    var g = 0
                    let laneRows = UnsafeMutablePointer<Int>.allocate(capacity: W)
                    let corr = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: W)
                    let a0 = UnsafeMutablePointer<Double>.allocate(capacity: W)
                    defer { laneRows.deallocate(); corr.deallocate(); a0.deallocate() }
                    use.withUnsafeBufferPointer { useP in
                        while g < active.count {
                            let m = min(W, active.count - g)
                            for l in 0..<W { laneRows[l] = l < m ? active[g + l] : -1 }
                            group(t, options, bands, arrays, laneRows, useP.baseAddress!, rows.lowerBound, dummy, corr, soa,
                                  a0, scratch, &out, first)
                            g += m
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func setLane(_ p: UnsafeMutablePointer<V>, _ k: Int, _ lane: Int, _ x: Double) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, toByteOffset: (k * W + lane) * 8, as: Double.self)
    }

    /// One group of ≤ W rows (laneRows[l] = −1: padding lane). `a0` is W doubles of scratch.
    static func group(_ t: PreparedTemplate, _ options: XPSearchOptions, _ bands: [Band], _ arrays: [BandArrays],
                      _ laneRows: UnsafeMutablePointer<Int>, _ use: UnsafePointer<UInt8>, _ row0: Int,
                      _ dummy: (errors: UnsafePointer<Float>, correlations: UnsafePointer<Float>),
                      _ corr: UnsafeMutablePointer<UnsafePointer<Float>>, _ soa: UnsafeMutablePointer<V.Narrow>,
                      _ a0: UnsafeMutablePointer<Double>, _ scratch: Scratch,
                      _ out: inout [XPScore], _ first: Int) {
        let fit = options.scaleFit
        let bySD = options.scaling == .standardDeviation
        @inline(__always) func uses(_ l: Int, _ b: Band) -> Bool {
            laneRows[l] >= 0 && use[laneRows[l] - row0] & (1 << UInt8(b.index)) != 0
        }
        // scaleFit: a0 per lane, unweighted, over the lane's usable bands (BP then RP, k ascending).
        for l in 0..<W {
            a0[l] = 1
            guard fit, laneRows[l] >= 0 else { continue }
            var ct = 0.0, cc = 0.0
            for b in bands where uses(l, b) {
                let n = arrays[b.index].n
                let c = arrays[b.index].coefficients! + laneRows[l] * n
                t.coefficients[b.index].withUnsafeBufferPointer { tc in
                    for k in 0..<n {
                        ct += c[k] * tc[k]
                        cc += c[k] * c[k]
                    }
                }
            }
            a0[l] = ct / cc
        }
        var badBP = Mask(repeating: false), badRP = Mask(repeating: false)
        var useBP = Mask(repeating: false), useRP = Mask(repeating: false)
        for b in bands {
            let bi = b.index
            let a = arrays[bi]
            let n = a.n, m = a.m
            let y1 = scratch.y1(bi), y2 = scratch.y2(bi), s = scratch.s
            var useMask = Mask(repeating: false)
            t.coefficients[bi].withUnsafeBufferPointer { tcb in
                let tc = tcb.baseAddress!
                for l in 0..<W {
                    let row = laneRows[l]
                    if uses(l, b) {
                        useMask[l] = true
                        let e = a.errors! + row * n
                        let c = a.coefficients! + row * n
                        corr[l] = a.correlations! + row * m
                        let sd = bySD ? Double(a.standardDeviation![row]) : 1
                        let f = abs(a0[l])
                        for k in 0..<n {
                            var sk = Double(e[k])
                            if bySD { sk = sk / sd }
                            if fit { sk = sk * f }
                            setLane(s, k, l, sk)
                            if fit {
                                setLane(y1, k, l, tc[k])
                                setLane(y2, k, l, c[k])
                            } else {
                                setLane(y1, k, l, tc[k] - c[k])
                            }
                        }
                    } else {
                        corr[l] = dummy.correlations
                        for k in 0..<n {
                            setLane(s, k, l, Double(dummy.errors[k]))
                            setLane(y1, k, l, fit ? tc[k] : 0)
                            setLane(y2, k, l, tc[k])
                        }
                    }
                }
            }
            transposeCorrelations(UnsafePointer(corr), soa, count: m)
            let bad = t.covarianceLower[bi].withUnsafeBufferPointer { lower in
                t.covarianceDiagonal[bi].withUnsafeBufferPointer { diag in
                    factorSolve(lower.baseAddress!, diag.baseAddress!, s, soa, scratch.L, scratch.invD, y1, y2, n: n, twoRHS: fit)
                }
            }
            if b == .bp { badBP = bad; useBP = useMask } else { badRP = bad; useRP = useMask }
        }
        // Combine the bands.
        var d2BP = V(), d2RP = V()
        var scale = V(repeating: 1)
        if fit {
            var yit = V(), yii = V()
            for b in bands {
                let y1 = scratch.y1(b.index), y2 = scratch.y2(b.index)
                var p = V(), q = V()
                for k in 0..<arrays[b.index].n {
                    p = p.addingProduct(y2[k], y1[k])
                    q = q.addingProduct(y2[k], y2[k])
                }
                let used = b == .bp ? useBP : useRP
                yit += p.replacing(with: 0, where: .!used)
                yii += q.replacing(with: 0, where: .!used)
            }
            scale = yit / yii
            for b in bands {
                let y1 = scratch.y1(b.index), y2 = scratch.y2(b.index)
                var acc = V()
                for k in 0..<arrays[b.index].n {
                    let r = y1[k].addingProduct(-scale, y2[k])
                    acc = acc.addingProduct(r, r)
                }
                if b == .bp { d2BP = acc } else { d2RP = acc }
            }
        } else {
            for b in bands {
                let y1 = scratch.y1(b.index)
                let n = arrays[b.index].n
                var acc0 = V(), acc1 = V()
                var k = 0
                while k + 2 <= n {
                    acc0 = acc0.addingProduct(y1[k], y1[k])
                    acc1 = acc1.addingProduct(y1[k + 1], y1[k + 1])
                    k += 2
                }
                if k < n { acc0 = acc0.addingProduct(y1[k], y1[k]) }
                if b == .bp { d2BP = acc0 + acc1 } else { d2RP = acc0 + acc1 }
            }
        }
        // Scores of the real lanes (the placeholders already hold source id and missing flags).
        for l in 0..<W where laneRows[l] >= 0 {
            let i = first + laneRows[l] - row0
            let onBP = useBP[l], onRP = useRP[l]
            let anyBad = (onBP && badBP[l]) || (onRP && badRP[l])
            var bp = onBP ? (badBP[l] ? .nan : d2BP[l]) : .nan
            var rp = onRP ? (badRP[l] ? .nan : d2RP[l]) : .nan
            out[i].dof = (onBP ? arrays[Band.bp.index].n : 0) + (onRP ? arrays[Band.rp.index].n : 0) - (fit ? 1 : 0)
            if anyBad {
                out[i].flags.insert(.notPositiveDefinite)
                out[i].chi2 = .nan
                if fit { bp = .nan; rp = .nan; out[i].scale = .nan }
            } else {
                out[i].chi2 = (onBP ? bp : 0) + (onRP ? rp : 0)
                if fit { out[i].scale = scale[l] }
            }
            out[i].chi2BP = bp
            out[i].chi2RP = rp
        }
    }

    /// The lanes' `count` = n(n−1)/2 correlations as structure of arrays: soa[k][l] = corr[l][k],
    /// by W×W SIMD block transposes (scalar for the last count mod W).
    @inline(__always)
    static func transposeCorrelations(_ corr: UnsafePointer<UnsafePointer<Float>>, _ soa: UnsafeMutablePointer<V.Narrow>,
                                      count: Int) {
        var k = 0
        while k + W <= count {
            V.transpose(corr, k, soa + k)
            k += W
        }
        while k < count {
            for l in 0..<W { soa[k][l] = corr[l][k] }
            k += 1
        }
    }

    /// Fused Cholesky factorisation and forward substitution of the order-n problem, left-looking
    /// by panels of 4 rows (the matrix padded to np = n rounded up to a multiple of 4 with identity
    /// rows: M_rr = 1, M_rj = 0, y_r = 0 for n ≤ r < np, which leaves L, y and D² of the n×n
    /// problem unchanged; DR3 55 → 56, DR4 BP 51 → 52). For the panel of rows p…p+3:
    ///   1. rows p…p+3 of M are built in place in the storage of L;
    ///   2. for each block of 4 columns j0 < p: S_ab = Σ_{k<j0} L_{p+a,k} L_{j0+b,k} in a 4×4 tile
    ///      of registers (8 loads per 16 FMAs), then L_{p+a,j0+b} by a 4×4 triangular solve,
    ///      one independent dependency chain per row;
    ///   3. Σ_{k<p} L_ak L_bk (a, b in the panel) and Σ_{k<p} L_ak y_k in one pass;
    ///   4. the 4×4 diagonal block: pivots, the in-panel columns, y_p…y_{p+3}.
    /// y1 (and y2) hold the right-hand sides on entry (np per vector; entries n..<np are set to 0
    /// here) and L⁻¹·rhs on exit. Returns the lanes whose M is not positive definite.
    @inline(never)
    static func factorSolve(_ sigmaLower: UnsafePointer<Double>, _ sigmaDiag: UnsafePointer<Double>,
                            _ s: UnsafePointer<V>, _ soa: UnsafePointer<V.Narrow>,
                            _ L: UnsafeMutablePointer<V>, _ invD: UnsafeMutablePointer<V>,
                            _ y1: UnsafeMutablePointer<V>, _ y2: UnsafeMutablePointer<V>, n: Int, twoRHS: Bool) -> Mask {
        var bad = Mask(repeating: false)
        let np = padded(n)
        for r in n..<np {
            y1[r] = V()
            y2[r] = V()
        }
        var p = 0
        while p < np {
            // 1. Rows p…p+3 of M (strictly lower part), in place.
            for r in p..<(p + 4) {
                let o = r * (r - 1) / 2
                let Lr = L + o
                if r >= n {
                    for j in 0..<r { Lr[j] = V() }
                    continue
                }
                let sr = s[r]
                for j in 0..<r {
                    Lr[j] = V(repeating: sigmaLower[o + j]).addingProduct(sr * s[j], V.widen(soa[o + j]))
                }
            }
            let R0 = L + p * (p - 1) / 2, R1 = R0 + p, R2 = R1 + (p + 1), R3 = R2 + (p + 2)
            // 2. Blocks of 4 columns left of the panel.
            var j0 = 0
            while j0 < p {
                let C0 = L + j0 * (j0 - 1) / 2, C1 = C0 + j0, C2 = C1 + (j0 + 1), C3 = C2 + (j0 + 2)
                var s00 = V(), s01 = V(), s02 = V(), s03 = V()
                var s10 = V(), s11 = V(), s12 = V(), s13 = V()
                var s20 = V(), s21 = V(), s22 = V(), s23 = V()
                var s30 = V(), s31 = V(), s32 = V(), s33 = V()
                for k in 0..<j0 {
                    let c0 = C0[k], c1 = C1[k], c2 = C2[k], c3 = C3[k]
                    let r0 = R0[k]
                    s00 = s00.addingProduct(r0, c0); s01 = s01.addingProduct(r0, c1)
                    s02 = s02.addingProduct(r0, c2); s03 = s03.addingProduct(r0, c3)
                    let r1 = R1[k]
                    s10 = s10.addingProduct(r1, c0); s11 = s11.addingProduct(r1, c1)
                    s12 = s12.addingProduct(r1, c2); s13 = s13.addingProduct(r1, c3)
                    let r2 = R2[k]
                    s20 = s20.addingProduct(r2, c0); s21 = s21.addingProduct(r2, c1)
                    s22 = s22.addingProduct(r2, c2); s23 = s23.addingProduct(r2, c3)
                    let r3 = R3[k]
                    s30 = s30.addingProduct(r3, c0); s31 = s31.addingProduct(r3, c1)
                    s32 = s32.addingProduct(r3, c2); s33 = s33.addingProduct(r3, c3)
                }
                let d0 = invD[j0], d1 = invD[j0 + 1], d2 = invD[j0 + 2], d3 = invD[j0 + 3]
                let c10 = C1[j0], c20 = C2[j0], c21 = C2[j0 + 1], c30 = C3[j0], c31 = C3[j0 + 1], c32 = C3[j0 + 2]
                @inline(__always)
                func finish(_ Rr: UnsafeMutablePointer<V>, _ a0: V, _ a1: V, _ a2: V, _ a3: V) {
                    let l0 = (Rr[j0] - a0) * d0
                    let l1 = (Rr[j0 + 1] - a1).addingProduct(-l0, c10) * d1
                    let l2 = (Rr[j0 + 2] - a2).addingProduct(-l0, c20).addingProduct(-l1, c21) * d2
                    let l3 = (Rr[j0 + 3] - a3).addingProduct(-l0, c30).addingProduct(-l1, c31).addingProduct(-l2, c32) * d3
                    Rr[j0] = l0
                    Rr[j0 + 1] = l1
                    Rr[j0 + 2] = l2
                    Rr[j0 + 3] = l3
                }
                finish(R0, s00, s01, s02, s03)
                finish(R1, s10, s11, s12, s13)
                finish(R2, s20, s21, s22, s23)
                finish(R3, s30, s31, s32, s33)
                j0 += 4
            }
            // 3. The panel against itself and against y, over k < p.
            var t00 = V(), t10 = V(), t11 = V(), t20 = V(), t21 = V(), t22 = V(), t30 = V(), t31 = V(), t32 = V(), t33 = V()
            var u0 = V(), u1 = V(), u2 = V(), u3 = V()
            var w0 = V(), w1 = V(), w2 = V(), w3 = V()
            if twoRHS {
                for k in 0..<p {
                    let r0 = R0[k], r1 = R1[k], r2 = R2[k], r3 = R3[k], yk = y1[k], zk = y2[k]
                    t00 = t00.addingProduct(r0, r0)
                    t10 = t10.addingProduct(r1, r0); t11 = t11.addingProduct(r1, r1)
                    t20 = t20.addingProduct(r2, r0); t21 = t21.addingProduct(r2, r1); t22 = t22.addingProduct(r2, r2)
                    t30 = t30.addingProduct(r3, r0); t31 = t31.addingProduct(r3, r1)
                    t32 = t32.addingProduct(r3, r2); t33 = t33.addingProduct(r3, r3)
                    u0 = u0.addingProduct(r0, yk); u1 = u1.addingProduct(r1, yk)
                    u2 = u2.addingProduct(r2, yk); u3 = u3.addingProduct(r3, yk)
                    w0 = w0.addingProduct(r0, zk); w1 = w1.addingProduct(r1, zk)
                    w2 = w2.addingProduct(r2, zk); w3 = w3.addingProduct(r3, zk)
                }
            } else {
                for k in 0..<p {
                    let r0 = R0[k], r1 = R1[k], r2 = R2[k], r3 = R3[k], yk = y1[k]
                    t00 = t00.addingProduct(r0, r0)
                    t10 = t10.addingProduct(r1, r0); t11 = t11.addingProduct(r1, r1)
                    t20 = t20.addingProduct(r2, r0); t21 = t21.addingProduct(r2, r1); t22 = t22.addingProduct(r2, r2)
                    t30 = t30.addingProduct(r3, r0); t31 = t31.addingProduct(r3, r1)
                    t32 = t32.addingProduct(r3, r2); t33 = t33.addingProduct(r3, r3)
                    u0 = u0.addingProduct(r0, yk); u1 = u1.addingProduct(r1, yk)
                    u2 = u2.addingProduct(r2, yk); u3 = u3.addingProduct(r3, yk)
                }
            }
            // 4. The diagonal block, row by row.
            @inline(__always)
            func pivot(_ r: Int, _ d: V) -> V {
                var d = d
                let ok = d .> 0  // false for NaN
                bad = bad .| .!ok
                d.replace(with: 1, where: .!ok)
                let inv = 1 / d.squareRoot()
                invD[r] = inv
                return inv
            }
            @inline(__always)
            func diagonal(_ r: Int) -> V {
                r >= n ? V(repeating: 1) : V(repeating: sigmaDiag[r]).addingProduct(s[r], s[r])
            }
            // Row p.
            let i0 = pivot(p, diagonal(p) - t00)
            y1[p] = (y1[p] - u0) * i0
            if twoRHS { y2[p] = (y2[p] - w0) * i0 }
            // Row p+1.
            let l10 = (R1[p] - t10) * i0
            R1[p] = l10
            let i1 = pivot(p + 1, (diagonal(p + 1) - t11).addingProduct(-l10, l10))
            y1[p + 1] = (y1[p + 1] - u1).addingProduct(-l10, y1[p]) * i1
            if twoRHS { y2[p + 1] = (y2[p + 1] - w1).addingProduct(-l10, y2[p]) * i1 }
            // Row p+2.
            let l20 = (R2[p] - t20) * i0
            let l21 = (R2[p + 1] - t21).addingProduct(-l20, l10) * i1
            R2[p] = l20
            R2[p + 1] = l21
            let i2 = pivot(p + 2, (diagonal(p + 2) - t22).addingProduct(-l20, l20).addingProduct(-l21, l21))
            y1[p + 2] = (y1[p + 2] - u2).addingProduct(-l20, y1[p]).addingProduct(-l21, y1[p + 1]) * i2
            if twoRHS { y2[p + 2] = (y2[p + 2] - w2).addingProduct(-l20, y2[p]).addingProduct(-l21, y2[p + 1]) * i2 }
            // Row p+3.
            let l30 = (R3[p] - t30) * i0
            let l31 = (R3[p + 1] - t31).addingProduct(-l30, l10) * i1
            let l32 = (R3[p + 2] - t32).addingProduct(-l30, l20).addingProduct(-l31, l21) * i2
            R3[p] = l30
            R3[p + 1] = l31
            R3[p + 2] = l32
            let i3 = pivot(p + 3, (diagonal(p + 3) - t33).addingProduct(-l30, l30).addingProduct(-l31, l31).addingProduct(-l32, l32))
            y1[p + 3] = (y1[p + 3] - u3).addingProduct(-l30, y1[p]).addingProduct(-l31, y1[p + 1]).addingProduct(-l32, y1[p + 2]) * i3
            if twoRHS {
                y2[p + 3] = (y2[p + 3] - w3).addingProduct(-l30, y2[p]).addingProduct(-l31, y2[p + 1]).addingProduct(-l32, y2[p + 2]) * i3
            }
            p += 4
        }
        return bad
    }
}
