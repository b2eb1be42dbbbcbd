// swift-tools-version:6.0
// decode-peak: decodes one photo, with or without a DecodeBudget, so that scripts/decode-peak
// can read the process's peak RSS. A package of its own so the root build is unchanged.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "decode-peak",
    dependencies: [.package(path: root.path)],
    targets: [
        .executableTarget(name: "DecodePeak", dependencies: [.product(name: "Vision", package: root.lastPathComponent.lowercased())]),
    ]
)
