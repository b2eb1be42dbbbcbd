import Foundation

/// A Hugging Face `VisionEncoderDecoderModel` with a ViT encoder and a GPT-2 decoder, in pure
/// Swift, numerically matching transformers 4.40.2 on PyTorch (fp32).
///
/// The model holds only immutable weights (memory-mapped checkpoint views) and is safe to share
/// between threads; per-run state lives in `DecoderState`, created per generation.
/// Unchecked Sendable because immutable after init: `weights` point into memory `source` owns and never writes again.
public final class VisionEncoderDecoder: @unchecked Sendable {
    public let config: VisionEncoderDecoderConfig
    let dims: ModelDimensions
    let weights: ModelWeights
    let encoder: ViTEncoder
    let decoder: GPT2Decoder
    /// Keeps the memory behind `weights` alive.
    private let source: WeightSource
    /// The precision the weights were loaded in.
    public let precision: WeightPrecision

    /// Builds the model from a parsed config and a checkpoint, taking every tensor with its exact
    /// shape and failing on missing, misshapen or unexpected tensors (see `ModelWeights`). With
    /// `.int8` the matrices are quantized while loading (the fp32 pages are read once).
    public convenience init(config: VisionEncoderDecoderConfig, checkpoint: Checkpoint,
                            precision: WeightPrecision = .fp32) throws {
        try self.init(config: config, source: CheckpointSource(checkpoint: checkpoint, quantize: precision == .int8),
                      precision: precision)
    }

    init(config: VisionEncoderDecoderConfig, source: WeightSource, precision: WeightPrecision) throws {
        self.config = config
        self.source = source
        self.precision = precision
        dims = try ModelDimensions(config)
        weights = try ModelWeights(dims: dims, source: source)
        encoder = ViTEncoder(d: dims, w: weights)
        decoder = GPT2Decoder(d: dims, w: weights)
    }

    /// Loads `config.json` and the weights from a Hugging Face model directory.
    ///
    /// `precision` nil: `model.int8.safetensors` (written by `assistd model quantize`) when the
    /// directory has one, else the fp32 checkpoint. `.int8`: that file, else the fp32 checkpoint
    /// quantized while loading. `.fp32`: the checkpoint.
    public convenience init(directory: URL, precision: WeightPrecision? = nil) throws {
        let config = try VisionEncoderDecoderConfig.load(directory: directory)
        let int8File = directory.appendingPathComponent(QuantizedCheckpoint.fileName)
        let hasInt8File = FileManager.default.fileExists(atPath: int8File.path)
        if precision != .fp32 && hasInt8File {
            try self.init(config: config, source: QuantizedSource(url: int8File), precision: .int8)
        } else {
            try self.init(config: config, checkpoint: try Checkpoint.load(directory: directory), precision: precision ?? .fp32)
        }
    }

    /// Writes `model.int8.safetensors` for the fp32 checkpoint in `directory` into `output`,
    /// one tensor at a time (see `QuantizedCheckpoint.write`), checking every shape first.
    public static func writeQuantized(directory: URL, to output: URL) throws {
        try QuantizedCheckpoint.write(directory: directory, to: output.appendingPathComponent(QuantizedCheckpoint.fileName))
    }

    /// Floats in one `pixel_values` image: `num_channels x image_size x image_size`.
    public var pixelCount: Int { dims.pixelCount }
    /// Rows of the encoder output: the CLS token plus one per patch.
    public var encoderTokens: Int { dims.encoderTokens }
    /// The encoder width `Ce` (before `enc_to_dec_proj`).
    public var encoderWidth: Int { dims.encoderWidth }
    public var vocabSize: Int { dims.vocab }
    /// The decoder's `n_positions`: no sequence may be longer.
    public var maxPositions: Int { dims.positions }

    /// The ViT `last_hidden_state` `(1+N, Ce)`, row-major, for one image's `pixel_values`
    /// `(channels, H, W)` as `ViTImageProcessor` produces them. This is the raw encoder output,
    /// *before* `enc_to_dec_proj`; the decoder applies the projection itself.
    public func encode(pixelValues: [Float]) throws -> [Float] {
        guard pixelValues.count == dims.pixelCount else {
            throw ModelError.pixelCount(expected: dims.pixelCount, found: pixelValues.count, channels: dims.channels,
                                        height: dims.imageSize, width: dims.imageSize)
        }
        return pixelValues.withUnsafeBufferPointer { encoder.forward(pixels: $0.baseAddress!) }
    }

    /// A decoder state for `rows` beams and sequences up to `capacity` tokens, primed with the
    /// cross-attention K/V of `encoderOutput` (as returned by `encode`).
    public func makeState(encoderOutput: [Float], rows: Int, capacity: Int, maxStep: Int = 1) throws -> DecoderState {
        guard encoderOutput.count == dims.encoderTokens * dims.encoderWidth else {
            throw ModelError.encoderOutputShape(expectedRows: dims.encoderTokens, expectedWidth: dims.encoderWidth,
                                                found: encoderOutput.count)
        }
        guard capacity <= dims.positions else {
            throw ModelError.sequenceTooLong(length: capacity, limit: dims.positions, reason: "decoder n_positions")
        }
        precondition(rows >= 1 && capacity >= 1 && maxStep >= 1 && maxStep <= capacity, "bad decoder state size")
        let st = try DecoderState(dims: dims, rows: rows, capacity: capacity, maxStep: maxStep)
        encoderOutput.withUnsafeBufferPointer { decoder.setEncoderOutput($0.baseAddress!, state: st) }
        return st
    }

    /// Feeds `tokens` (`(rows, step)` row-major) through the decoder, extending the state's cache,
    /// and returns a view of the next-token logits `(rows, V)` valid until the next call.
    public func decode(tokens: [Int], step: Int, state: DecoderState) throws -> UnsafeBufferPointer<Float> {
        guard tokens.count == state.rows * step, step >= 1, step <= state.maxStep else {
            throw ModelError.invalidConfig(field: "tokens", reason: "\(tokens.count) tokens for \(state.rows) rows x step \(step) (max step \(state.maxStep))")
        }
        guard state.length + step <= state.capacity else {
            throw ModelError.sequenceTooLong(length: state.length + step, limit: state.capacity, reason: "decoder state capacity")
        }
        for t in tokens where t < 0 || t >= dims.vocab { throw ModelError.tokenOutOfRange(token: t, vocabSize: dims.vocab) }
        tokens.withUnsafeBufferPointer { decoder.forward(tokens: $0.baseAddress!, step: step, state: state) }
        return UnsafeBufferPointer(start: state.logits, count: state.rows * dims.vocab)
    }

    /// Logits `(V)` of the first decoder step: the decoder start token alone, attending to the
    /// image. Equals `model(pixel_values, decoder_input_ids=[[start]]).logits[0, -1]`.
    public func stepZeroLogits(encoderOutput: [Float], decoderStartTokenID: Int) throws -> [Float] {
        let st = try makeState(encoderOutput: encoderOutput, rows: 1, capacity: 1)
        return Array(try decode(tokens: [decoderStartTokenID], step: 1, state: st))
    }
}
