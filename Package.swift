// swift-tools-version:6.1
// GaiaMine: MPI-parallel mining of Gaia data releases.
// Layers (data flows top to bottom):
//   C system libraries (CMPI, CHDF5, CZlib, CFFTW) + CShims (macros as static inline functions)
//   MPI, HDF5        typed Swift wrappers, no Gaia words
//   GaiaFormat       Gaia eCSV: header, schema, streaming reader, writer
//   Numerics         pure shared numerics: Cholesky, χ² tails, HEALPix, deterministic math, exact sums
//   GaiaIO           the shared partition/read/write/reduce layer the kernels use
//   GaiaJob          the job framework: Job protocol, option declarations, JobRunner, registry
//   Expressions      the expression language (`--where`, `define:`): parse, type-check, vectorised evaluation (pure)
//   Plot             a small SVG writer (panels, sky maps)
//   XPSearch, Periodogram, GWAstrometry, Aggregates, Pairs   kernels: pure science (no MPI, no HDF5)
//   XPSearchJob, PeriodogramJob, GWJob, TableJobs        jobs: drivers + one `Job` per science case
//   Synth            deterministic DR3-format generators with truth
//   GaiaMineKit      the library product: framework + GaiaIO + numerics, for users' own jobs
//   gaiamine         the command-line interface (registry of the built-in jobs + synth/repack/inspect)
import PackageDescription

