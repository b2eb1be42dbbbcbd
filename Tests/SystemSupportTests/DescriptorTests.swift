import Foundation
import Glibc
import SystemSupport
import XCTest

/// Whole reads and writes over real pipes, sockets and files.
final class DescriptorTests: XCTestCase {
    private func pipePair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        return (fds[0], fds[1])
    }

    func testWriteAllAndReadAllMoveMoreThanAPipeHoldsThroughNonBlockingEnds() throws {
        // Both ends non-blocking: a 64 KiB pipe fills at once, so both sides meet EAGAIN many
        // times and must wait instead of failing or dropping bytes.
        let (r, w) = try pipePair()
        try Descriptor.makeNonBlocking(r)
        try Descriptor.makeNonBlocking(w)
        let payload = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let writer = Thread {
            try? Descriptor.writeAll(w, payload, path: "pipe")
            close(w)
        }
        writer.start()
        let received = try Descriptor.readAll(r, path: "pipe")
        close(r)
        XCTAssertEqual(received.count, payload.count)
        XCTAssertTrue(received.elementsEqual(payload))
    }

    func testReadAllStopsAtTheLimit() throws {
        let (r, w) = try pipePair()
        try Descriptor.writeAll(w, Data(repeating: 7, count: 1000))
        close(w)
        XCTAssertEqual(try Descriptor.readAll(r, limit: 300).count, 300)
        XCTAssertEqual(try Descriptor.readAll(r).count, 700)
        close(r)
    }

    func testPositionalReadIgnoresTheDescriptorsOffset() throws {
        let path = NSTemporaryDirectory() + "descriptor-\(getpid()).bin"
        defer { unlink(path) }
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        XCTAssertEqual(lseek(fd, 6, SEEK_SET), 6)
        XCTAssertEqual(String(decoding: try Descriptor.readAll(fd, size: 4, path: path), as: UTF8.self), "0123")
        XCTAssertEqual(String(decoding: try Descriptor.readAll(fd, size: 50, path: path), as: UTF8.self), "0123456789")
        XCTAssertEqual(lseek(fd, 0, SEEK_CUR), 6)
    }

    func testAWriteErrorNamesTheCallAndPath() throws {
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        XCTAssertThrowsError(try Descriptor.writeAll(fd, [1, 2, 3], path: "/dev/null")) { error in
            XCTAssertEqual(error as? SystemError, SystemError("write", path: "/dev/null", errno: EBADF))
        }
    }

    func testSendingToAClosedPeerIsEPIPENotASignal() throws {
        var ends: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends), 0)
        close(ends[1])
        // Without MSG_NOSIGNAL this would raise SIGPIPE and end the test process.
        XCTAssertThrowsError(try Descriptor.writeAll(ends[0], Data("hello".utf8), path: "peer", noSignal: true)) { error in
            XCTAssertEqual(error as? SystemError, SystemError("send", path: "peer", errno: EPIPE))
        }
        close(ends[0])
    }

    func testWaitTimesOutOnASilentPipeAndSeesDataOnAFullOne() throws {
        let (r, w) = try pipePair()
        defer { close(r); close(w) }
        XCTAssertFalse(try Descriptor.wait(r, events: Int16(POLLIN), timeout: 0.05))
        try Descriptor.writeAll(w, [1])
        XCTAssertTrue(try Descriptor.wait(r, events: Int16(POLLIN), timeout: 5))
    }
}
