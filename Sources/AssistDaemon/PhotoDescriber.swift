import Foundation
import Vision

/// What the daemon learned about one photo: the parts to say, in order, and what to record.
///
/// Today a description is the model's caption or one error. The pipeline is kept as this one
/// function so later stages (reading text, photo-quality warnings, a no-model fallback) add parts
/// here without touching the queue, journal or server.
struct PhotoDescription: Sendable {
    enum Outcome: Sendable {
        case captioned(Caption)
        case failed(code: FailureCode, detail: String)
    }

    enum FailureCode: Sendable {
        case noModel, unreadable
    }

    var outcome: Outcome
    /// Sentences to speak, in order.
    var spokenParts: [String]

    var caption: Caption? {
        if case .captioned(let c) = outcome { return c }
        return nil
    }
}

/// Turns a photo into a description with whatever model state the daemon has.
enum PhotoDescriber {
    /// `name` is the file name (or the client's name for the photo), used in spoken errors.
    static func describe(_ data: Data, name: String, model: ModelState, overrides: GenerationOverrides) -> PhotoDescription {
        guard let captioner = model.captioner else {
            return PhotoDescription(
                outcome: .failed(code: .noModel,
                                 detail: "photo \(name) was not described: " + (model.problem ?? "no captioning model is installed")),
                spokenParts: ["Photo \(name) arrived, but no captioning model is installed."])
        }
        do {
            let caption = try captioner.caption(imageData: data, overrides: overrides)
            return PhotoDescription(outcome: .captioned(caption), spokenParts: [caption.text])
        } catch {
            return PhotoDescription(outcome: .failed(code: .unreadable, detail: "photo \(name): \(error)"),
                                    spokenParts: ["I could not read photo \(name)."])
        }
    }
}
