import Foundation
import IPC
import SystemSupport

/// Something that wants to know what the daemon does: the socket's `events` subscribers, the
/// in-process tests, and (next) earcons.
protocol EventSink: Sendable {
    func emit(_ event: Event)
}

/// Hands each event to every listener. The pipeline and the router emit here; the socket server
/// is added once it is built (it needs the router, which needs this hub).
final class EventHub: EventSink {
    private let listeners = Locked<[any EventSink]>([])

    init() {}

    func add(_ listener: any EventSink) {
        listeners.withLock { $0.append(listener) }
    }

    func emit(_ event: Event) {
        for l in listeners.withLock({ $0 }) { l.emit(event) }
    }

    /// An event of `kind` stamped now.
    func emit(_ kind: EventKind, photo: String? = nil, text: String? = nil, error: String? = nil,
              description: DescriptionInfo? = nil, utterance: UInt64? = nil, utteranceKind: UtteranceKindName? = nil,
              attempt: Int? = nil, folder: String? = nil, path: String? = nil) {
        emit(Event(kind: kind, time: Date().timeIntervalSince1970, photo: photo, text: text, error: error,
                   description: description, utterance: utterance, utteranceKind: utteranceKind, attempt: attempt,
                   folder: folder, path: path))
    }
}
