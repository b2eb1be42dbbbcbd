import Foundation

/// Milliseconds spent in each stage of one caption (mirrors Vision's `CaptionTimings`).
public struct Timings: Codable, Sendable, Equatable {
    public var decode: Double
    public var encode: Double
    public var generate: Double
    public init(decode: Double, encode: Double, generate: Double) {
        self.decode = decode; self.encode = encode; self.generate = generate
    }
}

/// The answer to `caption`.
public struct CaptionResult: Codable, Sendable, Equatable {
    public var text: String
    public var tokens: [Int]
    public var timings: Timings
    /// True when the caption was queued for speech.
    public var spoken: Bool
    public init(text: String, tokens: [Int], timings: Timings, spoken: Bool) {
        self.text = text; self.tokens = tokens; self.timings = timings; self.spoken = spoken
    }
}

/// Voice settings as the daemon applies them.
public struct VoiceInfo: Codable, Sendable, Equatable {
    public var rate: Int
    public var pitch: Int
    public var volume: Int
    public var voice: String
    public init(rate: Int, pitch: Int, volume: Int, voice: String) {
        self.rate = rate; self.pitch = pitch; self.volume = volume; self.voice = voice
    }
}

/// The model's state for `status`.
public struct ModelStatus: Codable, Sendable, Equatable {
    public var loaded: Bool
    /// The model directory, if one is configured.
    public var path: String?
    /// Why no model is loaded, and how to install one.
    public var problem: String?
    public init(loaded: Bool, path: String?, problem: String?) {
        self.loaded = loaded; self.path = path; self.problem = problem
    }
}

/// The speech sink's state for `status`.
public struct SpeechStatus: Codable, Sendable, Equatable {
    public var sink: String
    public var ok: Bool
    public var detail: String?
    public var queueLength: Int
    public init(sink: String, ok: Bool, detail: String?, queueLength: Int) {
        self.sink = sink; self.ok = ok; self.detail = detail; self.queueLength = queueLength
    }
}

/// The answer to `status`.
public struct StatusInfo: Codable, Sendable, Equatable {
    public var version: String
    public var protocolVersion: Int
    public var uptimeSeconds: Double
    public var model: ModelStatus
    /// Photos and caption requests waiting, plus the one in progress.
    public var queueLength: Int
    public var speech: SpeechStatus
    public var voice: VoiceInfo
    public var watching: [String]
    public init(version: String, protocolVersion: Int, uptimeSeconds: Double, model: ModelStatus,
                queueLength: Int, speech: SpeechStatus, voice: VoiceInfo, watching: [String]) {
        self.version = version; self.protocolVersion = protocolVersion; self.uptimeSeconds = uptimeSeconds
        self.model = model; self.queueLength = queueLength; self.speech = speech; self.voice = voice
        self.watching = watching
    }
}

/// One remembered caption.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// Seconds since 1970.
    public var time: Double
    /// The photo's file name, or the client's name for it.
    public var photo: String?
    public var text: String
    public init(time: Double, photo: String?, text: String) {
        self.time = time; self.photo = photo; self.text = text
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
    /// An event frame (id 0) on a subscribed connection.
    case event(Event)
    case failure(RemoteError)

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
        case .event: return "event"
        case .failure: return "error"
        }
    }
}

/// A response frame: `{"v":1,"id":N,"type":"...","ok":true, ...fields}`, or with `"ok":false`
/// and an `error` object `{"code":"...","message":"..."}`.
public struct Response: Sendable, Equatable, Codable {
    /// The id of the request this answers; 0 for events and for errors about unparseable frames.
    public var id: UInt64
    public var body: ResponseBody

    public init(id: UInt64, _ body: ResponseBody) {
        self.id = id
        self.body = body
    }

    enum Keys: String, CodingKey { case v, id, type, ok, error, status, utterance, text, entries, event }

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
        case .stopped, .subscribed, .failure: break
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
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown response type '\(type)'")
        }
    }
}
