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
///
/// `text`, `tokens` and `timings` are the version 1 fields: `text` is the message that was (or,
/// with `speak: false`, would have been) spoken, and `tokens`/`timings` are the caption's, empty
/// and zero when no caption was made. `description` holds each part separately.
public struct CaptionResult: Codable, Sendable, Equatable {
    public var text: String
    public var tokens: [Int]
    public var timings: Timings
    /// True when the message was queued for speech.
    public var spoken: Bool
    /// The parts of the description; absent only from daemons older than this field.
    public var description: DescriptionInfo?
    public init(text: String, tokens: [Int], timings: Timings, spoken: Bool, description: DescriptionInfo? = nil) {
        self.text = text; self.tokens = tokens; self.timings = timings; self.spoken = spoken
        self.description = description
    }
}

/// One photo's description: the spoken message and, separately, each part it was made from
/// (docs/protocol.md, "Descriptions"). A part is absent when it did not run.
public struct DescriptionInfo: Codable, Sendable, Equatable {
    /// The one message spoken for the photo: quality warning, caption, then "It says: " text.
    public var message: String
    /// `caption`, `caption-and-text` or `everything` (the daemon's `verbosity` setting).
    public var verbosity: String
    public var quality: QualityInfo?
    public var text: TextInfo?
    public var caption: CaptionInfo?
    /// Why `caption` is absent (no model installed, the model failed, the photo was black).
    public var captionProblem: String?
    /// Why `text` is absent (text reading not available, or it failed on this photo).
    public var textProblem: String?
    public var timings: DescriptionTimings

    public init(message: String, verbosity: String, quality: QualityInfo?, text: TextInfo?, caption: CaptionInfo?,
                captionProblem: String? = nil, textProblem: String? = nil, timings: DescriptionTimings) {
        self.message = message; self.verbosity = verbosity; self.quality = quality; self.text = text
        self.caption = caption; self.captionProblem = captionProblem; self.textProblem = textProblem
        self.timings = timings
    }
}

/// The photo-quality check of one photo.
public struct QualityInfo: Codable, Sendable, Equatable {
    /// Problems found, most important first; empty for a good photo.
    public var problems: [QualityProblemInfo]
    /// The warning included in the message (one problem's advice, or every problem's with
    /// `everything`); absent when nothing was wrong.
    public var warning: String?
    /// The measurements by name (`meanLuminance`, `p5`, `laplacianRatio`, `blurEffect`, ...;
    /// docs/analysis.md lists them). A map, so new measurements need no protocol change.
    public var scores: [String: Double]

    public init(problems: [QualityProblemInfo], warning: String?, scores: [String: Double]) {
        self.problems = problems; self.warning = warning; self.scores = scores
    }
}

/// One thing wrong with a photo.
public struct QualityProblemInfo: Codable, Sendable, Equatable {
    /// `covered`, `dark`, `bright`, `blurry` or `lowContrast`.
    public var kind: String
    /// What is said about it: what is wrong, then what to do.
    public var advice: String
    public init(kind: String, advice: String) {
        self.kind = kind; self.advice = advice
    }
}

/// The text read from one photo.
public struct TextInfo: Codable, Sendable, Equatable {
    /// Lines in reading order; empty when the photo has no readable text.
    public var lines: [TextLineInfo]
    /// The reading language(s), e.g. `eng` or `eng+deu`.
    public var language: String
    /// Degrees the photo was turned clockwise to read the text (0 or 180).
    public var rotation: Int
    /// True when the text was light on a dark ground.
    public var inverted: Bool
    /// Words found but left out because they were too unclear.
    public var droppedWords: Int
    public init(lines: [TextLineInfo], language: String, rotation: Int, inverted: Bool, droppedWords: Int) {
        self.lines = lines; self.language = language; self.rotation = rotation; self.inverted = inverted
        self.droppedWords = droppedWords
    }
}

/// One line of text read from a photo.
public struct TextLineInfo: Codable, Sendable, Equatable {
    public var text: String
    /// Mean confidence of the line's words, 0...100.
    public var confidence: Double
    public init(text: String, confidence: Double) {
        self.text = text; self.confidence = confidence
    }
}

