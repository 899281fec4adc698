// Geometry of a continuous plane gravitational wave seen by an astrometric survey: polarisation
// tensors, the apparent deflection of a star, its along-scan projection.
//
// Conventions (Docs/gw-planewave.md):
//  * q̂ is the direction *to the GW source* on the sky (ICRS (α_q, δ_q)); the wave propagates along
//    p̂ = −q̂.
//  * Polarisation basis — the pulsar-timing convention (e.g. Sesana & Vecchio 2010, PRD 81, 104008):
//        m̂ = (sin α_q, −cos α_q, 0) = −ê_α(q̂),   l̂ = (−sin δ_q cos α_q, −sin δ_q sin α_q, cos δ_q) = ê_δ(q̂),
//        e⁺ = m̂⊗m̂ − l̂⊗l̂,   e× = m̂⊗l̂ + l̂⊗m̂,
//    so e⁺ and e× are symmetric, traceless, transverse (e·q̂ = 0), with e⁺:e⁺ = e×:e× = 2, e⁺:e× = 0.
//    Any polarisation (angle ψ_pol, ellipticity) is a combination of the two with complex
//    amplitudes, which the F-statistic's four linear amplitudes span.
//  * h_ij(t) = h₊(t) e⁺_ij + h×(t) e×_ij at the observer.
//  * The apparent deflection of a star in direction n̂ in the distant-source limit (the "star
//    term" dropped), Book & Flanagan 2011, PRD 83, 024024, Eq. (5), written with p̂ = −q̂
//    (equivalently Pyne et al. 1996, ApJ 465, 566; Moore et al. 2017, PRL 119, 261102, Eq. 1;
//    Klioner 2018, CQG 35, 045005):
//        δn^i = (n^i − q^i) / (2 (1 − q̂·n̂)) · h_jk n^j n^k − ½ h_ij n^j.
//    δn ⊥ n̂; it vanishes for n̂ = ±q̂ (limit: the first term → 0 as |n̂ − q̂|).
//  * Along-scan: ŵ(ψ) = sin ψ ê_α + cos ψ ê_δ at the star, ψ the scan position angle from north
//    through east (Gaia DR4 `scan_pos_angle`); the AL abscissa changes by ŵ·δn.
//  * Amplitude unit: the search's linear amplitudes are deflection amplitudes in mas,
//    α = h · (mas per radian); templates are O(1) and sums O(Σ 1/σ²) with σ in mas.

import Foundation

@inline(__always) fileprivate func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

/// A direction on the sky with its local east (ê_α) and north (ê_δ) unit vectors.
public struct StarFrame: Sendable, Equatable {
    public let raDeg: Double
    public let decDeg: Double
    public let n: SIMD3<Double>
    public let east: SIMD3<Double>
    public let north: SIMD3<Double>

    public init(raDeg: Double, decDeg: Double) {
        self.raDeg = raDeg
        self.decDeg = decDeg
        let a = raDeg * .pi / 180, d = decDeg * .pi / 180
        let ca = cos(a), sa = sin(a), cd = cos(d), sd = sin(d)
        n = SIMD3<Double>(cd * ca, cd * sa, sd)
        east = SIMD3<Double>(-sa, ca, 0)
        north = SIMD3<Double>(-sd * ca, -sd * sa, cd)
    }

    /// ŵ(ψ) = sin ψ ê_α + cos ψ ê_δ, ψ in radians from north through east.
    @inline(__always)
    public func alongScan(psi: Double) -> SIMD3<Double> { sin(psi) * east + cos(psi) * north }
}

/// A symmetric 3×3 tensor (row-major storage of all nine elements).
public struct StrainTensor: Sendable, Equatable {
    public var e: [Double]

    public init(_ e: [Double]) {
        precondition(e.count == 9)
        self.e = e
    }

    /// a⊗b + b⊗a scaled by `s` (s = ½ for a⊗a).
    static func symmetricProduct(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> StrainTensor {
        var e = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { e[i * 3 + j] = a[i] * b[j] + b[i] * a[j] } }
        return StrainTensor(e)
    }

