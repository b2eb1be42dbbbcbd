/// A value filled into a template's `{parameter}`. Values that have words of their own (a key
/// name, an action, a language) are rendered by the same catalogue, so a German sentence never
/// carries an English part.
public indirect enum MessageArgument: Sendable, Hashable {
    /// Said as it is: a file name, a model name, a camera program's own error line.
    case text(String)
    case number(Int)
    /// Tesseract language codes joined by `+` (`eng+deu`), said by name ("English and German").
    case tesseractLanguages(String)
    case message(Message)
    /// Several messages said one after another, separated by semicolons.
    case list([Message])
    /// Several names said as a series: "A, B and C".
    case series([Message])
}
