/// A reading control: what `pause`, `resume`, `next`, `previous` and `spell` ask of the text that
/// was last read aloud (a photo's description, or in text mode the document).
public enum ReadingCommand: String, Codable, Sendable, CaseIterable {
    /// Stop reading; `resume` starts again at the sentence that was being heard.
    case pause
    /// Read on from the sentence where reading paused (or was stopped).
    case resume
    case nextSentence = "next_sentence"
    case previousSentence = "previous_sentence"
    case nextParagraph = "next_paragraph"
    case previousParagraph = "previous_paragraph"
    /// Say the last word heard letter by letter.
    case spell
}

/// The answer to a reading control.
public struct ReadingResult: Codable, Sendable, Equatable {
    public var command: ReadingCommand
    /// The sentence now current (0-based): where reading paused, or where it goes on from.
    public var sentence: Int
    /// Sentences in the text being read.
    public var sentences: Int
    /// The paragraph of `sentence` (0-based).
    public var paragraph: Int
    /// What is said now: the text read from `sentence` on, or the spelling; absent for `pause`.
    public var text: String?
    /// The word spelled, for `spell`.
    public var word: String?
    /// The utterance that says `text` (0 without speech); absent for `pause`.
    public var utterance: UInt64?

    public init(command: ReadingCommand, sentence: Int, sentences: Int, paragraph: Int, text: String? = nil,
                word: String? = nil, utterance: UInt64? = nil) {
        self.command = command; self.sentence = sentence; self.sentences = sentences; self.paragraph = paragraph
        self.text = text; self.word = word; self.utterance = utterance
    }
}
