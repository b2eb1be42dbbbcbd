import Foundation
import XCTest
@testable import Speech

/// Collects a speaker's events with their arrival times and turns "an event like this arrives"
/// into an XCTestExpectation, so tests wait on events rather than on sleeps.
final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [(event: SpeechEvent, time: Date)] = []
    private var waiters: [(matches: (SpeechEvent) -> Bool, expectation: XCTestExpectation)] = []

    var handler: @Sendable (SpeechEvent) -> Void { { [self] event in record(event) } }

    var events: [SpeechEvent] {
        lock.lock(); defer { lock.unlock() }
        return log.map(\.event)
    }

    func time(of event: SpeechEvent) -> Date? {
        lock.lock(); defer { lock.unlock() }
        return log.first { $0.event == event }?.time
    }

    /// An expectation fulfilled by the first event (already seen or still to come) matching.
    func expect(_ description: String, _ matches: @escaping (SpeechEvent) -> Bool) -> XCTestExpectation {
        let expectation = XCTestExpectation(description: description)
        lock.lock(); defer { lock.unlock() }
        if log.contains(where: { matches($0.event) }) {
            expectation.fulfill()
        } else {
            waiters.append((matches, expectation))
        }
        return expectation
    }

    /// Any final event (finished, stopped, superseded, failed) for `id`.
    func expectEnd(of id: UInt64) -> XCTestExpectation {
        expect("utterance \(id) ends") { event in
            if case .started = event { return false }
            if case .word = event { return false }
            return event.id == id
        }
    }

    private func record(_ event: SpeechEvent) {
        let now = Date()
        lock.lock()
        log.append((event, now))
        let ready = waiters.filter { $0.matches(event) }
        waiters.removeAll { $0.matches(event) }
        lock.unlock()
        for waiter in ready { waiter.expectation.fulfill() }
    }
}

/// The parts of a RIFF/WAVE file the tests compare.
struct WavData {
    var formatTag: UInt16
    var channels: UInt16
    var sampleRate: UInt32
    var byteRate: UInt32
    var blockAlign: UInt16
    var bitsPerSample: UInt16
    var samples: [Int16]          // (N,) mono PCM
    var riffSizeField: UInt32
    var dataSizeField: UInt32
    var bytes: Data

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        bytes = data
        func u32(_ at: Int) -> UInt32 { data[at..<at + 4].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) } }
        func u16(_ at: Int) -> UInt16 { UInt16(data[at]) | UInt16(data[at + 1]) << 8 }
        func tag(_ at: Int) -> String { String(decoding: data[at..<at + 4], as: UTF8.self) }
        guard data.count >= 44, tag(0) == "RIFF", tag(8) == "WAVE" else {
            throw NSError(domain: "WavData", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(url.path): not a RIFF/WAVE file"])
        }
        riffSizeField = u32(4)
        var (formatTag, channels, bitsPerSample, blockAlign): (UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0)
        var (sampleRate, byteRate, dataSize): (UInt32, UInt32, UInt32) = (0, 0, 0)
        var samples: [Int16] = []
        var offset = 12
        while offset + 8 <= data.count {
            let size = Int(u32(offset + 4))
            let body = offset + 8
            if tag(offset) == "fmt " {
                formatTag = u16(body); channels = u16(body + 2); sampleRate = u32(body + 4)
                byteRate = u32(body + 8); blockAlign = u16(body + 12); bitsPerSample = u16(body + 14)
            } else if tag(offset) == "data" {
                dataSize = UInt32(size)
                let end = min(body + size, data.count)
                samples = stride(from: body, to: end - 1, by: 2).map { Int16(bitPattern: u16($0)) }
            }
            offset = body + size + (size & 1)
        }
        (self.formatTag, self.channels, self.sampleRate, self.byteRate) = (formatTag, channels, sampleRate, byteRate)
        (self.blockAlign, self.bitsPerSample, self.samples, self.dataSizeField) = (blockAlign, bitsPerSample, samples, dataSize)
    }
}

enum EspeakCLI {
    static let path = "/usr/bin/espeak-ng"

