import Foundation

/// Speaks queued utterances one at a time on a thread of its own.
///
/// All libespeak-ng calls happen on the speech thread (see `EspeakEngine`). Callers only touch the
/// queue and settings under a lock, so `enqueue`, `stop`, `setVoice`, `health` and `queueLength`
/// never wait for speech. Events are delivered in order on a private serial queue, never on the
/// caller's thread; an `onEvent` handler may call any method (`waitIdle` and `shutdown` called
/// from a handler do not wait for the event queue they run on).
///
/// Queueing resembles speech-dispatcher's "text" and "message" priorities, as screen-reader
/// users expect: a new caption supersedes captions not yet started, errors and messages are never
/// dropped except by `stop`. Each utterance is spoken at most once: one that fails (no device) is
/// reported and not replayed later, when it would be stale.
///
/// With `SpeakerOptions.worker`, each utterance is synthesized in a fresh worker process
/// (`WorkerPool`), which makes every utterance sample-identical to `espeak-ng -w`; without it,
/// synthesis runs on the speech thread and only the first utterance of the process is.
public final class Speaker: @unchecked Sendable {
    private struct Utterance {
        let id: UInt64
        let text: String
        let kind: UtteranceKind
        let queued: Date
    }

    public let sink: SpeechSinkSpec
    public let options: SpeakerOptions
    private let onEvent: @Sendable (SpeechEvent) -> Void
    private let events = DispatchQueue(label: "assist.speech.events")
    private let onEventsQueue = DispatchSpecificKey<Bool>()
    private let exited = DispatchSemaphore(value: 0)
    /// Synthesis in worker processes; nil for in-process synthesis or the `none` sink.
    private let pool: WorkerPool?

    // Guarded by `condition`.
    private let condition: NSCondition
    private var queue: [Utterance] = []
    private var current: Utterance?
    private var abortCurrent = false
    private var nextID: UInt64 = 1
    private var isShutDown = false
    private var settings: VoiceSettings
    private var selection: VoiceSelection = .byName("en")
    private var catalog = VoiceCatalog(voices: [], variants: [])
    private var sinkHealth: SpeechHealth
    /// How many times the device sink has tried to open its PCM (for tests of the retry pacing).
    private(set) var deviceOpenAttempts: Int {
        get { condition.lock(); defer { condition.unlock() }; return openAttempts }
        set { condition.lock(); defer { condition.unlock() }; openAttempts = newValue }
    }
    private var openAttempts = 0
    /// Enqueue to first audio handed to the sink, for the utterance that started last.
    private(set) var lastStartLatency: TimeInterval? {
        get { condition.lock(); defer { condition.unlock() }; return startLatency }
        set { condition.lock(); defer { condition.unlock() }; startLatency = newValue }
    }
    private var startLatency: TimeInterval?
    /// The idle and the speaking worker process (for tests).
    var workerProcessIDs: (idle: pid_t?, active: pid_t?) { pool?.processIDs ?? (nil, nil) }
    /// How many times a worker process was started or tried (for tests).
    var workerSpawnAttempts: Int { pool?.spawnAttempts ?? 0 }

    // Owned by the speech thread.
    private var player: AlsaPlayer?
    private var nextDeviceAttempt = Date.distantPast
    private var sampleRate = 22050

