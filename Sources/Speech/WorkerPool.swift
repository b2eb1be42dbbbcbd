import Dispatch
import Foundation
import SystemSupport

/// Synthesis in worker processes, one per utterance, with the next one always started ahead.
///
/// Driven by the speaker's speech thread: `maintain`, `synthesize` and `shutdown` are called only
/// there. `interrupt` and `problem` may be called from any thread; all state is in one `Locked` (a `Mutex`).
///
/// The idle worker has initialized libespeak-ng and set the voice the next utterance is expected
/// to use, and waits for its request, so an utterance starts about as quickly as in process. Its
/// replacement is started as soon as the first audio of the utterance has arrived. A worker is
/// only ever given an utterance for the voice it prepared (setting a second voice would not be
/// what the espeak-ng CLI does): after a voice change the idle worker is replaced.
///
/// A worker that dies while idle is noticed at once (its socket becomes readable, see
/// `WorkerProcess.watch`), reaped and replaced. Failures are bounded: after the second failure in
/// a row, new workers are started at most after 0.5 s, 1 s, 2 s... up to 30 s, and a completed
/// utterance resets that.
final class WorkerPool: Sendable {
    let command: WorkerCommand
    /// No message from a working worker for this long means it hangs.
    static let stallSeconds: TimeInterval = 10

    private let wake: @Sendable () -> Void
    private let watchQueue = DispatchQueue(label: "assist.speech.worker-watch")

    /// The workers and the failure count. The speech thread changes it; `interrupt`, `problem`
    /// and the test accessors read it from other threads.
    private struct State {
        var idle: WorkerProcess?
        /// The voice `idle` has set.
        var idleVoice: WorkerVoice?
        var nextSpawn = Date.distantPast
        var active: WorkerProcess?
        /// Workers done with their utterance, killed but not yet reaped: reaping waits for the
        /// process to go, which should not delay the utterance's final event.
        var dying: [WorkerProcess] = []
        var consecutiveFailures = 0
        var lastProblem: String?
        var attempts = 0
    }

    private let state = Locked(State())

    /// `wake` is called (on a private queue) when the idle worker needs `maintain`.
    init(command: WorkerCommand, wake: @escaping @Sendable () -> Void) {
        self.command = command
        self.wake = wake
    }

    /// What keeps workers from working, once two in a row have failed; nil otherwise.
    var problem: String? {
        let (failures, lastProblem, nextSpawn) = state.withLock { ($0.consecutiveFailures, $0.lastProblem, $0.nextSpawn) }
        guard failures >= 2, let lastProblem else { return nil }
        let wait = nextSpawn.timeIntervalSinceNow
        let retry = wait > 0 ? " (next attempt in \(Int(wait.rounded(.up))) s)" : ""
        return "\(lastProblem)\(retry)"
    }

    /// When the speech thread should call `maintain(for: voice)`: at once (distantPast) when the
    /// idle worker died or prepared another voice, at the next allowed start when there is no
    /// idle worker, nil when one is ready.
    func maintenanceDue(for voice: WorkerVoice) -> Date? {
        state.withLock { s in
            if !s.dying.isEmpty { return .distantPast }
            guard let idle = s.idle else { return s.nextSpawn }
            return idle.needsAttention || s.idleVoice != voice ? .distantPast : nil
        }
    }

    /// How many times a worker was started or tried (for tests of the restart pacing).
    var spawnAttempts: Int { state.withLock { $0.attempts } }

    /// The pids of the idle and the speaking worker (for tests).
    var processIDs: (idle: pid_t?, active: pid_t?) { state.withLock { ($0.idle?.pid, $0.active?.pid) } }

    /// Replaces a dead idle worker, or one prepared for another voice, and starts one for
    /// `voice` if none is ready and a start is due. Returns when the next start is due if it
    /// could not start one now, else nil.
    @discardableResult
    func maintain(for voice: WorkerVoice) -> Date? {
        let (done, idle, idleVoice) = state.withLock { s in
            defer { s.dying.removeAll() }
            return (s.dying, s.idle, s.idleVoice)
        }
        for worker in done { worker.reap() }
        if let worker = idle, worker.needsAttention {
            setIdle(nil, voice: nil)
            recordFailure(Self.explainIdleEnd(of: worker))
        } else if let worker = idle, idleVoice != voice {
            setIdle(nil, voice: nil)
            worker.stopWatching()
            worker.kill()
            state.withLock { $0.dying.append(worker) }
        } else if idle != nil {
            return nil
        }
        let nextSpawn = state.withLock { $0.nextSpawn }
        if Date() < nextSpawn { return nextSpawn }
        state.withLock { $0.attempts += 1 }
        let worker: WorkerProcess
        do {
            worker = try WorkerProcess.spawn(command)
        } catch {
            return recordFailure("\(error)")
        }
        do {
            try worker.channel.send(try voice.frame)
        } catch {
            worker.kill()
            return recordFailure("speech worker \(worker.executable) did not take its voice: \(error) (\(worker.reap()))")
        }
        setIdle(worker, voice: voice)
        worker.watch(on: watchQueue, wake)
        return nil
    }

