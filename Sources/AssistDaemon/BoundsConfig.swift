/// The resource bounds and privacy keys of issue 11 (docs/daemon.md, "Resource bounds" and
/// "Privacy"), kept together so `DaemonConfig` gains one property and one block of keys.
struct BoundsConfig: Equatable, Sendable {
    /// `max_queued_bytes`: bytes of client photos sent inline (`caption -`) that may wait in the
    /// queue; a photo that would go over is answered `busy`. Passed descriptors cost nothing
    /// while they wait (the worker reads them).
    var maxQueuedBytes = 64 * 1024 * 1024
    /// `photo_memory`: the memory one photo may take to decode and describe. Above it a JPEG is
    /// decoded smaller with DCT scaling; what cannot fit even then is refused.
    var photoMemory = 160 * 1024 * 1024
    /// `max_listeners`: connections subscribed to `events`, counted apart from `max_connections`.
    var maxListeners = 8
    /// `max_say_queue`: utterances that may wait to be spoken before `say` and `repeat` get `busy`.
    var maxSayQueue = 16
    /// `retention_days`: descriptions (journal, history) and captured photos older than this are
    /// erased; 0 keeps them forever.
    var retentionDays = 30
    /// `journal_max_bytes`: the journal is compacted at start only when it is larger than this,
    /// or holds records to prune; and while running, when appends make it twice this size.
    var journalMaxBytes = 4 * 1024 * 1024

    /// Sets `key` if it is one of these; false when it is not (the caller goes on to its others).
    mutating func set(_ key: String, int: (ClosedRange<Int>) throws -> Int) throws -> Bool {
        switch key {
        case "max_queued_bytes": maxQueuedBytes = try int(1024...4 * 1024 * 1024 * 1024)
        case "photo_memory": photoMemory = try int(16 * 1024 * 1024...16 * 1024 * 1024 * 1024)
        case "max_listeners": maxListeners = try int(1...1000)
        case "max_say_queue": maxSayQueue = try int(1...10000)
        case "retention_days": retentionDays = try int(0...36500)
        case "journal_max_bytes": journalMaxBytes = try int(4096...1024 * 1024 * 1024)
        default: return false
        }
        return true
    }
}
