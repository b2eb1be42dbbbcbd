import Foundation
import IPC
import Vision

/// Per-photo overrides of the checkpoint's generation defaults (`num_beams`, `max_length`,
/// `max_new_tokens` of a caption request); nil keeps the checkpoint's value.
struct CaptionOptions: Sendable, Equatable {
    var numBeams: Int?
    var maxLength: Int?
    var maxNewTokens: Int?

    /// Why these overrides cannot be used, naming the first field outside its limit
    /// (`GenerationConfig.numBeamsLimit`, `lengthLimit`); nil when all are within. Checked
    /// before a request is queued, because the sizes of the decoder's buffers come from them.
    var limitProblem: String? {
        let checks: [(String, Int?, ClosedRange<Int>)] = [
            ("num_beams", numBeams, GenerationConfig.numBeamsLimit),
            ("max_length", maxLength, GenerationConfig.lengthLimit),
            ("max_new_tokens", maxNewTokens, GenerationConfig.lengthLimit),
        ]
        for (field, value, limit) in checks {
            if let value, !limit.contains(value) {
                return "\(field) \(value) is outside the limit \(limit.lowerBound)...\(limit.upperBound)"
            }
        }
        return nil
    }
}

/// A caption as the daemon records and answers it.
struct CaptionOutput: Sendable, Equatable {
    var text: String
    var tokens: [Int]
    var timings: Timings
}

/// Something that turns a decoded, upright photo into a caption. The pipeline, queue and journal
/// know only `ModelProvider` and this, so they do not depend on how Vision is built; the
/// in-process tests use a captioner that blocks until released.
protocol Captioner: Sendable {
    /// Captions one photo; errors name what went wrong.
    func caption(image: RGBImage, options: CaptionOptions) throws -> CaptionOutput
}

/// The real captioner: a `Vision.CaptionEngine` loaded from a model directory.
struct EngineCaptioner: Captioner {
    let engine: CaptionEngine

    func caption(image: RGBImage, options: CaptionOptions) throws -> CaptionOutput {
        let overrides = GenerationOverrides(numBeams: options.numBeams, maxLength: options.maxLength,
                                            maxNewTokens: options.maxNewTokens)
        let c = try engine.caption(image: image, overrides: overrides)
        return CaptionOutput(text: c.text, tokens: c.tokens,
                             timings: Timings(decode: c.timings.decode, encode: c.timings.encode, generate: c.timings.generate))
    }
}
