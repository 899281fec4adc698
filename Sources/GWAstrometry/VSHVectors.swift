// Rotation and glide vectors from the degree-1 coefficients, their Galactic components, and
// amplitude and direction with errors (linear propagation of the coefficient covariance).
//
// MK12 Eqs. 72–76 (see Sources/Synth/VSH.swift): a rigid rotation V = ω × u has
//   t_10 = √(8π/3) ω_z,  t^R_11 = −√(4π/3) ω_x,  t^I_11 = +√(4π/3) ω_y,
// and a glide V = g − (g·u) u the same relations between s_1m and g, so
//   ω = (−t^R_11/√(4π/3), t^I_11/√(4π/3), t_10/√(8π/3)),   g likewise from s_1m.
// Galactic components: v_G = A_G′ v, with A_G′ the ICRS → Galactic rotation matrix of the
// Hipparcos catalogue (ESA 1997, Vol. 1, Sect. 1.5.3, Eq. 1.5.11; also Gaia DR3 documentation
// Sect. 4.1.7), Cov(v_G) = A_G′ Cov(v) A_G′ᵀ.

import Foundation

public struct Vector3Estimate: Sendable {
    /// (x, y, z) in the coefficients' unit.
    public var value: [Double]
    /// 3 × 3 covariance, row-major.
    public var covariance: [Double]

    public init(value: [Double], covariance: [Double]) {
        self.value = value
        self.covariance = covariance
    }

    public func error(_ i: Int) -> Double { covariance[4 * i].squareRoot() }

    /// |v| and its error (linearised: σ² = ûᵀ C û).
    public var amplitude: (value: Double, error: Double) {
        let a = (value[0] * value[0] + value[1] * value[1] + value[2] * value[2]).squareRoot()
        guard a > 0 else { return (0, (covariance[0] + covariance[4] + covariance[8]).squareRoot() / 3.0.squareRoot()) }
        let u = value.map { $0 / a }
        return (a, Self.quadratic(u, covariance).squareRoot())
    }

    /// Direction as longitude and latitude in degrees (α, δ for equatorial components; l, b for
    /// Galactic) with the errors of (lon cos lat, lat) in degrees: the covariance projected on
    /// the local east and north unit vectors, divided by |v| (radians → degrees).
    public var direction: (lon: Double, lat: Double, lonCosLatError: Double, latError: Double) {
        let a = amplitude.value
        guard a > 0 else { return (.nan, .nan, .nan, .nan) }
        var lon = atan2(value[1], value[0])
        if lon < 0 { lon += 2 * .pi }
        let lat = asin(max(-1, min(1, value[2] / a)))
        let east = [-sin(lon), cos(lon), 0.0]
        let north = [-sin(lat) * cos(lon), -sin(lat) * sin(lon), cos(lat)]
        let deg = 180 / Double.pi
        return (lon * deg, lat * deg, Self.quadratic(east, covariance).squareRoot() / a * deg,
                Self.quadratic(north, covariance).squareRoot() / a * deg)
    }

    /// The vector in Galactic axes (A_G′ v), with its covariance.
    public var galactic: Vector3Estimate { rotated(by: Galactic.matrix) }

    /// R v and R C Rᵀ for a 3 × 3 row-major R.
    public func rotated(by r: [Double]) -> Vector3Estimate {
        var v = [0.0, 0, 0], c = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { v[i] += r[3 * i + j] * value[j] } }
        for i in 0..<3 {
            for j in 0..<3 {
                var s = 0.0
                for p in 0..<3 { for q in 0..<3 { s += r[3 * i + p] * covariance[3 * p + q] * r[3 * j + q] } }
                c[3 * i + j] = s
            }
        }
        return Vector3Estimate(value: v, covariance: c)
    }

    static func quadratic(_ u: [Double], _ c: [Double]) -> Double {
        var s = 0.0
        for i in 0..<3 { for j in 0..<3 { s += u[i] * c[3 * i + j] * u[j] } }
        return s
    }
}

public enum Galactic {
    /// A_G′: rows are the Galactic x (towards the centre), y (rotation) and z (north Galactic
    /// pole) axes in ICRS components (Hipparcos Vol. 1, Eq. 1.5.11).
    public static let matrix: [Double] = [
        -0.0548755604162154, -0.8734370902348850, -0.4838350155487132,
        +0.4941094278755837, -0.4448296299600112, +0.7469822444972189,
        -0.8676661490190047, -0.1980763734312015, +0.4559837761750669,
    ]
}

extension VSHSolution {
    /// The rotation ω (toroidal, t_1m) or glide g (spheroidal, s_1m) vector, equatorial axes.
    public func degree1Vector(_ kind: VSHKind) -> Vector3Estimate {
        let idx = [layout.index(kind, l: 1, m: 1, part: .real), layout.index(kind, l: 1, m: 1, part: .imaginary),
                   layout.index(kind, l: 1, m: 0)]
        let c1 = 1 / (4 * Double.pi / 3).squareRoot(), c0 = 1 / (8 * Double.pi / 3).squareRoot()
        // v = J (t^R_11, t^I_11, t_10)
        let j: [Double] = [-c1, 0, 0,
                           0, c1, 0,
                           0, 0, c0]
        let x = idx.map { coefficients[$0] }
        let cx = covariance(of: idx)
        return Vector3Estimate(value: x, covariance: cx).rotated(by: j)
    }

    /// ω: rotation vector.
    public var rotation: Vector3Estimate { degree1Vector(.toroidal) }
    /// g: glide vector.
    public var glide: Vector3Estimate { degree1Vector(.spheroidal) }
}
