import Foundation

/// How much memory a model directory's weights take once loaded, estimated from the tensor
/// table alone (no data is read): the daemon compares it with the memory available before it
/// loads a model, so a model that cannot fit is reported instead of being OOM-killed.
public struct WeightFootprint: Sendable, Equatable {
    /// Bytes of weights resident while captioning.
    public var bytes: Int64
    /// The precision `VisionEncoderDecoder(directory:)` loads the directory in.
    public var precision: WeightPrecision

    public init(bytes: Int64, precision: WeightPrecision) {
        self.bytes = bytes
        self.precision = precision
    }

    /// The footprint of the model `VisionEncoderDecoder(directory:)` would load: with
    /// `model.int8.safetensors`, that file (every tensor is a view into its mapping); otherwise
    /// every floating-point tensor of the checkpoint as fp32 (views into the mapping, or widened
    /// copies of fp16 and bf16), as the fp32 model reads every page of them per caption.
    /// Integer buffers (old causal masks) are never loaded and not counted.
    public static func of(directory: URL) throws -> WeightFootprint {
        let int8File = directory.appendingPathComponent(QuantizedCheckpoint.fileName)
        if let size = try? FileManager.default.attributesOfItem(atPath: int8File.path)[.size] as? NSNumber {
            return WeightFootprint(bytes: size.int64Value, precision: .int8)
        }
        let checkpoint = try Checkpoint.load(directory: directory)
        var total: Int64 = 0
        for key in checkpoint.keys {
            guard let dtype = checkpoint.storedDType(of: key).flatMap(DType.init(rawValue:)), dtype.isFloatingPoint,
                  let shape = checkpoint.shape(of: key), let count = RawTensor.elementCount(shape) else { continue }
            let (sum, overflow) = total.addingReportingOverflow(Int64(count) * 4)
            total = overflow ? Int64.max : sum
        }
        return WeightFootprint(bytes: total, precision: .fp32)
    }
}
