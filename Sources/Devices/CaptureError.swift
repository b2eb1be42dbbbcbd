import Messages

/// Why no photo was taken. Each has one short spoken sentence (`spoken`) and a description for
/// the log that names the program and what it did.
public enum CaptureError: Error, Equatable, CustomStringConvertible {
    /// No `capture_command`, and none of the known camera programs is on PATH.
    case noCameraProgram(searched: [String])
    /// The program could not be run (not found, not executable, fork failed).
    case cannotStart(program: String, reason: String)
    /// It exited non-zero or was killed by a signal; `lastLine`: its last line on stderr, if any.
    case failed(program: String, status: ExitStatus, lastLine: String?)
    /// It had not finished by the capture timeout; its whole process group was killed.
    case hung(program: String, seconds: Double)
    /// It succeeded but wrote nothing (no file, or 0 bytes).
    case emptyOutput(program: String)
    /// It wrote something that is not a JPEG or PNG that decodes.
    case undecodable(program: String, reason: String)
    /// The photo or the burst's working directory could not be written.
    case cannotSave(path: String, reason: String)

    /// How a process ended.
    public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
        case code(Int32)
        case signal(Int32)

        public var description: String {
            switch self {
            case .code(let c): return "exit status \(c)"
            case .signal(let s): return "signal \(s)"
            }
        }
    }

    /// The one sentence the person hears.
    public var spoken: Message {
        switch self {
        case .noCameraProgram: return .captureNoProgram
        case .cannotStart(let program, _): return .captureCannotStart(program: program)
        case .failed(let program, _, let lastLine):
            guard let lastLine, !lastLine.isEmpty else { return .captureFailedSilently(program: program) }
            return .captureFailed(reason: lastLine)
        case .hung: return .captureHung
        case .emptyOutput: return .captureEmpty
        case .undecodable: return .captureUndecodable
        case .cannotSave: return .captureCannotSave
        }
    }

    public var description: String {
        switch self {
        case .noCameraProgram(let searched):
            return "no camera program: capture_command is not set and none of \(searched.joined(separator: ", ")) is on PATH"
        case .cannotStart(let program, let reason):
            return "camera program \(program) could not start: \(reason)"
        case .failed(let program, let status, let lastLine):
            return "camera program \(program) failed with \(status)" + (lastLine.map { ": \($0)" } ?? " and said nothing on stderr")
        case .hung(let program, let seconds):
            return "camera program \(program) did not finish within \(seconds) s (capture_timeout); its process group was killed"
        case .emptyOutput(let program):
            return "camera program \(program) succeeded but wrote no photo (missing or 0 bytes)"
        case .undecodable(let program, let reason):
            return "camera program \(program) wrote a photo that cannot be decoded: \(reason)"
        case .cannotSave(let path, let reason):
            return "cannot save the captured photo at \(path): \(reason)"
        }
    }
}