/// The captioning model's part of a description.
public struct CaptionInfo: Codable, Sendable, Equatable {
    /// The caption exactly as the model wrote it.
    public var text: String
    public var tokens: [Int]
    public var timings: Timings
    public init(text: String, tokens: [Int], timings: Timings) {
        self.text = text; self.tokens = tokens; self.timings = timings
    }
}

/// Milliseconds per stage of one description; a stage that did not run is absent.
public struct DescriptionTimings: Codable, Sendable, Equatable {
    /// Decoding the photo to upright pixels (once, shared by the other stages).
    public var decode: Double
    public var quality: Double?
    /// Reading text.
    public var text: Double?
    /// Captioning (the model's own decode, encode and generate).
    public var caption: Double?
    /// The whole description, wall time (text and caption may overlap).
    public var total: Double
    public init(decode: Double, quality: Double?, text: Double?, caption: Double?, total: Double) {
        self.decode = decode; self.quality = quality; self.text = text; self.caption = caption; self.total = total
    }
}

/// Text reading for `status`.
public struct ReadingStatus: Codable, Sendable, Equatable {
    public var available: Bool
    /// The configured `ocr_language` (`none` when reading is turned off).
    public var language: String
    /// Why text cannot be read, and how to fix it.
    public var problem: String?
    public init(available: Bool, language: String, problem: String?) {
        self.available = available; self.language = language; self.problem = problem
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

/// The captioning model's state for `status` and `reload_model`.
///
/// `loaded`, `path` and `problem` are the original fields; the others were added within
/// version 1 and are absent from older daemons.
public struct ModelStatus: Codable, Sendable, Equatable {
    /// True when a model is captioning photos (possibly the previous one while another loads).
    public var loaded: Bool
    /// The directory of the model in use, or, when none is, of the one configured or selected.
    public var path: String?
    /// Why no model is loaded and how to install one, or why the last load failed.
    public var problem: String?
    /// `loaded`, `loading` (a new model is being loaded; `loaded` tells whether an older one
    /// serves meanwhile) or `missing` (no model captions photos).
    public var state: String?
    /// The model's directory name in the models directory, e.g. `nlpconnect--vit-gpt2-image-captioning`.
    public var name: String?
    /// The hub repository and commit it was installed from (absent for a checkpoint copied by hand).
    public var repo: String?
    public var commit: String?
    /// The models directory `assist model install` and `use` work on for this daemon.
    public var modelsDirectory: String?
    /// `selection` when the daemon follows the models directory's `current` link, `config` when
    /// `model = DIR` (or `--model`) names a directory.
    public var source: String?
    /// The directory being loaded while `state` is `loading`.
    public var loadingPath: String?

    public init(loaded: Bool, path: String?, problem: String?, state: String? = nil, name: String? = nil,
                repo: String? = nil, commit: String? = nil, modelsDirectory: String? = nil, source: String? = nil,
                loadingPath: String? = nil) {
        self.loaded = loaded; self.path = path; self.problem = problem
        self.state = state; self.name = name; self.repo = repo; self.commit = commit
        self.modelsDirectory = modelsDirectory; self.source = source; self.loadingPath = loadingPath
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
    /// Text reading; absent only from daemons older than this field.
    public var reading: ReadingStatus?
    /// The `verbosity` setting; absent only from daemons older than this field.
    public var verbosity: String?
    /// Why the journal cannot be written (disk full, I/O error), while photos wait for it; absent
    /// when recording works.
    public var journalProblem: String?
    public init(version: String, protocolVersion: Int, uptimeSeconds: Double, model: ModelStatus,
                queueLength: Int, speech: SpeechStatus, voice: VoiceInfo, watching: [String],
                reading: ReadingStatus? = nil, verbosity: String? = nil, journalProblem: String? = nil) {
        self.version = version; self.protocolVersion = protocolVersion; self.uptimeSeconds = uptimeSeconds
        self.model = model; self.queueLength = queueLength; self.speech = speech; self.voice = voice
        self.watching = watching; self.reading = reading; self.verbosity = verbosity
        self.journalProblem = journalProblem
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
        case .modelReload: return "reload_model"
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

    enum Keys: String, CodingKey { case v, id, type, ok, error, status, utterance, text, entries, event, model }

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
        case "reload_model": body = .modelReload(try c.decode(ModelStatus.self, forKey: .model))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                debugDescription: "unknown response type '\(type)'")
        }
    }
}
