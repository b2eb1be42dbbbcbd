import Foundation
import Vision

/// The body FuzzSafetensors and FuzzTorch share: the input is written as a weights file named
/// `fileName` in a private temporary directory the process reuses, loaded with
/// `Checkpoint.load`, and every tensor is then asked for with the shape the file gives it, so
/// lazy conversion runs for each one. Which reader runs depends on the name alone.
public enum CheckpointInput {
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int, fileName: String) -> CInt {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("assist-fuzz-\(getpid())").appendingPathComponent(fileName)
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
}
