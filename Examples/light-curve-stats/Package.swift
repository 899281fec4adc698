// swift-tools-version:6.1
// A user's own GaiaMine job, in its own package: per-source robust statistics of the G-band light
// curves of a repacked epoch_photometry file. It depends on GaiaMine by path (a cluster user would
// name GaiaMine's repository and a version instead) and uses only the GaiaMineKit library.
//   swift build -c release
//   mpirun -np 2 .build/release/light-curve-stats light-curve-stats ../../demo/epoch.h5 --out stats
//   mpirun -np 2 .build/release/light-curve-stats run Inputs/light_curve_stats.yaml
import PackageDescription

let package = Package(
    name: "LightCurveStats",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "GaiaMine", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "light-curve-stats",
                          dependencies: [.product(name: "GaiaMineKit", package: "GaiaMine")],
                          path: "Sources/LightCurveStats"),
    ],
    swiftLanguageModes: [.v5]
)
