import Foundation
import IPC
import PhotoAnalysis
import Speech
import XCTest
@testable import AssistDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's photo services wired as `Daemon` wires them, in this process, on a temporary
/// state directory: the real journal, queue, pipeline, router, history and narrator; a blocking
/// captioner, a recording speech output and a recording source stand in for the model, the
/// speech workers and the folder watcher. Text reading is off, so a photo's text does not vary.
final class CoreHarness {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    /// A real photo (400x300): decoded, checked and captioned for real, except the model.
    static var photo: Data { get throws { try Data(contentsOf: fixtures.appendingPathComponent("images/jpeg-large-400x300.jpg")) } }

    let root: String
    let state: String
    let inbox: String
    let captioner = BlockingCaptioner()
    let recorder = EventRecorder()
    let source = RecordingSource()
    let events = EventHub()
    let history = CaptionHistory(capacity: 10)
    let journal: Journal
    let queue: JobQueue
    let intake: PhotoIntake
    let pipeline: PhotoPipeline
    let router: RequestRouter
    private let speechBox = SpeechBox()
    private var worker: Thread?
    private let workerDone = DispatchSemaphore(value: 0)

    /// The speech output, once the narrator built it.
    var speech: RecordingSpeech { speechBox.speech! }

    /// `stateDirectory` is the journal's directory (a tmpfs for the disk-full test).
    init(maxAttempts: Int = 3, maxQueue: Int = 4, stateDirectory: String? = nil) throws {
        var template = Array("/tmp/assist-core-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw NSError(domain: "mkdtemp", code: Int(errno)) }
        root = String(cString: dir)
        state = stateDirectory ?? root + "/state"
        inbox = root + "/inbox"
        for d in [state, inbox] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        events.add(recorder)
        journal = try Journal(directory: state)
        queue = JobQueue(maxRequests: maxQueue)
        intake = PhotoIntake(queue: queue, journal: journal, events: events)
        let box = speechBox
        let narrator = Narrator(sinkName: "recording", events: events) { onEvent in
            let s = RecordingSpeech(onEvent: onEvent)
            box.speech = s
            return s
        }
        let model = FixedModel(captioner: captioner, directory: root + "/model")
        let settings = PhotoPipeline.Settings(maxAttempts: maxAttempts, maxPhotoBytes: 20 * 1024 * 1024, altText: true,
                                              verbosity: .everything)
        pipeline = PhotoPipeline(journal: journal, queue: queue, models: model, reading: .off, settings: settings,
                                 narrator: narrator, events: events, history: history, sources: [source])
        router = RequestRouter(intake: intake, pipeline: pipeline, models: model, narrator: narrator, history: history,
                               voiceStore: VoiceStore(stateDirectory: state), voice: VoiceSettings(), events: events,
                               settings: RequestRouter.Settings(watching: [inbox], verbosity: .everything),
                               privacy: PrivacyKeeper(journal: journal, history: history, retentionDays: 0))
    }

    deinit {
        _ = queue.close()
        captioner.release(100)
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Starts the one worker, as the daemon does.
    func startWorker() {
        let t = Thread { [pipeline, workerDone] in
            pipeline.work()
            workerDone.signal()
        }
        t.start()
        worker = t
    }

    /// Closes the queue and waits for the worker to finish its job (release the captioner first).
    func stopWorker() -> [PhotoJob] {
        let left = queue.close()
        XCTAssertEqual(workerDone.wait(timeout: .now() + 20), .success, "the worker did not stop")
        return left
    }

    /// Writes a photo into the inbox (by rename, as a camera app does) and returns its path.
    @discardableResult
    func drop(_ name: String, _ data: Data) throws -> String {
        let tmp = root + "/.staging-" + name
        try data.write(to: URL(fileURLWithPath: tmp))
        let path = inbox + "/" + name
        guard rename(tmp, path) == 0 else { throw NSError(domain: "rename", code: Int(errno)) }
        return path
    }

    /// Finds the file as the watcher would.
    func found(_ path: String) { intake.fileFound(path) }

    /// The journal's record of the file at `path` now.
    func record(_ path: String) -> JournalRecord? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return journal.record(for: PhotoIdentity(path: path, stat: st))
    }

    /// Sends a request through the router and waits for its one answer.
    func ask(_ body: RequestBody, photo: Data? = nil, timeout: Double = 20) -> ResponseBody? {
        let answer = DispatchSemaphore(value: 0)
        let box = AnswerBox()
        router.handle(Request(id: 1, body), photo: photo.map { .bytes($0) }) { r in
            box.set(r)
            answer.signal()
        }
        return answer.wait(timeout: .now() + timeout) == .success ? box.get() : nil
    }
}

/// Where the narrator's factory leaves the speech output it built.
final class SpeechBox: @unchecked Sendable {
    // Unchecked: written once inside `Narrator.init`, before any test reads it.
    var speech: RecordingSpeech?
}

/// One response, handed from the router's reply to the test.
final class AnswerBox: @unchecked Sendable {
    // Unchecked: written before the semaphore is signalled, read after it is waited on.
    private var value: ResponseBody?
    func set(_ v: ResponseBody) { value = v }
    func get() -> ResponseBody? { value }
}
