import Foundation

/// How a caption request carries its photo.
public enum PhotoSource: String, Codable, Sendable {
    /// An open descriptor passed with SCM_RIGHTS alongside the frame.
    case descriptor
    /// The frame's binary attachment.
    case bytes
}

/// Fields of a `caption` request.
public struct CaptionRequest: Codable, Sendable, Equatable {
    public var photo: PhotoSource
    /// A name for logs, events and spoken errors only; the daemon never opens it.
    public var name: String?
    /// When false the caption is returned but not spoken.
    public var speak: Bool
    public var numBeams: Int?
    public var maxLength: Int?
    public var maxNewTokens: Int?
    /// The mode for this photo only; absent: the daemon's current mode.
    public var mode: AssistMode?

    public init(photo: PhotoSource, name: String? = nil, speak: Bool = true,
                numBeams: Int? = nil, maxLength: Int? = nil, maxNewTokens: Int? = nil, mode: AssistMode? = nil) {
        self.photo = photo; self.name = name; self.speak = speak
        self.numBeams = numBeams; self.maxLength = maxLength; self.maxNewTokens = maxNewTokens
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case photo, name, speak, numBeams = "num_beams", maxLength = "max_length", maxNewTokens = "max_new_tokens"
        case mode
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        photo = try c.decode(PhotoSource.self, forKey: .photo)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        speak = try c.decodeIfPresent(Bool.self, forKey: .speak) ?? true
        numBeams = try c.decodeIfPresent(Int.self, forKey: .numBeams)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens)
        mode = try c.decodeIfPresent(AssistMode.self, forKey: .mode)
    }
}

/// Fields of a `voice` request; absent fields keep their current value, so an empty request
/// only reads the settings.
public struct VoiceChange: Codable, Sendable, Equatable {
    public var rate: Int?
    public var pitch: Int?
    public var volume: Int?
    public var voice: String?
    /// A language tag such as "de" or "en-us"; used as the espeak-ng voice when `voice` is absent.
    public var language: String?
    // MARK: - voice
    /// An ALSA PCM name to speak on from now on, kept across restarts (`assist voice --output`).
    public var output: String?

    public init(rate: Int? = nil, pitch: Int? = nil, volume: Int? = nil, voice: String? = nil, language: String? = nil,
                output: String? = nil) {
        self.rate = rate; self.pitch = pitch; self.volume = volume; self.voice = voice; self.language = language
        self.output = output
    }

    public var isEmpty: Bool { rate == nil && pitch == nil && volume == nil && voice == nil && language == nil && output == nil }
}

// MARK: - keys

/// Fields of a `snap` request: take a photo with the daemon's camera and describe it.
public struct SnapRequest: Codable, Sendable, Equatable {
    /// When false the description is returned but not spoken (nor is a camera error).
    public var speak: Bool

    public init(speak: Bool = true) {
        self.speak = speak
    }

    enum CodingKeys: String, CodingKey { case speak }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        speak = try c.decodeIfPresent(Bool.self, forKey: .speak) ?? true
    }
}

/// What a client asks for.
public enum RequestBody: Sendable, Equatable {
    case caption(CaptionRequest)
    case status
    case say(text: String)
    case stop
    case repeatLast
    case history(limit: Int)
    case voice(VoiceChange)
    /// Subscribe this connection to the event stream.
    case events
    /// Check the model selection now and load the selected model if it changed (or none is
    /// loaded). Sent by `assist model install` and `assist model use`; answered at once with the
    /// model's status, before a load finishes.
    case reloadModel
    // MARK: - voice
    /// The playback devices ALSA knows and the one speech uses (`assist outputs`).
    case outputs
    // MARK: - reading
    /// A reading control over the text last read aloud; answered with `ReadingResult`.
    case reading(ReadingCommand)
    /// Replace the product database with the file passed as a descriptor; answered when the
    /// import ends, with `products_import_progress` events meanwhile to subscribers.
    case importProducts(ProductsImportRequest)
    // MARK: - keys
    /// Take a photo with the daemon's camera and describe it; answered like `caption`.
    case snap(SnapRequest)
    // MARK: - modes
    /// Set the mode (`name`), or only read it (nil).
    case mode(name: String?)
    /// Name the product code in the last photo, or remove its label.
    case label(LabelChange)
    // MARK: - bounds
    /// Erase descriptions from the journal and the history (`{"all":true}` or `{"last":N}`).
    case forget(ForgetScope)

