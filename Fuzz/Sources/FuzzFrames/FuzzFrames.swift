import Foundation
import Glibc
import IPC

/// The lowest free descriptor number.
func lowestFree() -> Int32 {
    let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
    close(fd)
    return fd
}

/// libFuzzer entry: the input is a stream cut into segments. Byte 0 sets the read size; then each
/// segment is a control byte (bits 0-5: length - 1; bit 6: pass one descriptor with it; bit 7:
/// pass two) and its bytes. The segments go through a real AF_UNIX stream socket pair with
/// `UnixSocket.send` (descriptors as SCM_RIGHTS), and come out through `UnixSocket.receive` into a
/// `FrameDecoder` with small limits; each frame is decoded as a request and as a response.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    // Every run must leave the lowest free descriptor free again, so a descriptor that the read
    // path drops without closing is a finding.
    let firstFree = lowestFree()
    var pair: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
        fatalError("socketpair: \(String(cString: strerror(errno)))")
    }
    let readSize = 1 + Int(data[0]) * 4
    var sent = 0
    var i = 1
    while i < size {
        let control = data[i]
        let length = min(Int(control & 0x3F) + 1, size - i - 1)
        i += 1
        guard length > 0 else { break }
        let passed = control & 0x80 != 0 ? 2 : (control & 0x40 != 0 ? 1 : 0)
        let fds = (0..<passed).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        _ = try? UnixSocket.send(pair[0], Data(bytes: data + i, count: length), descriptors: fds)
        fds.forEach { close($0) }
        sent += passed
        i += length
    }
    shutdown(pair[0], Int32(SHUT_WR))

    var decoder = FrameDecoder(limits: FrameLimits(maxJSONBytes: 512, maxAttachmentBytes: 2048))
    var received = 0
    reading: while true {
        guard case .data(let bytes, let descriptors)? = try? UnixSocket.receive(pair[1], maxBytes: readSize) else { break }
        received += descriptors.count
        descriptors.forEach { close($0) }
        decoder.append(bytes)
        do {
            while let frame = try decoder.next() {
                _ = Wire.decodeRequest(frame)
                _ = try? Wire.decodeResponse(frame)
            }
        } catch {
            break reading  // a header over the limits: the server closes such a connection
        }
    }
    precondition(received <= sent, "received \(received) descriptors, \(sent) were sent")
    close(pair[0])
    close(pair[1])
    let probe = lowestFree()
    if probe != firstFree {
        let held = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(firstFree)")) ?? "?"
        preconditionFailure("a descriptor leaked: the lowest free one is \(probe), was \(firstFree); \(firstFree) is \(held)")
    }
    return 0
}
