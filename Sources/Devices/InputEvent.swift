import Foundation

/// One Linux `struct input_event` as evdev delivers it on 64-bit kernels (x86_64, arm64):
/// `struct timeval` (two 64-bit fields), then `type` u16, `code` u16, `value` s32: 24 bytes,
/// little-endian.
public struct InputEvent: Sendable, Equatable {
    /// Event types used here (linux/input-event-codes.h).
    public static let synchronization: UInt16 = 0  // EV_SYN
    public static let key: UInt16 = 1              // EV_KEY
    /// `code` of an EV_SYN event: the end of a batch, and "the kernel dropped events".
    public static let reportCode: UInt16 = 0        // SYN_REPORT
    public static let droppedCode: UInt16 = 3       // SYN_DROPPED
    /// `value` of an EV_KEY event.
    public static let released: Int32 = 0
    public static let pressed: Int32 = 1
    public static let autorepeat: Int32 = 2

    public static let size = 24

    /// The kernel's timestamp of the event, seconds (CLOCK_REALTIME unless the reader chose
    /// another clock). Press lengths are measured with it, not with the time of reading.
    public var time: TimeInterval
    public var type: UInt16
    public var code: UInt16
    public var value: Int32

    public init(time: TimeInterval, type: UInt16, code: UInt16, value: Int32) {
        self.time = time
        self.type = type
        self.code = code
        self.value = value
    }

    /// A key event (EV_KEY) with `value` 1 press, 0 release, 2 autorepeat.
    public static func key(_ code: UInt16, _ value: Int32, at time: TimeInterval) -> InputEvent {
        InputEvent(time: time, type: key, code: code, value: value)
    }

    /// The EV_SYN that ends each batch of events.
    public static func sync(at time: TimeInterval) -> InputEvent {
        InputEvent(time: time, type: synchronization, code: 0, value: 0)
    }

    /// Parses one record from exactly `InputEvent.size` bytes.
    public init(record bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= InputEvent.size, "an input_event record is 24 bytes")
        let seconds = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: Int64.self))
        let microseconds = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int64.self))
        time = TimeInterval(seconds) + TimeInterval(microseconds) / 1_000_000
        type = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
        code = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 18, as: UInt16.self))
        value = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: Int32.self))
    }

    /// The 24-byte record, as a device (or a test's FIFO) delivers it.
    public var record: [UInt8] {
        var microseconds = Int64((time * 1_000_000).rounded())
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        microseconds -= seconds * 1_000_000
        var out = [UInt8](repeating: 0, count: InputEvent.size)
        out.withUnsafeMutableBytes { p in
            p.storeBytes(of: seconds.littleEndian, toByteOffset: 0, as: Int64.self)
            p.storeBytes(of: microseconds.littleEndian, toByteOffset: 8, as: Int64.self)
            p.storeBytes(of: type.littleEndian, toByteOffset: 16, as: UInt16.self)
            p.storeBytes(of: code.littleEndian, toByteOffset: 18, as: UInt16.self)
            p.storeBytes(of: value.littleEndian, toByteOffset: 20, as: Int32.self)
        }
        return out
    }
}
