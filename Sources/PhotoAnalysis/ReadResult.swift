import Foundation

/// One line of text read from a photo.
public struct TextLine: Codable, Sendable, Equatable {
    /// The words Tesseract was confident about, joined by single spaces.
    public var text: String
    /// Mean Tesseract word confidence of the kept words, 0...100.
    public var confidence: Float

    public init(text: String, confidence: Float) {
        self.text = text
        self.confidence = confidence
    }
}

/// One word read from a photo, with where it is.
public struct TextWord: Codable, Sendable, Equatable {
    public var text: String
    /// Tesseract's confidence, 0...100.
    public var confidence: Float
    /// Where the word is, in pixels of the photo as it was given.
    public var box: ImageRect
    /// Index into `ReadResult.lines` of the line holding it.
    public var line: Int
    /// Tesseract's paragraph and block (text region) numbers, counted over the page.
    public var paragraph: Int
    public var block: Int

    public init(text: String, confidence: Float, box: ImageRect, line: Int, paragraph: Int, block: Int) {
        self.text = text
        self.confidence = confidence
        self.box = box
        self.line = line
        self.paragraph = paragraph
        self.block = block
    }
}

/// The text found in one photo.
public struct ReadResult: Codable, Sendable, Equatable {
    /// Lines in reading order, only words at or above the confidence threshold.
    public var lines: [TextLine]
    /// The Tesseract language(s) used, e.g. "eng".
    public var language: String
    /// Degrees the photo was turned clockwise before the text came out upright (0/90/180/270).
    public var rotation: Int
    /// Whether the text was light on a dark ground (read from the inverted photo).
    public var inverted: Bool
    /// Words found but dropped because their confidence was below the threshold.
    public var droppedWords: Int
    /// Wall time of the whole read, seconds.
    public var seconds: Double
    /// Degrees the photo was turned clockwise to straighten slanted text before it was read
    /// (0 when it was read as it is); applied before `rotation`.
    public var skew: Double
    /// The kept words with their boxes, in Tesseract's order (empty in results made without a
    /// reader).
    public var words: [TextWord]
    /// Boxes of every line Tesseract saw with at least 2 letters or digits, kept or not, in
    /// photo pixels: a line cut by the frame is read badly and dropped, but still shows that
    /// the page goes on past the edge.
    public var lineBoxes: [ImageRect]
    /// Size of the photo the boxes refer to.
    public var width: Int
    public var height: Int

    public init(lines: [TextLine], language: String, rotation: Int, inverted: Bool,
                droppedWords: Int, seconds: Double, skew: Double = 0, words: [TextWord] = [],
                lineBoxes: [ImageRect] = [], width: Int = 0, height: Int = 0) {
        self.lines = lines
        self.language = language
        self.rotation = rotation
        self.inverted = inverted
        self.droppedWords = droppedWords
        self.seconds = seconds
        self.skew = skew
        self.words = words
        self.lineBoxes = lineBoxes
        self.width = width
        self.height = height
    }

    /// All lines as they are spoken: each line ends as a sentence (a period is added unless it
    /// already ends in punctuation), so the voice pauses between lines of a sign or a label
    /// instead of running "Tomato soup Ready to serve" together.
    public var text: String {
        lines.map { line in
            guard let last = line.text.unicodeScalars.last else { return line.text }
            return CharacterSet.punctuationCharacters.contains(last) ? line.text : line.text + "."
        }.joined(separator: " ")
    }

    /// True when nothing readable was found.
    public var isEmpty: Bool { lines.isEmpty }
}
