/// The language assist speaks in: it selects the message catalogue, the espeak-ng voice and the
/// default Tesseract language, so one `language` setting changes all three together.
///
/// The caption is not translated: it stays in the captioning model's language (English for
/// every checkpoint this engine runs).
public enum Language: String, CaseIterable, Sendable, Codable {
    case english = "en"
    case german = "de"

    /// Accepts the two-letter code, a locale such as `de_DE.UTF-8` or `en-GB`, or the English
    /// name, in any case. Nil for a language without a catalogue.
    public init?(code: String) {
        let lowered = code.lowercased()
        let base = lowered.split(whereSeparator: { "-_.@".contains($0) }).first.map(String.init) ?? lowered
        switch base {
        case "en", "eng", "english": self = .english
        case "de", "deu", "ger", "german", "deutsch": self = .german
        default: return nil
        }
    }

    /// The espeak-ng voice that speaks this language (`espeak-ng --voices`).
    public var espeakVoice: String {
        switch self {
        case .english: return "en"
        case .german: return "de"
        }
    }

    /// The Tesseract language data read by default (`tesseract-ocr-eng`, `tesseract-ocr-deu`).
    public var tesseractLanguage: String {
        switch self {
        case .english: return "eng"
        case .german: return "deu"
        }
    }

    /// The codes accepted by `init(code:)`, for error messages naming what is allowed.
    public static var supportedCodes: [String] { allCases.map(\.rawValue) }
}
