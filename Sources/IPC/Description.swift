/// How much one spoken description says (the daemon's `verbosity` setting).
public enum DescriptionVerbosity: String, Codable, Sendable, CaseIterable {
    /// The most important quality warning and the caption; text only when there is no caption.
    case caption
    /// The most important quality warning, the caption, then the text.
    case captionAndText = "caption_and_text"
    /// Every quality warning, the caption, the text, and whether some text was too unclear.
    case everything
}

/// One photo's description: the spoken message and, separately, each part it was made from
/// (docs/protocol.md, "Descriptions"). A part is absent when it did not run.
public struct DescriptionInfo: Codable, Sendable, Equatable {
    /// The one message spoken for the photo: quality warning, caption, then "It says: " text.
    public var message: String
    public var verbosity: DescriptionVerbosity
    public var quality: QualityInfo?
    public var text: TextInfo?
    public var caption: CaptionInfo?
    /// Why `caption` is absent (no model installed, the model failed, the photo was black).
    public var captionProblem: String?
    /// Why `text` is absent (text reading not available, or it failed on this photo).
    public var textProblem: String?
    public var timings: DescriptionTimings
    /// The mode the photo was described in; absent from records made before modes.
    public var mode: AssistMode?
    /// What the mode measured (codes, colours, light, layout).
    public var modeResult: ModeResult?

    public init(message: String, verbosity: DescriptionVerbosity, quality: QualityInfo?, text: TextInfo?, caption: CaptionInfo?,
                captionProblem: String? = nil, textProblem: String? = nil, timings: DescriptionTimings,
                mode: AssistMode? = nil, modeResult: ModeResult? = nil) {
        self.message = message; self.verbosity = verbosity; self.quality = quality; self.text = text
        self.caption = caption; self.captionProblem = captionProblem; self.textProblem = textProblem
        self.timings = timings; self.mode = mode; self.modeResult = modeResult
    }

    enum CodingKeys: String, CodingKey {
        case message, verbosity, quality, text, caption, timings, mode
        case modeResult = "mode_result"
        case captionProblem = "caption_problem", textProblem = "text_problem"
    }
}

/// What can be wrong with a photo.
public enum QualityProblemKind: String, Codable, Sendable, CaseIterable {
    case covered, dark, bright, blurry
    case lowContrast = "low_contrast"
}

/// The photo-quality check of one photo.
public struct QualityInfo: Codable, Sendable, Equatable {
    /// Problems found, most important first; empty for a good photo.
    public var problems: [QualityProblemInfo]
    /// The warning included in the message (one problem's advice, or every problem's with
    /// `everything`); absent when nothing was wrong.
    public var warning: String?
    /// The measurements by snake_case name (`mean_luminance`, `p5`, `laplacian_ratio`, ...;
    /// docs/analysis.md lists them). A map, so new measurements need no protocol change.
    public var scores: [String: Double]

    public init(problems: [QualityProblemInfo], warning: String?, scores: [String: Double]) {
        self.problems = problems; self.warning = warning; self.scores = scores
    }
}

/// One thing wrong with a photo.
public struct QualityProblemInfo: Codable, Sendable, Equatable {
    public var kind: QualityProblemKind
    /// What is said about it: what is wrong, then what to do.
    public var advice: String
    public init(kind: QualityProblemKind, advice: String) {
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

    enum CodingKeys: String, CodingKey {
        case lines, language, rotation, inverted, droppedWords = "dropped_words"
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

/// Milliseconds spent in each stage of one caption (mirrors Vision's `CaptionTimings`).
public struct Timings: Codable, Sendable, Equatable {
    public var decode: Double
    public var encode: Double
    public var generate: Double
    public init(decode: Double, encode: Double, generate: Double) {
        self.decode = decode; self.encode = encode; self.generate = generate
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
