/// What works and what does not, as the start-up sentence and the status say it:
/// "Ready. Captions on. Reading English. Camera found."
public struct HealthReport: Sendable, Equatable {
    public enum Captions: Sendable, Equatable {
        case on
        /// A model is installed and still loading.
        case loading
        case noModel
        case modelFailed(model: String)
        /// The model's last load stopped the daemon, so it is not loaded again until asked.
        case modelSkipped(model: String)
        /// The model needs more memory than is available.
        case modelTooLarge(model: String)
    }

    public enum Reading: Sendable, Equatable {
        /// Tesseract codes such as `eng` or `eng+deu`.
        case on(languages: String)
        case off
        case missingLanguage(String)
    }

    public enum Presence: Sendable, Equatable {
        case found, notFound
        /// Not configured, so not mentioned.
        case notUsed
    }

    public var captions: Captions
    public var reading: Reading
    public var camera: Presence
    public var keys: Presence
    /// Config keys whose value could not be used (their defaults are in effect).
    public var invalidSettings: [String]

    public init(captions: Captions, reading: Reading, camera: Presence = .notUsed, keys: Presence = .notUsed,
                invalidSettings: [String] = []) {
        self.captions = captions
        self.reading = reading
        self.camera = camera
        self.keys = keys
        self.invalidSettings = invalidSettings
    }

    /// The parts in the order they are said: captions, text reading, camera, keys, settings.
    public var parts: [Message] {
        var out: [Message] = []
        switch captions {
        case .on: out.append(.captionsOn)
        case .loading: out.append(.captionsLoading)
        case .noModel: out.append(.captionsOffNoModel)
        case .modelFailed(let model): out.append(.captionsOffModelFailed(model: model))
        case .modelSkipped(let model): out.append(.modelSkippedBegan(model: model))
        case .modelTooLarge(let model): out.append(.modelTooLargeBegan(model: model))
        }
        switch reading {
        case .on(let languages): out.append(.reading(languages: languages))
        case .off: out.append(.readingOff)
        case .missingLanguage(let language): out.append(.readingOffMissingLanguage(language: language))
        }
        switch camera {
        case .found: out.append(.cameraFound)
        case .notFound: out.append(.cameraNotFound)
        case .notUsed: break
        }
        if keys == .notFound { out.append(.keysNotFound) }
        out += invalidSettings.map { .settingInvalid(setting: $0) }
        return out
    }

    /// Said once at start-up: "Ready." and the parts.
    public var startup: [Message] { [.ready] + parts }

    /// Said for the status key: the parts, the queue and the voice.
    public func status(photosWaiting: Int, rate: Int, volume: Int) -> [Message] {
        parts + [.photosWaiting(count: photosWaiting), .voiceLevels(rate: rate, volume: volume)]
    }
}
