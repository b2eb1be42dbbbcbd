import IPC

/// `assist forget [--all | --last N]`: asks the daemon to erase descriptions (journal, history,
/// captured photos) and says what went.
enum ForgetCommand {
    /// The request for the command's options.
    static func request(_ rest: [String]) throws -> RequestBody {
        let p = try ClientCommand.options(rest, numbers: ["--last": 1...Int.max], flags: ["--all"])
        guard p.positional.isEmpty else { throw ClientCommand.UsageError(message: "forget takes only --all or --last N") }
        switch (p.flags.contains("--all"), p.numbers["--last"]) {
        case (true, nil): return .forget(.all)
        case (false, let n?): return .forget(.last(n))
        default: throw ClientCommand.UsageError(message: "forget needs --all, or --last N for the N newest descriptions")
        }
    }

    /// One sentence saying what was erased.
    static func sentence(_ f: ForgetResult) -> String {
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        var text = "Erased \(count(f.journal, "description", "descriptions")) from the journal and \(count(f.history, "entry", "entries")) from the history"
        if f.photos > 0 { text += ", and deleted \(count(f.photos, "captured photo", "captured photos"))" }
        return text + "."
    }
}
