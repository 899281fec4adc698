// Planted pairs in the synthetic gaia_source: wide binaries and lensed images of quasars, with
// known truth, for the pair search and cross-match jobs (issue 12).
//
// Wide binaries follow the selection of El-Badry, Rix & Heintz (2021, MNRAS 506, 2269, §2): both
// members with ϖ > 1 mas and ϖ/σ_ϖ > 5, projected separation θ ≤ 206.265″·ϖ[mas] (1 pc), parallaxes
// equal within errors, and Δµ ≤ Δµ_orbit + 2σ_Δµ with their (§2)
//     Δµ_orbit = 0.44428 · ϖ^1.5 · θ^−0.5  mas/yr   (ϖ in mas, θ in arcsec),
// the relative velocity of a circular orbit of total mass 5 M☉ at separation s = θ/ϖ. A planted pair
// is a circular relative orbit of total mass M (0.8–2.4 M☉) with the companion in the sky plane
// (true separation = projected), so its true Δµ = 0.44428·√(M/5)·ϖ^1.5·θ^−0.5·|cos φ| (φ: orbital phase)
// stays below their Δµ_orbit for any M < 5 M☉. Both stars share one true parallax; each gets its own
// parallax noise. Simplifications, on purpose: the systemic motion is the injected field only (no
// peculiar velocity) and θ starts where each star's orbital motion falls below its own σ_pm, so the
// planted stars are never proper-motion outliers for the GW fits, which run on unfiltered skies; the
// stars are not `in_qso_candidates` and have significant parallaxes, so quasar-like selections skip them.
//
// Lensed images (GraL, Krone-Martins et al. 2018, A&A 616, L11): a fraction of the quasars get 1–3
// extra sources 0.5–3″ away with the quasar's colour (±0.05 mag) and 0–1.5 mag fainter, parallax 0
// and the injected field as proper motion (each with its own noise): quasar-like rows.
//
// `--sources` stays the total row count: the quasars are the rows left after the planted ones.

import Numerics

public enum PlantedPairKind: String, Sendable {
    case wideBinary = "wide_binary"
    case lensedImage = "lensed_image"
}

/// El-Badry, Rix & Heintz (2021) §2, Δµ_orbit: the largest Δµ (mas/yr) of a bound orbit (5 M☉, circular
/// at the projected separation) for parallax ϖ (mas) and separation θ (arcsec).
public func elBadryOrbitalDeltaMu(parallax: Double, thetaArcsec: Double) -> Double {
    0.44428 * parallax * parallax.squareRoot() / thetaArcsec.squareRoot()
}

/// A planted pair of draw indices (mapped to source_ids when written).
struct PlantedPair: Sendable {
    var first: Int, second: Int
    var kind: PlantedPairKind
    /// Lensed: the quasar's draw index.
    var host: Int?
    /// True parallax (mas): the binary's; 0 for lensed images.
    var parallax: Double
    /// True Δµ = µ(first) − µ(second), mas/yr (α*, δ); 0 for lensed images.
    var dpm: (Double, Double)
}

/// What the generator writes differently for a planted row.
struct PlantedRow: Sendable {
    var g: Double, bpRp: Double
    /// Binary stars: the errors their orbit was chosen against; nil: drawn as for the quasars.
    var errors: AstrometricErrors?
    /// True parallax, mas.
    var parallax: Double
    /// Orbital proper motion added to the field, mas/yr (α*, δ).
    var pmOffset: (Double, Double)
    /// in_qso_candidates; nil: drawn as for the quasars.
    var qso: Bool?
}

/// Every planted row and pair of one run. Draw indices: 0..<baseCount the quasars (positions from
/// the master stream), then 2 per binary, then the lensed images host by host.
struct PlantedPlan: Sendable {
    static let binaryStream: UInt64 = 0x4753_5742  // "GSWB"
    static let lensedStream: UInt64 = 0x4753_4C51  // "GSLQ"
    /// The per-row streams of planted rows (the quasars use the table's stream).
    static let rowStream: UInt64 = 0x4753_504C  // "GSPL"

    var baseCount: Int
    var positions: [(Double, Double)]  // planted rows, draw index baseCount + k
    var rows: [PlantedRow]
    var pairs: [PlantedPair]
    var binaries = 0, hosts = 0, images = 0

    func row(drawIndex i: Int) -> PlantedRow? { i >= baseCount ? rows[i - baseCount] : nil }

