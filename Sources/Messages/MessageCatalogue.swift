/// The words of every `Message` in one language.
///
/// Templates hold `{parameter}` slots; `text(_:)` fills them, rendering nested messages, lists
/// and Tesseract language names with this same catalogue.
public struct MessageCatalogue: Sendable {
    public let language: Language
    /// The template of every id (complete for the shipped languages; MessagesTests checks it).
    public let templates: [MessageID: String]
    /// Spoken names of Tesseract language codes (`eng` -> "English").
    public let languageNames: [String: String]

    public init(language: Language) {
        self.language = language
        switch language {
        case .english:
            templates = EnglishMessages.templates
            languageNames = EnglishMessages.languageNames
        case .german:
            templates = GermanMessages.templates
            languageNames = GermanMessages.languageNames
        }
    }

    /// The catalogue of every shipped language.
    public static let all: [MessageCatalogue] = Language.allCases.map(MessageCatalogue.init(language:))

    /// `message` in words.
    public func text(_ message: Message) -> String {
        // A missing template would be a build defect that MessagesTests catches; speaking the
        // English sentence is still better than silence.
        let template = templates[message.id] ?? EnglishMessages.templates[message.id] ?? message.id.rawValue
        let arguments = message.arguments
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let parameter = MessageParameter(rawValue: name), let argument = arguments[parameter] {
                out += render(argument)
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Several messages as one utterance, separated by spaces.
    public func utterance(_ messages: [Message]) -> String {
        messages.map(text).joined(separator: " ")
    }

    /// The spoken name of `languages` (`eng+deu` -> "English and German"); an unknown code is
    /// said as it is.
    public func languageName(_ languages: String) -> String {
        let names = languages.split(separator: "+").map { languageNames[String($0)] ?? String($0) }
        return names.isEmpty ? languages : series(names)
    }

    /// "A", "A and B", "A, B and C".
    public func series(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        guard names.count > 1 else { return last }
        return text(.listPair(first: names.dropLast().joined(separator: ", "), second: last))
    }

    /// The `{name}` slots of `template`, in order of appearance.
    public static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    private func render(_ argument: MessageArgument) -> String {
        switch argument {
        case .text(let s): return s
        case .number(let n): return String(n)
        case .tesseractLanguages(let codes): return languageName(codes)
        case .message(let m): return text(m)
        case .list(let ms): return ms.map(text).joined(separator: "; ")
        case .series(let ms): return series(ms.map(text))
        }
    }
}
