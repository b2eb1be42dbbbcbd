import Foundation

/// One protocol frame: a JSON message and an optional binary attachment.
///
/// On the wire: a 4-byte big-endian JSON length, a 4-byte big-endian attachment length, the JSON
/// (UTF-8), then the attachment bytes. A photo passed by descriptor travels as SCM_RIGHTS
/// ancillary data on the frame's first byte and is not part of the frame itself.
public struct Frame: Sendable, Equatable {
    /// Bytes in the fixed header that precedes every frame.
    public static let headerSize = 8

    public var json: Data
    public var attachment: Data

    public init(json: Data, attachment: Data = Data()) {
        self.json = json
        self.attachment = attachment
    }

    /// The frame as bytes ready to write.
    public func encoded() -> Data {
        var out = Data(capacity: Frame.headerSize + json.count + attachment.count)
        out.append(contentsOf: Frame.bigEndianBytes(UInt32(json.count)))
        out.append(contentsOf: Frame.bigEndianBytes(UInt32(attachment.count)))
        out.append(json)
        out.append(attachment)
        return out
    }

    static func bigEndianBytes(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }
}

/// Why a byte stream could not be split into frames.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    /// The header announces a part larger than the limit; nothing of it was buffered.
    case tooLarge(part: String, size: Int, limit: Int)
    /// A frame with an empty JSON part.
    case emptyJSON

    public var description: String {
        switch self {
        case .tooLarge(let part, let size, let limit):
            return "frame \(part) of \(size) bytes is larger than the limit of \(limit) bytes"
        case .emptyJSON:
            return "frame has an empty JSON part"
        }
    }
}

/// Splits a byte stream into frames, one chunk at a time, checking the limits from the header
/// before any of the body is kept, so a peer cannot make the reader allocate more than the limits.
public struct FrameDecoder: Sendable {
    public let limits: FrameLimits
    private var buffer = Data()
    private var expected: (json: Int, attachment: Int)?

    public init(limits: FrameLimits = .default) {
        self.limits = limits
    }

    /// True when some bytes of a frame have arrived but not the whole frame.
    public var hasPartialFrame: Bool { !buffer.isEmpty || expected != nil }

    /// Bytes held for the frame in progress.
    public var bufferedBytes: Int { buffer.count }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: Data) {
        buffer.append(bytes)
    }

    /// Returns the next complete frame, nil if more bytes are needed, or throws if the header
    /// breaks a limit (the stream cannot be trusted after that; the caller closes it).
    public mutating func next() throws -> Frame? {
        if expected == nil {
            guard buffer.count >= Frame.headerSize else { return nil }
            let h = [UInt8](buffer.prefix(Frame.headerSize))
            let jsonLength = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
            let attachmentLength = Int(h[4]) << 24 | Int(h[5]) << 16 | Int(h[6]) << 8 | Int(h[7])
            if jsonLength > limits.maxJSONBytes {
                throw FrameError.tooLarge(part: "JSON", size: jsonLength, limit: limits.maxJSONBytes)
            }
            if attachmentLength > limits.maxAttachmentBytes {
                throw FrameError.tooLarge(part: "attachment", size: attachmentLength,
                                          limit: limits.maxAttachmentBytes)
            }
            if jsonLength == 0 { throw FrameError.emptyJSON }
            buffer = Data(buffer.dropFirst(Frame.headerSize))
            expected = (jsonLength, attachmentLength)
        }
        guard let (j, a) = expected, buffer.count >= j + a else { return nil }
        let json = Data(buffer.prefix(j))
        let attachment = Data(buffer.dropFirst(j).prefix(a))
        buffer = Data(buffer.dropFirst(j + a))
        expected = nil
        return Frame(json: json, attachment: attachment)
    }
}
