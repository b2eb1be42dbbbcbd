import Foundation
import Vision

/// The input, written to a file in a private temporary directory that the process reuses.
let file = FileManager.default.temporaryDirectory
    .appendingPathComponent("assist-fuzz-\(getpid())").appendingPathComponent("model.safetensors")

/// libFuzzer entry: the input is a `model.safetensors` file. It is loaded, then every tensor is
/// asked for with the shape the file gives it, so lazy conversion runs for each one.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
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
