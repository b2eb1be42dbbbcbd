import Foundation
import IPC
import Messages
import SystemSupport

/// Why a mode could not be set or saved.
enum ModeError: Error, CustomStringConvertible {
    case unknown(String)
    case cannotSave(path: String, reason: String)

    var description: String {
        switch self {
        case .unknown(let name): return "unknown mode '\(name)'; the modes are \(AssistMode.names)"
        case .cannotSave(let path, let reason): return "the mode cannot be saved in \(path): \(reason)"
        }
    }
}

/// The current mode, kept across restarts in `mode.json` in the state directory (written
/// durably, like `voice.json`). A missing or damaged file means `describe`, today's behaviour.
final class ModeStore: Sendable {
    static let fileName = "mode.json"

    private struct Saved: Codable {
        var mode: AssistMode
    }

    private struct State {
        var mode: AssistMode
        var catalogue: MessageCatalogue
    }

    let path: String
    private let state: Locked<State>

    init(stateDirectory: String, language: Language = .english) {
        path = stateDirectory + "/" + ModeStore.fileName
        state = Locked(State(mode: ModeStore.load(path), catalogue: MessageCatalogue(language: language)))
    }

    private static func load(_ path: String) -> AssistMode {
        guard let data = FileManager.default.contents(atPath: path) else { return .describe }
        do {
            return try JSONDecoder().decode(Saved.self, from: data).mode
        } catch {
            logWarning("mode", "ignoring the saved mode", ["path": path, "reason": "\(error)"])
            return .describe
        }
    }

    /// The mode photos are described in now.
    var current: AssistMode { state.withLock { $0.mode } }

    /// The catalogue the spoken mode names come from; SIGHUP may change the language.
    func update(language: Language) {
        state.withLock { $0.catalogue = MessageCatalogue(language: language) }
    }

    /// Makes `mode` current and saves it. When the file cannot be written the mode is still
    /// changed for now, and the error says it will not survive a restart.
    func set(_ mode: AssistMode) throws(ModeError) {
        state.withLock { $0.mode = mode }
        do {
            try FileSystem.writeDurably(try JSONEncoder().encode(Saved(mode: mode)), to: path)
        } catch {
            logError("mode", "mode changed but cannot be saved", ["path": path, "reason": "\(error)"])
            throw .cannotSave(path: path, reason: "\(error)")
        }
        logInfo("mode", "mode changed", ["mode": mode.rawValue])
    }

    /// Sets the mode named `name` (`describe`, `text`, `product`, `colour`, `light`).
    func set(named name: String) throws(ModeError) {
        guard let mode = AssistMode(name: name) else { throw .unknown(name) }
        try set(mode)
    }

    /// Moves to the next mode (describe, text, product, colour, light, then describe again),
    /// saves it, and returns what to say: "Mode: text." The key service speaks it; a mode that
    /// could not be saved is still the new mode until the daemon stops.
    @discardableResult
    func cycle() -> String {
        let next = current.next
        try? set(next)
        return spokenName(next)
    }

    /// "Mode: colour." in the catalogue's language.
    func spokenName(_ mode: AssistMode) -> String {
        let catalogue = state.withLock { $0.catalogue }
        return catalogue.text(.modeNow(mode: mode.message))
    }
}

extension AssistMode {
    /// The mode's name as the catalogue says it.
    var message: Message {
        switch self {
        case .describe: return .modeDescribe
        case .text: return .modeText
        case .product: return .modeProduct
        case .colour: return .modeColour
        case .light: return .modeLight
        }
    }
}
