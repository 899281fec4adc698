// The fast all-pairs kernel: parallel and perpendicular proper-motion correlations of every pair
// of two blocks of sources (or of one block with itself), binned in angular separation. SIMD over
// eight j-sources per i-source (SIMD8<Double>: AVX-512 with -target-cpu native).
//
// Geometry (Book & Flanagan 2011, PRD 83, 024024; Mihaylov et al. 2018, CQG 35, 095015: the
// correlations of the components along and across the great circle joining the two sources).
// With n = r_i × r_j (|n| = sin Θ, the normal of the great-circle plane):
//   e∥(i) = n × r_i / |n|   the tangent of the great circle at i, pointing towards j,
//   e∥(j) = n × r_j / |n|   the same tangent at j, pointing onwards (away from i),
//   e⊥    = n / |n|         at both ends (= r × e∥: both frames are right-handed),
// i.e. the frame at i parallel-transported to j along the great circle, so that a smooth field
// gives P∥ → |μ∥|² > 0 as Θ → 0. With w = r × μ (PairSample) and a·(n × r) = n·(r × a):
//   μ_i∥ μ_j∥ = (n·w_i)(n·w_j) / |n|²,      μ_i⊥ μ_j⊥ = (n·μ_i)(n·μ_j) / |n|².
// No trigonometric function, no square root; |n|² is summed from the components of the cross
// product, not taken as 1 − c² (which loses all digits as Θ → 0 or 180°). Relative rounding is
// ~1e-16/sin Θ, i.e. below 1e-10 for any separation above 0.02 µas from 0° or 180°.
//
// Degenerate pairs, |n|² below the smallest normal double (exactly coincident or antipodal
// positions: the great circle is undefined): the products are replaced by their average over all
// great circles through the pair, which is the limit of the estimator for nearby pairs in random
// orientation: coincident P∥ = P⊥ = μ_i·μ_j / 2; antipodal (transport by 180° reverses e∥ and
// keeps e⊥) P∥ = −μ_i·μ_j / 2, P⊥ = +μ_i·μ_j / 2. They are counted (`coincident`, `antipodal`).
//
// Two phases per segment of j-sources of one row i (so that each compiles to tight vector code;
// segments are fixed runs of 64 sources of block b, the first one of a diagonal row partial):
// (1) geometry, SIMD8 over j: cos Θ, |n|², w, w P∥, w P⊥ into L1 scratch arrays;
// (2) binning by cos Θ against the cosines of the bin edges (PairBinning) and accumulation.
// Every segment has a bounding cap (centre, radius R; SegmentCaps), so the separations from i to
// its sources lie in [Θ_c − R, Θ_c + R] (triangle inequality; widened by 1e-12 in cos Θ for
// rounding). If that range lies in one bin e, every pair goes to e with no per-pair test, the ten
// sums in registers; if it spans bins e and e + 1, each chunk of eight is split by one mask
// (c > lower[e]) into both, in registers. Otherwise, per chunk of eight: e = bin of the chunk's
// largest cos Θ from a cell table; if every lane lies in e or e + 1 (min cos Θ > lower edge of
// e + 1) the chunk is added lane-wise (masked) to both bins' vector accumulators in memory;
// a chunk spanning three bins goes pair by pair to scalar accumulators. The bins are "extended":
// 0 collects pairs below θ_0, K + 1 those above θ_K, K + 2 is a spare for e + 1 of the last bin;
// they are counted as outside and never reported. The binning is the same per-pair rule in every
// path, so the paths differ only in the order of summation.
// Gaia files are in source_id order, which is HEALPix order, so consecutive j-sources are
// neighbours on the sky: at the density of the DR3 quasars (~40 per deg²) a segment of 64 spans
// ~1.5°, and most segments take the one-bin path (Docs/benchmarks.md: rate vs density).
// The bin sums are (lane 0 + … + lane 7) + scalar, in that order. Everything is a fixed function
// of the two blocks (and their order), so a block pair gives bit-identical sums whoever computes it.
//
// Standard-library SIMD reductions and pointwiseMin/Max, any(), all() are generic lane loops;
// the kernel uses comparisons and blends (`replacing(with:where:)`) instead.
import Foundation