    /// Synthesizes `request` in the idle worker, with the callbacks of
    /// `EspeakEngine.synthesize`: `begin` when the worker reports the voice set, `onChunk` for
    /// each buffer (false stops), `shouldAbort` between buffers. A worker that crashes or hangs
    /// ends the utterance as `.failed` with what happened to it. `onWord` gets the word marks of
    /// a request that asked for them, each before the audio it was reported with.
    func synthesize(_ request: WorkerRequest, begin: (Int) throws -> Void,
                    onChunk: (UnsafeBufferPointer<Int16>) -> Bool,
                    shouldAbort: () -> Bool,
                    onWord: (WordMark) -> Void = { _ in }) -> SynthesisOutcome {
        maintain(for: request.voice)
        guard let worker = state.withLock({ $0.idle }) else {
            return .failed("speech worker unavailable: \(problem ?? lastProblemText)")
        }
        worker.stopWatching()
        setIdle(nil, voice: nil)
        if worker.needsAttention {
            // It died between maintain and now; the next utterance gets a fresh one.
            recordFailure(Self.explainIdleEnd(of: worker))
            return .failed("speech worker unavailable: \(lastProblemText)")
        }
        state.withLock { $0.active = worker }
        defer { state.withLock { $0.active = nil } }
        // Without audio (a stop or failure before the first buffer) the speech thread starts the
        // next worker after posting the outcome.
        var replaced = false
        let outcome = converse(with: worker, request, begin: begin, shouldAbort: shouldAbort, onWord: onWord) { samples in
            let keepGoing = onChunk(samples)
            if !replaced {
                // The first audio is out: now start the next utterance's worker.
                replaced = true
                maintain(for: request.voice)
            }
            return keepGoing
        }
        return outcome
    }

    /// Kills the speaking worker, if any, so that its socket ends at once. Any thread.
    func interrupt() {
        state.withLock { $0.active }?.kill()
    }

    /// Kills and reaps every worker.
    func shutdown() {
        let (dying, idle) = state.withLock { s in
            defer {
                s.dying.removeAll()
                s.idle = nil
                s.idleVoice = nil
            }
            return (s.dying, s.idle)
        }
        idle?.kill()
        for worker in dying + (idle.map { [$0] } ?? []) { worker.reap() }
    }

    // MARK: - Speech thread

    private func converse(with worker: WorkerProcess, _ request: WorkerRequest, begin: (Int) throws -> Void,
                          shouldAbort: () -> Bool, onWord: (WordMark) -> Void,
                          onChunk: (UnsafeBufferPointer<Int16>) -> Bool) -> SynthesisOutcome {
        // Ends the worker and returns `outcome`; a crash, hang or garbage counts as a failure.
        // A worker that has nothing left to do is killed (even one that is exiting by itself, so
        // that reaping is bounded) and reaped by the next `maintain`, after the final event.
        func finish(_ outcome: SynthesisOutcome, failure: String? = nil) -> SynthesisOutcome {
            worker.kill()
            guard let failure else {
                if outcome == .completed { recordSuccess() }
                state.withLock { $0.dying.append(worker) }
                return outcome
            }
            let problem = "\(failure) (\(worker.reap()))"
            recordFailure(problem)
            return .failed(problem)
        }

        if shouldAbort() { return finish(.aborted) }
        do {
            try worker.channel.send(try request.frame)
        } catch {
            if shouldAbort() { return finish(.aborted) }
            return finish(.aborted, failure: "speech worker \(worker.executable) could not take the utterance: \(error)")
        }
        var begun = false
        while true {
            let frame: WorkerFrame?
            do {
                frame = try worker.channel.receive(timeout: Self.stallSeconds)
            } catch {
                if shouldAbort() { return finish(.aborted) }
                return finish(.aborted, failure: "speech worker \(worker.executable) failed: \(error)")
            }
            // Audio still in the socket after a stop was never heard: it is not delivered.
            if shouldAbort() { return finish(.aborted) }
            guard let frame else {
                return finish(.aborted, failure: "speech worker \(worker.executable) ended before the utterance did")
            }
            switch frame.tag {
            case .begin where !begun:
                guard let rate = frame.sampleRate else { break }
                begun = true
                do { try begin(rate) } catch { return finish(.failed("\(error)")) }
                continue
            case .audio where begun:
                let samples = frame.samples
                let keepGoing = samples.withUnsafeBufferPointer { onChunk($0) }
                if !keepGoing || shouldAbort() { return finish(.aborted) }
                continue
            case .word where begun && request.words:
                guard let mark = frame.wordMark else { break }
                onWord(mark)
                continue
            case .end:
                guard let outcome = frame.outcome else { break }
                return finish(outcome)
            default:
                break
            }
            return finish(.aborted, failure: "speech worker \(worker.executable) sent an unexpected message (tag 0x\(String(frame.tag.rawValue, radix: 16)))")
        }
    }

    private func setIdle(_ worker: WorkerProcess?, voice: WorkerVoice?) {
        state.withLock {
            $0.idle = worker
            $0.idleVoice = voice
        }
    }

    /// An idle worker's socket became readable: it reports why it could not start, or it died.
    /// Reads what it said (briefly), then kills and reaps it.
    private static func explainIdleEnd(of worker: WorkerProcess) -> String {
        var said: String?
        if let frame = try? worker.channel.receive(timeout: 1), case .failed(let reason)? = frame.outcome {
            said = reason
        }
        worker.kill()
        let termination = worker.reap()
        if let said { return "speech worker \(worker.executable) could not start: \(said) (\(termination))" }
        return "speech worker \(worker.executable) ended while waiting (\(termination))"
    }

    private var lastProblemText: String { state.withLock { $0.lastProblem ?? "no worker process" } }

    /// Counts a failure and paces the next start; returns when that start is due.
    @discardableResult
    private func recordFailure(_ problem: String) -> Date {
        state.withLock { s in
            s.consecutiveFailures += 1
            s.lastProblem = problem
            let delay = s.consecutiveFailures < 2 ? 0 : min(0.5 * pow(2, Double(s.consecutiveFailures - 2)), 30)
            s.nextSpawn = Date().addingTimeInterval(delay)
            return s.nextSpawn
        }
    }

    private func recordSuccess() {
        state.withLock {
            $0.consecutiveFailures = 0
            $0.lastProblem = nil
        }
    }
}
