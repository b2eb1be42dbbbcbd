/// What an utterance is; decides queueing: a new caption replaces captions not yet started,
/// errors and messages are never replaced (only `stop` drops them).
public enum UtteranceKind: String, Sendable, Codable {
    case caption, error, message
}