public final class PairCorrelationKernel {
    public typealias V = SIMD8<Double>
    static let lanes = 8
    /// j-sources per phase-1/phase-2 round and per bounding cap (scratch: 5 × 72 doubles, in L1).
    static let segment = 64
    public let binning: PairBinning
    private let q = PairSums.quantities
    /// Extended bins: 0 below θ_0, 1…K the bins, K+1 above θ_K, K+2 spare (never read).
    private let extended: Int
    private let vector: UnsafeMutablePointer<V>
    private let scalar: UnsafeMutablePointer<Double>
    private let scratch: UnsafeMutablePointer<Double>
    private var coincident = 0, antipodal = 0, degenerateOutside = 0
    /// Segments (row × segment) that took the one-bin, two-bin and per-chunk paths in the last call.
    var paths = (single: 0, two: 0, general: 0)
    // Extended thresholds (descending, padded with −∞), bounds, cell table.
    private let thr: UnsafeMutablePointer<Double>
    private let lowerExt: UnsafeMutablePointer<Double>
    private let cellBase: UnsafeMutablePointer<Int32>
    private let cells: Int
    private let exactLookup: Bool

    public init(binning: PairBinning) {
        self.binning = binning
        let k = binning.count
        extended = k + 3
        let n = extended * q
        vector = .allocate(capacity: n); vector.initialize(repeating: V(), count: n)
        scalar = .allocate(capacity: n); scalar.initialize(repeating: 0, count: n)
        scratch = .allocate(capacity: 5 * (Self.segment + Self.lanes)); scratch.initialize(repeating: 0, count: 5 * (Self.segment + Self.lanes))
        // thrExt[m], m = 0…K: c ≤ thrExt[m] counts; bin = count.
        var t = [binning.lowerCut] + binning.thresholds + [binning.upperCut.nextDown]
        let thrCount = t.count
        t += [Double](repeating: -.infinity, count: 4)
        thr = .allocate(capacity: t.count); thr.initialize(from: t, count: t.count)
        var lo = [Double](repeating: -.infinity, count: extended + 1)
        for e in 0..<thrCount { lo[e] = t[e] }
        lowerExt = .allocate(capacity: lo.count); lowerExt.initialize(from: lo, count: lo.count)
        // Cells over c ∈ [−1, 1]; each (with one cell of slack) holds at most one finite threshold
        // when M ≥ 4/narrowest; else the lookup loops.
        var narrowest = 2.0
        let finite = t.prefix(thrCount).filter { $0.isFinite && $0 <= 1 && $0 >= -1 }
        for m in 1..<max(finite.count, 1) { narrowest = min(narrowest, finite[m - 1] - finite[m]) }
        var m = 1024
        while m < (1 << 20) && 2.0 / Double(m) > narrowest / 4 { m *= 2 }
        cells = m
        exactLookup = 2.0 / Double(m) <= narrowest / 4
        var base = [Int32](repeating: 0, count: m)
        var c = 0
        for u in 0..<m {
            let cHi = 1 - 2 * Double(u - 1) / Double(m)
            while c < thrCount && t[c] >= cHi { c += 1 }
            base[u] = Int32(c)
        }
        cellBase = .allocate(capacity: m); cellBase.initialize(from: base, count: m)
    }

    deinit {
        vector.deallocate(); scalar.deallocate(); scratch.deallocate()
        thr.deallocate(); lowerExt.deallocate(); cellBase.deallocate()
    }

    /// Every pair i < j of one block.
    public func diagonal(_ a: PairSample) -> PairSums { run(a, a, diagonal: true) }

    /// Every pair (i, j), i in `a`, j in `b` (two different blocks).
    public func cross(_ a: PairSample, _ b: PairSample) -> PairSums { run(a, b, diagonal: false) }

    /// Pairs a kernel call visits.
    public static func pairCount(_ a: Int, _ b: Int? = nil) -> Int { b.map { a * $0 } ?? a * (a - 1) / 2 }

