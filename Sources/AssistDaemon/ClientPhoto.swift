import Foundation

/// How a client's `caption` request brought its photo to the router.
enum ClientPhoto: Sendable {
    /// The frame's attachment, already in memory (counted against `max_queued_bytes` while it waits).
    case bytes(Data)
    /// A passed descriptor, read by the worker when the job runs.
    case descriptor(HeldPhoto)
}
