import Foundation
import Vision

/// Something that turns encoded image bytes into a caption. The daemon knows only this, so the
/// queue, journal and server do not depend on how Vision is built.
protocol Captioner: Sendable {
    /// Decodes and captions one photo; errors name what went wrong (the image or the model).
    func caption(imageData: Data, overrides: GenerationOverrides) throws -> Caption
}

/// The real captioner: a `Vision.CaptionEngine` loaded once at start.
struct EngineCaptioner: Captioner {
    let engine: CaptionEngine

    func caption(imageData: Data, overrides: GenerationOverrides) throws -> Caption {
        try engine.caption(imageData: imageData, overrides: overrides)
    }
}

/// Whether a model is loaded, and if not, why and what to do about it.
enum ModelState: Sendable {
    case loaded(any Captioner, directory: String)
    case missing(directory: String, problem: String)

    /// Loads the model in `directory`; never throws, because the daemon must start without one.
    static func load(directory: String) -> ModelState {
        guard FileManager.default.fileExists(atPath: directory) else {
            return .missing(directory: directory, problem: "No captioning model is installed: \(directory) does not exist. "
                + ModelState.installHint(directory))
        }
        do {
            let engine = try CaptionEngine(modelDirectory: URL(fileURLWithPath: directory))
            return .loaded(EngineCaptioner(engine: engine), directory: directory)
        } catch {
            return .missing(directory: directory, problem: "The captioning model in \(directory) cannot be loaded: \(error). "
                + ModelState.installHint(directory))
        }
    }

    static func installHint(_ directory: String) -> String {
        "To install one, put a Hugging Face VisionEncoderDecoder checkpoint directory (config.json, "
            + "preprocessor_config.json, tokenizer files, weights) at \(directory), or set `model = DIR` in "
            + "assistd.conf or pass --model DIR, then restart assistd or send it SIGHUP."
    }

    var captioner: (any Captioner)? {
        if case .loaded(let c, _) = self { return c }
        return nil
    }

    var directory: String {
        switch self {
        case .loaded(_, let d), .missing(let d, _): return d
        }
    }

    var problem: String? {
        if case .missing(_, let p) = self { return p }
        return nil
    }
}
