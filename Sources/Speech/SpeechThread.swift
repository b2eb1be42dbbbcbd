import Foundation

/// The speech thread of one `Speaker`: takes utterances from its queue, has a worker process
/// synthesize them, and hands the audio to the sink (the audio device or WAV files). Only that
/// thread uses this object; what it shares with callers lives in the speaker's `state`.
final class SpeechThread {
    typealias Utterance = Speaker.Utterance

    private let speaker: Speaker
    private var player: AlsaPlayer?
    private var nextDeviceAttempt = Date.distantPast
    private var sampleRate = 22050

    init(speaker: Speaker) {
        self.speaker = speaker
    }

    /// Initializes libespeak-ng (for the voice list and sample rate) and prepares the sink.
    func start() throws {
        let engine = try EspeakEngine.shared.start()
        speaker.state.withLock { $0.catalog = engine.catalog }
        sampleRate = engine.sampleRate
        prepareSink()
    }

    /// Speaks until the speaker shuts down.
    func run() {
        while let (utterance, voice, selection) = nextUtterance() {
            let outcome = speak(utterance, voice: voice, selection: selection)
            speaker.state.withLock { s in
                if let outcome { speaker.post(outcome) }
                s.current = nil
                s.abortCurrent = false
                Speaker.releaseIdleWaiters(&s)
            }
        }
    }

    func close() {
        player?.close()
    }

    private enum Next {
        case speak(Utterance, VoiceSettings, VoiceSelection)
        case wait(VoiceSettings, VoiceSelection)
        case end
    }

    /// Takes the next utterance, waiting for one; retries a missing device and keeps a worker
    /// ready meanwhile. Nil once shut down.
    private func nextUtterance() -> (Utterance, VoiceSettings, VoiceSelection)? {
        while true {
            // Earcons go ahead of queued speech.
            if playClips(speaking: false) { continue }
            let next = speaker.state.withLock { s -> Next in
                if !s.queue.isEmpty {
                    let utterance = s.queue.removeFirst()
                    s.current = utterance
                    s.abortCurrent = false
                    return .speak(utterance, s.settings, s.selection)
                }
                return s.isShutDown ? .end : .wait(s.settings, s.selection)
            }
            let settings: VoiceSettings, selection: VoiceSelection
            switch next {
            case .speak(let utterance, let v, let sel): return (utterance, v, sel)
            case .end: return nil
            case .wait(let v, let sel): (settings, selection) = (v, sel)
            }
            var wakeAt = Date.distantFuture
            followOutput()
            if let player, !player.isOpen {
                if Date() >= nextDeviceAttempt {
                    openDevice()
                    continue
                }
                wakeAt = min(wakeAt, nextDeviceAttempt)
            }
            if let pool = speaker.pool {
                let voice = WorkerVoice(settings: settings, selection: selection)
                if let due = pool.maintenanceDue(for: voice) {
                    if due <= Date() {
                        pool.maintain(for: voice)
                        continue
                    }
                    wakeAt = min(wakeAt, due)
                }
            }
            if wakeAt == .distantFuture {
                speaker.wakeups.wait()
            } else {
                _ = speaker.wakeups.wait(timeout: .now() + max(0, wakeAt.timeIntervalSinceNow))
            }
        }
    }

