import IPC

/// `assist pause | resume | next [--paragraph] | previous [--paragraph] | spell`: the reading
/// controls over what assistd last read aloud.
enum ReadingClient {
    static let commands: Set<String> = ["pause", "resume", "next", "previous", "spell"]

    /// The request for `command` and its arguments.
    static func body(_ command: String, _ rest: [String]) throws -> RequestBody {
        let p = try ClientCommand.options(rest, flags: ["--paragraph"])
        guard p.positional.isEmpty else { throw ClientCommand.UsageError(message: "\(command) takes no arguments") }
        let paragraph = p.flags.contains("--paragraph")
        if paragraph, command != "next", command != "previous" {
            throw ClientCommand.UsageError(message: "--paragraph goes with next or previous")
        }
        switch command {
        case "pause": return .reading(.pause)
        case "resume": return .reading(.resume)
        case "next": return .reading(paragraph ? .nextParagraph : .nextSentence)
        case "previous": return .reading(paragraph ? .previousParagraph : .previousSentence)
        default: return .reading(.spell)
        }
    }

    /// What is printed for the answer: the text now read (or the spelling), or where reading
    /// paused.
    static func show(_ r: ReadingResult) {
        if let text = r.text {
            print(text)
        } else {
            print("Paused at sentence \(r.sentence + 1) of \(r.sentences).")
        }
    }
}
