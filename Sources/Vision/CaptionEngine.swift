import Foundation

/// Milliseconds spent in each stage of one caption.
public struct CaptionTimings: Sendable, Codable, Equatable {
    /// Image decoding, EXIF orientation and preprocessing to `pixel_values`.
    public var decode: Double
    /// The ViT encoder.
    public var encode: Double
    /// Generation (greedy or beam search) and detokenization.
    public var generate: Double
    public init(decode: Double, encode: Double, generate: Double) {
        self.decode = decode; self.encode = encode; self.generate = generate
    }
}

/// One caption: the text, exactly the token sequence `generate` returns, and timings.
public struct Caption: Sendable, Equatable {
    public var text: String
    public var tokens: [Int]
    public var timings: CaptionTimings
}

/// Per-request overrides of the checkpoint's generation defaults, with the meaning of the
/// same-named `generate` keyword arguments (a `max_new_tokens` in the checkpoint still wins over
/// `maxLength`, as in transformers).
public struct GenerationOverrides: Sendable, Equatable {
    public var numBeams: Int?
    public var maxLength: Int?
    public var maxNewTokens: Int?
    public init(numBeams: Int? = nil, maxLength: Int? = nil, maxNewTokens: Int? = nil) {
        self.numBeams = numBeams; self.maxLength = maxLength; self.maxNewTokens = maxNewTokens
    }
}

/// A loaded captioning model: what transformers' `VisionEncoderDecoderModel`,
/// `ViTImageProcessor`, `AutoTokenizer` and `GenerationConfig` load from one hub directory.
///
/// Load once. The engine is immutable; `caption` allocates its per-run state, so calls from
/// several threads are safe but compete for the same cores (the daemon runs one at a time).
public final class CaptionEngine: Sendable {
    public let modelDirectory: URL
    public let model: VisionEncoderDecoder
    public let processor: ImageProcessor
    public let tokenizer: BPETokenizer
    /// `generation_config.json` (or `config.json`'s generation attributes) as transformers resolves them.
    public let generationConfig: GenerationConfig
    /// The size limits `caption(imageData:)` decodes under.
    public let imageLimits: ImageLimits

    /// `precision`: see `VisionEncoderDecoder.init(directory:precision:)` (nil loads
    /// `model.int8.safetensors` when the directory has one, else the fp32 checkpoint).
    public init(modelDirectory: URL, imageLimits: ImageLimits = .default, precision: WeightPrecision? = nil) throws {
        self.modelDirectory = modelDirectory
        self.imageLimits = imageLimits
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelDirectory.path, isDirectory: &isDir), isDir.boolValue else {
            throw CheckpointError.missingFile(modelDirectory.path)
        }
        model = try VisionEncoderDecoder(directory: modelDirectory, precision: precision)
        let pre = modelDirectory.appendingPathComponent("preprocessor_config.json")
        guard FileManager.default.fileExists(atPath: pre.path) else { throw CheckpointError.missingFile(pre.path) }
        processor = ImageProcessor(config: try ImageProcessorConfig(contentsOf: pre))
        tokenizer = try BPETokenizer(directory: modelDirectory)
        generationConfig = try GenerationConfig(directory: modelDirectory)
        let (h, w) = processor.outputSize(width: model.config.encoder.imageSize, height: model.config.encoder.imageSize)
        let expected = model.config.encoder.imageSize
        guard h == expected, w == expected else {
            throw CheckpointError.invalidFile(pre.path, reason:
                "resizes to \(w)x\(h) but the encoder expects \(expected)x\(expected)")
        }
    }

    /// Decodes a JPEG or PNG, preprocesses it, and generates its caption.
    public func caption(imageData: Data, overrides: GenerationOverrides = .init()) throws -> Caption {
        let t0 = DispatchTime.now()
        let image = try ImageDecoder.decode(imageData, limits: imageLimits)
        let decodeMs = ms(t0, DispatchTime.now())
        var c = try caption(image: image, overrides: overrides)
        c.timings.decode += decodeMs
        return c
    }

    /// Captions an already decoded, upright image (for callers that also analyse the pixels, so
    /// the photo is decoded once). `timings.decode` then covers preprocessing only.
    public func caption(image: RGBImage, overrides: GenerationOverrides = .init()) throws -> Caption {
        let config = try generationConfig.applying(overrides)
        let t0 = DispatchTime.now()
        let pixels = processor.pixelValues(image)
        let t1 = DispatchTime.now()
        let encoded = try model.encode(pixelValues: pixels)
        let t2 = DispatchTime.now()
        let tokens = try Generator(model: model).generate(encoderOutput: encoded, config: config)
        let text = tokenizer.decode(tokens, skipSpecialTokens: true)
        let t3 = DispatchTime.now()
        return Caption(text: text, tokens: tokens,
                       timings: CaptionTimings(decode: ms(t0, t1), encode: ms(t1, t2), generate: ms(t2, t3)))
    }

    private func ms(_ a: DispatchTime, _ b: DispatchTime) -> Double {
        Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e6
    }
}
