import IPC

/// `assist snap [--no-speak]`: the daemon takes a photo with its camera and describes it.
enum SnapCommand {
    /// The request for the command's options.
    static func body(_ rest: [String]) throws -> RequestBody {
        let p = try ClientCommand.options(rest, flags: ["--no-speak"])
        guard p.positional.isEmpty else { throw ClientCommand.UsageError(message: "snap takes only --no-speak") }
        return .snap(SnapRequest(speak: !p.flags.contains("--no-speak")))
    }
}
