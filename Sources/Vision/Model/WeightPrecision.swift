/// How the model's matrices are stored and multiplied.
public enum WeightPrecision: String, Sendable, CaseIterable {
    /// The checkpoint's fp32 weights: numerically transformers' model.
    case fp32
    /// int8 rows with per-row fp32 scales (`QuantizedRows`): a quarter of the memory and memory
    /// traffic. Where many rows share a matrix (the encoder, the image's cross-attention K/V) the
    /// activations are quantized per row too and multiplied in int8 (`QuantizedProduct`); logits
    /// differ from fp32 by the quantization error.
    case int8
}

extension WeightPrecision {
    /// The instruction set of the int8 products on this CPU ("avx512-vnni", "neon-dotprod"),
    /// chosen at run time; see docs/quantization.md.
    public static var int8Kernels: String { QuantizedProduct.instructionSet }
}
