import Foundation
import IPC
import XCTest
import Glibc

/// The memory bounds of docs/daemon.md ("Resource bounds"), measured on the built daemon: its
/// peak RSS (`VmHWM` in /proc/PID/status) over its RSS once idle.
final class MemoryBoundTests: XCTestCase {
    static let mib = 1024 * 1024
    /// The defaults the bounds are documented with (BoundsConfig, DaemonConfig).
    static let maxPhotoBytes = 20 * mib
    static let photoMemory = 160 * mib

    /// Kibibytes of `field` (VmRSS, VmHWM) of the process, in bytes.
    static func memory(_ pid: pid_t, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
        return kb * 1024
    }

    /// Issue 11 finding 4: 36 requests passing a descriptor to one 20 MiB file took RSS from 72 MB
    /// to 754 MB, since each was read on the poll thread and its bytes waited in the queue. Held
    /// descriptors are read by the worker in turn, so the peak stays within what one photo may
    /// cost: `max_photo_bytes` for its bytes plus `photo_memory` to decode it.
    func testManyQueuedDescriptorsToA20MiBFileStayWithinOnePhoto() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let pid = try XCTUnwrap(h.process?.processIdentifier)
        let big = h.root + "/big.bin"
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: Self.maxPhotoBytes)
        for i in stride(from: 0, to: bytes.count, by: 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { raw in for j in 0..<8 { bytes[i + j] = raw[j] } }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: big))
        let idle = Self.memory(pid, "VmRSS")
        XCTAssertGreaterThan(idle, 0)

        // Three connections of 12 pipelined requests each (16 may be unanswered per connection),
        // every frame with its own descriptor to the same file, all sent before any answer.
        var readers: [ResponseReader] = []
        for c in 0..<3 {
            let fd = try UnixSocket.connect(path: h.socket)
            var frames = Data()
            var fds: [Int32] = []
            for r in 0..<12 {
                frames += Wire.frame(Request(id: UInt64(r + 1), .caption(CaptionRequest(photo: .descriptor, name: "big-\(c)-\(r).bin", speak: false)))).encoded()
                fds.append(open(big, O_RDONLY | O_CLOEXEC))
            }
            _ = try UnixSocket.send(fd, frames, descriptors: fds)
            fds.forEach { close($0) }
            readers.append(ResponseReader(fd: fd))
        }
        var answered = 0
        for i in readers.indices {
            let answers = try readers[i].responses(for: Set((1...12).map { UInt64($0) }), timeout: 120)
            for (_, r) in answers {
                // The file is not an image (or the queue was full): every request is answered.
                switch r.body {
                case .failure(let e): XCTAssertTrue([.photoInvalid, .busy].contains(e.code), e.message)
                default: XCTFail("a 20 MiB file of random bytes was described: \(r.body)")
                }
                answered += 1
            }
            close(readers[i].fd)
        }
        XCTAssertEqual(answered, 36)
        let peak = Self.memory(pid, "VmHWM")
        let bound = Self.maxPhotoBytes + Self.photoMemory
        print("MemoryBoundTests: 36 queued descriptors to a 20 MiB file: idle \(idle / Self.mib) MiB, peak \(peak / Self.mib) MiB, growth \((peak - idle) / Self.mib) MiB (bound \(bound / Self.mib) MiB)")
        XCTAssertLessThanOrEqual(peak - idle, bound, "peak RSS \(peak / Self.mib) MiB over idle \(idle / Self.mib) MiB")
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    /// Issue 11 finding 6: a 710 KB progressive 7071x7071 JPEG (scripts/make_budget_fixtures.py
    /// --big) is decoded DCT-scaled within `photo_memory`, and still described: the peak stays
    /// within `photo_memory` plus the file's own bytes. Decoded at full size it took over 300 MiB.
    func testHugeProgressiveJPEGIsDescribedWithinThePhotoMemoryBudget() throws {
        let photo = DaemonHarness.fixtures.appendingPathComponent("memory/field-7071x7071-progressive.jpg").path
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: photo)[.size] as? Int)
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        let pid = try XCTUnwrap(h.process?.processIdentifier)
        let idle = Self.memory(pid, "VmRSS")
        let r = try h.client(["--json", "caption", "--no-speak", photo], timeout: 120)
        XCTAssertEqual(r.status, 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)\nlog:\n\(h.currentLog)")
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let description = try XCTUnwrap(answer["description"] as? [String: Any], r.stdout)
        XCTAssertFalse((description["message"] as? String ?? "").isEmpty, r.stdout)
        XCTAssertNotNil(description["quality"], "the quality check ran on the scaled photo: \(r.stdout)")
        let peak = Self.memory(pid, "VmHWM")
        print("MemoryBoundTests: 7071x7071 progressive JPEG (\(size) bytes): idle \(idle / Self.mib) MiB, peak \(peak / Self.mib) MiB, growth \((peak - idle) / Self.mib) MiB (bound \((Self.photoMemory + size) / Self.mib) MiB)")
        XCTAssertLessThanOrEqual(peak - idle, Self.photoMemory + size, "peak RSS \(peak / Self.mib) MiB over idle \(idle / Self.mib) MiB")
    }

    /// Below the budget nothing changes: a photo that fits is decoded at full size (Pillow
    /// parity), so a `photo_memory` too small for the 7071x7071 frame refuses it with a
    /// sentence naming the budget rather than decoding it anyway.
    func testAPhotoThatCannotFitThePhotoMemoryIsRefusedNamingTheBudget() throws {
        let photo = DaemonHarness.fixtures.appendingPathComponent("memory/field-7071x7071-progressive.jpg").path
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel, "photo_memory": "\(64 * Self.mib)"])
        try h.start()
        let r = try h.client(["--json", "caption", "--no-speak", photo], timeout: 120)
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("decode budget of \(64 * Self.mib) bytes") || r.stderr.contains("decode budget of \(64 * Self.mib) bytes"),
                      r.stdout + r.stderr)
        XCTAssertTrue(h.process?.isRunning ?? false)
    }
}
