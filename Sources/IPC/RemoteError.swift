/// Machine-readable reason a request failed. The raw values are the wire names.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    /// The request is not valid JSON, lacks a field, or has a field of the wrong type.
    case badRequest = "bad_request"
    /// The frame's `v` is not a version this daemon speaks.
    case unsupportedVersion = "unsupported_version"
    /// The frame header announced more bytes than the daemon accepts.
    case frameTooLarge = "frame_too_large"
    /// The job queue or the connection table is full; try again later.
    case busy
    /// The peer's uid/gid is not allowed to use this daemon.
    case forbidden
    /// The client took too long to send a whole frame.
    case timeout
    /// No captioning model is loaded; the message says how to install one.
    case noModel = "no_model"
    /// The photo could not be used (not a regular file, too large, unreadable, not an image).
    case photoInvalid = "photo_invalid"
    /// `repeat` before any caption was made.
    case nothingToRepeat = "nothing_to_repeat"
    /// A voice setting is out of range or the voice is unknown.
    case voiceInvalid = "voice_invalid"
    /// The daemon is stopping and takes no new work.
    case shuttingDown = "shutting_down"
    /// A daemon-side failure that is not the client's fault.
    case `internal`
    // MARK: - reading
    /// A reading control with nothing to act on: nothing was read, nothing to resume, or
    /// already at the first or last sentence or paragraph; the message is what was said.
    case nothingToRead = "nothing_to_read"
    /// A products import failed (the message names the line); the old database is kept.
    case importFailed = "import_failed"
    // MARK: - keys
    /// `snap`: the camera took no photo (no camera program, it failed, hung, or wrote nothing
    /// usable); the message is the sentence that was spoken, then the detail.
    case cameraFailed = "camera_failed"
    // MARK: - modes
    /// `mode` names no mode.
    case modeInvalid = "mode_invalid"
    /// `label` when the last photo had no product code.
    case nothingToLabel = "nothing_to_label"
}

/// A structured error carried in a response: a code for programs and a sentence for people.
public struct RemoteError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
