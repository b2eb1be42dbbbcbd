/// A part of the device that stopped working. Each is said once when it begins and once when
/// it ends (`DegradedStateTracker`), never once per photo.
public enum DegradedState: Sendable, Hashable {
    case noModel
    case modelFailed(model: String)
    /// The model's last load stopped the daemon, so it was skipped.
    case modelSkipped(model: String)
    /// The model needs more memory than is available.
    case modelTooLarge(model: String)
    /// Tesseract codes whose language data is missing.
    case ocrLanguageMissing(language: String)
    case cameraMissing
    case cameraFailing
    case watchFolderMissing(folder: String)
    case journalUnwritable
    case inputDeviceLost

    /// Said when the state begins.
    public var began: Message {
        switch self {
        case .noModel: return .noModelBegan
        case .modelFailed(let model): return .modelFailedBegan(model: model)
        case .modelSkipped(let model): return .modelSkippedBegan(model: model)
        case .modelTooLarge(let model): return .modelTooLargeBegan(model: model)
        case .ocrLanguageMissing(let language): return .ocrLanguageMissingBegan(language: language)
        case .cameraMissing: return .cameraMissingBegan
        case .cameraFailing: return .cameraFailingBegan
        case .watchFolderMissing(let folder): return .watchFolderMissingBegan(folder: folder)
        case .journalUnwritable: return .journalUnwritableBegan
        case .inputDeviceLost: return .inputDeviceLostBegan
        }
    }

    /// Said when the state ends.
    public var ended: Message {
        switch self {
        case .noModel: return .noModelEnded
        case .modelFailed, .modelSkipped, .modelTooLarge: return .modelFailedEnded
        case .ocrLanguageMissing(let language): return .ocrLanguageMissingEnded(language: language)
        case .cameraMissing: return .cameraMissingEnded
        case .cameraFailing: return .cameraFailingEnded
        case .watchFolderMissing: return .watchFolderMissingEnded
        case .journalUnwritable: return .journalUnwritableEnded
        case .inputDeviceLost: return .inputDeviceLostEnded
        }
    }
}