    /// Runs `espeak-ng -w OUT [arguments] TEXT` and returns the WAV it wrote.
    static func render(_ text: String, arguments: [String], into directory: URL) throws -> URL {
        let out = directory.appendingPathComponent("cli-\(UUID().uuidString).wav")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-w", out.path] + arguments + [text]
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "EspeakCLI", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "espeak-ng \(process.arguments ?? []): \(message)"])
        }
        return out
    }

    /// The CLI flags that correspond to `settings`.
    static func arguments(_ settings: VoiceSettings) -> [String] {
        ["-s", "\(settings.rate)", "-p", "\(settings.pitch)", "-a", "\(settings.volume)", "-v", settings.voice]
    }
}

func makeTemporaryDirectory(_ name: String = #function) throws -> URL {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("assist-speech-\(clean)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The WAV the wav sink wrote for utterance `id` (its name ends in the zero-padded id).
func wavFile(in directory: URL, id: UInt64) throws -> URL? {
    let suffix = String(format: "-%08llu.wav", id)
    return try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .first { $0.hasSuffix(suffix) }
        .map { directory.appendingPathComponent($0) }
}

/// Several paragraphs, about a minute and a half of speech at the default rate.
let longText = """
    The photo shows a kitchen counter with a cutting board, a knife and three tomatoes. Behind \
    them there is a window with white curtains, and the light from outside is bright.

    On the left side of the counter there is a kettle next to a jar of coffee and a blue mug. \
    The label on the jar is turned away from the camera, so the brand cannot be read.

    The lower part of the picture is blurred, probably because the camera moved while the \
    photo was taken. Holding the phone still for a moment before pressing the button helps.

    Near the edge of the counter there is a folded letter with printed text. Only the first \
    line is sharp enough to read: it says that the appointment is on Tuesday at ten o'clock.

    A small plant in a clay pot stands on the windowsill. Its leaves are green and look healthy, \
    and the soil appears to be dry.
    """

/// This test binary doubles as the synthesis worker executable: started with
/// `TestWorker.environmentKey` set, it runs only `SpeechWorkerHostTests.testHostSpeechWorker`,
/// which calls `SpeechWorker.main`, as `assistd speech-worker` does.
enum TestWorker {
    static let environmentKey = "ASSIST_SPEECH_WORKER_HOST"

    /// `/proc/self/exe`, as the daemon uses: resolved in the new process before exec, it is
    /// this very binary even if the file was replaced since.
    static var command: WorkerCommand {
        WorkerCommand(executable: "/proc/self/exe",
                      arguments: ["SpeechTests.SpeechWorkerHostTests/testHostSpeechWorker"],
                      environment: [environmentKey: "1"])
    }

    /// The absolute path of this test binary.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).path
    }
}

/// A child process of this one, from /proc/PID/stat.
struct ChildProcess: Equatable {
    var pid: Int32
    var state: Character
    var command: String

    /// Every process whose parent is this process.
    static func all() -> [ChildProcess] {
        let me = getpid()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> ChildProcess? in
            guard let pid = Int32(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            // "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, let state = fields[0].first, Int32(fields[1]) == me else { return nil }
            return ChildProcess(pid: pid, state: state, command: String(stat[stat.index(after: open)..<close]))
        }
    }
}

/// Memory and threads of a process, from /proc/PID/status and smaps_rollup, e.g.
/// "RSS 9.8 MiB, PSS 4.1 MiB, private 3.2 MiB, 1 thread"; nil if it is gone.
func memorySummary(of pid: Int32) -> String? {
    func fields(_ file: String) -> [String: Int] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8) else { return [:] }
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, parts[0].hasSuffix(":"), let value = Int(parts[1]) { values[String(parts[0].dropLast())] = value }
        }
        return values
    }
    let status = fields("status")
    let rollup = fields("smaps_rollup")
    guard let rss = status["VmRSS"], let threads = status["Threads"] else { return nil }
    let privateKB = (rollup["Private_Clean"] ?? 0) + (rollup["Private_Dirty"] ?? 0)
    func mib(_ kb: Int) -> String { String(format: "%.1f MiB", Double(kb) / 1024) }
    return "RSS \(mib(rss)), PSS \(mib(rollup["Pss"] ?? 0)), private \(mib(privateKB)), \(threads) thread\(threads == 1 ? "" : "s")"
}