    /// Counts first (the images per host are the first draw of each host's stream), so the quasars
    /// are the first `baseCount` draws of the master stream for any fractions.
    static func make(seed: UInt64, sources n: Int, binaryFraction: Double, lensedFraction: Double,
                     basePositions: (Int) -> [(Double, Double)]) throws -> (plan: PlantedPlan, base: [(Double, Double)]) {
        let nb = Int((binaryFraction * Double(n)).rounded(.down))
        let nh = Int((lensedFraction * Double(n)).rounded(.down))
        let perHost = (0..<nh).map { h -> Int in
            var r = Xoshiro256(seed: seed, stream: lensedStream, index: UInt64(h))
            return 1 + r.below(3)
        }
        let nImages = perHost.reduce(0, +)
        let baseCount = n - 2 * nb - nImages
        guard baseCount >= nh else {
            throw SynthError("--binary-fraction and --lensed-fraction leave \(baseCount) quasars for \(nh) lensed hosts; use more --sources")
        }
        let base = basePositions(baseCount)
        var plan = PlantedPlan(baseCount: baseCount, positions: [], rows: [], pairs: [], binaries: nb, hosts: nh, images: nImages)
        for b in 0..<nb { plan.addBinary(seed: seed, b) }
        for h in 0..<nh {
            let hostIndex = h * baseCount / nh  // spread over the draw order (random on the sky)
            plan.addLensed(seed: seed, h, host: hostIndex, at: base[hostIndex])
        }
        return (plan, base)
    }

    /// One wide binary (see the file comment for the model).
    mutating func addBinary(seed: UInt64, _ b: Int) {
        var r = Xoshiro256(seed: seed, stream: PlantedPlan.binaryStream, index: UInt64(b))
        let p1 = SkyLayout.drawPosition(&r, .galactic(halo: 0.3, scaleDeg: 10))  // disc stars
        let m1 = r.uniform(0.5, 1.2), q = r.uniform(0.6, 1.0), m = m1 * (1 + q)
        // Main sequence L ∝ M^4: ΔG = 10 log10(M1/M2); G kept in the synthetic range (≤ 21).
        let g1 = r.uniform(17, 19), g2 = min(20.8, g1 - 10 * DetMath.log10(q))
        let c1 = r.uniform(0.8, 1.8), c2 = min(2.0, c1 + 0.15 * (g2 - g1))
        let e1 = GaiaSourceGenerator.drawErrors(g: g1, rng: &r), e2 = GaiaSourceGenerator.drawErrors(g: g2, rng: &r)
        // ϖ/σ_ϖ of the noisier star log-uniform in 8–40 (El-Badry's ϖ/σ_ϖ > 5 holds for most), ϖ > 1.2 mas.
        // Star 2 moves m1/M ≥ 1/2 of Δµ; θ_σ (below) puts that under the smallest σ_pm of the pair.
        let sigPM = min(e1.sig[3], e1.sig[4], e2.sig[3], e2.sig[4]), share = m1 / m
        // θ_σ ≤ θ_max / 2 ⇔ 0.44428² (M/5) share² ϖ³ / σ² ≤ 103 ϖ ⇔ ϖ ≤ 51 σ / (√M share): cap ϖ below that.
        let snr = DetMath.exp(r.uniform(DetMath.log(8), DetMath.log(40)))
        let plx = max(1.2, min(snr * max(e1.sig[2], e2.sig[2]), 50 * sigPM / (m.squareRoot() * share)))
        // Circular orbit at r = s: Δµ_circ = 0.44428 √(M/5) ϖ^1.5 θ^−0.5 (El-Badry §2: M = 5 M☉) = k θ^−0.5.
        let k = elBadryOrbitalDeltaMu(parallax: plx, thetaArcsec: 1) * (m / 5).squareRoot()
        let thetaSigma = (k * share / sigPM) * (k * share / sigPM)
        let thetaMax = 206.265 * plx  // 1 pc projected
        let thetaMin = min(max(1.0, thetaSigma), thetaMax / 2)
        let theta = DetMath.exp(r.uniform(DetMath.log(thetaMin), DetMath.log(thetaMax)))
        let pa = r.uniform(0, 2 * Double.pi), phase = r.uniform(0, 2 * Double.pi)
        let p2 = SkyOffset.move(p1, byArcsec: theta, positionAngle: pa)
        // Relative velocity ⊥ separation: on the sky along PA + 90° (east cos PA, north −sin PA),
        // the rest along the line of sight.
        let v = k / theta.squareRoot() * DetMath.cos(phase)
        let rel = SkyOffset.tangentVector(at: p1, east: v * DetMath.cos(pa), north: -v * DetMath.sin(pa))
        let o1 = SkyOffset.components(rel, at: p1), o2 = SkyOffset.components(rel, at: p2)
        let w1 = -(1 - share), w2 = share  // barycentre at rest in the field's frame
        let i1 = baseCount + positions.count
        positions += [p1, p2]
        rows.append(PlantedRow(g: g1, bpRp: c1, errors: e1, parallax: plx, pmOffset: (w1 * o1.0, w1 * o1.1), qso: false))
        rows.append(PlantedRow(g: g2, bpRp: c2, errors: e2, parallax: plx, pmOffset: (w2 * o2.0, w2 * o2.1), qso: false))
        pairs.append(PlantedPair(first: i1, second: i1 + 1, kind: .wideBinary, host: nil, parallax: plx,
                                 dpm: (w1 * o1.0 - w2 * o2.0, w1 * o1.1 - w2 * o2.1)))
    }

