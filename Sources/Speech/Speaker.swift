import Foundation
import SystemSupport

/// Speaks queued utterances one at a time on a thread of its own.
///
/// Callers only touch the queue and settings, kept in one `Locked` (a `Mutex`), so `enqueue`, `stop`,
/// `setVoice`, `health` and `queueLength` never wait for speech. Events are delivered in order on
/// a private serial queue, never on the caller's thread; an `onEvent` handler may call any method
/// (`waitIdle` and `shutdown` called from a handler do not wait for the event queue they run on).
///
/// Queueing resembles speech-dispatcher's "text" and "message" priorities, as screen-reader
/// users expect: a new caption supersedes captions not yet started, errors and messages are never
/// dropped except by `stop`. Each utterance is spoken at most once: one that fails (no device) is
/// reported and not replayed later, when it would be stale.
///
/// Each utterance is synthesized in a fresh worker process (`SpeakerOptions.worker`, see
/// `WorkerPool`), which makes every utterance sample-identical to `espeak-ng -w`. The speech
/// thread (`SpeechThread`) initializes libespeak-ng only to list the installed voices.
public final class Speaker: Sendable {
    struct Utterance {
        let id: UInt64
        let text: String
        let kind: UtteranceKind
        let queued: Date
        /// Whether `word` events are posted for it.
        var reportsWords = false
    }

    /// Everything callers and the speech thread share.
    struct State {
        var queue: [Utterance] = []
        var current: Utterance?
        var abortCurrent = false
        var nextID: UInt64 = 1
        var isShutDown = false
        var settings: VoiceSettings
        var selection: VoiceSelection = .byName("en")
        var catalog = VoiceCatalog(voices: [], variants: [])
        var sinkHealth: SpeechHealth
        var openAttempts = 0
        var startLatency: TimeInterval?
        /// Callers of `waitIdle`, signalled when the queue is empty and nothing speaks.
        var idleWaiters: [DispatchSemaphore] = []
        /// The ALSA PCM a device sink plays on; `setOutput` changes it between utterances.
        var output = "default"
        /// Earcons to play ahead of queued speech (between chunks of one being spoken).
        var clips: [Earcon] = []
        /// Earcons played (or written) so far, for the WAV sink's file names and for tests.
        var clipsPlayed: UInt64 = 0

        var isIdle: Bool { queue.isEmpty && current == nil }
    }

    public let sink: SpeechSinkSpec
    public let options: SpeakerOptions
    let state: Locked<State>
    /// Signalled whenever the speech thread has something to look at; it re-reads `state`
    /// after every wake-up, so an extra signal costs one loop and none is ever lost.
    let wakeups = DispatchSemaphore(value: 0)
    /// Synthesis in worker processes; nil for the `none` sink.
    let pool: WorkerPool?
    private let onEvent: @Sendable (SpeechEvent) -> Void
    private let events = DispatchQueue(label: "assist.speech.events")
    private let onEventsQueue = DispatchSpecificKey<Bool>()
    private let exited = DispatchSemaphore(value: 0)

    /// How many times the device sink has tried to open its PCM (for tests of the retry pacing).
    var deviceOpenAttempts: Int { state.withLock { $0.openAttempts } }
    /// Enqueue to first audio handed to the sink, for the utterance that started last.
    var lastStartLatency: TimeInterval? { state.withLock { $0.startLatency } }
    /// The idle and the speaking worker process (for tests).
    var workerProcessIDs: (idle: pid_t?, active: pid_t?) { pool?.processIDs ?? (nil, nil) }
    /// How many times a worker process was started or tried (for tests).
    var workerSpawnAttempts: Int { pool?.spawnAttempts ?? 0 }

