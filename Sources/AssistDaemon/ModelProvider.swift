import IPC

/// Where the pipeline and the router get the captioning model: `ModelLoader` in the daemon, a
/// fixed model in the in-process tests.
protocol ModelProvider: Sendable {
    /// The model to describe the next photo with; may start loading a newly selected one.
    func modelForNextPhoto() -> ModelState
    /// The model's state for `status` and `reload_model`, after looking at the selection.
    func status() -> ModelStatus
    /// `reload_model`: look at the selection now.
    func reloadRequested()
}
