/// Where one word of an utterance begins, as libespeak-ng reports it while synthesizing.
struct WordMark: Equatable, Sendable {
    /// Unicode scalars from the start of the utterance's text to the word (0-based; libespeak-ng
    /// counts from 1).
    var position: Int
    /// The word's length in Unicode scalars.
    var length: Int
    /// The sample of the utterance's audio at which the word begins.
    var sample: Int
}
