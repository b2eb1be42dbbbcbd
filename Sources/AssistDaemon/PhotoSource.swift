/// Something that takes photos and hands them to a `PhotoIntake`: the folder watcher now; a key
/// that asks for a capture, or the camera itself, can be one too. Each source is given the
/// intake when it is built, and submits `PhotoJob`s (with a completion when it wants the result).
protocol PhotoSource: AnyObject, Sendable {
    /// Starts taking photos; throws when the source cannot run at all.
    func start() throws
    /// Stops taking photos; jobs already submitted are left to the queue.
    func stop()
    /// A photo could not be recorded and stays pending: a source that keeps its photos on disk
    /// looks at them again after `seconds`; others may ignore this.
    func retryPending(after seconds: Double)
}

extension FolderWatcher: PhotoSource {
    func retryPending(after seconds: Double) { rescan(after: seconds) }
}