    /// Starts the speech thread, initializes libespeak-ng there and prepares the sink.
    /// Throws if libespeak-ng cannot start, or `voice` is unknown or out of range. A missing audio
    /// device or unwritable WAV directory does not throw: it shows in `health` and each utterance
    /// fails until the problem goes away.
    public init(sink: SpeechSinkSpec, voice: VoiceSettings, options: SpeakerOptions = SpeakerOptions(),
                onEvent: @escaping @Sendable (SpeechEvent) -> Void) throws {
        try voice.validateRanges()
        self.sink = sink
        self.options = options
        self.onEvent = onEvent
        self.settings = voice
        self.sinkHealth = SpeechHealth(sink: sink.description, ok: false, detail: "starting")
        let condition = NSCondition()
        self.condition = condition
        if let command = options.worker, sink != .none {
            // A worker that needs attention wakes the speech thread, which maintains the pool.
            pool = WorkerPool(command: command) {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
        } else {
            pool = nil
        }
        events.setSpecific(key: onEventsQueue, value: true)

        let ready = DispatchSemaphore(value: 0)
        let startup = StartupResult()
        let thread = Thread { [self] in
            do {
                let engine = try EspeakEngine.shared.start()
                condition.lock()
                catalog = engine.catalog
                condition.unlock()
                sampleRate = engine.sampleRate
                prepareSink()
            } catch {
                startup.error = error
            }
            ready.signal()
            if startup.error == nil { runLoop() }
            pool?.shutdown()
            player?.close()
            exited.signal()
        }
        thread.name = "assist.speech"
        // libespeak-ng's clause translation keeps large arrays on the stack.
        thread.stackSize = 8 << 20
        thread.start()
        ready.wait()
        if let error = startup.error {
            exited.wait()
            throw error
        }
        do {
            let resolved = try voiceCatalog.resolve(voice.voice)
            condition.lock()
            selection = resolved
            condition.unlock()
        } catch {
            shutdown()
            throw error
        }
    }

    /// The settings the next utterance will use.
    public var voice: VoiceSettings {
        condition.lock(); defer { condition.unlock() }
        return settings
    }

    /// The sink's current state (thread-safe).
    public var health: SpeechHealth {
        condition.lock(); defer { condition.unlock() }
        if sinkHealth.ok, let problem = pool?.problem {
            return SpeechHealth(sink: sink.description, ok: false, detail: problem)
        }
        return sinkHealth
    }

    /// Utterances waiting to start (the one speaking is not counted).
    public var queueLength: Int {
        condition.lock(); defer { condition.unlock() }
        return queue.count
    }

    /// True while an utterance is being spoken.
    public var isSpeaking: Bool {
        condition.lock(); defer { condition.unlock() }
        return current != nil
    }

    /// Installed espeak-ng voices (variants and MBROLA voices excluded, as `espeak-ng --voices`).
    public var availableVoices: [InstalledVoice] { voiceCatalog.voices }

    /// Installed variant names, usable as `voice+variant` (e.g. "en+f3", "en-us+Alex").
    public var availableVariants: [String] { voiceCatalog.variants }

    private var voiceCatalog: VoiceCatalog {
        condition.lock(); defer { condition.unlock() }
        return catalog
    }

    /// Queues `text`; returns its id. Never blocks. A caption supersedes queued captions
    /// (`superseded` events); an empty text, or one queued after `shutdown`, fails at once.
    @discardableResult
    public func enqueue(_ text: String, kind: UtteranceKind) -> UInt64 {
        condition.lock(); defer { condition.unlock() }
        let id = nextID
        nextID += 1
        if isShutDown {
            post(.failed(id: id, reason: "speech is shut down"))
            return id
        }
        if text.allSatisfy(\.isWhitespace) {
            post(.failed(id: id, reason: "nothing to say: the text is empty"))
            return id
        }
        if kind == .caption {
            for stale in queue where stale.kind == .caption { post(.superseded(id: stale.id)) }
            queue.removeAll { $0.kind == .caption }
        }
        queue.append(Utterance(id: id, text: text, kind: kind, queued: Date()))
        condition.broadcast()
        return id
    }

    /// Silences the current utterance at once and drops everything queued (`stopped` events).
    /// Returns immediately; the current utterance's `stopped` follows within milliseconds.
    public func stop() {
        condition.lock(); defer { condition.unlock() }
        stopLocked()
    }

    /// Applies new voice settings from the next utterance on. Throws `SpeechError` for a value out
    /// of range or a voice that is not installed; the settings in use then stay as they were.
    public func setVoice(_ v: VoiceSettings) throws {
        try v.validateRanges()
        let resolved = try voiceCatalog.resolve(v.voice)
        condition.lock(); defer { condition.unlock() }
        settings = v
        selection = resolved
        // An idle worker prepared for the old voice is replaced now rather than when it is needed.
        condition.broadcast()
    }

    /// Waits until the queue is empty, nothing is speaking and every event so far has been
    /// delivered, or `timeout` passes. Returns false on timeout.
    @discardableResult
    public func waitIdle(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while !queue.isEmpty || current != nil {
            if !condition.wait(until: deadline), !queue.isEmpty || current != nil {
                condition.unlock()
                return false
            }
        }
        condition.unlock()
        if DispatchQueue.getSpecific(key: onEventsQueue) == nil { events.sync {} }
        return true
    }

    /// Stops speech, ends the speech thread and waits for it. Later `enqueue`s fail at once.
    public func shutdown() {
        condition.lock()
        let first = !isShutDown
        isShutDown = true
        stopLocked()
        condition.unlock()
        if first {
            exited.wait()
            exited.signal()
        }
        if DispatchQueue.getSpecific(key: onEventsQueue) == nil { events.sync {} }
    }

    // MARK: - Shared state

    private func stopLocked() {
        for dropped in queue { post(.stopped(id: dropped.id)) }
        queue.removeAll()
        if current != nil {
            abortCurrent = true
            // Its socket ends at once, wherever the speech thread is waiting for it.
            pool?.interrupt()
        }
        condition.broadcast()
    }

    /// Hands an event to the delivery queue. Called with `condition` held, so events leave in
    /// the order the state changed.
    private func post(_ event: SpeechEvent) {
        let handler = onEvent
        events.async { handler(event) }
    }

    private func postLocked(_ event: SpeechEvent) {
        condition.lock(); defer { condition.unlock() }
        post(event)
    }

    private func setHealth(ok: Bool, detail: String?) {
        condition.lock(); defer { condition.unlock() }
        sinkHealth = SpeechHealth(sink: sink.description, ok: ok, detail: detail)
    }

    private var shouldAbort: Bool {
        condition.lock(); defer { condition.unlock() }
        return abortCurrent
    }

    /// Sleeps until `deadline` or until the current utterance is stopped.
    private func pause(until deadline: Date) {
        condition.lock(); defer { condition.unlock() }
        while !abortCurrent, Date() < deadline { _ = condition.wait(until: deadline) }
    }

    // MARK: - Speech thread

    private func runLoop() {
        while let (utterance, voice, selection) = nextUtterance() {
            let outcome = speak(utterance, voice: voice, selection: selection)
            condition.lock()
            if let outcome { post(outcome) }
            current = nil
            abortCurrent = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Takes the next utterance, waiting for one; retries a missing device meanwhile. Nil once
    /// shut down.
    private func nextUtterance() -> (Utterance, VoiceSettings, VoiceSelection)? {
        condition.lock(); defer { condition.unlock() }
        while true {
            if !queue.isEmpty {
                let next = queue.removeFirst()
                current = next
                abortCurrent = false
                return (next, settings, selection)
            }
            if isShutDown { return nil }
            var wakeAt = Date.distantFuture
            if let player, !player.isOpen {
                if Date() >= nextDeviceAttempt {
                    condition.unlock()
                    openDevice()
                    condition.lock()
                    continue
                }
                wakeAt = min(wakeAt, nextDeviceAttempt)
            }
            if let pool {
                let voice = WorkerVoice(settings: settings, selection: selection)
                if let due = pool.maintenanceDue(for: voice) {
                    if due <= Date() {
                        condition.unlock()
                        pool.maintain(for: voice)
                        condition.lock()
                        continue
                    }
                    wakeAt = min(wakeAt, due)
                }
            }
            if wakeAt == .distantFuture {
                condition.wait()
            } else {
                _ = condition.wait(until: wakeAt)
            }
        }
    }

    private func prepareSink() {
        switch sink {
        case .none:
            setHealth(ok: true, detail: "no audio output: utterances are only reported")
        case .wav(let directory):
            prepareWavDirectory(directory, removingLeftovers: true)
        case .device:
            player = AlsaPlayer(device: options.alsaDevice)
            openDevice()
        }
    }

    @discardableResult
    private func prepareWavDirectory(_ directory: String, removingLeftovers: Bool = false) -> String? {
        do {
            try WavFileWriter.prepare(directory: directory, removingLeftovers: removingLeftovers)
            setHealth(ok: true, detail: "writing WAV files to \(directory)")
            return nil
        } catch {
            setHealth(ok: false, detail: "\(error)")
            return "\(error)"
        }
    }

    /// Tries to open the audio device; on failure schedules the next try. Returns the problem.
    @discardableResult
    private func openDevice() -> String? {
        guard let player else { return "no audio device configured" }
        deviceOpenAttempts += 1
        do {
            try player.open(sampleRate: sampleRate)
            setHealth(ok: true, detail: "playing on ALSA PCM \"\(player.device)\" at \(player.sampleRate) Hz")
            return nil
        } catch {
            deviceFailed("\(error)")
            return "\(error)"
        }
    }

    private func deviceFailed(_ problem: String) {
        player?.close()
        nextDeviceAttempt = Date().addingTimeInterval(retryInterval)
        setHealth(ok: false, detail: "\(problem) (retrying every \(Self.seconds(retryInterval)))")
    }

    /// Speaks one utterance; returns its final event, or nil when it has been posted already.
    private func speak(_ utterance: Utterance, voice: VoiceSettings, selection: VoiceSelection) -> SpeechEvent? {
        switch sink {
        case .none:
            postLocked(.started(id: utterance.id, text: utterance.text))
            return .finished(id: utterance.id, file: nil)
        case .wav(let directory):
            return speakToWav(utterance, directory: directory, voice: voice, selection: selection)
        case .device:
            return speakToDevice(utterance, voice: voice, selection: selection)
        }
    }

    private func speakToWav(_ utterance: Utterance, directory: String, voice: VoiceSettings,
                            selection: VoiceSelection) -> SpeechEvent? {
        let id = utterance.id
        if let problem = prepareWavDirectory(directory) { return .failed(id: id, reason: problem) }
        let stem = WavFileWriter.stem(date: Date(), id: id)
        var writer: WavFileWriter?
        var writeError: Error?
        var paceStart = Date()
        let paced = options.paceWavInRealTime
        let outcome = synthesize(
            utterance, settings: voice, selection: selection,
            begin: { rate in
                writer = try WavFileWriter(directory: directory, stem: stem, sampleRate: rate)
                paceStart = Date()
                self.postLocked(.started(id: id, text: utterance.text))
            },
            onChunk: { samples in
                guard let writer else { return false }
                do { try writer.append(samples) } catch { writeError = error; return false }
                if paced {
                    self.pause(until: paceStart.addingTimeInterval(Double(writer.sampleCount) / Double(writer.sampleRate)))
                }
                return !self.shouldAbort
            },
            shouldAbort: { self.shouldAbort })
        guard let writer else {
            if case .failed(let reason) = outcome { return .failed(id: id, reason: reason) }
            return .failed(id: id, reason: "no audio was produced")
        }
        if let writeError {
            writer.discard()
            setHealth(ok: false, detail: "\(writeError)")
            return .failed(id: id, reason: "\(writeError)")
        }
        switch outcome {
        case .failed(let reason):
            writer.discard()
            return .failed(id: id, reason: reason)
        case .completed:
            do {
                return .finished(id: id, file: try writer.commit(text: utterance.text))
            } catch {
                writer.discard()
                setHealth(ok: false, detail: "\(error)")
                return .failed(id: id, reason: "\(error)")
            }
        case .aborted:
            // Silence is what the listener waits for; the partial file follows (fsyncs can take
            // tens of milliseconds on a busy SD card). `waitIdle` returns once it is in place.
            postLocked(.stopped(id: id))
            do {
                _ = try writer.commit(text: utterance.text)
            } catch {
                writer.discard()
                setHealth(ok: false, detail: "\(error)")
            }
            return nil
        }
    }

    private func speakToDevice(_ utterance: Utterance, voice: VoiceSettings,
                               selection: VoiceSelection) -> SpeechEvent {
        let id = utterance.id
        guard let player else { return .failed(id: id, reason: "no audio device configured") }
        if !player.isOpen {
            guard Date() >= nextDeviceAttempt else {
                return .failed(id: id, reason: "audio device unavailable: \(health.detail ?? "not open")")
            }
            if let problem = openDevice() {
                return .failed(id: id, reason: "audio device unavailable: \(problem)")
            }
        }
        var deviceError: Error?
        let outcome = synthesize(
            utterance, settings: voice, selection: selection,
            begin: { rate in
                do { try player.open(sampleRate: rate) } catch { deviceError = error; throw error }
                self.postLocked(.started(id: id, text: utterance.text))
            },
            onChunk: { samples in
                do { return try player.play(samples, shouldAbort: { self.shouldAbort }) }
                catch { deviceError = error; return false }
            },
            shouldAbort: { self.shouldAbort })
        if let deviceError {
            deviceFailed("\(deviceError)")
            return .failed(id: id, reason: "audio device failed: \(deviceError)")
        }
        switch outcome {
        case .failed(let reason):
            player.drop()
            return .failed(id: id, reason: reason)
        case .aborted:
            player.drop()
            return .stopped(id: id)
        case .completed:
            do {
                let played = try player.finish(shouldAbort: { self.shouldAbort },
                                               pause: { self.pause(until: Date().addingTimeInterval($0)) })
                return played ? .finished(id: id, file: nil) : .stopped(id: id)
            } catch {
                deviceFailed("\(error)")
                return .failed(id: id, reason: "audio device failed: \(error)")
            }
        }
    }

    /// Synthesizes in a worker process when configured, else in process; `onChunk` runs on the
    /// speech thread either way. Records the start latency at the first chunk.
    private func synthesize(_ utterance: Utterance, settings: VoiceSettings, selection: VoiceSelection,
                            begin: (Int) throws -> Void,
                            onChunk: @escaping (UnsafeBufferPointer<Int16>) -> Bool,
                            shouldAbort: @escaping () -> Bool) -> SynthesisOutcome {
        var first = true
        let timedChunk: (UnsafeBufferPointer<Int16>) -> Bool = { samples in
            if first {
                first = false
                self.lastStartLatency = Date().timeIntervalSince(utterance.queued)
            }
            return onChunk(samples)
        }
        if let pool {
            let request = WorkerRequest(text: utterance.text, voice: WorkerVoice(settings: settings, selection: selection))
            return pool.synthesize(request,
                                   begin: begin, onChunk: timedChunk, shouldAbort: shouldAbort)
        }
        return EspeakEngine.shared.synthesize(utterance.text, settings: settings, selection: selection,
                                              begin: begin, onChunk: timedChunk, shouldAbort: shouldAbort)
    }

    /// Never faster than 20 times a second, whatever the options say: opening a PCM is not free.
    private var retryInterval: TimeInterval { max(options.deviceRetryInterval, 0.05) }

    private static func seconds(_ interval: TimeInterval) -> String {
        interval >= 1 ? "\(Int(interval.rounded())) s" : "\(Int((interval * 1000).rounded())) ms"
    }
}

/// Carries the speech thread's start-up error back to `Speaker.init`; written before the
/// semaphore is signalled and read after it is waited on.
private final class StartupResult: @unchecked Sendable {
    var error: Error?
}