    /// Sleeps until `deadline` or until the current utterance is stopped.
    private func pause(until deadline: Date) {
        while !speaker.shouldAbort, Date() < deadline {
            _ = speaker.wakeups.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow))
        }
    }

    // MARK: - Sinks

    private func prepareSink() {
        switch speaker.sink {
        case .none:
            speaker.setHealth(ok: true, detail: "no audio output: utterances are only reported")
        case .wav(let directory):
            prepareWavDirectory(directory, removingLeftovers: true)
        case .device, .pcm:
            player = AlsaPlayer(device: speaker.state.withLock { $0.output })
            openDevice()
        }
    }

    /// After `Speaker.setOutput`: closes the PCM in use and opens the new one at once.
    private func followOutput() {
        let wanted = speaker.state.withLock { $0.output }
        guard let current = player, current.device != wanted else { return }
        current.close()
        player = AlsaPlayer(device: wanted)
        nextDeviceAttempt = .distantPast
    }

    @discardableResult
    private func prepareWavDirectory(_ directory: String, removingLeftovers: Bool = false) -> String? {
        do {
            try WavFileWriter.prepare(directory: directory, removingLeftovers: removingLeftovers)
            speaker.setHealth(ok: true, detail: "writing WAV files to \(directory)")
            return nil
        } catch {
            speaker.setHealth(ok: false, detail: "\(error)")
            return "\(error)"
        }
    }

    /// Tries to open the audio device; on failure schedules the next try. Returns the problem.
    @discardableResult
    private func openDevice() -> String? {
        guard let player else { return "no audio device configured" }
        speaker.state.withLock { $0.openAttempts += 1 }
        do {
            try player.open(sampleRate: sampleRate)
            speaker.setHealth(ok: true, detail: "playing on ALSA PCM \"\(player.device)\" at \(player.sampleRate) Hz")
            return nil
        } catch {
            deviceFailed("\(error)")
            return "\(error)"
        }
    }

    private func deviceFailed(_ problem: String) {
        player?.close()
        nextDeviceAttempt = Date().addingTimeInterval(retryInterval)
        speaker.setHealth(ok: false, detail: "\(problem) (retrying every \(Self.seconds(retryInterval)))")
    }

    /// Speaks one utterance; returns its final event, or nil when it has been posted already.
    private func speak(_ utterance: Utterance, voice: VoiceSettings, selection: VoiceSelection) -> SpeechEvent? {
        switch speaker.sink {
        case .none:
            speaker.postLocked(.started(id: utterance.id, text: utterance.text))
            return .finished(id: utterance.id, file: nil)
        case .wav(let directory):
            return speakToWav(utterance, directory: directory, voice: voice, selection: selection)
        case .device, .pcm:
            followOutput()
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
        let paced = speaker.options.paceWavInRealTime
        let outcome = synthesize(
            utterance, settings: voice, selection: selection,
            begin: { rate in
                writer = try WavFileWriter(directory: directory, stem: stem, sampleRate: rate)
                paceStart = Date()
                self.speaker.postLocked(.started(id: id, text: utterance.text))
            },
            onChunk: { samples in
                guard let writer else { return false }
                if !self.speaker.shouldAbort { self.playClips(speaking: true) }
                do { try writer.append(samples) } catch { writeError = error; return false }
                if paced {
                    self.pause(until: paceStart.addingTimeInterval(Double(writer.sampleCount) / Double(writer.sampleRate)))
                }
                return !self.speaker.shouldAbort
            })
        guard let writer else {
            if case .failed(let reason) = outcome { return .failed(id: id, reason: reason) }
            return .failed(id: id, reason: "no audio was produced")
        }
        if let writeError {
            writer.discard()
            speaker.setHealth(ok: false, detail: "\(writeError)")
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
                speaker.setHealth(ok: false, detail: "\(error)")
                return .failed(id: id, reason: "\(error)")
            }
        case .aborted:
            // Silence is what the listener waits for; the partial file follows (fsyncs can take
            // tens of milliseconds on a busy SD card). `waitIdle` returns once it is in place.
            speaker.postLocked(.stopped(id: id))
            do {
                _ = try writer.commit(text: utterance.text)
            } catch {
                writer.discard()
                speaker.setHealth(ok: false, detail: "\(error)")
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
                return .failed(id: id, reason: "audio device unavailable: \(speaker.health.detail ?? "not open")")
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
                self.speaker.postLocked(.started(id: id, text: utterance.text))
            },
            onChunk: { samples in
                // Not into a stream about to be dropped: after a stop, clips play once it ends.
                if !self.speaker.shouldAbort { self.playClips(speaking: true) }
                do { return try player.play(samples, shouldAbort: { self.speaker.shouldAbort }) }
                catch { deviceError = error; return false }
            })
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
                let played = try player.finish(shouldAbort: { self.speaker.shouldAbort },
                                               pause: { self.pause(until: Date().addingTimeInterval($0)) })
                return played ? .finished(id: id, file: nil) : .stopped(id: id)
            } catch {
                deviceFailed("\(error)")
                return .failed(id: id, reason: "audio device failed: \(error)")
            }
        }
    }

    /// Synthesizes in a worker process; `onChunk` runs on this thread. Records the start latency
    /// at the first chunk. For an utterance that reports words, posts each word once the chunk
    /// holding its first sample has been handed to the sink (for the device, at most the 80 ms
    /// ALSA buffer before it is heard).
    private func synthesize(_ utterance: Utterance, settings: VoiceSettings, selection: VoiceSelection,
                            begin: (Int) throws -> Void,
                            onChunk: @escaping (UnsafeBufferPointer<Int16>) -> Bool) -> SynthesisOutcome {
        guard let pool = speaker.pool else { return .failed("the \(speaker.sink) sink has no synthesis worker") }
        var first = true
        var words: [WordMark] = []
        var handedOver = 0
        let timedChunk: (UnsafeBufferPointer<Int16>) -> Bool = { samples in
            if first {
                first = false
                let latency = Date().timeIntervalSince(utterance.queued)
                self.speaker.state.withLock { $0.startLatency = latency }
            }
            let keepGoing = onChunk(samples)
            handedOver += samples.count
            if keepGoing, !words.isEmpty {
                let heard = words.prefix { $0.sample < handedOver }
                words.removeFirst(heard.count)
                for mark in heard {
                    self.speaker.postLocked(.word(id: utterance.id, position: mark.position, length: mark.length))
                }
            }
            return keepGoing
        }
        let request = WorkerRequest(text: utterance.text, voice: WorkerVoice(settings: settings, selection: selection),
                                    words: utterance.reportsWords)
        return pool.synthesize(request, begin: begin, onChunk: timedChunk, shouldAbort: { self.speaker.shouldAbort },
                               onWord: { words.append($0) })
    }

    // MARK: - Earcons

    /// Hands the earcons queued so far to the sink; returns whether there were any. `speaking`:
    /// called between two chunks of an utterance, whose audio follows in the same stream; idle,
    /// the device is drained, so a short clip is heard now rather than when the buffer fills.
    @discardableResult
    private func playClips(speaking: Bool) -> Bool {
        let (clips, volume) = speaker.state.withLock { s -> ([Earcon], Int) in
            defer { s.clips.removeAll() }
            return (s.clips, s.settings.volume)
        }
        guard !clips.isEmpty else { return false }
        let level = Double(volume) / 100
        switch speaker.sink {
        case .none:
            break
        case .wav(let directory):
            let samples = clips.flatMap { $0.samples(sampleRate: sampleRate, volume: level) }
            writeClip(samples, names: clips.map { "\($0)" }.joined(separator: " "), directory: directory + "/clips")
        case .device, .pcm:
            playClipOnDevice(clips, volume: level, drain: !speaking)
        }
        speaker.state.withLock { $0.clipsPlayed += UInt64(clips.count) }
        return true
    }

    /// Plays clips on the open PCM (opening it if a retry is due; a device that cannot be opened
    /// drops them: a late click would mean nothing).
    private func playClipOnDevice(_ clips: [Earcon], volume: Double, drain: Bool) {
        guard let player else { return }
        if !player.isOpen {
            guard Date() >= nextDeviceAttempt, openDevice() == nil else { return }
        }
        // At the rate the PCM is open at: mid-utterance that is the voice's.
        let samples = clips.flatMap { $0.samples(sampleRate: player.sampleRate, volume: volume) }
        do {
            _ = try samples.withUnsafeBufferPointer { try player.play($0, shouldAbort: { false }) }
            if drain {
                _ = try player.finish(shouldAbort: { false }, pause: { self.pause(until: Date().addingTimeInterval($0)) })
            }
        } catch {
            deviceFailed("\(error)")
        }
    }

    /// The WAV sink's clips: one file per batch in `directory` (beside the utterances' directory,
    /// so a reader of `*.wav` there sees speech only). A clip that cannot be written is dropped.
    private func writeClip(_ samples: [Int16], names: String, directory: String) {
        let number = speaker.state.withLock { $0.clipsPlayed } + 1
        guard (try? WavFileWriter.prepare(directory: directory, removingLeftovers: false)) != nil,
              let writer = try? WavFileWriter(directory: directory, stem: WavFileWriter.stem(date: Date(), id: number),
                                              sampleRate: sampleRate) else { return }
        do {
            try samples.withUnsafeBufferPointer { try writer.append($0) }
            _ = try writer.commit(text: names)
        } catch {
            writer.discard()
        }
    }

    /// Never faster than 20 times a second, whatever the options say: opening a PCM is not free.
    private var retryInterval: TimeInterval { max(speaker.options.deviceRetryInterval, 0.05) }

    private static func seconds(_ interval: TimeInterval) -> String {
        interval >= 1 ? "\(Int(interval.rounded())) s" : "\(Int((interval * 1000).rounded())) ms"
    }
}
