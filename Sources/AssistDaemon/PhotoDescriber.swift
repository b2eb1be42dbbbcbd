import Foundation
import IPC
import Messages
import PhotoAnalysis
import SystemSupport
import Vision

/// What the daemon learned about one photo: the message to speak and what to record.
struct PhotoDescription: Sendable {
    enum Outcome: Sendable {
        /// The photo was decoded and described (with or without a caption).
        case described(DescriptionInfo)
        /// The photo could not be decoded; `spoken` is the short sentence for the person.
        case failed(detail: String, spoken: String)
    }

    var outcome: Outcome
}

/// Whether text can be read, with the reader that does it.
enum ReadingState: Sendable {
    case ready(TextReader)
    /// `ocr_language = none`.
    case off
    case unavailable(language: String, problem: String)

    /// Loads the Tesseract language(s); never throws, because the daemon must start without them.
    static func load(language: String?) -> ReadingState {
        guard let language else { return .off }
        do {
            return .ready(try TextReader(language: language))
        } catch {
            return .unavailable(language: language, problem: "Text cannot be read: \(error).")
        }
    }

    var reader: TextReader? {
        if case .ready(let r) = self { return r }
        return nil
    }

    var language: String {
        switch self {
        case .ready(let r): return r.language
        case .off: return "none"
        case .unavailable(let l, _): return l
        }
    }

    var problem: String? {
        switch self {
        case .ready: return nil
        case .off: return "Text reading is turned off (ocr_language = none)."
        case .unavailable(_, let p): return p
        }
    }

    var status: ReadingStatus {
        ReadingStatus(available: reader != nil, language: language, problem: problem)
    }
}

/// Turns a photo into one description: the photo is decoded once, its quality checked and its
/// text read on the upright pixels, the caption made if a model is loaded, and
/// `PhotoAnalysis.Description.compose` puts the parts in the order a blind user needs them
/// (quality warning, caption, text; docs/analysis.md).
enum PhotoDescriber {
    /// `name` is the file name (or the client's name for the photo), used in spoken errors.
    /// `catalogue` words the fixed sentences (advice, "It says:", errors); the caption and the
    /// text read stay as they are.
    static func describe(_ data: Data, name: String, model: ModelState, reading: ReadingState,
                         verbosity: Verbosity, options: CaptionOptions,
                         catalogue: MessageCatalogue = MessageCatalogue(language: .english)) -> PhotoDescription {
        switch decode(data, name: name, catalogue: catalogue) {
        case .failure(let failed): return failed.description
        case .success(let photo):
            return describe(photo, model: model, reading: reading, verbosity: verbosity, options: options, catalogue: catalogue)
        }
    }

    /// The photo's upright pixels, decoded once for every analysis of every mode: the one
    /// place the daemon decodes a photo.
    static func decode(_ data: Data, name: String,
                       catalogue: MessageCatalogue = MessageCatalogue(language: .english)) -> Result<DecodedPhoto, DecodeFailure> {
        let start = DispatchTime.now()
        do {
            let rgb = try ImageDecoder.decode(data, budget: PhotoMemory.budget)
            let image = try PixelImage(width: rgb.width, height: rgb.height, rgb: rgb.pixels)
            return .success(DecodedPhoto(rgb: rgb, image: image, start: start, decoded: DispatchTime.now()))
        } catch {
            return .failure(DecodeFailure(description: PhotoDescription(outcome: .failed(detail: "photo \(name): \(error)", spoken: catalogue.text(.photoUnreadable(photo: name))))))
        }
    }

