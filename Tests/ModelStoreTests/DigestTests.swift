import Foundation
import XCTest
@testable import ModelStore
import HubTestSupport

/// SHA-256 and SHA-1 against the FIPS 180 example vectors, and file digests against coreutils.
final class DigestTests: XCTestCase {
    static let longMessage = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data(Self.longMessage.utf8)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a', fed in uneven pieces to exercise the block buffer.
        var hash = SHA256()
        feedMillionA(&hash) { h, d in h.update(d) }
        XCTAssertEqual(hash.finalize().hexString, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSHA1KnownVectorsAndGitBlobIds() {
        XCTAssertEqual(SHA1.hex(Data()), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(SHA1.hex(Data("abc".utf8)), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(SHA1.hex(Data(Self.longMessage.utf8)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        var hash = SHA1()
        feedMillionA(&hash) { h, d in h.update(d) }
        XCTAssertEqual(hash.finalize().hexString, "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        // `git hash-object` of an empty file and of "hello\n".
        var empty = SHA1.gitBlob(size: 0)
        XCTAssertEqual(empty.finalize().hexString, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        var hello = SHA1.gitBlob(size: 6)
        hello.update(Data("hello\n".utf8))
        XCTAssertEqual(hello.finalize().hexString, "ce013625030ba8dba906f756967f9e9ca394464a")
    }

    func testFileDigestMatchesCoreutils() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        // Larger than the 1 MiB read chunk, and not a multiple of 64.
        try FixtureHub.bytes(count: (1 << 20) + 12_345, seed: 42).write(to: url)
        let digest = try FileDigest.of(url)
        XCTAssertEqual(digest.size, Int64((1 << 20) + 12_345))
        XCTAssertEqual(digest.sha256, FixtureHub.sha256sum(url))
        let quoted = HubTestServer.quote(url.path)
        XCTAssertEqual(digest.gitBlobSHA1, String(HubTestServer.shell("{ printf 'blob %d\\0' \(digest.size); cat \(quoted); } | sha1sum").prefix(40)))
    }

    private func feedMillionA<H>(_ hash: inout H, _ update: (inout H, Data) -> Void) {
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 997)
        var remaining = 1_000_000
        let sizes = [1, 63, 64, 65, 997]
        var i = 0
        while remaining > 0 {
            let n = min(remaining, sizes[i % sizes.count])
            update(&hash, chunk.prefix(n))
            remaining -= n
            i += 1
        }
    }
}
