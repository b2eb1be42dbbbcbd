/// The versioned protocol between assistd and its clients (see docs/protocol.md).
public enum ProtocolVersion {
    public static let current = 1
}
