import IPC

/// The exit codes of `assist`, documented in docs/daemon.md (8-12: docs/models.md).
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
    /// `model install`: the download failed (network, HTTP error, stalled or cut off); running the
    /// install again resumes it.
    case downloadFailed = 8
    /// `model install`: a file's size or hash differs from the hub's metadata; it was discarded.
    case checksumMismatch = 9
    /// `model install`: no such repository or revision on the hub; `model use`: no such installed model.
    case unknownModel = 10
    /// `model install`: the repository lacks what a checkpoint needs (config, weights, tokenizer).
    case notACheckpoint = 11
    /// The models directory cannot be written (permission denied, disk full, I/O error).
    case modelsDirectory = 12

    init(_ code: ErrorCode) {
        switch code {
        case .busy: self = .busy
        case .forbidden: self = .forbidden
        case .noModel: self = .noModel
        case .timeout, .unsupportedVersion, .shuttingDown, .internal: self = .communication
        case .badRequest, .frameTooLarge, .photoInvalid, .nothingToRepeat, .voiceInvalid: self = .requestFailed
        case .nothingToRead, .importFailed: self = .requestFailed
        case .cameraFailed: self = .requestFailed
        case .modeInvalid, .nothingToLabel: self = .requestFailed
        }
    }
}
