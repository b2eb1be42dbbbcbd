import IPC

/// The exit codes of `assist`, documented in docs/daemon.md.
enum ExitCode: Int32 {
    case ok = 0
    /// The daemon answered with an error (bad photo, caption failed, invalid voice, ...).
    case requestFailed = 1
    case usage = 2
    /// Nothing listens on the socket: assistd is not running.
    case notRunning = 3
    /// The socket is not accessible to this user, or assistd refused the peer.
    case forbidden = 4
    /// assistd's queue or connection table is full.
    case busy = 5
    /// No captioning model is installed.
    case noModel = 6
    /// Timeout, closed connection, or a reply that could not be read.
    case communication = 7

    init(_ code: ErrorCode) {
        switch code {
        case .busy: self = .busy
        case .forbidden: self = .forbidden
        case .noModel: self = .noModel
        case .timeout, .unsupportedVersion, .shuttingDown, .internal: self = .communication
        case .badRequest, .frameTooLarge, .photoInvalid, .captionFailed, .nothingToRepeat, .voiceInvalid: self = .requestFailed
        }
    }
}
