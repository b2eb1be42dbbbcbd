import Foundation
import IPC

/// The `mode` and `label` requests (docs/protocol.md).
extension RequestRouter {
    /// `mode`: with a name, sets and saves it and says it; without, answers the current one.
    func mode(_ name: String?) -> ResponseBody {
        guard let modeDescriber else { return .failure(RemoteError(.internal, "modes are not available in this daemon")) }
        let store = modeDescriber.modes
        guard let name else { return .mode(store.current) }
        guard let mode = AssistMode(name: name) else {
            return .failure(RemoteError(.modeInvalid, "\(ModeError.unknown(name))"))
        }
        do { try store.set(mode) } catch {
            return .failure(RemoteError(.internal, "the mode is \(mode.rawValue) now, but \(error)"))
        }
        narrator.say([store.spokenName(mode)], kind: .message)
        return .mode(mode)
    }

    /// `label`: names (or un-names) the product code in the last photo described, and says so.
    func label(_ change: LabelChange) -> ResponseBody {
        guard let modeDescriber else { return .failure(RemoteError(.internal, "labels are not available in this daemon")) }
        do {
            let info = try modeDescriber.label(change)
            narrator.say([info.spoken], kind: .message)
            return .labelled(info)
        } catch {
            switch error {
            case .noCode, .notAProduct: return .failure(RemoteError(.nothingToLabel, "\(error)"))
            case .emptyLabel: return .failure(RemoteError(.badRequest, "\(error)"))
            case .database: return .failure(RemoteError(.internal, "\(error)"))
            }
        }
    }

    /// Why a caption request's `mode` cannot be used: modes are missing from this daemon.
    func modeProblem(_ mode: AssistMode?) -> RemoteError? {
        guard mode != nil, modeDescriber == nil else { return nil }
        return RemoteError(.internal, "modes are not available in this daemon")
    }
}