    /// Extended bin of c: #{m : c ≤ thrExt[m]} (branch-free when cells are fine enough).
    @inline(__always) func lookup(_ c: Double) -> Int {
        var u = Int((1 - c) * Double(cells / 2))
        u = u < 0 ? 0 : (u >= cells ? cells - 1 : u)
        var b = Int(cellBase[u])
        if exactLookup {
            b += c <= thr[b] ? 1 : 0
            b += c <= thr[b] ? 1 : 0
        } else {
            while c <= thr[b] { b += 1 }
        }
        return b
    }

    private func run(_ a: PairSample, _ b: PairSample, diagonal: Bool) -> PairSums {
        let n = extended * q
        vector.update(repeating: V(), count: n)
        scalar.update(repeating: 0, count: n)
        coincident = 0; antipodal = 0; degenerateOutside = 0
        paths = (0, 0, 0)
        let caps = SegmentCaps(b, segment: Self.segment)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                let bp = Block(base: pb.baseAddress!, stride: b.stride, count: b.count)
                for i in 0..<a.count {
                    var j = diagonal ? i + 1 : 0
                    let src = Source(pa.baseAddress!, stride: a.stride, i)
                    let ri = a.position(i)
                    while j < b.count {
                        let g = j / Self.segment
                        let m = min((g + 1) * Self.segment, b.count) - j
                        let regular = geometry(src, bp, from: j, count: m)
                        let (lo, hi) = caps.cosineRange(ri, g)
                        let e1 = lookup(hi), e2 = lookup(lo)
                        if !regular {
                            for o in 0..<m { pairScalar(src, bp, o, j + o) }
                        } else if e1 == e2 {
                            paths.single += 1
                            binSingle(src, bp, from: j, count: m, bin: e1)
                        } else if e2 == e1 + 1 {
                            paths.two += 1
                            binTwo(src, bp, from: j, count: m, bin: e1)
                        } else {
                            paths.general += 1
                            bin(src, bp, from: j, count: m, regular: true)
                        }
                        j += m
                    }
                }
            }
        }
        var out = PairSums(bins: binning.count)
        for k in 0..<binning.count {
            for m in 0..<q {
                let v = vector[(k + 1) * q + m]
                var s = v[0]
                for l in 1..<Self.lanes { s += v[l] }
                out[k, m] = s + scalar[(k + 1) * q + m]
            }
        }
        out.coincident = coincident
        out.antipodal = antipodal
        var outside = Double(degenerateOutside)
        for e in [0, binning.count + 1] {
            let v = vector[e * q]
            for l in 0..<Self.lanes { outside += v[l] }
            outside += scalar[e * q]
        }
        out.outside = Int(outside)
        return out
    }

    struct Source {
        let x, y, z, mx, my, mz, wx, wy, wz, w: V
        let mu: SIMD3<Double>
        init(_ p: UnsafePointer<Double>, stride s: Int, _ i: Int) {
            @inline(__always) func f(_ k: Int) -> Double { p[k * s + i] }
            x = V(repeating: f(0)); y = V(repeating: f(1)); z = V(repeating: f(2))
            mx = V(repeating: f(3)); my = V(repeating: f(4)); mz = V(repeating: f(5))
            wx = V(repeating: f(6)); wy = V(repeating: f(7)); wz = V(repeating: f(8))
            w = V(repeating: f(9))
            mu = SIMD3(f(3), f(4), f(5))
        }
    }

    struct Block {
        let base: UnsafePointer<Double>
        let stride: Int
        let count: Int
        @inline(__always) func load(_ field: Int, _ j: Int) -> V { UnsafeRawPointer(base + field * stride + j).loadUnaligned(as: V.self) }
        @inline(__always) func value(_ field: Int, _ j: Int) -> Double { base[field * stride + j] }
    }

    @inline(__always) static func lanewiseMin(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .< a) }
    @inline(__always) static func minimum(_ v: V) -> Double {
        let a = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .< v.lowHalf)
        let b = a.lowHalf.replacing(with: a.highHalf, where: a.highHalf .< a.lowHalf)
        return b[1] < b[0] ? b[1] : b[0]
    }
    @inline(__always) static func maximum(_ v: V) -> Double {
        let a = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        let b = a.lowHalf.replacing(with: a.highHalf, where: a.highHalf .> a.lowHalf)
        return b[1] > b[0] ? b[1] : b[0]
    }

    /// Phase 1: cos Θ, |n|², w, w P∥, w P⊥ of `count` pairs (i, j0 …) into the scratch arrays;
    /// false if a pair is degenerate (|n|² below the smallest normal double).
    @inline(never)
    private func geometry(_ s: Source, _ b: Block, from j0: Int, count: Int) -> Bool {
        let st = Self.segment + Self.lanes
        let out = UnsafeMutableRawPointer(scratch)
        var smallest = V(repeating: .infinity)
        let lane = SIMD8<Int64>(0, 1, 2, 3, 4, 5, 6, 7)
        var o = 0
        while o < count {
            let j = j0 + o
            let xj = b.load(0, j), yj = b.load(1, j), zj = b.load(2, j)
            let nx = (s.y * zj).addingProduct(-s.z, yj)
            let ny = (s.z * xj).addingProduct(-s.x, zj)
            let nz = (s.x * yj).addingProduct(-s.y, xj)
            let c = (s.x * xj).addingProduct(s.y, yj).addingProduct(s.z, zj)
            let nn = (nx * nx).addingProduct(ny, ny).addingProduct(nz, nz)
            let ai = (nx * s.wx).addingProduct(ny, s.wy).addingProduct(nz, s.wz)
            let aj = (nx * b.load(6, j)).addingProduct(ny, b.load(7, j)).addingProduct(nz, b.load(8, j))
            let bi = (nx * s.mx).addingProduct(ny, s.my).addingProduct(nz, s.mz)
            let bj = (nx * b.load(3, j)).addingProduct(ny, b.load(4, j)).addingProduct(nz, b.load(5, j))
            let ww = s.w * b.load(9, j)
            let t = ww / nn
            out.storeBytes(of: c, toByteOffset: 8 * o, as: V.self)
            out.storeBytes(of: nn, toByteOffset: 8 * (st + o), as: V.self)
            out.storeBytes(of: ww, toByteOffset: 8 * (2 * st + o), as: V.self)
            out.storeBytes(of: t * (ai * aj), toByteOffset: 8 * (3 * st + o), as: V.self)
            out.storeBytes(of: t * (bi * bj), toByteOffset: 8 * (4 * st + o), as: V.self)
            smallest = Self.lanewiseMin(smallest, o + Self.lanes <= count ? nn : nn.replacing(with: .infinity, where: lane .>= Int64(count - o)))
            o += Self.lanes
        }
        return Self.minimum(smallest) >= Double.leastNormalMagnitude
    }

    @inline(__always)
    private func addScalar(_ e: Int, _ w: Double, _ wp: Double, _ wq: Double) {
        let a = scalar + e * q
        a[0] += 1; a[1] += w; a[2] += wp; a[3] += wq
        a[4] = a[4].addingProduct(w, w); a[5] = a[5].addingProduct(w, wp); a[6] = a[6].addingProduct(w, wq)
        a[7] = a[7].addingProduct(wp, wp); a[8] = a[8].addingProduct(wq, wq); a[9] = a[9].addingProduct(wp, wq)
    }

    /// One pair from the scratch arrays (o: index in the segment, j: index in block b).
    @inline(__always)
    private func pairScalar(_ s: Source, _ b: Block, _ o: Int, _ j: Int) {
        let st = Self.segment + Self.lanes
        let c = scratch[o]
        let e = lookup(c)
        let w = scratch[2 * st + o]
        if scratch[st + o] < Double.leastNormalMagnitude {
            if e == 0 || e == binning.count + 1 { degenerateOutside += 1; return }
            let muj = SIMD3(b.value(3, j), b.value(4, j), b.value(5, j))
            let half = 0.5 * PairVector.dot(s.mu, muj)
            if c > 0 { coincident += 1; addScalar(e, w, w * half, w * half) } else { antipodal += 1; addScalar(e, w, -w * half, w * half) }
        } else {
            addScalar(e, w, scratch[3 * st + o], scratch[4 * st + o])
        }
    }

    /// Phase 2: bin and accumulate the segment's pairs (see the file comment).
    @inline(never)
    private func bin(_ s: Source, _ b: Block, from j0: Int, count: Int, regular: Bool) {
        if !regular {
            for o in 0..<count { pairScalar(s, b, o, j0 + o) }
            return
        }
        let st = Self.segment + Self.lanes
        let base = UnsafeRawPointer(scratch)
        let one = V(repeating: 1), zero = V()
        var o = 0
        while o + Self.lanes <= count {
            let c = base.load(fromByteOffset: 8 * o, as: V.self)
            let e = lookup(Self.maximum(c))
            if Self.minimum(c) > lowerExt[e + 1] {
                // Every lane in bin e (c > lower[e]) or e + 1.
                let m = c .> V(repeating: lowerExt[e])
                let ww = base.load(fromByteOffset: 8 * (2 * st + o), as: V.self)
                let wp = base.load(fromByteOffset: 8 * (3 * st + o), as: V.self)
                let wq = base.load(fromByteOffset: 8 * (4 * st + o), as: V.self)
                let n1 = zero.replacing(with: one, where: m)
                let w1 = zero.replacing(with: ww, where: m), p1 = zero.replacing(with: wp, where: m), q1 = zero.replacing(with: wq, where: m)
                let n2 = one - n1, w2 = ww - w1, p2 = wp - p1, q2 = wq - q1
                let a = vector + e * q
                a[0] += n1; a[1] += w1; a[2] += p1; a[3] += q1
                a[4] = a[4].addingProduct(w1, w1); a[5] = a[5].addingProduct(w1, p1); a[6] = a[6].addingProduct(w1, q1)
                a[7] = a[7].addingProduct(p1, p1); a[8] = a[8].addingProduct(q1, q1); a[9] = a[9].addingProduct(p1, q1)
                let z = a + q
                z[0] += n2; z[1] += w2; z[2] += p2; z[3] += q2
                z[4] = z[4].addingProduct(w2, w2); z[5] = z[5].addingProduct(w2, p2); z[6] = z[6].addingProduct(w2, q2)
                z[7] = z[7].addingProduct(p2, p2); z[8] = z[8].addingProduct(q2, q2); z[9] = z[9].addingProduct(p2, q2)
            } else {
                for l in 0..<Self.lanes { pairScalar(s, b, o + l, j0 + o + l) }
            }
            o += Self.lanes
        }
        while o < count {
            pairScalar(s, b, o, j0 + o)
            o += 1
        }
    }

    /// A bounding cap (centre, angular radius R) of every fixed segment of `segment` sources of a
    /// block: for any source i, the separations to the segment's members lie in [Θ_c − R, Θ_c + R]
    /// (triangle inequality), Θ_c the separation from i to the centre.
    struct SegmentCaps {
        var centre: [SIMD3<Double>] = []
        var cosR: [Double] = []
        var sinR: [Double] = []
        /// Margin on cos Θ for the rounding of the bound and of the pairs' own cos Θ (~1e-15).
        static let margin = 1e-12

        init(_ b: PairSample, segment: Int) {
            var g = 0
            while g * segment < b.count {
                let range = (g * segment)..<min((g + 1) * segment, b.count)
                var sum = SIMD3<Double>.zero
                for j in range { sum += b.position(j) }
                let len = (sum * sum).sum().squareRoot()
                let c = len > 0 ? sum / len : b.position(range.lowerBound)
                var m = 1.0
                for j in range { m = min(m, PairVector.dot(c, b.position(j))) }
                centre.append(c)
                cosR.append(m)
                sinR.append((max(0, 1 - m * m)).squareRoot())
                g += 1
            }
        }

        /// (smallest, largest) cos Θ possible between a source at r and segment g, widened by the margin.
        @inline(__always)
        func cosineRange(_ r: SIMD3<Double>, _ g: Int) -> (Double, Double) {
            let c0 = PairVector.dot(r, centre[g])
            let x = PairVector.cross(r, centre[g])
            let s0 = (x * x).sum().squareRoot()
            let hi = c0 >= cosR[g] ? 1 : c0 * cosR[g] + s0 * sinR[g]     // cos(max(Θ_c − R, 0))
            let lo = c0 <= -cosR[g] ? -1 : c0 * cosR[g] - s0 * sinR[g]   // cos(min(Θ_c + R, π))
            return (lo - Self.margin, hi + Self.margin)
        }
    }

    /// Phase 2 when the segment's cap lies in one bin: every pair to bin e, in registers.
    @inline(never)
    private func binSingle(_ s: Source, _ b: Block, from j0: Int, count: Int, bin e: Int) {
        let st = Self.segment + Self.lanes
        let base = UnsafeRawPointer(scratch)
        let one = V(repeating: 1), zero = V()
        var a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero, a8 = zero, a9 = zero
        var o = 0
        while o + Self.lanes <= count {
            let ww = base.load(fromByteOffset: 8 * (2 * st + o), as: V.self)
            let wp = base.load(fromByteOffset: 8 * (3 * st + o), as: V.self)
            let wq = base.load(fromByteOffset: 8 * (4 * st + o), as: V.self)
            a0 += one; a1 += ww; a2 += wp; a3 += wq
            a4 = a4.addingProduct(ww, ww); a5 = a5.addingProduct(ww, wp); a6 = a6.addingProduct(ww, wq)
            a7 = a7.addingProduct(wp, wp); a8 = a8.addingProduct(wq, wq); a9 = a9.addingProduct(wp, wq)
            o += Self.lanes
        }
        let a = vector + e * q
        a[0] += a0; a[1] += a1; a[2] += a2; a[3] += a3; a[4] += a4; a[5] += a5; a[6] += a6; a[7] += a7; a[8] += a8; a[9] += a9
        while o < count {
            pairScalar(s, b, o, j0 + o)
            o += 1
        }
    }

    /// Phase 2 when the segment's cap spans bins e and e + 1: lanes split by c > lower[e], in registers.
    @inline(never)
    private func binTwo(_ s: Source, _ b: Block, from j0: Int, count: Int, bin e: Int) {
        let st = Self.segment + Self.lanes
        let base = UnsafeRawPointer(scratch)
        let one = V(repeating: 1), zero = V()
        let lower = V(repeating: lowerExt[e])
        var a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero, a8 = zero, a9 = zero
        var b0 = zero, b1 = zero, b2 = zero, b3 = zero, b4 = zero, b5 = zero, b6 = zero, b7 = zero, b8 = zero, b9 = zero
        var o = 0
        while o + Self.lanes <= count {
            let c = base.load(fromByteOffset: 8 * o, as: V.self)
            let m = c .> lower
            let ww = base.load(fromByteOffset: 8 * (2 * st + o), as: V.self)
            let wp = base.load(fromByteOffset: 8 * (3 * st + o), as: V.self)
            let wq = base.load(fromByteOffset: 8 * (4 * st + o), as: V.self)
            let n1 = zero.replacing(with: one, where: m)
            let w1 = zero.replacing(with: ww, where: m), p1 = zero.replacing(with: wp, where: m), q1 = zero.replacing(with: wq, where: m)
            let n2 = one - n1, w2 = ww - w1, p2 = wp - p1, q2 = wq - q1
            a0 += n1; a1 += w1; a2 += p1; a3 += q1
            a4 = a4.addingProduct(w1, w1); a5 = a5.addingProduct(w1, p1); a6 = a6.addingProduct(w1, q1)
            a7 = a7.addingProduct(p1, p1); a8 = a8.addingProduct(q1, q1); a9 = a9.addingProduct(p1, q1)
            b0 += n2; b1 += w2; b2 += p2; b3 += q2
            b4 = b4.addingProduct(w2, w2); b5 = b5.addingProduct(w2, p2); b6 = b6.addingProduct(w2, q2)
            b7 = b7.addingProduct(p2, p2); b8 = b8.addingProduct(q2, q2); b9 = b9.addingProduct(p2, q2)
            o += Self.lanes
        }
        let a = vector + e * q
        a[0] += a0; a[1] += a1; a[2] += a2; a[3] += a3; a[4] += a4; a[5] += a5; a[6] += a6; a[7] += a7; a[8] += a8; a[9] += a9
        let z = a + q
        z[0] += b0; z[1] += b1; z[2] += b2; z[3] += b3; z[4] += b4; z[5] += b5; z[6] += b6; z[7] += b7; z[8] += b8; z[9] += b9
        while o < count {
            pairScalar(s, b, o, j0 + o)
            o += 1
        }
    }
}
