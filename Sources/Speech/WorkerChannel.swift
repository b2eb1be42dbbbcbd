import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// One message between a `Speaker` and its synthesis worker.
///
/// On the wire: a tag byte, the payload length as a little-endian UInt32, then the payload.
struct WorkerFrame: Equatable {
    enum Tag: UInt8 {
        /// Speaker -> worker, right after start: a JSON `WorkerVoice` to set while waiting.
        case prepare = 0x50      // "P"
        /// Speaker -> worker: a JSON `WorkerRequest`.
        case request = 0x51      // "Q"
        /// Worker -> speaker: the voice is set and audio follows; payload: sample rate (UInt32 LE).
        case begin = 0x42        // "B"
        /// Worker -> speaker: 16-bit little-endian mono samples, one libespeak-ng buffer.
        case audio = 0x41        // "A"
        /// Worker -> speaker: synthesis ended; payload: outcome byte (0 completed, 1 aborted,
        /// 2 failed) then, for failed, the reason in UTF-8. The worker exits after sending it.
        case end = 0x45          // "E"
        /// Worker -> speaker, only when the request asked for words: where a word begins, three
        /// UInt32 LE (scalar position from 0, length in scalars, sample); sent before the audio
        /// frame of the buffer it was reported with.
        case word = 0x57         // "W"
    }

    var tag: Tag
    var payload: [UInt8]

    /// A request may carry a long text; audio frames are one espeak-ng buffer (~2.6 kB).
    static let maxPayload = 4 << 20

    static func begin(sampleRate: Int) -> WorkerFrame {
        WorkerFrame(tag: .begin, payload: withUnsafeBytes(of: UInt32(sampleRate).littleEndian) { Array($0) })
    }

