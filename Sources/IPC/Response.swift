import Foundation

/// The answer to `caption`.
///
/// `text` is the message that was (or, with `speak: false`, would have been) spoken;
/// `tokens`/`timings` are the caption's, empty and zero when no caption was made; `description`
/// holds each part separately.
public struct CaptionResult: Codable, Sendable, Equatable {
    public var text: String
    public var tokens: [Int]
    public var timings: Timings
    /// True when the message was queued for speech.
    public var spoken: Bool
    /// The parts of the description.
    public var description: DescriptionInfo
    public init(text: String, tokens: [Int], timings: Timings, spoken: Bool, description: DescriptionInfo) {
        self.text = text; self.tokens = tokens; self.timings = timings; self.spoken = spoken
        self.description = description
    }
}

/// One remembered description.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// Seconds since 1970.
    public var time: Double
    /// The photo's file name, or the client's name for it.
    public var photo: String?
    /// The message spoken for the photo (what `repeat` says again).
    public var text: String
    /// Its parts; absent for entries recorded before descriptions had parts.
    public var description: DescriptionInfo?
    public init(time: Double, photo: String?, text: String, description: DescriptionInfo? = nil) {
        self.time = time; self.photo = photo; self.text = text; self.description = description
    }
}

/// What the daemon answers, per request type.
public enum ResponseBody: Sendable, Equatable {
    case caption(CaptionResult)
    case status(StatusInfo)
    /// `say` was queued as utterance `utterance`.
    case said(utterance: UInt64)
    case stopped
    /// `repeat` queued this text again.
    case repeated(text: String)
    /// Newest last.
    case history([HistoryEntry])
    case voice(VoiceInfo)
    /// The connection now receives event frames.
    case subscribed
    /// `reload_model` was taken: the model's status right after the check (`state` is
    /// `loading` when a load started).
    case modelReload(ModelStatus)
    // MARK: - modes
    /// The mode now in use (after a change, the new one).
    case mode(AssistMode)
    /// `label` was applied.
    case labelled(LabelInfo)
    /// An event frame (id 0) on a subscribed connection.
    case event(Event)
    // MARK: - reading
    /// A reading control was carried out.
    case reading(ReadingResult)
    /// A products import finished and the new database is in place.
    case productsImported(ProductsImportResult)
    case failure(RemoteError)
    // MARK: - voice
    /// The answer to `outputs`.
    case outputs(OutputsInfo)
    // MARK: - bounds
    /// `forget` erased this much.
    case forgotten(ForgetResult)

    var typeName: String {
        switch self {
        case .caption: return "caption"
        case .status: return "status"
        case .said: return "say"
        case .stopped: return "stop"
        case .repeated: return "repeat"
        case .history: return "history"
        case .voice: return "voice"
        case .subscribed: return "events"
        case .modelReload: return "reload_model"
        // MARK: - modes
        case .mode: return "mode"
        case .labelled: return "label"
        case .event: return "event"
        case .failure: return "error"
        // MARK: - voice
        case .outputs: return "outputs"
        // MARK: - reading
        case .reading: return "reading"
        case .productsImported: return "products_import"
        // MARK: - bounds
        case .forgotten: return "forget"
        }
    }
}

/// A response frame: `{"v":2,"id":N,"type":"...","ok":true, ...fields}`, or with `"ok":false`
/// and an `error` object `{"code":"...","message":"..."}`.
public struct Response: Sendable, Equatable, Codable {
    /// The id of the request this answers; 0 for events and for errors about unparseable frames.
    public var id: UInt64
    public var body: ResponseBody

    public init(id: UInt64, _ body: ResponseBody) {
        self.id = id
        self.body = body
    }

    enum Keys: String, CodingKey { case v, id, type, ok, error, status, utterance, text, entries, event, model, reading, products, mode, forgotten }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(ProtocolVersion.current, forKey: .v)
        try c.encode(id, forKey: .id)
        try c.encode(body.typeName, forKey: .type)
        if case .failure(let e) = body {
            try c.encode(false, forKey: .ok)
            try c.encode(e, forKey: .error)
            return
        }
        try c.encode(true, forKey: .ok)
        switch body {
        case .caption(let r): try r.encode(to: encoder)
        case .status(let s): try c.encode(s, forKey: .status)
        case .said(let u): try c.encode(u, forKey: .utterance)
        case .repeated(let t): try c.encode(t, forKey: .text)
        case .history(let h): try c.encode(h, forKey: .entries)
        case .voice(let v): try v.encode(to: encoder)
        case .event(let e): try c.encode(e, forKey: .event)
        case .modelReload(let m): try c.encode(m, forKey: .model)
        // MARK: - modes
        case .mode(let m): try c.encode(m, forKey: .mode)
        case .labelled(let l): try l.encode(to: encoder)
        case .stopped, .subscribed, .failure: break
        // MARK: - voice
        case .outputs(let o): try o.encode(to: encoder)
        // MARK: - reading
        case .reading(let r): try c.encode(r, forKey: .reading)
        case .productsImported(let r): try c.encode(r, forKey: .products)
        // MARK: - bounds
        case .forgotten(let f): try c.encode(f, forKey: .forgotten)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decode(UInt64.self, forKey: .id)
        if try c.decode(Bool.self, forKey: .ok) == false {
            body = .failure(try c.decode(RemoteError.self, forKey: .error))
            return
        }
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "caption": body = .caption(try CaptionResult(from: decoder))
        case "status": body = .status(try c.decode(StatusInfo.self, forKey: .status))
        case "say": body = .said(utterance: try c.decode(UInt64.self, forKey: .utterance))
        case "stop": body = .stopped
        case "repeat": body = .repeated(text: try c.decode(String.self, forKey: .text))
        case "history": body = .history(try c.decode([HistoryEntry].self, forKey: .entries))
        case "voice": body = .voice(try VoiceInfo(from: decoder))
        case "events": body = .subscribed
        case "event": body = .event(try c.decode(Event.self, forKey: .event))
        case "reload_model": body = .modelReload(try c.decode(ModelStatus.self, forKey: .model))
        // MARK: - voice
        case "outputs": body = .outputs(try OutputsInfo(from: decoder))
        // MARK: - reading
        case "reading": body = .reading(try c.decode(ReadingResult.self, forKey: .reading))
        case "products_import": body = .productsImported(try c.decode(ProductsImportResult.self, forKey: .products))
        // MARK: - modes
        case "mode": body = .mode(try c.decode(AssistMode.self, forKey: .mode))
        case "label": body = .labelled(try LabelInfo(from: decoder))
        // MARK: - bounds
        case "forget": body = .forgotten(try c.decode(ForgetResult.self, forKey: .forgotten))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown response type '\(type)'")
        }
    }
}
