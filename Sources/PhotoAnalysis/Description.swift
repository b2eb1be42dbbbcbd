import Foundation
import Messages

/// How much one spoken description says.
public enum Verbosity: String, Codable, Sendable, CaseIterable {
    /// The most important quality warning and the caption. Text is read only when there is
    /// no caption, so a fresh install without a captioning model still says something useful.
    case captionOnly
    /// The most important quality warning, the caption, then the text.
    case captionAndText
    /// Every quality warning, the caption, the text, and whether some text was too unclear.
    case everything
}

/// One photo's description: the single message to speak and its parts as separate fields.
///
/// The message follows what the user needs first (docs/users.md): what is wrong with the photo,
/// then what it shows, then what it says. Nothing is invented: without a caption and without
/// text the message says so plainly.
public struct Description: Codable, Sendable, Equatable {
    /// The one message to speak.
    public var message: String
    /// The spoken quality warning(s) included in `message`, if any.
    public var qualityWarning: String?
    /// The caption exactly as the model produced it, if there was one.
    public var caption: String?
    /// The text read from the photo as included in `message` (without "It says:").
    public var text: String?
    public var verbosity: Verbosity
    /// The full measurements and text lines, for clients that show or log them.
    public var quality: QualityReport?
    public var reading: ReadResult?

    // The English sentences, which clients and the journal have always had (MessagesTests and
    // DescriptionTests check that the catalogue keeps them).
    static let english = MessageCatalogue(language: .english)
    static let saysPrefix = english.text(.itSays(text: ""))
    static let unclearText = english.text(.unclearText)
    static let noTextNoModel = english.text(.noTextNoModel)
    static let noText = english.text(.noText)
    static let noDescription = english.text(.noDescription)
    static let nothingAvailable = english.text(.nothingAvailable)

    /// Composes the description. A pure function of its arguments.
    ///
    /// - Parameters:
    ///   - quality: the quality check, or nil when it did not run.
    ///   - caption: the captioning model's text, or nil when there is no caption.
    ///   - reading: the text reader's result, or nil when text reading is not available.
    ///   - captioningInstalled: whether a captioning model is installed; only changes what is
    ///     said when there is neither a caption nor text.
    ///   - catalogue: the language of the fixed sentences (advice, "It says:", nothing found);
    ///     the caption and the text read are said as they are.
    public static func compose(quality: QualityReport?, caption: String?, reading: ReadResult?,
                               verbosity: Verbosity, captioningInstalled: Bool = false,
                               catalogue: MessageCatalogue = MessageCatalogue(language: .english)) -> Description {
        let problems = quality?.problems ?? []
        let warnings = verbosity == .everything ? problems : Array(problems.prefix(1))
        let qualityWarning = warnings.isEmpty ? nil : warnings.map { catalogue.text($0.kind.message) }.joined(separator: " ")

        let trimmedCaption = caption?.trimmingCharacters(in: .whitespacesAndNewlines)
        let spokenCaption = trimmedCaption.flatMap { $0.isEmpty ? nil : $0 }
        let readText = reading.flatMap { $0.isEmpty ? nil : $0.text }
        let includeText = verbosity != .captionOnly || spokenCaption == nil
        let spokenText = includeText ? readText : nil

        var parts: [String] = []
        if let qualityWarning { parts.append(qualityWarning) }
        if let spokenCaption { parts.append(sentence(spokenCaption)) }
        if let spokenText { parts.append(sentence(catalogue.text(.itSays(text: spokenText)))) }
        if verbosity == .everything, spokenText != nil, let reading, reading.droppedWords > 0 {
            parts.append(catalogue.text(.unclearText))
        }
        if spokenCaption == nil && spokenText == nil {
            switch (captioningInstalled, reading != nil) {
            case (false, false): parts.append(catalogue.text(.nothingAvailable))
            case (false, true): parts.append(catalogue.text(.noTextNoModel))
            case (true, true): parts.append(catalogue.text(.noText))
            case (true, false): parts.append(catalogue.text(.noDescription))
            }
        }
        return Description(message: parts.joined(separator: " "), qualityWarning: qualityWarning,
                           caption: caption, text: spokenText, verbosity: verbosity,
                           quality: quality, reading: reading)
    }

    /// `s` ending in sentence punctuation, so the speech engine pauses before the next part.
    static func sentence(_ s: String) -> String {
        guard let last = s.last else { return s }
        return ".!?".contains(last) ? s : s + "."
    }
}