    public static func + (a: StrainTensor, b: StrainTensor) -> StrainTensor { StrainTensor(zip(a.e, b.e).map { $0 + $1 }) }
    public static func - (a: StrainTensor, b: StrainTensor) -> StrainTensor { StrainTensor(zip(a.e, b.e).map { $0 - $1 }) }
    public static func * (s: Double, a: StrainTensor) -> StrainTensor { StrainTensor(a.e.map { s * $0 }) }

    /// h·v.
    public func apply(_ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3<Double>(e[0] * v.x + e[1] * v.y + e[2] * v.z, e[3] * v.x + e[4] * v.y + e[5] * v.z, e[6] * v.x + e[7] * v.y + e[8] * v.z)
    }

    /// vᵀ h v.
    public func quadratic(_ v: SIMD3<Double>) -> Double { dot(v, apply(v)) }

    /// Σ_ij a_ij b_ij.
    public func contract(_ b: StrainTensor) -> Double { zip(e, b.e).reduce(0) { $0 + $1.0 * $1.1 } }

    public var trace: Double { e[0] + e[4] + e[8] }
}

/// A plane wave's direction and polarisation tensors.
public struct PlaneWaveBasis: Sendable, Equatable {
    /// Direction to the GW source.
    public let source: StarFrame
    public let m: SIMD3<Double>
    public let l: SIMD3<Double>
    public let plus: StrainTensor
    public let cross: StrainTensor

    public init(raDeg: Double, decDeg: Double) {
        source = StarFrame(raDeg: raDeg, decDeg: decDeg)
        m = -source.east
        l = source.north
        plus = 0.5 * StrainTensor.symmetricProduct(m, m) - 0.5 * StrainTensor.symmetricProduct(l, l)
        cross = StrainTensor.symmetricProduct(m, l)
    }

    public var q: SIMD3<Double> { source.n }
}

public enum PlaneWave {
    public static let masPerRadian = 180 / Double.pi * 3_600_000
    /// nHz → cycles per Julian year.
    public static let perYearPerNHz = 1e-9 * 86400 * 365.25

    /// Apparent deflection δn (radians per unit strain) of a star at n̂ for the strain tensor h of
    /// a wave from q̂ (Book & Flanagan 2011, Eq. 5, distant-source limit; see the file header).
    public static func deflection(star n: SIMD3<Double>, source q: SIMD3<Double>, strain h: StrainTensor) -> SIMD3<Double> {
        let oneMinus = 1 - dot(q, n)
        // At n̂ = q̂ both terms vanish (h·q̂ = 0); below 1e-15 the first one is 0/0 in floating point.
        guard oneMinus > 1e-15 else { return SIMD3<Double>(0, 0, 0) }
        return (h.quadratic(n) / (2 * oneMinus)) * (n - q) - 0.5 * h.apply(n)
    }

    /// East and north components of the deflection at `star` for unit h₊ and unit h× of the wave
    /// `basis`: (d₊ᴱ, d₊ᴺ, d×ᴱ, d×ᴺ), radians per unit strain (= mas per mas of amplitude).
    public static func response(star: StarFrame, basis: PlaneWaveBasis) -> (plusE: Double, plusN: Double, crossE: Double, crossN: Double) {
        let dp = deflection(star: star.n, source: basis.q, strain: basis.plus)
        let dx = deflection(star: star.n, source: basis.q, strain: basis.cross)
        return (dot(dp, star.east), dot(dp, star.north), dot(dx, star.east), dot(dx, star.north))
    }

    /// Along-scan displacement (same unit as the strain amplitudes) of `star` on a transit with
    /// scan angle ψ (radians) at time τ (Julian years from J2017.5) for h_A(τ) = a_Ac cos ωτ + a_As sin ωτ,
    /// amplitudes = (a₊c, a₊s, a×c, a×s), ω = 2π f (f in cycles per year).
    public static func alongScanSignal(star: StarFrame, basis: PlaneWaveBasis, psi: Double, tau: Double,
                                       omega: Double, amplitudes a: [Double]) -> Double {
        let c = cos(omega * tau), s = sin(omega * tau)
        let h = (a[0] * c + a[1] * s) * basis.plus + (a[2] * c + a[3] * s) * basis.cross
        return dot(star.alongScan(psi: psi), deflection(star: star.n, source: basis.q, strain: h))
    }
}
