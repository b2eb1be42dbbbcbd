import CLinuxInput
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One opened key device: an evdev character device, or a FIFO or regular file of 24-byte
/// `input_event` records (tests; both read the same way).
final class InputDevice {
    enum Kind { case evdev, fifo, file }

    /// Why a path could not be opened as a key device.
    enum OpenFailure: Error {
        /// The device does not exist or cannot be read: report it as unusable.
        case unusable(String)
        /// It works, but has no key the map uses (auto mode skips it).
        case noWantedKeys(String)
    }

    let path: String
    let fd: Int32
    let kind: Kind
    let name: String
    let keys: Set<KeyCode>?
    var classifier: PressClassifier
    /// Bytes of a record split across reads.
    var partial: [UInt8] = []
    /// When the waiting short press is reported if no event comes (monotonic nanoseconds).
    var expiry: UInt64?
    /// The release time of the short press that `expiry` belongs to.
    var expiryFor: TimeInterval?
    /// A regular file that has been read to its end.
    var exhausted = false

    private init(path: String, fd: Int32, kind: Kind, name: String, keys: Set<KeyCode>?, classifier: PressClassifier) {
        self.path = path
        self.fd = fd
        self.kind = kind
        self.name = name
        self.keys = keys
        self.classifier = classifier
    }

    deinit { Glibc.close(fd) }

    /// Opens `path`. `wanted`: the keys the map uses; an evdev device must be able to send one
    /// of them (with `requireWanted`) or at least have keys at all.
    static func open(_ path: String, wanted: Set<KeyCode>, requireWanted: Bool, grab: Bool,
                     classifier: PressClassifier) throws(OpenFailure) -> InputDevice {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .unusable(errnoText()) }
        let kind: Kind
        let flags: Int32
        switch st.st_mode & S_IFMT {
        case S_IFCHR: kind = .evdev; flags = O_RDONLY
        // Read-write, so the FIFO never reports end-of-file (or POLLHUP) between writers.
        case S_IFIFO: kind = .fifo; flags = O_RDWR
        case S_IFREG: kind = .file; flags = O_RDONLY
        default: throw .unusable("not an input device")
        }
        let fd = Glibc.open(path, flags | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .unusable(errnoText()) }
        guard kind == .evdev else {
            return InputDevice(path: path, fd: fd, kind: kind, name: (path as NSString).lastPathComponent,
                               keys: nil, classifier: classifier)
        }
        do throws(OpenFailure) {
            let keys = try evdevKeys(fd)
            if keys.isDisjoint(with: wanted) {
                let reason = keys.isEmpty ? "has no keys" : "has no key the key map uses"
                throw requireWanted ? OpenFailure.noWantedKeys(reason) : .unusable(reason)
            }
            if grab, assist_evdev_grab(fd, 1) != 0 {
                throw OpenFailure.unusable("cannot grab it (EVIOCGRAB): \(errnoText())")
            }
            _ = assist_evdev_use_monotonic_clock(fd)
            var buffer = [CChar](repeating: 0, count: 256)
            let got = assist_evdev_name(fd, &buffer, UInt32(buffer.count - 1))
            let name = got > 0
                ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                : (path as NSString).lastPathComponent
            return InputDevice(path: path, fd: fd, kind: .evdev, name: name, keys: keys, classifier: classifier)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// The key codes an evdev device can send (EVIOCGBIT), empty without EV_KEY.
    private static func evdevKeys(_ fd: Int32) throws(OpenFailure) -> Set<KeyCode> {
        var types = [UInt8](repeating: 0, count: 4)
        guard assist_evdev_bits(fd, 0, &types, UInt32(types.count)) >= 0 else {
            throw .unusable("not an evdev device (EVIOCGBIT: \(errnoText()))")
        }
        guard types[0] & (1 << 1) != 0 else { return [] }  // EV_KEY is bit 1
        var bits = [UInt8](repeating: 0, count: Int(KeyCode.maxCode) / 8 + 1)
        guard assist_evdev_bits(fd, 1, &bits, UInt32(bits.count)) >= 0 else {
            throw .unusable("EVIOCGBIT(EV_KEY): \(errnoText())")
        }
        return codes(inBitmask: bits)
    }

    /// The codes whose bits are set in an EVIOCGBIT mask (bit `c % 8` of byte `c / 8`).
    static func codes(inBitmask bits: [UInt8]) -> Set<KeyCode> {
        var out: Set<KeyCode> = []
        for (i, byte) in bits.enumerated() where byte != 0 {
            for bit in 0..<8 where byte & (1 << bit) != 0 {
                out.insert(KeyCode(UInt16(i * 8 + bit)))
            }
        }
        return out
    }

    enum ReadOutcome {
        case events([InputEvent])
        /// A regular file has no more records.
        case endOfFile
        case lost(String)
    }

    /// Reads what is available (the descriptor is non-blocking).
    func readEvents() -> ReadOutcome {
        var events: [InputEvent] = []
        var buffer = [UInt8](repeating: 0, count: InputEvent.size * 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                partial += buffer[0..<n]
                let whole = partial.count / InputEvent.size * InputEvent.size
                partial.withUnsafeBytes { p in
                    for offset in stride(from: 0, to: whole, by: InputEvent.size) {
                        events.append(InputEvent(record: UnsafeRawBufferPointer(rebasing: p[offset..<(offset + InputEvent.size)])))
                    }
                }
                partial.removeFirst(whole)
                if kind == .evdev { break }  // evdev returns whole batches; poll says when more comes
                continue
            }
            if n == 0 {
                return events.isEmpty ? (kind == .file ? .endOfFile : .lost("end of file")) : .events(events)
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .events(events) }
            return .lost(errnoText())
        }
        return .events(events)
    }
}
