// swift-tools-version:6.0
// UnCLIP: DALL·E 2 (unCLIP) as a kit of small Swift programs joined by a safetensors frame stream.
// No package dependencies: the Swift toolchain alone builds everything here.
import PackageDescription

/// The same code-generation flags go on every target, tests included: inlined and specialized code is compiled
/// with the flags of the target it lands in, and without a target CPU the SIMD kernels fall back to scalar libm
/// calls (230x slower, see GUIDE section 3). On Linux, `exp` loops vectorize through glibc's libmvec.
let vectorFlags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native"]),
    .unsafeFlags(["-Xllvm", "-vector-library=LIBMVEC", "-Xcc", "-fno-math-errno"], .when(platforms: [.linux])),
]
/// Numeric code is optimized even in debug builds so that `swift test` runs models at usable speed.
/// Only code whose inputs are validated before it runs (kernels, renderers) gets these.
let kernelFlags: [SwiftSetting] = vectorFlags + [.unsafeFlags(["-Ounchecked"])]
let mathLibraries: [LinkerSetting] = [
    .linkedLibrary("m"),
    .linkedLibrary("mvec", .when(platforms: [.linux])),
]

let package = Package(
    name: "UnCLIP",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "unclip-tensors", targets: ["unclip-tensors"]),
        .executable(name: "unclip-png", targets: ["unclip-png"]),
        .executable(name: "unclip-shapes", targets: ["unclip-shapes"]),
        .executable(name: "unclip-bench", targets: ["unclip-bench"]),
        .executable(name: "unclip-text", targets: ["unclip-text"]),
        .executable(name: "unclip-image", targets: ["unclip-image"]),
        .executable(name: "unclip-prior", targets: ["unclip-prior"]),
        .executable(name: "unclip-mix", targets: ["unclip-mix"]),
        .executable(name: "unclip-prior-ar", targets: ["unclip-prior-ar"]),
        .executable(name: "unclip-rank", targets: ["unclip-rank"]),
        .executable(name: "unclip-classify", targets: ["unclip-classify"]),
        .executable(name: "unclip-check", targets: ["unclip-check"]),
        .executable(name: "unclip-probe", targets: ["unclip-probe"]),
        .executable(name: "unclip-decode", targets: ["unclip-decode"]),
        .executable(name: "unclip-upsample", targets: ["unclip-upsample"]),
        .executable(name: "unclip-inpaint", targets: ["unclip-inpaint"]),
        .executable(name: "unclip-invert", targets: ["unclip-invert"]),
        .executable(name: "unclip-train", targets: ["unclip-train"]),
        .executable(name: "unclip-cache", targets: ["unclip-cache"]),
    ],
    targets: [
        // Libraries
        .target(name: "TensorStream", swiftSettings: vectorFlags),
        .target(name: "StageKit", dependencies: ["TensorStream"], swiftSettings: vectorFlags),
        .target(name: "StageCache", dependencies: ["StageKit"], swiftSettings: vectorFlags),
        .target(name: "Imaging", swiftSettings: kernelFlags, linkerSettings: mathLibraries),
        .target(
            name: "TensorCore", dependencies: ["TensorStream"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .target(
            name: "NN", dependencies: ["TensorCore", "TensorStream"], exclude: ["README.md"],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .target(
            name: "CLIP", dependencies: ["NN", "TensorCore", "TensorStream", "Imaging"], exclude: ["Model/README.md"],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .target(
            name: "Diffusion", dependencies: ["TensorCore"], swiftSettings: kernelFlags, linkerSettings: mathLibraries),
        .target(
            name: "Prior", dependencies: ["NN", "Diffusion", "TensorCore", "TensorStream"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .target(
            name: "UNet", dependencies: ["NN", "Diffusion", "Prior", "TensorCore", "TensorStream", "Imaging"],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .target(name: "Shapes", dependencies: ["Imaging"], swiftSettings: kernelFlags, linkerSettings: mathLibraries),
        .target(
            name: "Training",
            dependencies: [
                "NN", "CLIP", "Shapes", "TensorCore", "Prior", "TensorStream", "UNet", "Diffusion", "Imaging",
            ],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),

        // Stage executables: a few dozen lines each over library code.
        .executableTarget(
            name: "unclip-cache", dependencies: ["StageKit", "StageCache"], swiftSettings: vectorFlags),
        .executableTarget(
            name: "unclip-tensors", dependencies: ["StageKit", "TensorStream"], swiftSettings: vectorFlags),
        .executableTarget(
            name: "unclip-png", dependencies: ["StageKit", "TensorStream", "Imaging"], swiftSettings: vectorFlags),
        .executableTarget(
            name: "unclip-shapes", dependencies: ["StageKit", "TensorStream", "Imaging", "Shapes"],
            swiftSettings: vectorFlags),
        .executableTarget(
            name: "unclip-prior", dependencies: ["StageKit", "TensorStream", "TensorCore", "Prior"],
            swiftSettings: vectorFlags, linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-prior-ar", dependencies: ["StageKit", "TensorStream", "TensorCore", "Prior"],
            swiftSettings: vectorFlags, linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-decode", dependencies: ["StageKit", "TensorStream", "TensorCore", "UNet"],
            swiftSettings: vectorFlags, linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-upsample", dependencies: ["StageKit", "TensorStream", "TensorCore", "UNet"],
            swiftSettings: vectorFlags, linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-inpaint", dependencies: ["StageKit", "TensorStream", "TensorCore", "UNet", "Imaging"],
            swiftSettings: vectorFlags, linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-invert", dependencies: ["StageKit", "TensorStream", "TensorCore", "UNet"],
            swiftSettings: vectorFlags, linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-bench",
            dependencies: ["StageKit", "TensorStream", "TensorCore", "NN", "CLIP", "Prior", "UNet", "Shapes"],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),

        .executableTarget(
            name: "unclip-text", dependencies: ["StageKit", "TensorStream", "CLIP"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-image", dependencies: ["StageKit", "TensorStream", "CLIP"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-rank", dependencies: ["StageKit", "TensorStream", "CLIP"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-classify", dependencies: ["StageKit", "TensorStream", "CLIP"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-check", dependencies: ["StageKit", "TensorStream", "Imaging", "Shapes"],
            swiftSettings: kernelFlags),
        .executableTarget(
            name: "unclip-probe", dependencies: ["StageKit", "TensorStream", "CLIP"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),

        .executableTarget(
            name: "unclip-mix", dependencies: ["StageKit", "TensorStream", "TensorCore"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .executableTarget(
            name: "unclip-train", dependencies: ["StageKit", "Training", "UNet", "Diffusion"],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),

        // Tests
        .testTarget(name: "TensorStreamTests", dependencies: ["TensorStream"], swiftSettings: vectorFlags),
        .testTarget(name: "StageKitTests", dependencies: ["StageKit", "TensorStream"], swiftSettings: vectorFlags),
        .testTarget(name: "StageCacheTests", dependencies: ["StageCache", "StageKit"], swiftSettings: vectorFlags),
        .testTarget(
            name: "ImagingTests", dependencies: ["Imaging"], swiftSettings: kernelFlags, linkerSettings: mathLibraries),
        .testTarget(
            name: "TensorCoreTests", dependencies: ["TensorCore"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "NNTests", dependencies: ["NN"], swiftSettings: kernelFlags, linkerSettings: mathLibraries),
        .testTarget(
            name: "PriorTests", dependencies: ["Prior", "NN", "Diffusion", "TensorCore", "TensorStream"],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "UNetTests", dependencies: ["UNet", "Diffusion"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "DiffusionTests", dependencies: ["Diffusion"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "CLIPTests", dependencies: ["CLIP", "NN", "Imaging"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "ShapesTests", dependencies: ["Shapes", "Imaging"], swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "CLIP", "NN", "Shapes", "TensorStream", "Prior", "UNet", "Imaging", "Diffusion",
            ],
            swiftSettings: kernelFlags,
            linkerSettings: mathLibraries),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TensorStream", "Imaging", "CLIP", "NN", "unclip-tensors", "unclip-png", "unclip-shapes", "unclip-text",
                "unclip-image", "unclip-prior", "unclip-rank", "unclip-classify", "unclip-probe", "unclip-prior-ar",
                "unclip-decode", "unclip-upsample", "unclip-inpaint", "unclip-invert", "unclip-mix", "unclip-check",
                "unclip-cache", "unclip-train",
                "Prior",
                "TensorCore",
            ],
            swiftSettings: vectorFlags),
    ],
    swiftLanguageModes: [.v5]
)
