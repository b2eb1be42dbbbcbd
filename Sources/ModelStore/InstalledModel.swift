import Foundation

/// A model directory in the store, as `list()` reports it.
public struct InstalledModel: Sendable, Equatable {
    /// Directory name, e.g. `nlpconnect--vit-gpt2-image-captioning`; what `use(_:)` takes.
    public var name: String
    public var directory: URL
    /// The manifest written at install; nil for a checkpoint directory copied in by hand.
    public var manifest: ModelManifest?
    /// Bytes of the model's files.
    public var size: Int64
    /// True when `current` points at this model.
    public var isSelected: Bool

    public var repo: String? { manifest?.repo }
    public var commit: String? { manifest?.commit }
}

/// What `install` did.
public struct InstallResult: Sendable {
    public var model: InstalledModel
    /// True when the same commit was already installed and nothing was downloaded.
    public var alreadyInstalled: Bool
    /// Bytes received over the network by this call.
    public var bytesDownloaded: Int64
    /// Files whose download continued a part left by an earlier, interrupted install.
    public var resumedFiles: [String]
    /// True when this install made the model the selected one.
    public var selected: Bool
}

/// Progress of an install, for a progress bar or a log.
public enum InstallEvent: Sendable {
    /// Metadata read: the commit and every file to fetch, with bytes already on disk.
    case resolved(repo: String, commit: String, files: [PlannedFile])
    /// A transfer (re)starts; `offset` > 0 when it resumes a part.
    case downloading(file: String, offset: Int64, size: Int64)
    /// `bytes` of the file are on disk.
    case progress(file: String, bytes: Int64, size: Int64)
    case verified(file: String)
    /// A transfer failed and will be retried after `delay` seconds.
    case retrying(file: String, attempt: Int, delay: TimeInterval, reason: String)
    /// Something worth telling the user that is not an error.
    case note(String)

    public struct PlannedFile: Sendable, Equatable {
        public var name: String
        public var size: Int64
        /// Bytes already downloaded by an earlier attempt.
        public var present: Int64
    }
}
