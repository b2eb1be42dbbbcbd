/// How the model's matrices are stored and multiplied.
public enum WeightPrecision: String, Sendable, CaseIterable {
    /// The checkpoint's fp32 weights: numerically transformers' model.
    case fp32
    /// int8 rows with per-row fp32 scales (`QuantizedRows`): a quarter of the memory and memory
    /// traffic; logits differ from fp32 by the quantization error.
    case int8
}
