/// A named slot in a message template, written `{name}` in the catalogue's text.
public enum MessageParameter: String, CaseIterable, Sendable {
    case photo, text, language, model, folder, seconds, reason, program, setting
    case key, actions, action, digit, number, code, name, count, volume, rate
    case first, second
    // MARK: - voice
    case output
    // MARK: - reading
    case word, letters, letter, skipped, line
    // MARK: - modes
    case mode, edge, move, vertical, horizontal, place, brand, third, level, position, words, columns, edges
}
