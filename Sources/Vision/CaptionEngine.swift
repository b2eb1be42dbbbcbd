import Foundation

/// Milliseconds spent in each stage of one caption.
public struct CaptionTimings: Sendable, Codable, Equatable {
    public var decode: Double
    public var encode: Double
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

/// Per-request overrides of the checkpoint's generation defaults.
public struct GenerationOverrides: Sendable, Equatable {
    public var numBeams: Int?
    public var maxLength: Int?
    public var maxNewTokens: Int?
    public init(numBeams: Int? = nil, maxLength: Int? = nil, maxNewTokens: Int? = nil) {
        self.numBeams = numBeams; self.maxLength = maxLength; self.maxNewTokens = maxNewTokens
    }
}

/// A loaded captioning model: checkpoint, preprocessor, tokenizer and generation defaults.
/// Load once; `caption` is safe to call from one thread at a time.
public final class CaptionEngine: @unchecked Sendable {
    public let modelDirectory: URL

    // NOTE(skeleton): filled in by the model and generation work.
    public init(modelDirectory: URL) throws {
        self.modelDirectory = modelDirectory
        throw CheckpointError.missingFile(modelDirectory.appendingPathComponent("config.json").path)
    }

    public func caption(imageData: Data, overrides: GenerationOverrides = .init()) throws -> Caption {
        throw CheckpointError.missingFile(modelDirectory.path)
    }
}
