import Foundation
import IPC
import Speech
import SystemSupport

/// What a person hears between a photo and its description: the photo-arrived earcon when a
/// photo is received (watched, from a client, or captured), and the soft working tick while a
/// description takes long (`WorkingTicker`: after 1.5 s, then every second). It listens to the
/// daemon's events, which the pipeline emits before it queues the spoken result, so the tick is
/// stopped before the description is spoken.
final class AudibleProgress: EventSink {
    private let narrator: Narrator
    private let ticker: WorkingTicker
    /// Photos received and not yet finished (described, failed, or left pending).
    private let inFlight = Locked(0)

    init(narrator: Narrator, delay: TimeInterval = Earcon.workingDelay, interval: TimeInterval = Earcon.workingInterval) {
        self.narrator = narrator
        ticker = WorkingTicker(delay: delay, interval: interval) { narrator.play(.working) }
    }

    func emit(_ event: Event) {
        switch event.kind {
        case .photoReceived:
            narrator.play(.photoArrived)
            inFlight.withLock { $0 += 1 }
            // The schedule starts over for each photo: a tick means this photo takes long.
            ticker.start()
        case .captioned, .failed, .journalFailed:
            let left = inFlight.withLock { n -> Int in
                n = max(0, n - 1)
                return n
            }
            if left == 0 { ticker.stop() } else { ticker.start() }
        default:
            break
        }
    }

    /// Whether the working tick is scheduled (a photo is being described).
    var isTicking: Bool { ticker.isRunning }

    /// Ends the ticks (at shutdown).
    func stop() {
        ticker.stop()
    }
}