    /// The wire name in the `type` field.
    public var typeName: String {
        switch self {
        case .caption: return "caption"
        case .status: return "status"
        case .say: return "say"
        case .stop: return "stop"
        case .repeatLast: return "repeat"
        case .history: return "history"
        case .voice: return "voice"
        case .events: return "events"
        case .reloadModel: return "reload_model"
        // MARK: - voice
        case .outputs: return "outputs"
        // MARK: - reading
        case .reading(let command): return command.rawValue
        case .importProducts: return "products_import"
        // MARK: - keys
        case .snap: return "snap"
        // MARK: - modes
        case .mode: return "mode"
        case .label: return "label"
        // MARK: - bounds
        case .forget: return "forget"
        }
    }
}

/// A request frame: `{"v":2,"id":N,"type":"...", ...fields}`.
public struct Request: Sendable, Equatable, Codable {
    /// Chosen by the client; echoed in the response so replies can be matched.
    public var id: UInt64
    public var body: RequestBody

    public init(id: UInt64, _ body: RequestBody) {
        self.id = id
        self.body = body
    }

    enum Keys: String, CodingKey { case v, id, type, text, limit, mode, all, last }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(ProtocolVersion.current, forKey: .v)
        try c.encode(id, forKey: .id)
        try c.encode(body.typeName, forKey: .type)
        switch body {
        case .caption(let r): try r.encode(to: encoder)
        case .say(let text): try c.encode(text, forKey: .text)
        case .history(let limit): try c.encode(limit, forKey: .limit)
        case .voice(let v): try v.encode(to: encoder)
        case .status, .stop, .repeatLast, .events, .reloadModel: break
        // MARK: - voice
        case .outputs: break
        // MARK: - reading
        case .reading: break
        case .importProducts(let r): try r.encode(to: encoder)
        // MARK: - keys
        case .snap(let r): try r.encode(to: encoder)
        // MARK: - modes
        case .mode(let name): try c.encodeIfPresent(name, forKey: .mode)
        case .label(let l): try l.encode(to: encoder)
        // MARK: - bounds
        case .forget(.all): try c.encode(true, forKey: .all)
        case .forget(.last(let n)): try c.encode(n, forKey: .last)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decode(UInt64.self, forKey: .id)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "caption": body = .caption(try CaptionRequest(from: decoder))
        case "status": body = .status
        case "say": body = .say(text: try c.decode(String.self, forKey: .text))
        case "stop": body = .stop
        case "repeat": body = .repeatLast
        case "history": body = .history(limit: try c.decodeIfPresent(Int.self, forKey: .limit) ?? 10)
        case "voice": body = .voice(try VoiceChange(from: decoder))
        case "events": body = .events
        case "reload_model": body = .reloadModel
        // MARK: - voice
        case "outputs": body = .outputs
        // MARK: - reading
        case let name where ReadingCommand(rawValue: name) != nil: body = .reading(ReadingCommand(rawValue: name)!)
        case "products_import": body = .importProducts(try ProductsImportRequest(from: decoder))
        // MARK: - keys
        case "snap": body = .snap(try SnapRequest(from: decoder))
        // MARK: - modes
        case "mode": body = .mode(name: try c.decodeIfPresent(String.self, forKey: .mode))
        case "label": body = .label(try LabelChange(from: decoder))
        // MARK: - bounds
        case "forget":
            if try c.decodeIfPresent(Bool.self, forKey: .all) == true {
                body = .forget(.all)
            } else if let n = try c.decodeIfPresent(Int.self, forKey: .last) {
                body = .forget(.last(n))
            } else {
                throw DecodingError.dataCorruptedError(forKey: .last, in: c,
                    debugDescription: "forget needs \"all\": true or \"last\": N")
            }
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown request type '\(type)'")
        }
    }
}
