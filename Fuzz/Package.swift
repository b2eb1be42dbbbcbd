// swift-tools-version:6.0
// libFuzzer harnesses for assist's parsers. A package of its own, because each harness is an
// executable without `main` (libFuzzer supplies it), which only links with
// `-sanitize=fuzzer`. Built and run by scripts/fuzz, never by the root package's `swift build`.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

func harness(_ name: String, _ products: [String], local: [String] = []) -> Target {
    .executableTarget(name: name, dependencies: products.map { .product(name: $0, package: rootIdentity) }
                          + local.map { .target(name: $0) },
                      path: "Sources/\(name)")
}

let package = Package(
    name: "assist-fuzz",
    dependencies: [.package(path: root.path)],
    targets: [
        // JPEG and PNG bytes (EXIF orientation included) through ImageDecoder, with and without a budget.
        harness("FuzzImage", ["Vision"]),
        // A model.safetensors file through Checkpoint: table, then every tensor.
        harness("FuzzSafetensors", ["Vision"], local: ["FuzzCheckpoint"]),
        // A pytorch_model.bin (zip + restricted pickle) through Checkpoint: table, then every tensor.
        harness("FuzzTorch", ["Vision"], local: ["FuzzCheckpoint"]),
        // One of a model directory's JSON/text files (tokenizer, config, generation, preprocessor).
        harness("FuzzModelFiles", ["Vision"]),
        // Bytes and SCM_RIGHTS descriptors over a real socket pair into FrameDecoder and Wire.
        harness("FuzzFrames", ["IPC"]),
        // The checkpoint body FuzzSafetensors and FuzzTorch share.
        .target(name: "FuzzCheckpoint", dependencies: [.product(name: "Vision", package: rootIdentity)],
                path: "Sources/FuzzCheckpoint"),
    ]
)
