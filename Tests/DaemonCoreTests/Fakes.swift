import Foundation
import IPC
import Speech
import SystemSupport
import Vision
@testable import AssistDaemon

/// A captioner that blocks in each call until the test releases it, so a test can look at the
/// daemon mid-description. Its caption names the photo's size, so it is the photo's own.
final class BlockingCaptioner: Captioner {
    let entered = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    private let calls = Locked(0)

    /// Lets `count` calls (waiting or to come) return.
    func release(_ count: Int = 1) { for _ in 0..<count { released.signal() } }

    var callCount: Int { calls.withLock { $0 } }

    func caption(image: RGBImage, options: CaptionOptions) throws -> CaptionOutput {
        calls.withLock { $0 += 1 }
        entered.signal()
        released.wait()
        return CaptionOutput(text: "a photo \(image.width) by \(image.height)", tokens: [1, 2, 3],
                             timings: Timings(decode: 0, encode: 0, generate: 0))
    }
}

/// A model provider that always serves one captioner.
struct FixedModel: ModelProvider {
    let captioner: any Captioner
    let directory: String

    func modelForNextPhoto() -> ModelState { .loaded(captioner, ModelInfo(directory: directory)) }

    func status() -> ModelStatus {
        ModelStatus(loaded: true, path: directory, problem: nil, state: .loaded, name: "fixed",
                    modelsDirectory: directory, source: .config)
    }

    func reloadRequested() {}
}

/// A speech output that records what it was asked to say. Utterance events are sent only when
/// the test asks (`finish`, `supersede`), from another thread as the real Speaker does.
final class RecordingSpeech: SpeechOutput {
    struct Utterance: Equatable, Sendable {
        var id: UInt64
        var text: String
        var kind: UtteranceKind
    }

    private let said = Locked<[Utterance]>([])
    private let onEvent: @Sendable (SpeechEvent) -> Void
    private let eventQueue = DispatchQueue(label: "recording-speech")

    init(onEvent: @escaping @Sendable (SpeechEvent) -> Void) {
        self.onEvent = onEvent
    }

    var utterances: [Utterance] { said.withLock { $0 } }

    func enqueue(_ text: String, kind: UtteranceKind) -> UInt64 {
        said.withLock { s in
            let id = UInt64(s.count + 1)
            s.append(Utterance(id: id, text: text, kind: kind))
            return id
        }
    }

    func finish(_ id: UInt64) { send(.finished(id: id, file: nil)) }
    /// Delivers `e` now, on the event queue, and returns once it was handled.
    func deliver(_ e: SpeechEvent) { eventQueue.sync { onEvent(e) } }
    func supersede(_ id: UInt64) { send(.superseded(id: id)) }

    private func send(_ e: SpeechEvent) {
        let onEvent = self.onEvent
        eventQueue.async { onEvent(e) }
    }

    private let clips = Locked<[Earcon]>([])
    /// The earcons played, in order.
    var earcons: [Earcon] { clips.withLock { $0 } }
    func play(_ earcon: Earcon) { clips.withLock { $0.append(earcon) } }
    var isSpeaking: Bool { false }

    func stop() {}
    func setVoice(_ v: VoiceSettings) throws {}
    var health: SpeechHealth { SpeechHealth(sink: "recording", ok: true) }
    var queueLength: Int { 0 }
    func shutdown() {}
}

/// A photo source that only counts the pipeline's requests to look at pending photos again.
final class RecordingSource: AssistDaemon.PhotoSource {
    private let retries = Locked<[Double]>([])
    var retryRequests: [Double] { retries.withLock { $0 } }
    func start() throws {}
    func stop() {}
    func retryPending(after seconds: Double) { retries.withLock { $0.append(seconds) } }
}

/// The daemon's events as the tests see them: each `next` waits for the next matching event
/// (after the last one returned) as it is emitted.
final class EventRecorder: EventSink {
    private let events = Locked<[Event]>([])
    private let cursor = Locked(0)
    private let arrived = DispatchSemaphore(value: 0)

    func emit(_ event: Event) {
        events.withLock { $0.append(event) }
        arrived.signal()
    }

    func next(_ kind: EventKind, timeout: Double = 10, where predicate: (Event) -> Bool = { _ in true }) -> Event? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let seen = events.withLock { $0 }
            let start = cursor.withLock { $0 }
            for i in start..<seen.count where seen[i].kind == kind && predicate(seen[i]) {
                cursor.withLock { $0 = i + 1 }
                return seen[i]
            }
            if arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    func all(_ kind: EventKind) -> [Event] { events.withLock { $0.filter { $0.kind == kind } } }
}
