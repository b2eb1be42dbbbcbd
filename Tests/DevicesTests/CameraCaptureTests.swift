import CLinuxInput
import Foundation
import Messages
import PhotoAnalysis
import Vision
import XCTest
@testable import Devices

/// `CameraCapture` with fake cameras: shell scripts that stand in for rpicam-still.
final class CameraCaptureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/analysis").path
    /// A sharp photo, the same scene darker (still sharp), and the scene defocused.
    static let sharp = fixtures + "/text/juice-bold-44.jpg"
    static let sharpDarker = fixtures + "/quality/juice-exposurem1.jpg"
    static let blurred = fixtures + "/quality/juice-blur5.jpg"
    /// The scene with the lens covered: almost black.
    static let black = fixtures + "/quality/juice-covered0_08.jpg"

    let en = MessageCatalogue(language: .english)
    let de = MessageCatalogue(language: .german)
    var work = ""
    var bin = ""
    var photos = ""

    override func setUpWithError() throws {
        work = try makeTemporaryDirectory(self)
        bin = work + "/bin"
        photos = work + "/inbox"
        for dir in [bin, photos] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    }

    /// An executable script `bin/NAME` that counts its runs in `bin/NAME.runs`.
    @discardableResult
    func fakeCamera(_ body: String, named name: String = "rpicam-still") throws -> String {
        let path = bin + "/" + name
        let script = """
            #!/bin/sh
            # fake camera; the photo path is the last argument
            for out; do :; done
            runs=$(cat "\(path).runs" 2>/dev/null || echo 0)
            echo $((runs + 1)) > "\(path).runs"
            \(body)

            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o755), 0)
        return path
    }

    func runs(_ name: String = "rpicam-still") -> Int {
        Int((try? String(contentsOfFile: bin + "/\(name).runs", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    func capture(frames: Int = 3, timeout: TimeInterval = 10, command: String? = nil) throws(CaptureError) -> CameraCapture.Photo {
        let settings = CameraCapture.Settings(command: command.map { try! CaptureCommand(parsing: $0) }, frames: frames,
                                              timeout: timeout, searchPath: bin + ":/usr/bin:/bin")
        return try CameraCapture(settings: settings).capture(into: photos, name: "snap-1.jpg")
    }

    func captureError(frames: Int = 3, timeout: TimeInterval = 10, command: String? = nil) -> CaptureError? {
        do {
            _ = try capture(frames: frames, timeout: timeout, command: command)
            XCTFail("the capture should fail")
            return nil
        } catch {
            return error
        }
    }

    /// Nothing but the kept photo is left: no working directory, no other frames.
    func assertInboxHolds(_ names: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: photos).sorted(), names, file: file, line: line)
    }

    func testCopiesTheFixturePhotoFoundOnPath() throws {
        try fakeCamera("cp \"\(Self.sharp)\" \"$out\"")
        let photo = try capture()
        XCTAssertEqual(photo.path, photos + "/snap-1.jpg")
        XCTAssertEqual(photo.program, "rpicam-still")
        XCTAssertEqual(FileManager.default.contents(atPath: photo.path), FileManager.default.contents(atPath: Self.sharp))
        XCTAssertEqual(photo.frames.count, 3)
        XCTAssertEqual(runs(), 3, "a burst of capture_frames = 3")
        XCTAssertEqual(photo.kept, 0, "equal frames: the first is kept")
        XCTAssertNotNil(photo.sharpness)
        assertInboxHolds(["snap-1.jpg"])
    }

    func testABurstOfOneBlurredAndTwoSharpFramesKeepsASharpOne() throws {
        for order in [[Self.blurred, Self.sharp, Self.sharpDarker], [Self.sharpDarker, Self.sharp, Self.blurred]] {
            try? FileManager.default.removeItem(atPath: photos + "/snap-1.jpg")
            try? FileManager.default.removeItem(atPath: bin + "/rpicam-still.runs")
            try fakeCamera("""
                case $runs in 0) src="\(order[0])";; 1) src="\(order[1])";; *) src="\(order[2])";; esac
                cp "$src" "$out"
                """)
            let photo = try capture()
            let scores = photo.frames.map { $0.sharpness ?? -1 }
            print("burst sharpness \(order.map { ($0 as NSString).lastPathComponent }): \(scores), kept \(photo.kept)")
            let blurredIndex = order.firstIndex(of: Self.blurred)!
            XCTAssertNotEqual(photo.kept, blurredIndex)
            XCTAssertEqual(photo.frames[photo.kept].sharpness, scores.max())
            let kept = FileManager.default.contents(atPath: photo.path)
            XCTAssertEqual(kept, FileManager.default.contents(atPath: order[photo.kept]))
            XCTAssertNotEqual(kept, FileManager.default.contents(atPath: Self.blurred))
            // The kept frame passes the quality check that the pipeline runs next; the blurred one would not.
            XCTAssertFalse(try quality(photo.path).has(.blurry))
            XCTAssertTrue(try quality(Self.blurred).has(.blurry))
            assertInboxHolds(["snap-1.jpg"])
        }
    }

    func quality(_ path: String) throws -> QualityReport {
        let rgb = try ImageDecoder.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        return QualityCheck().check(try PixelImage(width: rgb.width, height: rgb.height, rgb: rgb.pixels))
    }

    func testNonZeroExitSaysItsLastStderrLineShortened() throws {
        try fakeCamera("""
            echo "[0:00:00.105] [4211]  INFO Camera camera_manager.cpp:313 libcamera v0.3.0" >&2
            echo "ERROR: *** no cameras available ***" >&2
            exit 1
            """)
        let error = captureError()
        XCTAssertEqual(error, .failed(program: "rpicam-still", status: .code(1), lastLine: "no cameras available"))
        XCTAssertEqual(runs(), 1, "a failing camera is not asked again within the burst")
        XCTAssertEqual(en.text(error!.spoken), "The camera failed: no cameras available.")
        XCTAssertEqual(de.text(error!.spoken), "Die Kamera meldet einen Fehler: no cameras available.")
        XCTAssertEqual(error?.description, "camera program rpicam-still failed with exit status 1: no cameras available")
        assertInboxHolds([])
    }

    func testSilentFailureAndDeathBySignal() throws {
        try fakeCamera("exit 3")
        let silent = captureError()
        XCTAssertEqual(silent, .failed(program: "rpicam-still", status: .code(3), lastLine: nil))
        XCTAssertEqual(en.text(silent!.spoken), "The camera program rpicam-still failed.")
        try fakeCamera("kill -SEGV $$")
        XCTAssertEqual(captureError(), .failed(program: "rpicam-still", status: .signal(SIGSEGV), lastLine: nil))
    }

    func testAHungCameraIsKilledWithItsWholeProcessGroupAtTheTimeout() throws {
        try fakeCamera("""
            sleep 300 &
            echo "$$ $!" > "\(bin)/pids"
            echo "waiting for the sensor" >&2
            wait
            """)
        let begun = Date()
        let error = captureError(timeout: 1)
        let elapsed = Date().timeIntervalSince(begun)
        print("hung camera: capture returned after \(String(format: "%.3f", elapsed)) s (capture_timeout 1 s)")
        XCTAssertEqual(error, .hung(program: "rpicam-still", seconds: 1))
        XCTAssertEqual(en.text(error!.spoken), "The camera did not answer in time.")
        XCTAssertGreaterThanOrEqual(elapsed, 1)
        XCTAssertLessThan(elapsed, 3)
        // The script and the sleep it started in the background are both gone.
        let pids = try String(contentsOfFile: bin + "/pids", encoding: .utf8).split(separator: " ")
            .compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(pids.count, 2)
        for pid in pids { assertExited(pid) }
        XCTAssertEqual(runs(), 1)
        assertInboxHolds([])
    }

    /// Waits (on a pidfd, up to 5 s) until `pid` has exited; a pid that no longer exists has.
    func assertExited(_ pid: Int32, file: StaticString = #filePath, line: UInt = #line) {
        let fd = assist_pidfd_open(pid)
        guard fd >= 0 else {
            XCTAssertEqual(errno, ESRCH, "pidfd_open(\(pid))", file: file, line: line)
            return
        }
        defer { close(fd) }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&p, 1, 5000), 1, "process \(pid) is still running", file: file, line: line)
    }

    func testATimeoutAfterAGoodFrameKeepsThatFrame() throws {
        try fakeCamera("""
            if [ "$runs" = 0 ]; then cp "\(Self.sharp)" "$out"; exit 0; fi
            exec sleep 300
            """)
        let begun = Date()
        // Long enough that measuring the first frame (slow in a sanitizer build) leaves time
        // for the second shot, which then hangs.
        let photo = try capture(timeout: 3)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(begun), 3)
        XCTAssertEqual(photo.frames.count, 1)
        XCTAssertEqual(FileManager.default.contents(atPath: photo.path), FileManager.default.contents(atPath: Self.sharp))
        XCTAssertEqual(runs(), 2)
    }

    func testEmptyMissingAndUndecodableOutput() throws {
        try fakeCamera(": > \"$out\"")
        let empty = captureError(frames: 2)
        XCTAssertEqual(empty, .emptyOutput(program: "rpicam-still"))
        XCTAssertEqual(en.text(empty!.spoken), "The camera gave an empty photo.")
        XCTAssertEqual(runs(), 2, "an empty frame does not end the burst: the next one may work")

        try fakeCamera("exit 0")
        XCTAssertEqual(captureError(frames: 1), .emptyOutput(program: "rpicam-still"))

        try fakeCamera("echo 'this is not a photo' > \"$out\"")
        guard case .undecodable(let program, let reason)? = captureError(frames: 1) else { return XCTFail("should be undecodable") }
        XCTAssertEqual(program, "rpicam-still")
        XCTAssertTrue(reason.contains("JPEG") || reason.contains("PNG"), reason)
        XCTAssertEqual(en.text(CaptureError.undecodable(program: program, reason: reason).spoken), "The camera gave a photo I cannot read.")
        assertInboxHolds([])
    }

    func testOneGoodFrameAmongBadOnesIsKept() throws {
        try fakeCamera("""
            if [ "$runs" = 1 ]; then cp "\(Self.sharp)" "$out"; else : > "$out"; fi
            """)
        let photo = try capture()
        XCTAssertEqual(photo.frames.map { $0.problem }, [.emptyOutput(program: "rpicam-still"), nil, .emptyOutput(program: "rpicam-still")])
        XCTAssertEqual(photo.kept, 1)
    }

    func testABlackFrameIsAPhotoThatTheQualityCheckCallsCovered() throws {
        try fakeCamera("cp \"\(Self.black)\" \"$out\"")
        let photo = try capture(frames: 1)
        XCTAssertNil(photo.sharpness, "a black frame has no edges to judge")
        XCTAssertEqual(try quality(photo.path).problems.map(\.kind), [.covered])
    }

    func testNoCameraProgramAndAMissingConfiguredProgram() throws {
        let error = captureError()
        XCTAssertEqual(error, .noCameraProgram(searched: ["rpicam-still", "libcamera-still", "fswebcam"]))
        XCTAssertEqual(en.text(error!.spoken), "I cannot take photos: no camera program is installed.")
        XCTAssertEqual(de.text(error!.spoken), "Ich kann keine Fotos aufnehmen: Es ist kein Kameraprogramm installiert.")
        XCTAssertNil(CameraCapture(settings: .init(searchPath: bin)).command)

        guard case .cannotStart(let program, _)? = captureError(command: "nocam --out {out}") else { return XCTFail("should not start") }
        XCTAssertEqual(program, "nocam")
        XCTAssertEqual(en.text(CaptureError.cannotStart(program: "nocam", reason: "").spoken), "The camera program nocam could not start.")
    }

    func testKnownProgramsAreFoundOnPathInOrder() throws {
        try fakeCamera("exit 0", named: "fswebcam")
        XCTAssertEqual(CaptureCommand.find(searchPath: "/nonexistent:" + bin)?.arguments, ["fswebcam", "--no-banner", "-q", "{out}"])
        try fakeCamera("exit 0", named: "libcamera-still")
        XCTAssertEqual(CaptureCommand.find(searchPath: bin)?.program, "libcamera-still")
        try fakeCamera("exit 0", named: "rpicam-still")
        XCTAssertEqual(CaptureCommand.find(searchPath: bin)?.arguments, ["rpicam-still", "-n", "-t", "1", "-o", "{out}"])
        // Not executable: not a camera program.
        XCTAssertEqual(chmod(bin + "/rpicam-still", 0o644), 0)
        XCTAssertEqual(CaptureCommand.find(searchPath: bin)?.program, "libcamera-still")
    }

    func testConfiguredCommandGetsTheOutputPathAsOneArgument() throws {
        // The working directory's path goes into one argument, even with a space in the name.
        try fakeCamera("""
            [ "$1" = "--quality" ] && [ "$2" = "90 percent" ] || { echo "bad arguments: $*" >&2; exit 2; }
            cp "\(Self.sharp)" "${3#--save=}"
            """, named: "mycam")
        let photo = try capture(frames: 1, command: "mycam --quality '90 percent' --save={out}")
        XCTAssertEqual(photo.program, "mycam")
        XCTAssertEqual(FileManager.default.contents(atPath: photo.path), FileManager.default.contents(atPath: Self.sharp))
    }

    func testAnExistingPhotoIsNeverOverwritten() throws {
        try fakeCamera("cp \"\(Self.sharp)\" \"$out\"")
        XCTAssertTrue(FileManager.default.createFile(atPath: photos + "/snap-1.jpg", contents: Data("mine".utf8)))
        guard case .cannotSave? = captureError() else { return XCTFail("should refuse") }
        XCTAssertEqual(runs(), 0)
        XCTAssertEqual(FileManager.default.contents(atPath: photos + "/snap-1.jpg"), Data("mine".utf8))
    }

    func testAFileThatAppearsDuringTheBurstIsNotReplaced() throws {
        // Someone else writes the same name while the camera runs: the photo is not moved over it.
        try fakeCamera("cp \"\(Self.sharp)\" \"$out\"; echo mine > \"\(photos)/snap-1.jpg\"")
        guard case .cannotSave(let path, let reason)? = captureError(frames: 1) else { return XCTFail("should refuse") }
        XCTAssertEqual(path, photos + "/snap-1.jpg")
        XCTAssertEqual(reason, "File exists")
        XCTAssertEqual(FileManager.default.contents(atPath: photos + "/snap-1.jpg"), Data("mine\n".utf8))
        assertInboxHolds(["snap-1.jpg"])
    }

    func testTheCameraInheritsNoDescriptorOfTheDaemon() throws {
        // A descriptor without close-on-exec, as a careless library might leave one.
        let leaked = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThan(leaked, 2)
        defer { close(leaked) }
        try fakeCamera("""
            if [ -e /proc/$$/fd/\(leaked) ]; then echo "inherited descriptor \(leaked)" >&2; exit 1; fi
            cp "\(Self.sharp)" "$out"
            """)
        XCTAssertNoThrow(try capture(frames: 1))
    }

    func testCaptureCommandParsing() throws {
        XCTAssertEqual(try CaptureCommand(parsing: "rpicam-still -n -t 1 -o {out}").arguments, ["rpicam-still", "-n", "-t", "1", "-o", "{out}"])
        XCTAssertEqual(try CaptureCommand(parsing: #"  "/opt/my cam/snap"  --label 'a b'  x\ y {out}"#).arguments,
                       ["/opt/my cam/snap", "--label", "a b", "x y", "{out}"])
        XCTAssertEqual(try CaptureCommand(parsing: "cam --save={out}").arguments(out: "/p/x.jpg"), ["cam", "--save=/p/x.jpg"])
        XCTAssertThrowsError(try CaptureCommand(parsing: "rpicam-still -o photo.jpg")) {
            XCTAssertEqual($0 as? CaptureCommandError, .noOutPlaceholder("rpicam-still -o photo.jpg"))
        }
        XCTAssertThrowsError(try CaptureCommand(parsing: "cam 'unclosed {out}")) {
            XCTAssertEqual($0 as? CaptureCommandError, .unterminatedQuote("cam 'unclosed {out}"))
        }
        XCTAssertThrowsError(try CaptureCommand(parsing: "   ")) { XCTAssertEqual($0 as? CaptureCommandError, .empty) }
        XCTAssertThrowsError(try CaptureCommand(parsing: "{out}")) { XCTAssertNotNil($0 as? CaptureCommandError) }
    }

    func testLastStderrLine() {
        XCTAssertEqual(StderrTail.lastLine(of: "a\nERROR: *** no cameras available ***\n\n"), "no cameras available")
        XCTAssertEqual(StderrTail.lastLine(of: "\u{1b}[31mError: device busy.\u{1b}[0m\n"), "device busy")
        XCTAssertNil(StderrTail.lastLine(of: "\n \n"))
        let long = "Unable to open /dev/video0 because the device reported an unexpected error while negotiating the pixel format"
        let short = StderrTail.lastLine(of: long)!
        XCTAssertLessThanOrEqual(short.count, 80)
        XCTAssertEqual(short, "Unable to open /dev/video0 because the device reported an unexpected error")
        XCTAssertTrue(long.hasPrefix(short))
    }

    func testPhotoNamesSortByTime() {
        XCTAssertEqual(CameraCapture.photoName(at: Date(timeIntervalSince1970: 1_796_416_512.123)), "capture-20261204-203512-123.jpg")
        XCTAssertEqual(CameraCapture.photoName(at: Date(timeIntervalSince1970: 0)), "capture-19700101-000000-000.jpg")
    }

    func testSettingsProblems() {
        XCTAssertNil(CameraCapture.Settings().problem)
        XCTAssertEqual(CameraCapture.Settings(frames: 0).problem, "capture_frames must be 1...10, got 0")
        XCTAssertEqual(CameraCapture.Settings(timeout: 0).problem, "capture_timeout must be above 0 and at most 600 s, got 0.0")
    }
}
