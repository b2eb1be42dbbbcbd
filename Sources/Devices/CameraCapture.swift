import CLinuxInput
import Foundation
import PhotoAnalysis
import Vision
#if canImport(Glibc)
import Glibc
#endif

/// Takes a photo with the camera program: a burst of `frames` shots within `timeout`, keeping
/// the sharpest by PhotoAnalysis's edge sharpness (a shaky press is forgiven). The quality
/// check of the kept frame still decides any spoken warning: a black frame is returned, not
/// refused, so the person hears "as if the lens were covered".
///
/// The frames are written into a hidden working directory inside the destination directory
/// (so a folder watcher ignores them), and the kept one is renamed to its final name there in
/// one step: whoever watches the directory sees a complete photo appear, once.
public struct CameraCapture: Sendable {
    /// `capture_command`, `capture_frames`, `capture_timeout`.
    public struct Settings: Sendable, Equatable {
        /// Nil: the first of `CaptureCommand.knownPrograms` on `searchPath`.
        public var command: CaptureCommand?
        public var frames: Int
        /// For the whole burst, seconds.
        public var timeout: TimeInterval
        /// PATH for finding the program (the daemon's own PATH by default).
        public var searchPath: String

        public init(command: CaptureCommand? = nil, frames: Int = 3, timeout: TimeInterval = 10,
                    searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") {
            self.command = command
            self.frames = frames
            self.timeout = timeout
            self.searchPath = searchPath
        }

        /// Nil when usable; else what is wrong, naming the key.
        public var problem: String? {
            if !(1...10).contains(frames) { return "capture_frames must be 1...10, got \(frames)" }
            if !(timeout > 0 && timeout <= 600) { return "capture_timeout must be above 0 and at most 600 s, got \(timeout)" }
            return nil
        }
    }

    /// One shot of the burst.
    public struct Frame: Sendable, Equatable {
        public var index: Int
        /// Edge sharpness (higher is sharper); nil when it has too few edges to judge.
        public var sharpness: Float?
        /// Why this frame is not usable, if it is not.
        public var problem: CaptureError?
        public var milliseconds: Double
    }

    /// The kept photo and what the burst measured.
    public struct Photo: Sendable, Equatable {
        public var path: String
        public var program: String
        /// The index (0-based) of the kept frame in `frames`.
        public var kept: Int
        public var frames: [Frame]
        public var sharpness: Float? { frames[kept].sharpness }
    }

    public let settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// The command that `capture` runs, or nil when there is none (for the start-up sentence:
    /// "Camera found." only says a camera program is there).
    public var command: CaptureCommand? {
        settings.command ?? CaptureCommand.find(searchPath: settings.searchPath)
    }

    /// Takes the burst and leaves the sharpest frame at `directory/name` (which must not exist).
    public func capture(into directory: String, name: String) throws(CaptureError) -> Photo {
        guard let command = self.command else {
            throw .noCameraProgram(searched: CaptureCommand.knownPrograms.map(\.program))
        }
        guard let executable = CaptureCommand.executable(command.arguments[0], searchPath: settings.searchPath) else {
            throw .cannotStart(program: command.program, reason: "not found or not executable (PATH=\(settings.searchPath))")
        }
        let destination = directory + "/" + name
        if access(destination, F_OK) == 0 { throw .cannotSave(path: destination, reason: "a file of that name exists") }
        var template = Array((directory + "/.capture-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw .cannotSave(path: directory, reason: errnoText()) }
        let work = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { try? FileManager.default.removeItem(atPath: work) }

        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = settings.searchPath
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(settings.timeout * 1e9)
        let ext = (name as NSString).pathExtension.isEmpty ? "jpg" : (name as NSString).pathExtension
        var frames: [Frame] = []
        var fatal: CaptureError?
        for index in 0..<settings.frames {
            let shotStart = DispatchTime.now().uptimeNanoseconds
            // No time left for another shot: keep what the burst has.
            if index > 0 && shotStart >= deadline { break }
            let out = "\(work)/frame-\(index).\(ext)"
            let outcome = CameraProcess.run(executable: executable, arguments: command.arguments(out: out),
                                            environment: envp, deadline: deadline)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - shotStart) / 1e6
            switch outcome {
            case .cannotStart(let reason):
                fatal = .cannotStart(program: command.program, reason: reason)
            case .timedOut:
                fatal = .hung(program: command.program, seconds: settings.timeout)
            case .exited(let status, let stderr):
                if status != .code(0) {
                    fatal = .failed(program: command.program, status: status, lastLine: StderrTail.lastLine(of: stderr))
                } else {
                    frames.append(measure(out, index: index, program: command.program, milliseconds: ms))
                    continue
                }
            }
            // A program that fails or hangs would do it again: the burst ends, and what it
            // took so far still counts.
            break
        }
        let usable = frames.filter { $0.problem == nil }
        guard let best = usable.max(by: { CameraCapture.isLessSharp($0, than: $1) }) else {
            throw fatal ?? frames.first?.problem ?? .emptyOutput(program: command.program)
        }
        let kept = "\(work)/frame-\(best.index).\(ext)"
        var moved = assist_rename_noreplace(kept, destination) == 0
        if !moved && errno == EINVAL {
            // A file system without RENAME_NOREPLACE: the check above has to do.
            moved = rename(kept, destination) == 0
        }
        if !moved { throw .cannotSave(path: destination, reason: errnoText()) }
        return Photo(path: destination, program: command.program, kept: frames.firstIndex(of: best)!, frames: frames)
    }

    /// A name for a photo taken at `date` that sorts by time and does not repeat within a
    /// millisecond: `capture-20261204-203512-123.jpg` (UTC).
    public static func photoName(at date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "capture-%04d%02d%02d-%02d%02d%02d-%03d.jpg", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1000))
    }

    /// Orders frames by sharpness, a frame without a score below any scored one; among equals
    /// the earlier frame wins (so `max` keeps the first of the sharpest).
    static func isLessSharp(_ a: Frame, than b: Frame) -> Bool {
        switch (a.sharpness, b.sharpness) {
        case (nil, nil): return a.index > b.index
        case (nil, _?): return true
        case (_?, nil): return false
        case let (x?, y?): return x == y ? a.index > b.index : x < y
        }
    }

    private func measure(_ path: String, index: Int, program: String, milliseconds: Double) -> Frame {
        var frame = Frame(index: index, sharpness: nil, problem: nil, milliseconds: milliseconds)
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
            frame.problem = .emptyOutput(program: program)
            return frame
        }
        do {
            let rgb = try ImageDecoder.decode(data)
            let image = try PixelImage(width: rgb.width, height: rgb.height, rgb: rgb.pixels)
            frame.sharpness = QualityCheck().check(image).scores.edgeSharpness
        } catch {
            frame.problem = .undecodable(program: program, reason: "\(error)")
        }
        return frame
    }
}
