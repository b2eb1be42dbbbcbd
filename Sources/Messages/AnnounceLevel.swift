/// `announce = all | errors | none`: which of assist's own sentences (start-up, status changes,
/// errors) are spoken. Descriptions of photos are always spoken; errors are never dropped by
/// the speech queue once announced.
public enum AnnounceLevel: String, CaseIterable, Sendable {
    case all, errors, none

    /// Whether `message` is spoken at this level.
    public func allows(_ message: Message) -> Bool {
        switch self {
        case .all: return true
        case .errors: return message.id.isError
        case .none: return false
        }
    }
}
