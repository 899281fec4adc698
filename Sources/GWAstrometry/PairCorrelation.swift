// The fast all-pairs kernel: parallel and perpendicular proper-motion correlations of every pair
// of two blocks of sources (or of one block with itself), binned in angular separation. SIMD over
// eight j-sources per i-source (SIMD8<Double>: AVX-512 with -target-cpu native).
//
// Geometry (Book & Flanagan 2011, PRD 83, 024024; Mihaylov et al. 2018, CQG 35, 095015: the
// correlations of the components along and across the great circle joining the two sources). With n = r_i × r_j (|n| = sin Θ, the normal of the great-circle plane):
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
// Binning by cos Θ = r_i·r_j against the cosines of the bin edges (PairBinning). Accumulation:
// an eight-lane chunk whose pairs all fall in one bin (the common case: Gaia files are in
// source_id order, which is HEALPix order, so consecutive j-sources are neighbours on the sky)
// adds its ten sums lane-wise to that bin's vector accumulators; other chunks (straddling an
// edge, degenerate, or the tail of a row) go pair by pair to scalar accumulators. At the end the
// bin sums are (lane 0 + … + lane 7) + scalar, in that order. Everything is a fixed function of
// the two blocks, so a block pair gives bit-identical sums whoever computes it.
import Foundation

public final class PairCorrelationKernel {
    public typealias V = SIMD8<Double>
    static let lanes = 8
    public let binning: PairBinning
    private var vector: [V]
    private var scalar: PairSums

    public init(binning: PairBinning) {
        self.binning = binning
        vector = [V](repeating: V(), count: binning.count * PairSums.quantities)
        scalar = PairSums(bins: binning.count)
    }

    /// Every pair i < j of one block.
    public func diagonal(_ a: PairSample) -> PairSums { run(a, a, diagonal: true) }

    /// Every pair (i, j), i in `a`, j in `b` (two different blocks).
    public func cross(_ a: PairSample, _ b: PairSample) -> PairSums { run(a, b, diagonal: false) }

    /// Pairs a kernel call visits.
    public static func pairCount(_ a: Int, _ b: Int? = nil) -> Int { b.map { a * $0 } ?? a * (a - 1) / 2 }

    private func run(_ a: PairSample, _ b: PairSample, diagonal: Bool) -> PairSums {
        for k in vector.indices { vector[k] = V() }
        scalar = PairSums(bins: binning.count)
        let q = PairSums.quantities
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                binning.upper.withUnsafeBufferPointer { up in
                    binning.lower.withUnsafeBufferPointer { lo in
                        binning.thresholds.withUnsafeBufferPointer { th in
                            binning.cellBase.withUnsafeBufferPointer { cb in
                                vector.withUnsafeMutableBufferPointer { vacc in
                                    let lookup = Lookup(lowerCut: binning.lowerCut, upperCut: binning.upperCut,
                                                        halfCells: Double(binning.cells / 2), cells: binning.cells,
                                                        cellBase: cb.baseAddress!, thresholds: th.baseAddress!,
                                                        thresholdCount: th.count, upper: up.baseAddress!, lower: lo.baseAddress!)
                                    let bp = Block(base: pb.baseAddress!, stride: b.stride, count: b.count)
                                    for i in 0..<a.count {
                                        let j0 = diagonal ? i + 1 : 0
                                        if j0 >= b.count { continue }
                                        row(Source(pa.baseAddress!, stride: a.stride, i), bp, from: j0, lookup, vacc.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = scalar
        for k in 0..<binning.count {
            for m in 0..<q {
                let v = vector[k * q + m]
                var s = v[0]
                for l in 1..<Self.lanes { s += v[l] }
                out[k, m] = s + scalar[k, m]
            }
        }
        return out
    }

    /// Source i of a block, broadcast to all lanes.
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
        @inline(__always) func load(_ field: Int, _ j: Int) -> V {
            UnsafeRawPointer(base + field * stride + j).loadUnaligned(as: V.self)
        }
        @inline(__always) func value(_ field: Int, _ j: Int) -> Double { base[field * stride + j] }
    }

    struct Lookup {
        let lowerCut: Double, upperCut: Double, halfCells: Double
        let cells: Int
        let cellBase: UnsafePointer<Int16>
        let thresholds: UnsafePointer<Double>
        let thresholdCount: Int
        let upper: UnsafePointer<Double>
        let lower: UnsafePointer<Double>

        /// PairBinning.bin(cos:), on raw pointers.
        @inline(__always) func bin(_ c: Double) -> Int {
            if c > lowerCut || c < upperCut { return -1 }
            var u = Int((1 - c) * halfCells)
            u = min(max(u, 0), cells - 1)
            var b = Int(cellBase[u])
            while b < thresholdCount && c <= thresholds[b] { b += 1 }
            return b
        }
    }

    @inline(__always)
    private func row(_ s: Source, _ b: Block, from j0: Int, _ lk: Lookup, _ vacc: UnsafeMutablePointer<V>) {
        let q = PairSums.quantities
        let tiny = V(repeating: Double.leastNormalMagnitude)
        var j = j0
        while j < b.count {
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
            let wp = t * (ai * aj)
            let wq = t * (bi * bj)
            let valid = min(Self.lanes, b.count - j)
            if valid == Self.lanes {
                let k = lk.bin(c[0])
                if k >= 0 && all(c .<= V(repeating: lk.upper[k])) && all(c .> V(repeating: lk.lower[k])) && !any(nn .< tiny) {
                    let a = vacc + k * q
                    a[0] += V(repeating: 1)
                    a[1] += ww
                    a[2] += wp
                    a[3] += wq
                    a[4] = a[4].addingProduct(ww, ww)
                    a[5] = a[5].addingProduct(ww, wp)
                    a[6] = a[6].addingProduct(ww, wq)
                    a[7] = a[7].addingProduct(wp, wp)
                    a[8] = a[8].addingProduct(wq, wq)
                    a[9] = a[9].addingProduct(wp, wq)
                    j += Self.lanes
                    continue
                }
            }
            for l in 0..<valid {
                let k = lk.bin(c[l])
                if k < 0 { continue }
                if nn[l] < Double.leastNormalMagnitude {
                    let jl = j + l
                    let muj = SIMD3(b.value(3, jl), b.value(4, jl), b.value(5, jl))
                    let half = 0.5 * PairVector.dot(s.mu, muj)
                    if c[l] > 0 {
                        scalar.coincident += 1
                        scalar.add(bin: k, weight: ww[l], parallel: half, perpendicular: half)
                    } else {
                        scalar.antipodal += 1
                        scalar.add(bin: k, weight: ww[l], parallel: -half, perpendicular: half)
                    }
                } else {
                    scalar.add(bin: k, weight: ww[l], weightedParallel: wp[l], weightedPerpendicular: wq[l])
                }
            }
            j += Self.lanes
        }
    }
}
