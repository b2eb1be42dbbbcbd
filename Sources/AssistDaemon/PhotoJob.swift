import Foundation
import IPC

/// One photo for the single inference worker, from whichever source took it.
struct PhotoJob: Sendable {
    /// Where the photo's bytes are.
    enum Input: Sendable {
        /// A file on disk (a watched folder, a camera capture): described once, recorded in the
        /// journal, with alt text beside it. The same path waiting twice is queued once.
        case file(path: String)
        /// Bytes from a client: described and answered, not recorded.
        case bytes(Data, name: String)
        /// A client's passed descriptor, read when the job runs: described and answered, not
        /// recorded.
        case descriptor(HeldPhoto, name: String)
    }

    var input: Input
    var options = CaptionOptions()
    /// Whether the result is spoken (a socket request may ask for silence).
    var speak = true
    /// The mode for this photo (a client's `--mode`); nil: the current mode when it is described.
    var mode: AssistMode?
    /// Called once with the outcome, on the worker thread (or with `.cancelled` at shutdown).
    var completion: (@Sendable (PhotoOutcome) -> Void)?
}

/// How one photo job ended.
enum PhotoOutcome: Sendable, Equatable {
    case described(DescriptionInfo)
    /// Not described; `detail` names the problem (the person heard the short form).
    case failed(detail: String)
    /// Nothing was done: the photo is already recorded, gone, or not a regular file.
    case skipped(reason: String)
    /// The photo is left for later: the journal could not record it, so it stays pending.
    case pending(reason: String)
    /// The daemon stopped before the job's turn.
    case cancelled
}

/// Whether a job was taken.
enum SubmitResult: Sendable, Equatable {
    case queued
    /// The same file is already waiting; the job is not added twice.
    case alreadyQueued
    /// `limit` client requests are already waiting.
    case busy(limit: Int)
    /// Client photos already waiting hold `limit` bytes (`max_queued_bytes`), and this one's
    /// bytes would not fit.
    case overBudget(limit: Int)
    /// The daemon is stopping.
    case closed
}
