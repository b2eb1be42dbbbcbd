import Foundation
import IPC
import XCTest
@testable import AssistDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The journal's size bounds (issue 11): records of photos that are gone are pruned, the file
/// is rewritten only when that is needed, and superseded lines are compacted by size; and the
/// queue's bound on the bytes of waiting client photos.
final class JournalBoundsTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/assist-journal-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw NSError(domain: "mkdtemp", code: Int(errno)) }
        root = String(cString: dir)
        for d in ["state", "inbox"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private var state: String { root + "/state" }
    private var journalPath: String { state + "/" + Journal.fileName }

    /// A photo file in the inbox, recorded as done with a description.
    private func recordPhoto(_ name: String, in journal: Journal, folder: String? = nil) throws -> PhotoIdentity {
        let path = (folder ?? root + "/inbox") + "/" + name
        try Data("photo \(name)".utf8).write(to: URL(fileURLWithPath: path))
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0)
        let photo = PhotoIdentity(path: path, stat: st)
        try journal.claim(photo)
        try journal.finish(photo, description: DescriptionInfo(message: "It says: \(name)", verbosity: .everything, quality: nil, text: nil, caption: nil,
                                                               timings: DescriptionTimings(decode: 1, quality: nil, text: nil, caption: nil, total: 1)))
        return photo
    }

    private func inode(_ path: String) -> ino_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_ino : 0
    }

    /// The journal used to be rewritten at every start. A tidy one is now left as it is.
    func testATidyJournalIsNotRewrittenAtStart() throws {
        let first = try Journal(directory: state)
        _ = try recordPhoto("a.jpg", in: first)
        _ = try recordPhoto("b.jpg", in: first)
        let before = inode(journalPath)
        let again = try Journal(directory: state)
        XCTAssertFalse(again.opening.rewritten, "\(again.opening)")
        XCTAssertEqual(inode(journalPath), before)
        XCTAssertEqual(again.counts, [.done: 2])
    }

    /// A record whose photo is gone from a watched folder that is still there is pruned at
    /// start; one in a folder that is missing (an unmounted share) is kept, since the photo may
    /// come back, and so is one outside the watched folders.
    func testRecordsOfRemovedPhotosArePrunedButNotThoseOfAMissingFolder() throws {
        let share = root + "/share"
        try FileManager.default.createDirectory(atPath: share, withIntermediateDirectories: true)
        let first = try Journal(directory: state)
        let kept = try recordPhoto("kept.jpg", in: first)
        let removed = try recordPhoto("removed.jpg", in: first)
        let shared = try recordPhoto("shared.jpg", in: first, folder: share)
        unlink(removed.path)
        try FileManager.default.removeItem(atPath: share)
        let again = try Journal(directory: state, watched: [root + "/inbox", share])
        XCTAssertEqual(again.opening.pruned, 1)
        XCTAssertTrue(again.opening.rewritten)
        XCTAssertNotNil(again.record(for: kept))
        XCTAssertNil(again.record(for: removed))
        XCTAssertNotNil(again.record(for: shared), "a photo in a folder that is not there now must stay recorded")
        let text = try String(contentsOfFile: journalPath, encoding: .utf8)
        XCTAssertFalse(text.contains("removed.jpg"), text)
    }

    /// Superseded lines (each photo's claim before its result) are dropped once they make the
    /// file larger than `journal_max_bytes`, at start and while running.
    func testSupersededLinesAreCompactedBySize() throws {
        let small = try Journal(directory: state, maxBytes: 1 << 20)
        for i in 0..<4 { _ = try recordPhoto("p\(i).jpg", in: small) }
        let lines = { (try? String(contentsOfFile: self.journalPath, encoding: .utf8))?.split(separator: "\n").count ?? -1 }
        XCTAssertEqual(lines(), 8, "a claim and a result per photo")
        let roomy = try Journal(directory: state, maxBytes: 1 << 20)
        XCTAssertFalse(roomy.opening.rewritten, "within journal_max_bytes the superseded lines may stay")
        XCTAssertEqual(lines(), 8)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: journalPath)[.size] as? Int)
        let bound = size / 2 + 1
        let tight = try Journal(directory: state, maxBytes: bound)
        XCTAssertTrue(tight.opening.rewritten, "superseded lines beyond journal_max_bytes must go at start")
        XCTAssertEqual(lines(), 4)
        // While running: appends past twice the bound (or what the last rewrite left) rewrite
        // the file to one line per photo, so it never holds every claim of a long run.
        for i in 4..<40 { _ = try recordPhoto("p\(i).jpg", in: tight) }
        XCTAssertLessThan(lines(), 80, "the file was never compacted while the journal was open")
        XCTAssertGreaterThanOrEqual(lines(), 40)
        XCTAssertEqual(tight.bytes, try FileManager.default.attributesOfItem(atPath: journalPath)[.size] as? Int)
        let reopened = try Journal(directory: state, maxBytes: bound)
        XCTAssertEqual(reopened.counts, [.done: 40])
    }

    /// `retention_days` erases old descriptions at start: the photo stays done, without what it said.
    func testRetentionErasesDescriptionsButKeepsThePhotoRecorded() throws {
        let first = try Journal(directory: state)
        let photo = try recordPhoto("old.jpg", in: first)
        let later = Date().timeIntervalSince1970 + 31 * 86400
        let again = try Journal(directory: state, retentionDays: 30, now: later)
        XCTAssertEqual(again.opening.expired, 1)
        XCTAssertEqual(again.record(for: photo)?.state, .done)
        XCTAssertNil(again.record(for: photo)?.message)
        XCTAssertTrue(again.recentCaptions(limit: 10).isEmpty)
        XCTAssertFalse(try String(contentsOfFile: journalPath, encoding: .utf8).contains("It says"))
    }

    /// Inline photos waiting are bounded by bytes; a descriptor costs none while it waits.
    func testQueuedBytesAreBoundedAndDescriptorsCostNone() throws {
        let queue = JobQueue(maxRequests: 100, maxQueuedBytes: 3 * 1024)
        let kib = Data(count: 1024)
        for i in 0..<3 { XCTAssertEqual(queue.add(PhotoJob(input: .bytes(kib, name: "b\(i)"))), .queued) }
        XCTAssertEqual(queue.add(PhotoJob(input: .bytes(kib, name: "over"))), .overBudget(limit: 3 * 1024))
        let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        XCTAssertEqual(queue.add(PhotoJob(input: .descriptor(HeldPhoto(fd: fd, name: "held"), name: "held"))), .queued)
        XCTAssertEqual(queue.queuedBytes, 3 * 1024)
        _ = queue.next()
        XCTAssertEqual(queue.queuedBytes, 2 * 1024)
        XCTAssertEqual(queue.add(PhotoJob(input: .bytes(kib, name: "fits"))), .queued)
        // One photo larger than the budget is still taken when nothing else waits.
        let lone = JobQueue(maxRequests: 100, maxQueuedBytes: 1024)
        XCTAssertEqual(lone.add(PhotoJob(input: .bytes(Data(count: 4096), name: "big"))), .queued)
        XCTAssertEqual(lone.add(PhotoJob(input: .bytes(Data(count: 1), name: "next"))), .overBudget(limit: 1024))
    }
}