    /// 1–3 lensed images around the quasar with draw index `host`.
    mutating func addLensed(seed: UInt64, _ h: Int, host: Int, at p: (Double, Double)) {
        var r = Xoshiro256(seed: seed, stream: PlantedPlan.lensedStream, index: UInt64(h))
        let count = 1 + r.below(3)
        let hostPhot = GaiaSourceGenerator.quasarPhotometry(seed: seed, drawIndex: host)
        var members = [host]
        for _ in 0..<count {
            let sep = r.uniform(0.5, 3.0), pa = r.uniform(0, 2 * Double.pi)
            let g = min(21, hostPhot.g + r.uniform(0, 1.5))
            let c = min(2.0, max(0.0, hostPhot.bpRp + r.normal(0, 0.05)))
            members.append(baseCount + positions.count)
            positions.append(SkyOffset.move(p, byArcsec: sep, positionAngle: pa))
            rows.append(PlantedRow(g: g, bpRp: c, errors: nil, parallax: 0, pmOffset: (0, 0), qso: nil))
        }
        for a in 0..<members.count {
            for b in (a + 1)..<members.count {
                pairs.append(PlantedPair(first: members[a], second: members[b], kind: .lensedImage, host: host,
                                         parallax: 0, dpm: (0, 0)))
            }
        }
    }
}

/// Small-angle geometry on the unit sphere with DetMath (deterministic everywhere).
enum SkyOffset {
    typealias V3 = (Double, Double, Double)

    /// East and north unit vectors at a position.
    static func basis(_ p: (Double, Double)) -> (east: V3, north: V3) {
        let a = p.0 * Double.pi / 180, d = p.1 * Double.pi / 180
        let sa = DetMath.sin(a), ca = DetMath.cos(a), sd = DetMath.sin(d), cd = DetMath.cos(d)
        return ((-sa, ca, 0), (-sd * ca, -sd * sa, cd))
    }

    /// The point θ away along the great circle leaving `p` at position angle `pa` (rad, east of north).
    static func move(_ p: (Double, Double), byArcsec theta: Double, positionAngle pa: Double) -> (Double, Double) {
        let u = Coordinates.unitVector(raDeg: p.0, decDeg: p.1), (e, n) = basis(p)
        let t = theta / 3600 * Double.pi / 180
        let ct = DetMath.cos(t), st = DetMath.sin(t), sp = DetMath.sin(pa), cp = DetMath.cos(pa)
        let v = (ct * u.0 + st * (sp * e.0 + cp * n.0), ct * u.1 + st * (sp * e.1 + cp * n.1), ct * u.2 + st * (sp * e.2 + cp * n.2))
        let a = Coordinates.angles(v)
        return (a.lonDeg, a.latDeg)
    }

    static func tangentVector(at p: (Double, Double), east: Double, north: Double) -> V3 {
        let (e, n) = basis(p)
        return (east * e.0 + north * n.0, east * e.1 + north * n.1, east * e.2 + north * n.2)
    }

    /// (east, north) components of a 3-vector in the tangent plane at `p`.
    static func components(_ v: V3, at p: (Double, Double)) -> (Double, Double) {
        let (e, n) = basis(p)
        return (v.0 * e.0 + v.1 * e.1 + v.2 * e.2, v.0 * n.0 + v.1 * n.1 + v.2 * n.2)
    }

    /// Angular separation in arcsec, atan2(|u × v|, u · v): accurate at all separations.
    static func separationArcsec(_ p: (Double, Double), _ q: (Double, Double)) -> Double {
        let u = Coordinates.unitVector(raDeg: p.0, decDeg: p.1), v = Coordinates.unitVector(raDeg: q.0, decDeg: q.1)
        let c = (u.1 * v.2 - u.2 * v.1, u.2 * v.0 - u.0 * v.2, u.0 * v.1 - u.1 * v.0)
        let s = (c.0 * c.0 + c.1 * c.1 + c.2 * c.2).squareRoot(), d = u.0 * v.0 + u.1 * v.1 + u.2 * v.2
        return DetMath.atan2(s, d) * 180 / Double.pi * 3600
    }
}
