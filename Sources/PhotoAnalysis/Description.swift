import Foundation

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

    static let saysPrefix = "It says: "
    static let unclearText = "Some more text was too unclear to read."
    static let noTextNoModel = "I could not find text in this photo, and no captioning model is installed."
    static let noText = "I could not find text in this photo."
    static let noDescription = "I could not describe this photo."
    static let nothingAvailable = "No captioning model is installed and text reading is not available, so I cannot describe this photo."

    /// Composes the description. A pure function of its arguments.
    ///
    /// - Parameters:
    ///   - quality: the quality check, or nil when it did not run.
    ///   - caption: the captioning model's text, or nil when there is no caption.
    ///   - reading: the text reader's result, or nil when text reading is not available.
    ///   - captioningInstalled: whether a captioning model is installed; only changes what is
    ///     said when there is neither a caption nor text.
    public static func compose(quality: QualityReport?, caption: String?, reading: ReadResult?,
                               verbosity: Verbosity, captioningInstalled: Bool = false) -> Description {
        let problems = quality?.problems ?? []
        let warnings = verbosity == .everything ? problems : Array(problems.prefix(1))
        let qualityWarning = warnings.isEmpty ? nil : warnings.map(\.advice).joined(separator: " ")

        let trimmedCaption = caption?.trimmingCharacters(in: .whitespacesAndNewlines)
        let spokenCaption = trimmedCaption.flatMap { $0.isEmpty ? nil : $0 }
        let readText = reading.flatMap { $0.isEmpty ? nil : $0.text }
        let includeText = verbosity != .captionOnly || spokenCaption == nil
        let spokenText = includeText ? readText : nil

        var parts: [String] = []
        if let qualityWarning { parts.append(qualityWarning) }
        if let spokenCaption { parts.append(sentence(spokenCaption)) }
        if let spokenText { parts.append(sentence(saysPrefix + spokenText)) }
        if verbosity == .everything, spokenText != nil, let reading, reading.droppedWords > 0 {
            parts.append(unclearText)
        }
        if spokenCaption == nil && spokenText == nil {
            switch (captioningInstalled, reading != nil) {
            case (false, false): parts.append(nothingAvailable)
            case (false, true): parts.append(noTextNoModel)
            case (true, true): parts.append(noText)
            case (true, false): parts.append(noDescription)
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
