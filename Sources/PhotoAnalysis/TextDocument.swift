import Foundation

/// Read text cut into paragraphs and sentences, for moving through a document by sentence and
/// paragraph, resuming after a pause, and spelling the last word.
///
/// `text` is what is spoken: paragraphs joined by a blank line, the lines of a paragraph by
/// spaces (a word broken with a hyphen at a line's end is joined again). Offsets are counted in
/// Unicode scalars of `text`, which is how libespeak-ng's callbacks count `text_position`
/// (1-based there; 0-based here).
public struct TextDocument: Codable, Sendable, Equatable {
    /// One sentence: its text and where it is.
    public struct Sentence: Codable, Sendable, Equatable {
        public var text: String
        /// Scalar offsets of its first character and one past its last in `TextDocument.text`.
        public var start: Int
        public var end: Int
        public var paragraph: Int
    }

    public var text: String
    public var sentences: [Sentence]
    public var paragraphCount: Int

    /// Words after which a full stop does not end a sentence.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "st", "no", "nr", "vs", "etc", "e.g", "i.e", "fig", "approx", "tel",
        "ca", "cf", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "min", "max",
    ]

    /// `lines` in reading order; `paragraphs[i]` numbers the paragraph of line i (non-decreasing).
    public init(lines: [String], paragraphs: [Int]) {
        precondition(lines.count == paragraphs.count, "one paragraph number per line")
        var paragraphTexts: [String] = []
        var last: Int?
        for (line, p) in zip(lines, paragraphs) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            if last != p || paragraphTexts.isEmpty {
                paragraphTexts.append(trimmed)
            } else {
                var current = paragraphTexts.removeLast()
                if current.hasSuffix("-"), let first = trimmed.first, first.isLowercase, current.count > 1,
                   current.dropLast().last?.isLetter == true {
                    current.removeLast()
                    current += trimmed
                } else {
                    current += " " + trimmed
                }
                paragraphTexts.append(current)
            }
            last = p
        }
        var text = "", sentences: [Sentence] = []
        var offset = 0
        for (index, paragraph) in paragraphTexts.enumerated() {
            if index > 0 {
                text += "\n\n"
                offset += 2
            }
            for (s, range) in TextDocument.split(paragraph) {
                sentences.append(Sentence(text: s, start: offset + range.lowerBound, end: offset + range.upperBound, paragraph: index))
            }
            text += paragraph
            offset += paragraph.unicodeScalars.count
        }
        self.text = text
        self.sentences = sentences
        self.paragraphCount = paragraphTexts.count
    }

    /// Sentences of one paragraph with their scalar ranges in it. A sentence ends at . ! or ?
    /// (and any closing quotes or brackets) followed by a space and a capital, a digit or an
    /// opening quote, unless the word before the stop is an abbreviation or a single letter.
    static func split(_ paragraph: String) -> [(String, Range<Int>)] {
        let scalars = Array(paragraph.unicodeScalars)
        var out: [(String, Range<Int>)] = []
        var start = 0, i = 0
        func emit(_ end: Int) {
            var a = start, b = end
            while a < b, scalars[a].properties.isWhitespace { a += 1 }
            while b > a, scalars[b - 1].properties.isWhitespace { b -= 1 }
            if a < b {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: scalars[a..<b])
                out.append((String(s), a..<b))
            }
            start = end
        }
        while i < scalars.count {
            let c = scalars[i]
            if c == "." || c == "!" || c == "?" {
                var j = i + 1
                while j < scalars.count, "\"')]”’".unicodeScalars.contains(scalars[j]) || scalars[j] == "." { j += 1 }
                if j < scalars.count, scalars[j].properties.isWhitespace {
                    var k = j
                    while k < scalars.count, scalars[k].properties.isWhitespace { k += 1 }
                    let next = k < scalars.count ? scalars[k] : " "
                    let startsSentence = next.properties.isUppercase || CharacterSet.decimalDigits.contains(next)
                        || "\"'“‘(".unicodeScalars.contains(next)
                    if startsSentence && !(c == "." && isAbbreviation(scalars, before: i)) {
                        emit(j)
                        i = j
                        continue
                    }
                }
            }
            i += 1
        }
        emit(scalars.count)
        return out
    }

    private static func isAbbreviation(_ scalars: [Unicode.Scalar], before stop: Int) -> Bool {
        var a = stop
        while a > 0, !scalars[a - 1].properties.isWhitespace, scalars[a - 1] != "(" { a -= 1 }
        var word = String.UnicodeScalarView()
        word.append(contentsOf: scalars[a..<stop])
        let w = String(word).lowercased()
        if w.count == 1, w.first?.isLetter == true { return true }
        return abbreviations.contains(w)
    }

    // MARK: navigation

    /// The sentence holding scalar `offset` of `text` (the one before, in the space between
    /// two); nil for an empty document.
    public func sentenceIndex(atOffset offset: Int) -> Int? {
        guard !sentences.isEmpty else { return nil }
        return sentences.lastIndex { $0.start <= offset } ?? 0
    }

    /// The first sentence of `paragraph`.
    public func firstSentence(ofParagraph paragraph: Int) -> Int? {
        sentences.firstIndex { $0.paragraph == paragraph }
    }

    /// Where "next paragraph" goes from `sentence`: the first sentence of the following
    /// paragraph, or nil at the last.
    public func nextParagraph(from sentence: Int) -> Int? {
        guard sentences.indices.contains(sentence) else { return nil }
        return firstSentence(ofParagraph: sentences[sentence].paragraph + 1)
    }

    /// Where "previous paragraph" goes: the start of this paragraph when `sentence` is inside
    /// it, else the start of the paragraph before (as screen readers do).
    public func previousParagraph(from sentence: Int) -> Int? {
        guard sentences.indices.contains(sentence) else { return nil }
        let p = sentences[sentence].paragraph
        let start = firstSentence(ofParagraph: p)!
        if start < sentence { return start }
        return p > 0 ? firstSentence(ofParagraph: p - 1) : nil
    }

    /// The text from the start of `sentence` to the end: what is spoken on resume.
    public func text(from sentence: Int) -> String {
        guard sentences.indices.contains(sentence) else { return "" }
        let scalars = text.unicodeScalars
        let from = scalars.index(scalars.startIndex, offsetBy: sentences[sentence].start)
        return String(scalars[from...])
    }

    /// The last whole word that starts before scalar `offset` (what was just heard), without
    /// punctuation; nil when there is none.
    public func lastWord(before offset: Int) -> String? {
        let scalars = Array(text.unicodeScalars.prefix(max(0, offset)))
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for s in scalars {
            if CharacterSet.alphanumerics.contains(s) || s == "'" || s == "-" {
                current.append(s)
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty {
            // The word being spoken at `offset`: complete it from the text after.
            let rest = text.unicodeScalars.dropFirst(scalars.count).prefix { CharacterSet.alphanumerics.contains($0) || $0 == "'" }
            current.append(contentsOf: rest)
            words.append(String(current))
        }
        return words.last?.trimmingCharacters(in: CharacterSet(charactersIn: "'-"))
    }

    /// A word letter by letter for speech: "capital T, o, m, a, t, o".
    public static func spell(_ word: String) -> String {
        word.map { ch -> String in
            if ch.isUppercase { return "capital \(ch.lowercased())" }
            if ch == " " { return "space" }
            return String(ch)
        }.joined(separator: ", ")
    }
}
