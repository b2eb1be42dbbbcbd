/// The versioned protocol between assistd and its clients (see docs/protocol.md).
public enum ProtocolVersion {
    /// The version every frame carries in its `v` field. A peer that sends another version gets
    /// an `unsupported_version` error naming both numbers.
    public static let current = 2
}

/// Size limits of one frame. The daemon refuses anything larger before buffering it.
public struct FrameLimits: Sendable, Equatable {
    /// Largest JSON part, in bytes. Requests are small; `say` text is the largest ordinary field.
    public var maxJSONBytes: Int
    /// Largest binary attachment (an inline photo), in bytes.
    public var maxAttachmentBytes: Int

    public init(maxJSONBytes: Int = 64 * 1024, maxAttachmentBytes: Int = 32 * 1024 * 1024) {
        self.maxJSONBytes = maxJSONBytes
        self.maxAttachmentBytes = maxAttachmentBytes
    }

    public static let `default` = FrameLimits()
}