    /// Starts the speech thread, initializes libespeak-ng there and prepares the sink.
    /// Throws if libespeak-ng cannot start, `voice` is unknown or out of range, or a sink that
    /// makes audio has no worker command. A missing audio device or unwritable WAV directory does
    /// not throw: it shows in `health` and each utterance fails until the problem goes away.
    public init(sink: SpeechSinkSpec, voice: VoiceSettings, options: SpeakerOptions = SpeakerOptions(),
                onEvent: @escaping @Sendable (SpeechEvent) -> Void) throws {
        try voice.validateRanges()
        self.sink = sink
        self.options = options
        self.onEvent = onEvent
        state = Locked(State(settings: voice, sinkHealth: SpeechHealth(sink: sink.description, ok: false, detail: "starting")))
        if case .pcm(let name) = sink { state.withLock { $0.output = name } } else {
            state.withLock { $0.output = options.alsaDevice }
        }
        if sink == .none {
            pool = nil
        } else {
            guard let command = options.worker else { throw SpeechError.noWorker(sink: sink.description) }
            // A worker that needs attention wakes the speech thread, which maintains the pool.
            let wakeups = self.wakeups
            pool = WorkerPool(command: command) { wakeups.signal() }
        }
        events.setSpecific(key: onEventsQueue, value: true)

        let startup = Locked<SpeechError?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            let speech = SpeechThread(speaker: self)
            do {
                try speech.start()
            } catch {
                startup.withLock { $0 = error as? SpeechError ?? .espeakInitializationFailed("\(error)") }
            }
            ready.signal()
            if startup.withLock({ $0 == nil }) { speech.run() }
            pool?.shutdown()
            speech.close()
            exited.signal()
        }
        thread.name = "assist.speech"
        // libespeak-ng's clause translation keeps large arrays on the stack.
        thread.stackSize = 8 << 20
        thread.start()
        ready.wait()
        if let error = startup.withLock({ $0 }) {
            exited.wait()
            throw error
        }
        do {
            let resolved = try voiceCatalog.resolve(voice.voice)
            state.withLock { $0.selection = resolved }
        } catch {
            shutdown()
            throw error
        }
    }

    /// The settings the next utterance will use.
    public var voice: VoiceSettings { state.withLock { $0.settings } }

    /// The sink's current state (thread-safe).
    public var health: SpeechHealth {
        let health = state.withLock { $0.sinkHealth }
        if health.ok, let problem = pool?.problem {
            return SpeechHealth(sink: sink.description, ok: false, detail: problem)
        }
        return health
    }

    /// Utterances waiting to start (the one speaking is not counted).
    public var queueLength: Int { state.withLock { $0.queue.count } }

    /// True while an utterance is being spoken.
    public var isSpeaking: Bool { state.withLock { $0.current != nil } }

    /// Installed espeak-ng voices (variants and MBROLA voices excluded, as `espeak-ng --voices`).
    public var availableVoices: [InstalledVoice] { voiceCatalog.voices }

    /// Installed variant names, usable as `voice+variant` (e.g. "en+f3", "en-us+Alex").
    public var availableVariants: [String] { voiceCatalog.variants }

    private var voiceCatalog: VoiceCatalog { state.withLock { $0.catalog } }

    /// Queues `text`; returns its id. Never blocks. A caption supersedes queued captions
    /// (`superseded` events); an empty text, or one queued after `shutdown`, fails at once.
    @discardableResult
    public func enqueue(_ text: String, kind: UtteranceKind) -> UInt64 {
        enqueue(text, kind: kind, reportingWords: false)
    }

    /// Queues `text` like `enqueue(_:kind:)`; with `reportingWords`, a `word` event follows each
    /// word as its audio reaches the sink (from libespeak-ng's word callbacks), which is how the
    /// daemon knows the last sentence and word heard.
    @discardableResult
    public func enqueue(_ text: String, kind: UtteranceKind, reportingWords: Bool) -> UInt64 {
        let id = state.withLock { s -> UInt64 in
            let id = s.nextID
            s.nextID += 1
            if s.isShutDown {
                post(.failed(id: id, reason: "speech is shut down"))
                return id
            }
            if text.allSatisfy(\.isWhitespace) {
                post(.failed(id: id, reason: "nothing to say: the text is empty"))
                return id
            }
            if kind == .caption {
                for stale in s.queue where stale.kind == .caption { post(.superseded(id: stale.id)) }
                s.queue.removeAll { $0.kind == .caption }
            }
            s.queue.append(Utterance(id: id, text: text, kind: kind, queued: Date(), reportsWords: reportingWords))
            return id
        }
        wakeups.signal()
        return id
    }

    /// Earcons waiting to play at most; a burst beyond this drops the oldest, so a stuck device
    /// cannot pile up working ticks.
    public static let maxQueuedClips = 8

    /// Plays `earcon` on the speech sink ahead of queued speech: at once when idle, or between
    /// two chunks of the utterance being spoken (so it is not delayed by it). It follows the
    /// voice's volume. The device sink plays it; the WAV sink writes it to `DIR/clips/`; `none`
    /// drops it. Never blocks; `stop` drops clips not yet played.
    public func play(_ earcon: Earcon) {
        state.withLock { s in
            guard !s.isShutDown else { return }
            if s.clips.count >= Self.maxQueuedClips { s.clips.removeFirst() }
            s.clips.append(earcon)
        }
        wakeups.signal()
    }

    /// How many earcons have been handed to the sink.
    public var clipsPlayed: UInt64 { state.withLock { $0.clipsPlayed } }

    /// Silences the current utterance at once and drops everything queued (`stopped` events).
    /// Returns immediately; the current utterance's `stopped` follows within milliseconds.
    public func stop() {
        state.withLock { stopLocked(&$0) }
        wakeups.signal()
    }

    /// Applies new voice settings from the next utterance on. Throws `SpeechError` for a value out
    /// of range or a voice that is not installed; the settings in use then stay as they were.
    public func setVoice(_ v: VoiceSettings) throws {
        try v.validateRanges()
        let resolved = try voiceCatalog.resolve(v.voice)
        state.withLock {
            $0.settings = v
            $0.selection = resolved
        }
        // An idle worker prepared for the old voice is replaced now rather than when it is needed.
        wakeups.signal()
    }

    /// Waits until the queue is empty, nothing is speaking and every event so far has been
    /// delivered, or `timeout` passes. Returns false on timeout.
    @discardableResult
    public func waitIdle(timeout: TimeInterval) -> Bool {
        let signal = DispatchSemaphore(value: 0)
        let idle = state.withLock { s -> Bool in
            if s.isIdle { return true }
            s.idleWaiters.append(signal)
            return false
        }
        if !idle, signal.wait(timeout: .now() + max(0, timeout)) == .timedOut {
            let idleNow = state.withLock { s -> Bool in
                s.idleWaiters.removeAll { $0 === signal }
                return s.isIdle
            }
            if !idleNow { return false }
        }
        if DispatchQueue.getSpecific(key: onEventsQueue) == nil { events.sync {} }
        return true
    }

    /// Stops speech, ends the speech thread and waits for it. Later `enqueue`s fail at once.
    public func shutdown() {
        let first = state.withLock { s -> Bool in
            let first = !s.isShutDown
            s.isShutDown = true
            stopLocked(&s)
            return first
        }
        wakeups.signal()
        if first {
            exited.wait()
            exited.signal()
        }
        if DispatchQueue.getSpecific(key: onEventsQueue) == nil { events.sync {} }
    }

    // MARK: - Output (voice)

    /// The ALSA PCM a `device` or `device:PCM` sink plays on now; nil for the other sinks.
    public var output: String? {
        sink.playsOnDevice ? state.withLock { $0.output } : nil
    }

    /// Plays from the next utterance on through the ALSA PCM `name` (the one speaking finishes
    /// where it started). Throws `SpeechError.audioDevice` for a sink that is not a device; the
    /// PCM itself is opened by the speech thread, and a failure shows in `health`, so callers
    /// that must know it opens try it first (`PCMPlayer.probe`).
    public func setOutput(_ name: String) throws {
        guard sink.playsOnDevice else {
            throw SpeechError.audioDevice(device: name, reason: "speech goes to the \(sink) sink, not to an audio device")
        }
        state.withLock { $0.output = name }
        wakeups.signal()
    }

    // MARK: - Shared state

    private func stopLocked(_ s: inout State) {
        for dropped in s.queue { post(.stopped(id: dropped.id)) }
        s.queue.removeAll()
        s.clips.removeAll()
        if s.current != nil {
            s.abortCurrent = true
            // Its socket ends at once, wherever the speech thread is waiting for it.
            pool?.interrupt()
        }
        Self.releaseIdleWaiters(&s)
    }

    /// Wakes the `waitIdle` callers once nothing is queued or speaking.
    static func releaseIdleWaiters(_ s: inout State) {
        guard s.isIdle else { return }
        for waiter in s.idleWaiters { waiter.signal() }
        s.idleWaiters.removeAll()
    }

    /// Hands an event to the delivery queue. Called with `state` locked, so events leave in the
    /// order the state changed.
    func post(_ event: SpeechEvent) {
        let handler = onEvent
        events.async { handler(event) }
    }

    /// Posts `event` in order with the other state changes.
    func postLocked(_ event: SpeechEvent) {
        state.withLock { _ in post(event) }
    }

    func setHealth(ok: Bool, detail: String?) {
        let health = SpeechHealth(sink: sink.description, ok: ok, detail: detail)
        state.withLock { $0.sinkHealth = health }
    }

    var shouldAbort: Bool { state.withLock { $0.abortCurrent } }
}
