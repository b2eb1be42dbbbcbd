import Foundation
import IPC
import Messages
import PhotoAnalysis
import Speech
import SystemSupport

/// The reading controls: pause and resume, previous and next sentence or paragraph, and spelling
/// the last word, over whatever was last read aloud as a description (a photo's description,
/// or in text mode the document).
///
/// libespeak-ng cannot pause. The text is spoken as one utterance that reports its words
/// (`Narrator.say(reportingWords:)`, from libespeak-ng's word callbacks in the worker), so the
/// reader always knows the sentence and word last heard; pausing stops speech, and resuming
/// speaks a new utterance from the start of that sentence. Moving speaks from the start of the
/// sentence moved to. Every control is a plain method (for the key service and the socket
/// requests alike); a control with nothing to act on says why ("Nothing to resume.") and
/// answers `nothing_to_read`.
final class DocumentReader: Sendable {
    private enum Phase {
        /// Nothing has been read yet.
        case idle
        /// The current utterance is queued or speaking.
        case reading
        /// Stopped (by `pause`, `stop`, a newer caption or a failure) before the end.
        case paused
        /// Read to the end.
        case finished
    }

    private struct State {
        var document: TextDocument?
        var phase = Phase.idle
        /// The utterance reading `document` now (0 when none).
        var utterance: UInt64 = 0
        /// Where in `document.text` that utterance's text begins (Unicode scalars).
        var base = 0
        /// The sentence being heard, or last heard.
        var sentence = 0
        /// Where the last word heard begins in `document.text`.
        var lastWord: Int?
        /// The last sentence a `reading_sentence` event was sent for, in this utterance.
        var announced: Int?
        var catalogue: MessageCatalogue
    }

    private let narrator: Narrator
    private let events: EventHub
    private let state: Locked<State>

    init(narrator: Narrator, events: EventHub, language: Language) {
        self.narrator = narrator
        self.events = events
        state = Locked(State(catalogue: MessageCatalogue(language: language)))
        narrator.observe { [weak self] event in self?.heard(event) }
    }

    /// The language of what the controls say (the `language` config key; SIGHUP may change it).
    func update(language: Language) {
        state.withLock { $0.catalogue = MessageCatalogue(language: language) }
    }

    /// Reads `text` aloud as a caption and makes it what the controls act on. Paragraphs are
    /// separated by blank lines; the lines of a paragraph are read as one. Returns the utterance.
    @discardableResult
    func read(_ text: String) -> UInt64 {
        read(DocumentReader.document(text))
    }

    /// Reads `document` aloud from its start; returns the utterance (0 without speech).
    @discardableResult
    func read(_ document: TextDocument) -> UInt64 {
        state.withLock { s in
            s.document = document
            s.lastWord = nil
            guard !document.sentences.isEmpty else {
                s.phase = .idle
                return 0
            }
            return speak(from: 0, &s)
        }
    }

    /// Reads a photo's description aloud, its message exactly as it is; its parts (the quality
    /// warning, the caption, the text read) are the paragraphs the controls move by.
    @discardableResult
    func read(description d: DescriptionInfo) -> UInt64 {
        var document = DocumentReader.document(d.message)
        let message = d.message.unicodeScalars
        var starts: [Int] = []
        var searchFrom = d.message.startIndex
        if let warning = d.quality?.warning, !warning.isEmpty, d.message.hasPrefix(warning) {
            starts.append(warning.unicodeScalars.count)
            searchFrom = d.message.index(d.message.startIndex, offsetBy: warning.count)
        }
        if let caption = d.caption?.text.trimmingCharacters(in: .whitespacesAndNewlines), !caption.isEmpty,
           let found = d.message.range(of: caption, options: .caseInsensitive, range: searchFrom..<d.message.endIndex) {
            starts.append(message.distance(from: message.startIndex, to: found.upperBound))
        }
        if document.paragraphCount == 1, !starts.isEmpty {
            // Numbered by the parts that have a sentence, so no paragraph is empty.
            let parts = document.sentences.map { sentence in starts.filter { $0 <= sentence.start }.count }
            let used = Array(Set(parts)).sorted()
            for index in document.sentences.indices {
                document.sentences[index].paragraph = used.firstIndex(of: parts[index]) ?? 0
            }
            document.paragraphCount = used.count
        }
        return read(document)
    }

