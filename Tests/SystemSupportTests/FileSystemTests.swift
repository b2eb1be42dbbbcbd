import Foundation
import Glibc
import SystemSupport
import XCTest

/// Durable writes and directories on real files in a fresh temporary directory.
final class FileSystemTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "systemsupport-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        XCTAssertEqual(mkdir(dir, 0o700), 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    private func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return st.st_mode & 0o7777
    }

    func testWriteReplacesTheFileWithExactlyTheModeAndLeavesNoTemporaryFile() throws {
        let target = dir + "/photo.jpg.txt"
        try FileSystem.writeDurably(Data("old".utf8), to: target, mode: 0o600)
        // 0o666 is wider than the usual umask allows: the caller's mode must win.
        let old = umask(0o022)
        defer { umask(old) }
        try FileSystem.writeDurably(Data("new text".utf8), to: target, mode: 0o666)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new text")
        XCTAssertEqual(mode(target), 0o666)
        XCTAssertEqual(try entries(), ["photo.jpg.txt"])
    }

    func testTemporaryNamesAreHiddenAndDifferEachTime() {
        let a = FileSystem.randomTemporaryName("x.json"), b = FileSystem.randomTemporaryName("x.json")
        XCTAssertTrue(a.hasPrefix(".x.json.") && a.hasSuffix(".tmp"), a)
        XCTAssertNotEqual(a, b)
    }

    func testASymlinkPlantedAtTheTemporaryNameIsNotFollowed() throws {
        let victim = dir + "/victim"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim))
        XCTAssertEqual(symlink(victim, dir + "/.state.json.planted.tmp"), 0)
        XCTAssertThrowsError(try FileSystem.writeDurably(Data("evil".utf8), to: dir + "/state.json",
                                                         temporaryName: { ".\($0).planted.tmp" })) { error in
            let e = error as? SystemError
            XCTAssertEqual(e?.call, "open")
            XCTAssertEqual(e?.path, self.dir + "/.state.json.planted.tmp")
            XCTAssertEqual(e?.errno, EEXIST)
        }
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "keep me")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/state.json"))
        // The planted link is someone else's: it is neither followed nor removed.
        XCTAssertEqual(try entries(), [".state.json.planted.tmp", "victim"])
    }

    func testAFIFOPlantedAtTheTemporaryNameFailsAtOnceInsteadOfBlocking() throws {
        let fifo = dir + "/.voice.json.planted.tmp"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // No reader ever opens the FIFO: an open that followed it would block this test forever.
        XCTAssertThrowsError(try FileSystem.writeDurably(Data("{}".utf8), to: dir + "/voice.json",
                                                         temporaryName: { ".\($0).planted.tmp" })) { error in
            XCTAssertEqual(error as? SystemError, SystemError("open", path: fifo, errno: EEXIST))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/voice.json"))
    }

    func testAFailedRenameNamesTheTargetAndRemovesTheTemporaryFile() throws {
        let target = dir + "/busy"
        XCTAssertEqual(mkdir(target, 0o700), 0)
        XCTAssertEqual(mkdir(target + "/inside", 0o700), 0)
        XCTAssertThrowsError(try FileSystem.writeDurably(Data("x".utf8), to: target)) { error in
            let e = error as? SystemError
            XCTAssertEqual(e?.call, "rename")
            XCTAssertEqual(e?.path, target)
            XCTAssertTrue(e?.errno == EISDIR || e?.errno == ENOTEMPTY || e?.errno == EEXIST, "\(String(describing: e))")
        }
        XCTAssertEqual(try entries(), ["busy"])
    }

    func testADirectoryThatCannotBeOpenedForFsyncIsAnError() {
        XCTAssertThrowsError(try FileSystem.syncDirectory(dir + "/missing")) { error in
            XCTAssertEqual(error as? SystemError, SystemError("open", path: self.dir + "/missing", errno: ENOENT))
            XCTAssertEqual("\(error)", "open \(self.dir)/missing: No such file or directory")
        }
    }

    func testMakeDirectoryCreatesParentsWithTheirModesAndLeavesAnExistingOneAlone() throws {
        let leaf = dir + "/a/b/c"
        try FileSystem.makeDirectory(leaf, mode: 0o750)
        XCTAssertEqual(mode(leaf), 0o750)
        XCTAssertEqual(mode(dir + "/a"), 0o700)
        XCTAssertEqual(mode(dir + "/a/b"), 0o700)
        XCTAssertEqual(chmod(leaf, 0o711), 0)
        try FileSystem.makeDirectory(leaf, mode: 0o750)
        XCTAssertEqual(mode(leaf), 0o711)
    }

    func testMakeDirectoryRefusesAFileInTheWay() throws {
        try Data().write(to: URL(fileURLWithPath: dir + "/file"))
        XCTAssertThrowsError(try FileSystem.makeDirectory(dir + "/file", mode: 0o700)) { error in
            XCTAssertEqual(error as? SystemError, SystemError("mkdir", path: self.dir + "/file", errno: EEXIST))
        }
        XCTAssertThrowsError(try FileSystem.makeDirectory(dir + "/file/sub", mode: 0o700)) { error in
            XCTAssertEqual((error as? SystemError)?.call, "mkdir")
        }
    }

    func testSystemErrorReadsLikeAShellMessage() {
        XCTAssertEqual(SystemError("open", path: "/x/y", errno: EACCES).description, "open /x/y: Permission denied")
        XCTAssertEqual(SystemError("poll", errno: EINVAL).description, "poll: Invalid argument")
        XCTAssertTrue(SystemError("write", path: "/f", errno: ENOSPC).isDiskFull)
        XCTAssertTrue(SystemError("write", path: "/f", errno: EDQUOT).isDiskFull)
        XCTAssertFalse(SystemError("write", path: "/f", errno: EIO).isDiskFull)
    }
}
