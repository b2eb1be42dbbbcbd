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
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    // Every run must leave the lowest free descriptor free again, so a descriptor that the read
    // path drops without closing is a finding.
    let firstFree = lowestFree()
    var pair: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
        fatalError("socketpair: \(String(cString: strerror(errno)))")
    }
    let readSize = 1 + Int(data[0]) * 4
    // The sender does not block: a full socket buffer (many small segments with descriptors
    // fill it long before their bytes do) is drained into the reader, then sending resumes.
    _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
    _ = fcntl(pair[1], F_SETFL, fcntl(pair[1], F_GETFL) | O_NONBLOCK)
    var decoder = FrameDecoder(limits: FrameLimits(maxJSONBytes: 512, maxAttachmentBytes: 2048))
    var received = 0
    var closedByReader = false
    /// Reads what is buffered (all of it once the writer has shut down) through the decoder;
    /// a header over the limits ends the stream, as the server closes such a connection.
    func drain() {
        while !closedByReader {
            guard case .data(let bytes, let descriptors)? = try? UnixSocket.receive(pair[1], maxBytes: readSize) else { return }
            received += descriptors.count
            descriptors.forEach { close($0) }
            decoder.append(bytes)
            do {
                while let frame = try decoder.next() {
                    _ = Wire.decodeRequest(frame)
                    _ = try? Wire.decodeResponse(frame)
                }
            } catch {
                closedByReader = true
            }
        }
    }
    var sent = 0
    var i = 1
    while i < size && !closedByReader {
        let control = data[i]
        let length = min(Int(control & 0x3F) + 1, size - i - 1)
        i += 1
        guard length > 0 else { break }
        let passed = control & 0x80 != 0 ? 2 : (control & 0x40 != 0 ? 1 : 0)
        let fds = (0..<passed).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        var segment = Data(bytes: data + i, count: length)
        var pending = fds
        while !segment.isEmpty && !closedByReader {
            guard let n = try? UnixSocket.send(pair[0], segment, descriptors: pending) else { break }
            if n > 0 {
                sent += pending.count
                pending = []
                segment = segment.dropFirst(n)
            }
            if !segment.isEmpty { drain() }
        }
        fds.forEach { close($0) }
        i += length
    }
    shutdown(pair[0], Int32(SHUT_WR))
    drain()
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

// MARK: - Entry

// SwiftPM links an executable target's `main` as an alias of `FuzzFrames_main` (so tests can link
// the module); under -parse-as-library nothing defines that, so it is libFuzzer's driver here.
// In the same file as the harness: with -Onone, a second file that takes `testOneInput` as a C
// function pointer emits its own copy of the `LLVMFuzzerTestOneInput` thunk.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The process entry: runs libFuzzer on `testOneInput` (exported as `LLVMFuzzerTestOneInput`).
@_cdecl("FuzzFrames_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}