    /// `text` cut into paragraphs at blank lines (a text without any is one paragraph).
    static func document(_ text: String) -> TextDocument {
        var lines: [String] = [], paragraphs: [Int] = []
        var paragraph = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                paragraph += 1
            } else {
                lines.append(String(line))
                paragraphs.append(paragraph)
            }
        }
        return TextDocument(lines: lines, paragraphs: paragraphs)
    }

    // MARK: - Controls

    /// `pause` when reading, else `resume` (one key for both).
    @discardableResult
    func togglePause() -> Result<ReadingResult, RemoteError> {
        state.withLock { $0.phase == .reading } ? pause() : resume()
    }

    /// Stops reading; `resume` goes on from the sentence being heard.
    @discardableResult
    func pause() -> Result<ReadingResult, RemoteError> {
        state.withLock { s in
            guard s.phase == .reading, let document = s.document else { return refuse(.readingNothing, &s) }
            s.phase = .paused
            narrator.stop()
            return .success(result(.pause, document, s))
        }
    }

    /// Reads on from the start of the sentence where reading paused or was stopped.
    @discardableResult
    func resume() -> Result<ReadingResult, RemoteError> {
        state.withLock { s in
            guard s.phase == .paused, let document = s.document else { return refuse(.readingNothingToResume, &s) }
            return move(.resume, to: s.sentence, document, &s)
        }
    }

    @discardableResult
    func nextSentence() -> Result<ReadingResult, RemoteError> {
        navigate(.nextSentence) { document, sentence in
            sentence + 1 < document.sentences.count ? .success(sentence + 1) : .failure(.readingLastSentence)
        }
    }

    @discardableResult
    func previousSentence() -> Result<ReadingResult, RemoteError> {
        navigate(.previousSentence) { _, sentence in
            sentence > 0 ? .success(sentence - 1) : .failure(.readingFirstSentence)
        }
    }

    @discardableResult
    func nextParagraph() -> Result<ReadingResult, RemoteError> {
        navigate(.nextParagraph) { document, sentence in
            document.nextParagraph(from: sentence).map { .success($0) } ?? .failure(.readingLastParagraph)
        }
    }

    /// To the start of the paragraph being read, or from its first sentence to the paragraph
    /// before, as screen readers do.
    @discardableResult
    func previousParagraph() -> Result<ReadingResult, RemoteError> {
        navigate(.previousParagraph) { document, sentence in
            document.previousParagraph(from: sentence).map { .success($0) } ?? .failure(.readingFirstParagraph)
        }
    }

    /// Says the last word heard letter by letter ("capital" before a capital), in the
    /// catalogue's language. Reading pauses first, so `resume` goes on afterwards.
    @discardableResult
    func spell() -> Result<ReadingResult, RemoteError> {
        state.withLock { s in
            guard let document = s.document else { return refuse(.readingNothing, &s) }
            guard let offset = s.lastWord, let word = document.lastWord(before: offset + 1), !word.isEmpty else {
                return refuse(.readingNoWord, &s)
            }
            stopReading(&s)
            let catalogue = s.catalogue
            let letters = word.map { ch -> String in
                ch.isUppercase ? catalogue.text(.readingCapital(letter: ch.lowercased())) : String(ch)
            }.joined(separator: ", ")
            let spoken = catalogue.text(.readingSpelled(word: word, letters: letters))
            let id = narrator.say([spoken], kind: .message)
            var answer = result(.spell, document, s)
            answer.text = spoken
            answer.word = word
            answer.utterance = id
            return .success(answer)
        }
    }

    // MARK: - Under the lock

    /// Moves by `target(document, current sentence)`, or says why it cannot.
    private func navigate(_ command: ReadingCommand,
                          _ target: (TextDocument, Int) -> Result<Int, MessageEdge>) -> Result<ReadingResult, RemoteError> {
        state.withLock { s in
            guard let document = s.document, !document.sentences.isEmpty else { return refuse(.readingNothing, &s) }
            switch target(document, s.sentence) {
            case .success(let sentence): return move(command, to: sentence, document, &s)
            case .failure(let edge): return refuse(edge.message, &s)
            }
        }
    }

    /// Why a move cannot be made: already at the first or last sentence or paragraph.
    private struct MessageEdge: Error {
        let message: Message
        static let readingFirstSentence = MessageEdge(message: .readingFirstSentence)
        static let readingLastSentence = MessageEdge(message: .readingLastSentence)
        static let readingFirstParagraph = MessageEdge(message: .readingFirstParagraph)
        static let readingLastParagraph = MessageEdge(message: .readingLastParagraph)
    }

    private func move(_ command: ReadingCommand, to sentence: Int, _ document: TextDocument,
                      _ s: inout State) -> Result<ReadingResult, RemoteError> {
        if s.phase == .reading { narrator.stop() }
        let id = speak(from: sentence, &s)
        var answer = result(command, document, s)
        answer.text = document.text(from: sentence)
        answer.utterance = id
        return .success(answer)
    }

    /// Speaks the document from `sentence` on. Called with the state locked, so the new
    /// utterance's first word event (which takes the lock) finds it recorded.
    private func speak(from sentence: Int, _ s: inout State) -> UInt64 {
        guard let document = s.document else { return 0 }
        s.sentence = sentence
        s.base = document.sentences[sentence].start
        s.announced = nil
        s.phase = .reading
        s.utterance = narrator.say([document.text(from: sentence)], kind: .caption, reportingWords: true)
        return s.utterance
    }

    /// Pauses what is being read, so that `resume` can go on.
    private func stopReading(_ s: inout State) {
        guard s.phase == .reading else { return }
        s.phase = .paused
        narrator.stop()
    }

    /// Says `message` (having paused any reading, so it is heard now) and answers with it.
    private func refuse(_ message: Message, _ s: inout State) -> Result<ReadingResult, RemoteError> {
        stopReading(&s)
        let text = s.catalogue.text(message)
        narrator.say([text], kind: .message)
        return .failure(RemoteError(.nothingToRead, text))
    }

    private func result(_ command: ReadingCommand, _ document: TextDocument, _ s: State) -> ReadingResult {
        let paragraph = document.sentences.indices.contains(s.sentence) ? document.sentences[s.sentence].paragraph : 0
        return ReadingResult(command: command, sentence: s.sentence, sentences: document.sentences.count, paragraph: paragraph)
    }

    // MARK: - Speech events

    /// Follows the utterance being read: each word heard moves the cursor; its end (or a stop)
    /// ends the reading.
    private func heard(_ event: SpeechEvent) {
        state.withLock { s in
            guard event.id == s.utterance, s.utterance != 0, let document = s.document else { return }
            switch event {
            case .word(_, let position, _):
                let offset = s.base + position
                s.lastWord = offset
                guard let sentence = document.sentenceIndex(atOffset: offset) else { return }
                s.sentence = sentence
                if s.announced != sentence {
                    s.announced = sentence
                    var announcement = Event(kind: .readingSentence, time: Date().timeIntervalSince1970,
                                             text: document.sentences[sentence].text, utterance: event.id)
                    announcement.sentence = sentence
                    events.emit(announcement)
                }
            case .finished:
                if s.phase == .reading { s.phase = .finished }
            case .stopped, .superseded, .failed:
                if s.phase == .reading { s.phase = .paused }
            case .started:
                break
            }
        }
    }
}
