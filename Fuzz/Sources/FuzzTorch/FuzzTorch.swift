import Foundation
import Vision

/// The input, written to a file in a private temporary directory that the process reuses.
let file = FileManager.default.temporaryDirectory
    .appendingPathComponent("assist-fuzz-\(getpid())").appendingPathComponent("pytorch_model.bin")

/// libFuzzer entry: the input is a `pytorch_model.bin` (torch zip, restricted pickle). It is
/// loaded, then every tensor is asked for with the shape the file gives it, so lazy conversion
/// runs for each one.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    guard (try? Data(bytes: data, count: size).write(to: file)) != nil else { fatalError("cannot write \(file.path)") }
    guard let checkpoint = try? Checkpoint.load(file: file) else { return 0 }
    for key in checkpoint.keys {
        guard let shape = checkpoint.shape(of: key), let t = try? checkpoint.tensor(key, shape: shape) else { continue }
        precondition(t.count == shape.reduce(1, *), "tensor \(key) has \(t.count) elements for shape \(shape)")
        _ = t.data.reduce(0, +)
    }
    return 0
}

// MARK: - Entry

// SwiftPM links an executable target's `main` as an alias of `FuzzTorch_main` (so tests can link
// the module); under -parse-as-library nothing defines that, so it is libFuzzer's driver here.
// In the same file as the harness: with -Onone, a second file that takes `testOneInput` as a C
// function pointer emits its own copy of the `LLVMFuzzerTestOneInput` thunk.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The process entry: runs libFuzzer on `testOneInput` (exported as `LLVMFuzzerTestOneInput`).
@_cdecl("FuzzTorch_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}
