import XCTest
import Glibc
@testable import IPC

final class UnixSocketTests: XCTestCase {
    func testDescriptorPassesWithFrameOverSocketPair() throws {
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        defer { close(pair[0]); close(pair[1]) }
        let path = NSTemporaryDirectory() + "ipc-\(getpid()).bin"
        try Data("photo bytes".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let photo = open(path, O_RDONLY)
        defer { close(photo) }
        let frame = Wire.frame(Request(id: 1, .caption(CaptionRequest(photo: .descriptor))))
        try UnixSocket.send(pair[0], frame.encoded(), descriptors: [photo])
        guard case .data(let d, let fds) = try UnixSocket.receive(pair[1], maxBytes: 4096) else { return XCTFail() }
        XCTAssertEqual(fds.count, 1)
        var buf = [UInt8](repeating: 0, count: 64)
        let n = pread(fds[0], &buf, 64, 0)
        XCTAssertEqual(String(decoding: buf[0..<max(0, n)], as: UTF8.self), "photo bytes")
        XCTAssertEqual(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC)
        close(fds[0])
        var decoder = FrameDecoder()
        decoder.append(d)
        XCTAssertEqual(try decoder.next(), frame)
    }

    func testWriteToVanishedPeerThrowsInsteadOfSIGPIPE() throws {
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        close(pair[1])
        defer { close(pair[0]) }
        XCTAssertThrowsError(try UnixSocket.send(pair[0], Data(count: 100))) { error in
            XCTAssertEqual(error as? UnixSocketError, .closed)
        }
    }

    func testConnectToMissingSocketSaysNothingListens() {
        XCTAssertThrowsError(try UnixSocket.connect(path: "/nonexistent-\(getpid())/a.sock")) { error in
            XCTAssertEqual(error as? UnixSocketError, .notListening(path: "/nonexistent-\(getpid())/a.sock"))
        }
    }

    func testTooLongPathIsNamed() {
        let long = "/" + String(repeating: "a", count: 200)
        XCTAssertThrowsError(try UnixSocket.address(long)) { XCTAssertEqual($0 as? UnixSocketError, .pathTooLong(path: long)) }
    }
}