// Hot kernels drop bounds/overflow checks in release builds only: debug builds (`swift build`,
// `swift test`, `make sanitize`) keep every check.
let hot: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "GaiaMine",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gaiamine", targets: ["gaiamine"]),
        // Users' own packages depend on this (Examples/light-curve-stats, Docs/adding-a-job.md).
        .library(name: "GaiaMineKit", targets: ["GaiaMineKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // --- C layer -------------------------------------------------------------------------
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "mpi",
                       providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5-openmpi",
                       providers: [.apt(["libhdf5-openmpi-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CFITSIO", path: "Sources/CFITSIO", pkgConfig: "cfitsio",
                       providers: [.apt(["libcfitsio-dev"])]),
        .target(name: "CShims", dependencies: ["CMPI", "CHDF5"], path: "Sources/CShims"),
        .target(name: "CFastFloat", path: "Sources/CFastFloat",
                cxxSettings: [.unsafeFlags(["-std=c++17", "-O3"])]),
        // --- typed wrappers ------------------------------------------------------------------
        .target(name: "MPI", dependencies: ["CMPI", "CShims"], path: "Sources/MPI"),
        .target(name: "HDF5", dependencies: ["CHDF5", "CShims", "MPI"], path: "Sources/HDF5"),
        .target(name: "FITS", dependencies: ["CFITSIO"], path: "Sources/FITS"),
        // --- Gaia data ----------------------------------------------------------------------
        .target(name: "GaiaFormat", dependencies: ["CZlib", "CFastFloat", "Yams", "Expressions", "FITS"],
                path: "Sources/GaiaFormat", swiftSettings: hot),
        // The expression language of `--where`, `define:`, `--by`, `--values` (Docs/expressions.md):
        // pure, evaluated over column batches that GaiaIO reads.
        .target(name: "Expressions", path: "Sources/Expressions", swiftSettings: hot),
        .target(name: "GaiaIO", dependencies: ["MPI", "HDF5", "GaiaFormat", "CShims", "Numerics", "Expressions", "Aggregates", "Yams"],
                path: "Sources/GaiaIO"),
        // The job framework: a science case implements `Job`; `JobRunner` does the rest.
        .target(name: "GaiaJob", dependencies: ["GaiaIO", "Expressions", "MPI"], path: "Sources/GaiaJob"),
        // Epoch-photometry light curves of a repacked table: columns, collective block reads,
        // the cleaning every light-curve job shares (periodogram, users' jobs).
        .target(name: "LightCurves", dependencies: ["GaiaIO"], path: "Sources/LightCurves"),
        .target(name: "Synth", dependencies: ["GaiaFormat", "Numerics", "Astrometry"], path: "Sources/Synth", swiftSettings: hot),
        // --- pure numerics shared by kernels, Synth and jobs (Cholesky, χ² tails, HEALPix, DetMath,
        //     exact sums and the ExactReduction protocol that GaiaIO's MPIReduction implements)
        .target(name: "Numerics", path: "Sources/Numerics", swiftSettings: hot),
        // --- plots and kernels ------------------------------------------------------------------
        .target(name: "Plot", path: "Sources/Plot"),
        // XP similarity search: pure science and arithmetic (no MPI, no HDF5); its parallel
        // driver lives in XPSearchJob and talks to data only through GaiaIO.
        .target(name: "XPSearch", dependencies: ["Numerics"], path: "Sources/XPSearch", swiftSettings: hot),
        .target(name: "XPSearchJob", dependencies: ["GaiaJob", "XPSearch", "GaiaIO", "GaiaFormat", "Plot", "MPI"],
                path: "Sources/XPSearchJob"),
        // Periodograms of epoch photometry: generalised Lomb–Scargle, reference + direct SIMD +
        // NUFFT/FFTW engines behind one dispatcher (no MPI, no HDF5); driver in PeriodogramJob.
        .target(name: "Periodogram", dependencies: ["CFFTW", "Numerics"], path: "Sources/Periodogram", swiftSettings: hot),
        .target(name: "PeriodogramJob", dependencies: ["GaiaJob", "LightCurves", "Periodogram", "GaiaIO", "GaiaFormat", "Plot", "MPI"],
                path: "Sources/PeriodogramJob"),
        // Astrometric gravitational-wave kernels: VSH fit, all-pairs Hellings–Downs correlation,
        // plane-wave F-statistic (pure); their parallel drivers in GWJob.
        .target(name: "GWAstrometry", dependencies: ["Numerics"], path: "Sources/GWAstrometry", swiftSettings: hot),
        // Per-source astrometric solutions from epoch astrometry (ESA gaiasupdate's source update:
        // 5p and 6p constrained colour, AGIS weighting and excess noise) — pure; driver in AstrometryJob.
        .target(name: "Astrometry", dependencies: ["Numerics"], path: "Sources/Astrometry", swiftSettings: hot),
        .target(name: "AstrometryJob", dependencies: ["GaiaJob", "Astrometry", "GaiaIO", "GaiaFormat", "Numerics", "Plot", "MPI"],
                path: "Sources/AstrometryJob"),
        .target(name: "GWJob", dependencies: ["GaiaJob", "GWAstrometry", "Astrometry", "GaiaIO", "GaiaFormat", "Numerics", "Plot", "MPI"],
                path: "Sources/GWJob"),
        // Exact grouped statistics (count, moments, median, MAD, percentiles) of one group's values,
        // and the distributed order statistics for groups spread over ranks (pure).
        .target(name: "Aggregates", dependencies: ["Numerics", "Expressions"], path: "Sources/Aggregates", swiftSettings: hot),
        // Pair searches and cross-matches: sky index, separations, the find-once attribution rule,
        // halo routing (pure); drivers `pairs` and `crossmatch` in TableJobs.
        .target(name: "Pairs", dependencies: ["Numerics"], path: "Sources/Pairs", swiftSettings: hot),
        // Table jobs over any repacked table: `select` (rows by expression, derived columns) and
        // `aggregate` (exact robust statistics per group / HEALPix pixel, healpy maps).
        .target(name: "TableJobs", dependencies: ["GaiaJob", "Aggregates", "Pairs", "Expressions", "GaiaIO", "GaiaFormat", "Numerics", "Plot", "MPI", "HDF5"],
                path: "Sources/TableJobs"),
        // --- the library users build on, and the program ----------------------------------------
        .target(name: "GaiaMineKit", dependencies: ["GaiaJob", "GaiaIO", "LightCurves", "GaiaFormat", "MPI", "HDF5", "Numerics", "Plot",
                                                      "Expressions", "Aggregates"],
                path: "Sources/GaiaMineKit"),
        // --- the program ----------------------------------------------------------------------
        .executableTarget(name: "gaiamine",
                          dependencies: ["GaiaJob", "GaiaIO", "GaiaFormat", "Synth", "MPI", "HDF5", "XPSearchJob",
                                         "PeriodogramJob", "GWJob", "TableJobs", "AstrometryJob", "CShims", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/gaiamine"),
        // --- tests ---------------------------------------------------------------------------
        .testTarget(name: "GaiaFormatTests", dependencies: ["GaiaFormat", "FITS"], path: "Tests/GaiaFormatTests"),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "GaiaFormat", "Numerics"], path: "Tests/SynthTests"),
        .testTarget(name: "GaiaIOTests", dependencies: ["GaiaIO", "GaiaFormat", "MPI", "HDF5", "Numerics", "Aggregates"],
                    path: "Tests/GaiaIOTests"),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions"], path: "Tests/ExpressionsTests"),
        .testTarget(name: "AggregatesTests", dependencies: ["Aggregates", "Numerics"], path: "Tests/AggregatesTests"),
        .testTarget(name: "AstrometryTests", dependencies: ["Astrometry", "Numerics"], path: "Tests/AstrometryTests"),
        .testTarget(name: "PairsTests", dependencies: ["Pairs", "Numerics"], path: "Tests/PairsTests"),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"], path: "Tests/NumericsTests"),
        .testTarget(name: "GaiaJobTests", dependencies: ["GaiaJob", "GaiaIO", "MPI"], path: "Tests/GaiaJobTests"),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], path: "Tests/PlotTests"),
        .testTarget(name: "PeriodogramTests", dependencies: ["Periodogram", "GaiaFormat"], path: "Tests/PeriodogramTests"),
        .testTarget(name: "GWAstrometryTests", dependencies: ["GWAstrometry", "Numerics"], path: "Tests/GWAstrometryTests"),
        .testTarget(name: "XPSearchTests", dependencies: ["XPSearch", "GaiaFormat", "Numerics"], path: "Tests/XPSearchTests"),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
