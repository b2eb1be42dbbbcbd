import XCTest
import Glibc
import IPC
import TestSupport

/// A seeded random harness against the running daemon's socket: mutated and random frames,
/// lying length headers and stray descriptors. IPCTests/FuzzTests covers the parser in process;
/// this covers the server around it (buffers, dispatch, descriptor handling, timeouts).
final class SocketFuzzTests: XCTestCase {
    func testHostileBytesAndDescriptorsNeverHurtTheDaemon() throws {
        let h = try DaemonHarness(config: ["ocr_language": "none", "model": "/nonexistent/model", "speech": "none",
                                           "log_level": "info", "client_timeout": "1", "max_request_bytes": "4096"])
        try h.start()
        let pid = h.process!.processIdentifier
        XCTAssertEqual(try h.client(["status"]).status, 0)
        let fdsBefore = FaultSupport.openFiles(pid).count
        let rssBefore = try XCTUnwrap(FaultSupport.rssKiB(pid))
        var rng = SplitMix64(seed: 0xA551_57D)
        let jpeg = try FaultSupport.tinyJPEG
        let seeds: [Data] = [
            Wire.frame(Request(id: 1, .status)),
            Wire.frame(Request(id: 2, .say(text: "hello there"))),
            Wire.frame(Request(id: 3, .history(limit: 3))),
            Wire.frame(Request(id: 4, .voice(VoiceChange(rate: 180, pitch: 40)))),
            Wire.frame(Request(id: 5, .caption(CaptionRequest(photo: .bytes, name: "a.jpg", speak: false))), attachment: jpeg),
            Wire.frame(Request(id: 6, .caption(CaptionRequest(photo: .descriptor, name: "b.jpg", speak: false)))),
            Wire.frame(Request(id: 7, .repeatLast)),
            Wire.frame(Request(id: 8, .stop)),
        ].map { $0.encoded() }
        // Things to pass as stray descriptors: a pipe, a directory, /dev/null, the photo itself.
        var pipeFDs: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pipeFDs), 0)
        let photoPath = h.root + "/fuzz-photo.jpg"
        try jpeg.write(to: URL(fileURLWithPath: photoPath))
        let strays = [pipeFDs[0], open(h.root, O_RDONLY | O_DIRECTORY), open("/dev/null", O_RDWR), open(photoPath, O_RDONLY)]
        defer { strays.forEach { close($0) }; close(pipeFDs[1]) }
        XCTAssertTrue(strays.allSatisfy { $0 >= 0 })

        var answered = 0, errors: [ErrorCode: Int] = [:], undecodable: [String] = []
        let cases = 240
        for n in 0..<cases {
            let bytes = mutate(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            let fd = try UnixSocket.connect(path: h.socket)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let passed = Int.random(in: 0..<8, using: &rng) < 3 ? Array(strays.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng))) : []
            _ = try? UnixSocket.send(fd, bytes, descriptors: passed)
            if n % 4 == 0 {
                // Read what comes back for a moment: every frame must be a well-formed response.
                var decoder = FrameDecoder(limits: FrameLimits(maxJSONBytes: 16 * 1024 * 1024))
                readLoop: while UnixSocket.waitReadable(fd, timeout: 0.3) {
                    switch (try? UnixSocket.receive(fd, maxBytes: 65536)) ?? .endOfStream {
                    case .endOfStream: break readLoop
                    case .wouldBlock: continue
                    case .data(let d, let fds):
                        fds.forEach { close($0) }
                        decoder.append(d)
                        while let f = try? decoder.next() {
                            answered += 1
                            do {
                                if case .failure(let e) = try Wire.decodeResponse(f).body { errors[e.code, default: 0] += 1 }
                            } catch { undecodable.append(String(decoding: f.json.prefix(200), as: UTF8.self)) }
                        }
                    }
                }
            }
            close(fd)
            guard h.process?.isRunning ?? false else { return XCTFail("daemon died on case \(n): \(bytes.prefix(64).map { $0 })\n\(h.currentLog)") }
        }
        print("socket fuzz: \(cases) cases, \(answered) frames read back, errors \(errors)")
        XCTAssertEqual(undecodable, [], "the daemon sent frames a client cannot decode")
        XCTAssertGreaterThan(answered, 0, "nothing was ever answered; the cases never reached the parser")
        XCTAssertGreaterThan(errors[.badRequest, default: 0], 0, "no malformed request was reported as such")
        XCTAssertTrue(h.process?.isRunning ?? false)
        XCTAssertEqual(try h.client(["status"]).status, 0)
        // Every stray descriptor and every connection was closed again.
        XCTAssertTrue(h.wait(timeout: 10) { FaultSupport.openFiles(pid).count <= fdsBefore },
                      "descriptors leaked: \(fdsBefore) -> \(FaultSupport.openFiles(pid).count): \(FaultSupport.openFiles(pid))")
        let rssAfter = FaultSupport.rssKiB(pid) ?? 0
        XCTAssertLessThan(rssAfter - rssBefore, 32 * 1024, "VmRSS \(rssBefore) -> \(rssAfter) KiB")
    }

    /// One to six byte edits, a cut, a lying length header, or random JSON in a valid frame.
    private func mutate(_ seed: Data, _ rng: inout SplitMix64) -> Data {
        var b = [UInt8](seed)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:
            // A header that announces up to 4 GiB of JSON or attachment.
            for i in 0..<8 where Bool.random(using: &rng) { b[i] = UInt8.random(in: 0...255, using: &rng) }
        case 1:
            b = Array(b.prefix(Int.random(in: 0..<b.count, using: &rng)))
        case 2:
            // Valid framing around random JSON-like text.
            let pieces = [#"{"#, #"}"#, #"""#, #":"#, ",", "[", "]", "\"v\"", "1", "\"type\"", "\"caption\"", "\"status\"",
                          "\"id\"", "-1", "1e999", "null", "true", "\"photo\"", "\"descriptor\"", "\"bytes\"", "\"\\u0000\"",
                          "\"limit\"", "99999999999999999999", "\"rate\"", "\"say\"", "\"text\""]
            var json = ""
            for _ in 0..<Int.random(in: 1...30, using: &rng) { json += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            b = [UInt8](Frame(json: Data(json.utf8)).encoded())
        default:
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<max(b.count, 1), using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where !b.isEmpty: b[i] = UInt8.random(in: 0...255, using: &rng)
                case 1 where !b.isEmpty: b.remove(at: i)
                default: b.insert(UInt8.random(in: 0...255, using: &rng), at: min(i, b.count))
                }
            }
        }
        return Data(b)
    }
}
