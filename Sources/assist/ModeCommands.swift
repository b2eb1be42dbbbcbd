import Foundation
import IPC

/// `assist mode [NAME]`, `assist label TEXT | --remove`, and `caption --mode NAME`.
extension ClientCommand {
    /// `mode` without a name reads the current one; with one, sets it.
    static func modeRequest(_ rest: [String]) throws -> RequestBody {
        let p = try options(rest)
        guard p.positional.count <= 1 else { throw UsageError(message: "mode takes one NAME: \(AssistMode.names)") }
        guard let name = p.positional.first else { return .mode(name: nil) }
        guard AssistMode(name: name) != nil else { throw UsageError(message: "unknown mode '\(name)'; the modes are \(AssistMode.names)") }
        return .mode(name: name)
    }

    /// `label TEXT` (the words are joined) or `label --remove`.
    static func labelRequest(_ rest: [String]) throws -> RequestBody {
        let p = try options(rest, flags: ["--remove"])
        if p.flags.contains("--remove") {
            guard p.positional.isEmpty else { throw UsageError(message: "label --remove takes no TEXT") }
            return .label(LabelChange(remove: true))
        }
        let text = p.positional.joined(separator: " ").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw UsageError(message: "label needs TEXT, the name to give the code, or --remove") }
        return .label(LabelChange(text: text))
    }

    /// The mode of `caption --mode NAME`; nil without the option.
    static func captionMode(_ name: String?) throws -> AssistMode? {
        guard let name else { return nil }
        guard let mode = AssistMode(name: name) else {
            throw UsageError(message: "unknown mode '\(name)' for --mode; the modes are \(AssistMode.names)")
        }
        return mode
    }
}
