/// Element types a checkpoint may store, named as safetensors names them.
///
/// Floating types are converted to fp32 (the engine's only compute type); the integer and bool
/// types appear in real checkpoints only as buffers the model never reads (GPT-2's causal-mask
/// `attn.bias` is uint8 in checkpoints saved by transformers < 4.22, ViT's `position_ids` is
/// int64), so they are loaded as names and shapes and refused if asked for as weights.
enum DType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: return true
        default: return false
        }
    }

    /// Converts `n` elements spaced `stride` elements apart, starting at `src`, to fp32.
    ///
    /// One switch per run and a plain loop per type, so a whole fp16 checkpoint converts at
    /// memory speed with no per-element allocation. bf16 is the high half of an fp32 bit
    /// pattern, exactly as `torch.Tensor.float()` widens it.
    func convert(_ src: UnsafeRawPointer, count n: Int, stride: Int, into dst: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            if stride == 1 {
                UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: n * 4)
            } else {
                for i in 0..<n { dst[i] = src.loadUnaligned(fromByteOffset: i * stride * 4, as: Float.self) }
            }
        case .f16:
            for i in 0..<n {
                let bits = src.loadUnaligned(fromByteOffset: i * stride * 2, as: UInt16.self)
                dst[i] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
            }
        case .bf16:
            for i in 0..<n {
                let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: i * stride * 2, as: UInt16.self))
                dst[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .f64:
            for i in 0..<n { dst[i] = Float(src.loadUnaligned(fromByteOffset: i * stride * 8, as: Double.self)) }
        case .i64, .i32, .i16, .i8, .u8, .bool:
            preconditionFailure("DType.convert called for non-floating type \(rawValue)")
        }
    }
}
