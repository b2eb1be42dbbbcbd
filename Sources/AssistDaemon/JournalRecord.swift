import Foundation
import IPC

/// One line of the journal: the on-disk format, kept apart from the wire types so the protocol
/// can change without rewriting anyone's records. Field names are snake_case; records written
/// before protocol v2 (camelCase description fields, `lowContrast`, `caption-and-text`) still load.
struct JournalRecord: Codable, Equatable, Sendable {
    enum State: String, Codable, Sendable { case claimed, done, failed }

    var state: State
    var photo: PhotoIdentity
    /// Seconds since 1970.
    var time: Double
    /// How many times this photo has been claimed, this record included.
    var attempt: Int
    /// The caption exactly as the model wrote it; absent when there was none.
    var caption: String?
    var error: String?
    /// The message spoken for a `done` photo; absent in records from before descriptions.
    var message: String?
    /// The parts of that message (quality, text, caption, timings).
    var description: RecordedDescription?

    /// Whether anything of what the photo showed is still here.
    var hasDescription: Bool { caption != nil || message != nil || description != nil }

    /// This record with its description taken out (`forget`, `retention_days`).
    var erased: JournalRecord {
        var r = self
        r.caption = nil
        r.message = nil
        r.description = nil
        return r
    }
}

/// A description as the journal keeps it.
struct RecordedDescription: Codable, Equatable, Sendable {
    struct Quality: Codable, Equatable, Sendable {
        struct Problem: Codable, Equatable, Sendable {
            var kind: String
            var advice: String
        }
        var problems: [Problem]
        var warning: String?
        var scores: [String: Double]
    }

    struct TextLine: Codable, Equatable, Sendable {
        var text: String
        var confidence: Double
    }

    struct Text: Codable, Equatable, Sendable {
        var lines: [TextLine]
        var language: String
        var rotation: Int
        var inverted: Bool
        var droppedWords: Int

        enum CodingKeys: String, CodingKey {
            case lines, language, rotation, inverted, droppedWords = "dropped_words", legacyDroppedWords = "droppedWords"
        }
    }

    struct CaptionTimings: Codable, Equatable, Sendable {
        var decode: Double
        var encode: Double
        var generate: Double
    }

    struct Caption: Codable, Equatable, Sendable {
        var text: String
        var tokens: [Int]
        var timings: CaptionTimings
    }

    struct Timings: Codable, Equatable, Sendable {
        var decode: Double
        var quality: Double?
        var text: Double?
        var caption: Double?
        var total: Double
    }

    var message: String
    /// `caption`, `caption_and_text` or `everything`.
    var verbosity: String
    var quality: Quality?
    var text: Text?
    var caption: Caption?
    var captionProblem: String?
    var textProblem: String?
    var timings: Timings

    enum CodingKeys: String, CodingKey {
        case message, verbosity, quality, text, caption, timings
        case captionProblem = "caption_problem", textProblem = "text_problem"
        case legacyCaptionProblem = "captionProblem", legacyTextProblem = "textProblem"
    }
}

