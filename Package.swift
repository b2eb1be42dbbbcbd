// swift-tools-version:6.0
// assist: an offline captioning and speech assistant for blind and low-vision people.
// No Swift package dependencies: only the toolchain and Debian's system C libraries.
import Foundation
import PackageDescription

// The numeric modules are optimized in debug builds too: the parity tests run thousands of
// generations, and unoptimized Swift loops make them minutes slower without testing anything more.
let optimize: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
// Vision parses untrusted checkpoints and photos, so its release build keeps Swift's bounds and
// overflow checks (-O, not -Ounchecked): with -Ounchecked a wrapped size product or an
// out-of-range index in a parser is silent memory corruption instead of a clean trap. The cost
// on the full-size caption is measured in docs/reliability.md ("Release checks").
let optimizeChecked: [SwiftSetting] = [.unsafeFlags(["-O"])]

// ASSIST_TARGET_CPU (for example x86-64-v3) lets the Vision kernels use that CPU's vector
// instructions (AVX2 and FMA: the int8 widening and the beams' multiply-adds are several times
// faster than on the SSE2 baseline). scripts/run and scripts/bench set it from /proc/cpuinfo on
// the machine that builds and runs the binary. Unset, the build runs on any x86_64 or arm64 CPU.
// The x86-64 levels are named by the oldest CPU that has them (swiftc's clang importer does not
// know the level names); both have FMA, which ASSIST_FMA lets the kernels use.
let cpuForLevel = ["x86-64-v3": "haswell", "x86-64-v4": "skylake-avx512"]
let visionSettings = optimizeChecked + (ProcessInfo.processInfo.environment["ASSIST_TARGET_CPU"].map { level in
    [.unsafeFlags(["-target-cpu", cpuForLevel[level] ?? level])] + (cpuForLevel[level] != nil ? [.define("ASSIST_FMA")] : [])
} ?? [])

let package = Package(
    name: "assist",
    products: [
        .executable(name: "assistd", targets: ["AssistDaemon"]),
        .executable(name: "assist", targets: ["assist"]),
        .library(name: "Vision", targets: ["Vision"]),
        // For the libFuzzer harnesses in Fuzz/ (a separate package built by scripts/fuzz).
        .library(name: "IPC", targets: ["IPC"]),
    ],
    targets: [
        // System libraries, each behind a module map (see Sources/C*/module.modulemap).
        .systemLibrary(name: "CEspeak", pkgConfig: "espeak-ng",
                       providers: [.apt(["libespeak-ng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CSpng", pkgConfig: "spng",
                       providers: [.apt(["libspng-dev"])]),
        .systemLibrary(name: "COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa",
                       providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CTesseract", pkgConfig: "tesseract",
                       providers: [.apt(["libtesseract-dev", "tesseract-ocr-eng"])]),

        // Pixels to caption. Knows nothing of sockets, speech or logging.
        .target(name: "Vision", dependencies: ["CTurboJPEG", "CSpng", "COpenBLAS"],
                swiftSettings: visionSettings),
        // Messages and framing shared by daemon and client. Knows nothing of models.
        .target(name: "IPC"),
        // Text to audio through libespeak-ng: device, WAV files, or nothing.
        .target(name: "Speech", dependencies: ["CEspeak", "CAlsa"]),
        // Plain pixels to what a blind user needs first: the text in the photo (libtesseract),
        // the photo's quality, and one spoken description. Knows nothing of models or speech.
        .target(name: "PhotoAnalysis", dependencies: ["CTesseract"], swiftSettings: optimize),
        // Installs checkpoints from the Hugging Face hub into the models directory. Foundation only.
        .target(name: "ModelStore"),

        .executableTarget(name: "AssistDaemon", dependencies: ["Vision", "IPC", "Speech", "PhotoAnalysis", "ModelStore"]),
        .executableTarget(name: "assist", dependencies: ["IPC", "ModelStore"]),

        // A loopback HTTP server in the Hugging Face hub's URL layout, shared by the install tests.
        .target(name: "HubTestSupport", path: "Tests/HubTestSupport"),

        .testTarget(name: "VisionTests", dependencies: ["Vision"]),
        .testTarget(name: "IPCTests", dependencies: ["IPC"]),
        .testTarget(name: "SpeechTests", dependencies: ["Speech"]),
        .testTarget(name: "PhotoAnalysisTests", dependencies: ["PhotoAnalysis", "Vision"]),
        .testTarget(name: "ModelStoreTests", dependencies: ["ModelStore", "HubTestSupport"], exclude: ["Fixtures"]),
        // Drives the built assistd and assist binaries end to end.
        .testTarget(name: "DaemonTests", dependencies: ["AssistDaemon", "assist", "HubTestSupport"]),
    ]
)
