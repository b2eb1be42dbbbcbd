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
        .executable(name: "assistd", targets: ["assistd"]),
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
        // Linux evdev ioctls, pidfd_open, renameat2 and posix_spawn's closefrom, which Swift
        // cannot call directly (function-like macros, raw syscalls). Headers only; nothing to link.
        .systemLibrary(name: "CLinuxInput"),
        .systemLibrary(name: "CZbar", pkgConfig: "zbar",
                       providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // int8 x int8 matrix kernels (AVX2 / AVX-VNNI / AVX512-VNNI, NEON / sdot / smmla), each
        // chosen at run time from the CPU's features. Optimized in debug builds too, and
        // -ffp-contract=off: the scheme's float steps must not fuse (docs/quantization.md).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        // Pixels to caption. Knows nothing of sockets, speech or logging.
        .target(name: "Vision", dependencies: ["CTurboJPEG", "CSpng", "COpenBLAS", "CKernels"],
                swiftSettings: visionSettings),
        // What every layer above the C libraries needs from the system, in one copy: SystemError,
        // durable writes, whole reads and writes over descriptors, a poll loop with a wake pipe,
        // command-line arguments, byte counts, JSON output. Foundation and Glibc only.
        .target(name: "SystemSupport"),
        // Messages and framing shared by daemon and client. Knows nothing of models.
        .target(name: "IPC", dependencies: ["SystemSupport"]),
        // Text to audio through libespeak-ng: device, WAV files, or nothing.
        .target(name: "Speech", dependencies: ["CEspeak", "CAlsa", "SystemSupport"]),
        // Plain pixels to what a blind user needs first: the text in the photo (libtesseract),
        // the photo's quality, and one spoken description; also bar codes (libzbar), colours, light
        // and page layout. Knows nothing of models or speech.
        .target(name: "PhotoAnalysis", dependencies: ["CTesseract", "CZbar", "SystemSupport", "Messages"], swiftSettings: optimize),
        // The local product database (libsqlite3): Open Food Facts import, lookup, personal labels.
        .target(name: "Products", dependencies: ["CSQLite"], swiftSettings: optimize),
        // Installs checkpoints from the Hugging Face hub into the models directory. Foundation and SystemSupport only.
        .target(name: "ModelStore", dependencies: ["SystemSupport"]),
        // Every fixed sentence assist says, by id with typed parameters, in English and German.
        .target(name: "Messages"),
        // The device's own inputs: evdev keys (press classification, key map, hot-plug) and the
        // camera (capture command, burst, sharpest frame). Photo sources for the daemon.
        .target(name: "Devices", dependencies: ["CLinuxInput", "Messages", "PhotoAnalysis", "Vision"]),

        // The daemon's services (pipeline, router, journal, queue, socket server) as a library, so
        // the in-process tests drive them directly; `assistd` is only its entry point.
        .target(name: "AssistDaemon", dependencies: ["Vision", "IPC", "Speech", "PhotoAnalysis", "ModelStore", "SystemSupport",
                                                      "Messages", "Devices", "Products"]),
        .executableTarget(name: "assistd", dependencies: ["AssistDaemon"]),
        .executableTarget(name: "assist", dependencies: ["IPC", "ModelStore", "SystemSupport"]),

        // A loopback HTTP server in the Hugging Face hub's URL layout, shared by the install tests.
        .target(name: "HubTestSupport", path: "Tests/HubTestSupport"),

        // Deterministic test data shared by the test targets (SplitMix64, CRC-32).
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport", "TestSupport"]),
        .testTarget(name: "VisionTests", dependencies: ["Vision", "TestSupport"]),
        .testTarget(name: "IPCTests", dependencies: ["IPC", "TestSupport"]),
        .testTarget(name: "SpeechTests", dependencies: ["Speech"]),
        .testTarget(name: "PhotoAnalysisTests", dependencies: ["PhotoAnalysis", "Vision"]),
        .testTarget(name: "MessagesTests", dependencies: ["Messages", "PhotoAnalysis"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "Messages", "PhotoAnalysis", "Vision", "CLinuxInput"]),
        // Earcons and ALSA output listing through real libasound (the file plugin in a test HOME).
        .testTarget(name: "AudioOutputTests", dependencies: ["Speech", "CAlsa"]),
        .testTarget(name: "ProductsTests", dependencies: ["Products"]),
        .testTarget(name: "ModelStoreTests", dependencies: ["ModelStore", "HubTestSupport"], exclude: ["Fixtures"]),
        // Drives the built assistd and assist binaries end to end.
        .testTarget(name: "DaemonTests", dependencies: ["assistd", "assist", "IPC", "HubTestSupport", "TestSupport", "SystemSupport", "Products", "Speech", "Messages"]),
        // The daemon's services in-process, with a captioner that blocks until released and a
        // speech output that records.
        .testTarget(name: "DaemonCoreTests", dependencies: ["AssistDaemon", "IPC", "Vision", "Speech", "PhotoAnalysis", "SystemSupport", "Messages", "Devices", "TestSupport", "Products"]),
    ]
)