    static func audio(_ samples: UnsafeBufferPointer<Int16>) -> WorkerFrame {
        var bytes = [UInt8](repeating: 0, count: samples.count * 2)
        for (index, sample) in samples.enumerated() {
            let bits = UInt16(bitPattern: sample)
            bytes[2 * index] = UInt8(truncatingIfNeeded: bits)
            bytes[2 * index + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        return WorkerFrame(tag: .audio, payload: bytes)
    }

    static func word(_ mark: WordMark) -> WorkerFrame {
        var bytes: [UInt8] = []
        for value in [mark.position, mark.length, mark.sample] {
            withUnsafeBytes(of: UInt32(clamping: value).littleEndian) { bytes.append(contentsOf: $0) }
        }
        return WorkerFrame(tag: .word, payload: bytes)
    }

    /// The mark of a `word` frame.
    var wordMark: WordMark? {
        guard tag == .word, payload.count == 12 else { return nil }
        func field(_ index: Int) -> Int {
            (0..<4).reduce(0) { $0 | Int(payload[4 * index + $1]) << (8 * $1) }
        }
        return WordMark(position: field(0), length: field(1), sample: field(2))
    }

    static func end(_ outcome: SynthesisOutcome) -> WorkerFrame {
        switch outcome {
        case .completed: return WorkerFrame(tag: .end, payload: [0])
        case .aborted: return WorkerFrame(tag: .end, payload: [1])
        case .failed(let reason): return WorkerFrame(tag: .end, payload: [2] + Array(reason.utf8))
        }
    }

    /// The sample rate of a `begin` frame.
    var sampleRate: Int? {
        guard tag == .begin, payload.count == 4 else { return nil }
        return payload.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    /// The samples of an `audio` frame, (N,) mono.
    var samples: [Int16] {
        stride(from: 0, to: payload.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(payload[$0]) | UInt16(payload[$0 + 1]) << 8)
        }
    }

    /// The outcome of an `end` frame.
    var outcome: SynthesisOutcome? {
        guard tag == .end, let code = payload.first else { return nil }
        switch code {
        case 0: return .completed
        case 1: return .aborted
        case 2: return .failed(String(decoding: payload.dropFirst(), as: UTF8.self))
        default: return nil
        }
    }
}

/// Problems on a worker socket; each description says what went wrong.
enum WorkerChannelError: Error, Equatable, CustomStringConvertible {
    /// No complete frame arrived within the time allowed.
    case timedOut(TimeInterval)
    /// The peer closed the socket in the middle of a frame.
    case truncated
    /// A frame with an unknown tag or an impossible length.
    case malformed(String)
    /// A system call failed.
    case system(call: String, message: String)

    var description: String {
        switch self {
        case .timedOut(let seconds): return "nothing received for \(Int(seconds)) s"
        case .truncated: return "the connection closed in the middle of a message"
        case .malformed(let what): return "malformed message: \(what)"
        case .system(let call, let message): return "\(call): \(message)"
        }
    }
}

/// Frames over one end of a Unix stream socket, used by both the speaker and the worker.
///
/// Writes use `MSG_NOSIGNAL`: a peer that died gives EPIPE, never SIGPIPE, so neither process
/// depends on how the other set up its signals. One thread reads at a time (the speech thread,
/// or the worker's only one); the read buffer is `Locked` so the compiler can check that.
final class WorkerChannel: Sendable {
    let fd: Int32
    private let reader = Locked(Reader())

    init(fd: Int32) { self.fd = fd }

    func send(_ frame: WorkerFrame) throws {
        var bytes = [frame.tag.rawValue]
        withUnsafeBytes(of: UInt32(frame.payload.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: frame.payload)
        do { try Descriptor.writeAll(fd, bytes, noSignal: true) } catch {
            throw WorkerChannelError.system(call: error.call, message: error.reason)
        }
    }

    /// The next frame, or nil when the peer closed the socket between frames. `timeout` bounds
    /// the wait for each piece of data (nil: wait as long as it takes).
    func receive(timeout: TimeInterval?) throws -> WorkerFrame? {
        let fd = self.fd
        return try reader.withLock { r throws -> WorkerFrame? in
            while true {
                if let frame = try r.parse() { return frame }
                let received = try r.fill(fd, timeout: timeout)
                if received == 0 {
                    if r.hasPartialFrame { throw WorkerChannelError.truncated }
                    return nil
                }
            }
        }
    }

    func close() {
        _ = Glibc.close(fd)
    }

    /// Bytes received and not yet returned as frames.
    private struct Reader {
        var buffer: [UInt8] = []
        var consumed = 0
        var scratch = [UInt8](repeating: 0, count: 65536)

        var hasPartialFrame: Bool { buffer.count > consumed }

        /// Decodes one frame from the buffer if it holds a complete one.
        mutating func parse() throws -> WorkerFrame? {
            let available = buffer.count - consumed
            guard available >= 5 else { return nil }
            guard let tag = WorkerFrame.Tag(rawValue: buffer[consumed]) else {
                throw WorkerChannelError.malformed("unknown tag 0x\(String(buffer[consumed], radix: 16))")
            }
            let length = (1...4).reduce(0) { $0 | Int(buffer[consumed + $1]) << (8 * ($1 - 1)) }
            if length > WorkerFrame.maxPayload {
                throw WorkerChannelError.malformed("\(length) bytes is longer than the limit of \(WorkerFrame.maxPayload)")
            }
            guard available >= 5 + length else { return nil }
            let payload = Array(buffer[(consumed + 5)..<(consumed + 5 + length)])
            consumed += 5 + length
            if consumed == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                consumed = 0
            }
            return WorkerFrame(tag: tag, payload: payload)
        }

        /// Reads what is available (up to 64 KiB); returns 0 at end of stream.
        mutating func fill(_ fd: Int32, timeout: TimeInterval?) throws -> Int {
            if consumed > 0 {
                buffer.removeFirst(consumed)
                consumed = 0
            }
            if let timeout {
                let ready: Bool
                do { ready = try Descriptor.wait(fd, events: Int16(POLLIN), timeout: timeout) } catch {
                    throw WorkerChannelError.system(call: error.call, message: error.reason)
                }
                if !ready { throw WorkerChannelError.timedOut(timeout) }
            }
            while true {
                let n = scratch.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                if n >= 0 {
                    buffer.append(contentsOf: scratch[0..<n])
                    return n
                }
                if errno == EINTR { continue }
                // A peer killed with data still unread makes the socket report ECONNRESET: for the
                // reader that is the end of the stream.
                if errno == ECONNRESET { return 0 }
                throw WorkerChannelError.system(call: "recv", message: String(cString: strerror(errno)))
            }
        }
    }
}