    /// Today's description (quality warning, caption, text) of a decoded photo.
    static func describe(_ photo: DecodedPhoto, model: ModelState, reading: ReadingState,
                         verbosity: Verbosity, options: CaptionOptions,
                         catalogue: MessageCatalogue = MessageCatalogue(language: .english)) -> PhotoDescription {
        let (rgb, image, start, decoded) = (photo.rgb, photo.image, photo.start, photo.decoded)
        let quality = QualityCheck().check(image)
        let checked = DispatchTime.now()

        // Text is read beside the caption (the two use different libraries and, on a
        // multi-core device, different cores), unless verbosity says it will not be spoken.
        let captioner = model.captioner
        let covered = quality.has(.covered)
        let willCaption = captioner != nil && !covered
        let textJob = TextJob(reader: reading.reader, image: image)
        if verbosity != .captionOnly || !willCaption { textJob.start() }

        var caption: CaptionOutput?
        var captionProblem: String?
        var captionMs: Double?
        if let captioner, !covered {
            let t = DispatchTime.now()
            do { caption = try captioner.caption(image: rgb, options: options) } catch {
                captionProblem = "The captioning model failed on this photo: \(error)"
            }
            captionMs = milliseconds(t, DispatchTime.now())
        } else if captioner != nil {
            // A caption of a black frame would be invented (docs/users.md: never invent).
            captionProblem = "Not captioned: the photo is black, as if the lens were covered."
        } else {
            captionProblem = model.problem ?? "No captioning model is installed."
        }
        // With `caption` verbosity the text is the fallback when the model gave nothing.
        if caption == nil { textJob.start() }
        let read = textJob.wait()

        var textProblem: String?
        if let error = read?.error {
            textProblem = "Reading text failed on this photo: \(error)"
        } else if reading.reader == nil {
            textProblem = reading.problem
        }
        let reading = read?.result
        let composed = Description.compose(quality: quality, caption: caption?.text, reading: reading,
                                           verbosity: verbosity, captioningInstalled: captioner != nil, catalogue: catalogue)
        let info = DescriptionInfo(
            message: composed.message, verbosity: verbosity.wireName,
            quality: QualityInfo(problems: quality.problems.map { QualityProblemInfo(kind: $0.kind.wireName, advice: catalogue.text($0.kind.message)) },
                                 warning: composed.qualityWarning, scores: scores(quality.scores)),
            text: reading.map { r in
                TextInfo(lines: r.lines.map { TextLineInfo(text: $0.text, confidence: Double($0.confidence)) },
                         language: r.language, rotation: r.rotation, inverted: r.inverted, droppedWords: r.droppedWords)
            },
            caption: caption.map { CaptionInfo(text: $0.text, tokens: $0.tokens, timings: $0.timings) },
            captionProblem: caption == nil ? captionProblem : nil, textProblem: textProblem,
            timings: DescriptionTimings(decode: milliseconds(start, decoded), quality: milliseconds(decoded, checked),
                                        text: read.map { $0.milliseconds }, caption: captionMs,
                                        total: milliseconds(start, DispatchTime.now())))
        return PhotoDescription(outcome: .described(info))
    }

    /// The quality measurements by snake_case name, so the wire format follows
    /// `QualityReport.Scores` without listing its fields twice.
    static func scores(_ s: QualityReport.Scores) -> [String: Double] {
        guard let data = try? JSONEncoder().encode(s),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var out: [String: Double] = [:]
        for (key, value) in object {
            if let n = (value as? NSNumber)?.doubleValue { out[RecordedDescription.snakeCase(key)] = n }
        }
        return out
    }

    static func milliseconds(_ a: DispatchTime, _ b: DispatchTime) -> Double {
        Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e6
    }
}

/// A photo decoded to upright pixels, with when its decode began and ended.
struct DecodedPhoto: Sendable {
    var rgb: RGBImage
    var image: PixelImage
    var start: DispatchTime
    var decoded: DispatchTime
}

/// A photo that could not be decoded, as the description to answer with.
struct DecodeFailure: Error {
    var description: PhotoDescription
}

/// Reading one photo's text on a background thread, started at most once. Used by one
/// describing thread; the outcome crosses from the reading thread under the mutex.
private final class TextJob: Sendable {
    struct Outcome: Sendable {
        var result: ReadResult?
        var error: String?
        var milliseconds: Double
    }

    private struct State {
        var started = false
        var outcome: Outcome?
    }

    private let reader: TextReader?
    private let image: PixelImage
    private let group = DispatchGroup()
    private let state = Locked(State())

    init(reader: TextReader?, image: PixelImage) {
        self.reader = reader
        self.image = image
    }

    /// Starts reading unless there is no reader or it has started already.
    func start() {
        guard let reader, state.withLock({ s in defer { s.started = true }; return !s.started }) else { return }
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let t = DispatchTime.now()
            var o = Outcome(milliseconds: 0)
            do { o.result = try reader.read(image) } catch { o.error = "\(error)" }
            o.milliseconds = PhotoDescriber.milliseconds(t, DispatchTime.now())
            state.withLock { $0.outcome = o }
            group.leave()
        }
    }

    /// The outcome, once reading finished; nil if it never started.
    func wait() -> Outcome? {
        guard state.withLock({ $0.started }) else { return nil }
        group.wait()
        return state.withLock { $0.outcome }
    }
}

extension Verbosity {
    /// The protocol's name for this verbosity.
    var wireName: DescriptionVerbosity {
        switch self {
        case .captionOnly: return .caption
        case .captionAndText: return .captionAndText
        case .everything: return .everything
        }
    }
}

extension QualityProblem.Kind {
    /// The protocol's name for this problem.
    var wireName: QualityProblemKind {
        switch self {
        case .covered: return .covered
        case .dark: return .dark
        case .bright: return .bright
        case .blurry: return .blurry
        case .lowContrast: return .lowContrast
        }
    }
}
