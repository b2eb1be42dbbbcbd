import Foundation
import Vision

/// Whether a model is loaded, and if not, why and what to do about it.
enum ModelState: Sendable {
    case loaded(any Captioner, ModelInfo)
    case missing(directory: String, problem: String)

    /// Loads the model in `info.directory`; never throws, because the daemon must run without one.
    static func load(_ info: ModelInfo) -> ModelState {
        let directory = info.directory
        guard FileManager.default.fileExists(atPath: directory) else {
            return .missing(directory: directory, problem: "No captioning model is installed: \(directory) does not exist. "
                + ModelState.installHint)
        }
        do {
            let engine = try CaptionEngine(modelDirectory: URL(fileURLWithPath: directory))
            return .loaded(EngineCaptioner(engine: engine), info)
        } catch {
            return .missing(directory: directory, problem: "The captioning model in \(directory) cannot be loaded: \(error). "
                + ModelState.installHint)
        }
    }

    static let installHint = "To install one, run `assist model install` (docs/models.md); or set `model = DIR` in "
        + "assistd.conf, or pass --model DIR, to use a checkpoint directory."

    var captioner: (any Captioner)? {
        if case .loaded(let c, _) = self { return c }
        return nil
    }

    var info: ModelInfo? {
        if case .loaded(_, let i) = self { return i }
        return nil
    }

    var directory: String {
        switch self {
        case .loaded(_, let i): return i.directory
        case .missing(let d, _): return d
        }
    }

    var problem: String? {
        if case .missing(_, let p) = self { return p }
        return nil
    }
}