extension RecordedDescription {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = try c.decode(String.self, forKey: .message)
        verbosity = RecordedDescription.snakeCase(try c.decode(String.self, forKey: .verbosity))
        quality = try c.decodeIfPresent(Quality.self, forKey: .quality)
        text = try c.decodeIfPresent(Text.self, forKey: .text)
        caption = try c.decodeIfPresent(Caption.self, forKey: .caption)
        captionProblem = try c.decodeIfPresent(String.self, forKey: .captionProblem)
            ?? c.decodeIfPresent(String.self, forKey: .legacyCaptionProblem)
        textProblem = try c.decodeIfPresent(String.self, forKey: .textProblem)
            ?? c.decodeIfPresent(String.self, forKey: .legacyTextProblem)
        timings = try c.decode(Timings.self, forKey: .timings)
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(message, forKey: .message)
        try c.encode(verbosity, forKey: .verbosity)
        try c.encodeIfPresent(quality, forKey: .quality)
        try c.encodeIfPresent(text, forKey: .text)
        try c.encodeIfPresent(caption, forKey: .caption)
        try c.encodeIfPresent(captionProblem, forKey: .captionProblem)
        try c.encodeIfPresent(textProblem, forKey: .textProblem)
        try c.encode(timings, forKey: .timings)
    }

    /// `lowContrast` -> `low_contrast`, `caption-and-text` -> `caption_and_text`: the names
    /// records before protocol v2 used, in the one case used since.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        for ch in name {
            if ch == "-" {
                out.append("_")
            } else if ch.isUppercase {
                out.append("_")
                out.append(contentsOf: ch.lowercased())
            } else {
                out.append(ch)
            }
        }
        return out
    }

    init(_ d: DescriptionInfo) {
        message = d.message
        verbosity = d.verbosity.rawValue
        quality = d.quality.map { q in
            Quality(problems: q.problems.map { Quality.Problem(kind: $0.kind.rawValue, advice: $0.advice) },
                    warning: q.warning, scores: q.scores)
        }
        text = d.text.map { t in
            Text(lines: t.lines.map { TextLine(text: $0.text, confidence: $0.confidence) }, language: t.language,
                 rotation: t.rotation, inverted: t.inverted, droppedWords: t.droppedWords)
        }
        caption = d.caption.map { c in
            Caption(text: c.text, tokens: c.tokens,
                    timings: CaptionTimings(decode: c.timings.decode, encode: c.timings.encode, generate: c.timings.generate))
        }
        captionProblem = d.captionProblem
        textProblem = d.textProblem
        timings = Timings(decode: d.timings.decode, quality: d.timings.quality, text: d.timings.text,
                          caption: d.timings.caption, total: d.timings.total)
    }

    /// The description on the wire (for `history` after a restart). A quality problem this
    /// daemon does not know (written by a newer one) is left out; so is the verbosity, which
    /// then reads as the default, `everything`.
    var info: DescriptionInfo {
        DescriptionInfo(
            message: message, verbosity: DescriptionVerbosity(rawValue: verbosity) ?? .everything,
            quality: quality.map { q in
                QualityInfo(problems: q.problems.compactMap { p in
                    QualityProblemKind(rawValue: p.kind).map { QualityProblemInfo(kind: $0, advice: p.advice) }
                }, warning: q.warning, scores: q.scores)
            },
            text: text.map { t in
                TextInfo(lines: t.lines.map { TextLineInfo(text: $0.text, confidence: $0.confidence) }, language: t.language,
                         rotation: t.rotation, inverted: t.inverted, droppedWords: t.droppedWords)
            },
            caption: caption.map { c in
                CaptionInfo(text: c.text, tokens: c.tokens,
                            timings: IPC.Timings(decode: c.timings.decode, encode: c.timings.encode, generate: c.timings.generate))
            },
            captionProblem: captionProblem, textProblem: textProblem,
            timings: DescriptionTimings(decode: timings.decode, quality: timings.quality, text: timings.text,
                                        caption: timings.caption, total: timings.total))
    }
}

extension RecordedDescription.Quality {
    init(from decoder: Decoder) throws {
        enum Keys: String, CodingKey { case problems, warning, scores }
        let c = try decoder.container(keyedBy: Keys.self)
        problems = try c.decode([Problem].self, forKey: .problems).map {
            Problem(kind: RecordedDescription.snakeCase($0.kind), advice: $0.advice)
        }
        warning = try c.decodeIfPresent(String.self, forKey: .warning)
        let raw = try c.decode([String: Double].self, forKey: .scores)
        scores = Dictionary(raw.map { (RecordedDescription.snakeCase($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

extension RecordedDescription.Text {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lines = try c.decode([RecordedDescription.TextLine].self, forKey: .lines)
        language = try c.decode(String.self, forKey: .language)
        rotation = try c.decode(Int.self, forKey: .rotation)
        inverted = try c.decode(Bool.self, forKey: .inverted)
        droppedWords = try c.decodeIfPresent(Int.self, forKey: .droppedWords)
            ?? c.decode(Int.self, forKey: .legacyDroppedWords)
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lines, forKey: .lines)
        try c.encode(language, forKey: .language)
        try c.encode(rotation, forKey: .rotation)
        try c.encode(inverted, forKey: .inverted)
        try c.encode(droppedWords, forKey: .droppedWords)
    }
}
