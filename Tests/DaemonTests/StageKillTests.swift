import XCTest
import Glibc

/// kill -9 at each stage of a folder photo's life (claimed, describing, recorded but not yet
/// spoken, speaking), then a restart: no photo lost, none recorded twice, speech at most once.
///
/// The stages of a small photo last a few hundred milliseconds at most, so each kill is timed
/// on what the daemon itself shows (a journal line, an event, CPU time spent), and afterwards
/// the test checks which stage the kill really hit. An attempt that was too late for its stage
/// is tried again (at most 5 times); a stage never hit fails the test.
final class StageKillTests: XCTestCase {
    enum Stage: String {
        case claimed, describing, recorded, speaking
        /// Too late: the utterance was already finished.
        case spoken
    }

    func testKillRightAfterTheClaimIsRecorded() throws { try killAt(.claimed) }
    func testKillWhileDescribing() throws { try killAt(.describing) }
    func testKillAfterRecordingBeforeSpeech() throws { try killAt(.recorded) }
    func testKillWhileSpeaking() throws { try killAt(.speaking) }

    private func killAt(_ stage: Stage, file: StaticString = #filePath, line: UInt = #line) throws {
        guard let model = DaemonHarness.fixtureModel else { throw XCTSkip("needs Tests/Fixtures/models/tiny-st") }
        // A text photo: the model's caption, Tesseract and a long message make every stage
        // measurable; the slowest voice makes speaking last longest.
        let photo = try Data(contentsOf: DaemonHarness.fixtures.appendingPathComponent("analysis/text/appointment-serif-18.png"))
        var outcomes: [String] = []
        for attempt in 1...5 {
            let h = try DaemonHarness(config: ["model": model, "voice_rate": "80"])
            try h.start()
            let pid = h.process!.processIdentifier
            let events = try h.events()
            let path = try h.drop("photo-\(attempt).png", photo)
            guard wait(for: stage, h: h, pid: pid, events: events) else {
                return XCTFail("\(stage): the trigger never came; log:\n\(h.currentLog)", file: file, line: line)
            }
            XCTAssertFalse(FaultSupport.strayWorkers(parent: 0).isEmpty, "no speech worker found: the check below would prove nothing",
                           file: file, line: line)
            h.kill9()
            // A worker the daemon was speaking through must not outlive it.
            XCTAssertTrue(h.wait(timeout: 10) { FaultSupport.strayWorkers(parent: pid).isEmpty },
                          "speech workers outlived the killed daemon: \(FaultSupport.strayWorkers(parent: pid))", file: file, line: line)
            let hit = reached(h, path: path, trigger: stage, events: events)
            outcomes.append("attempt \(attempt): wanted \(stage.rawValue), hit \(hit.rawValue)")
            let firstResults = h.results(for: path).count
            let publishedBefore = utterances(h).count

            let restart = Date().timeIntervalSince1970
            try h.start()
            let r = h.waitForResult(path, timeout: 60)
            XCTAssertEqual(r?.state, "done", "\(stage): photo lost after restart; log:\n\(h.currentLog)", file: file, line: line)
            XCTAssertNotNil(try h.dropSentinel(), file: file, line: line)
            let secondRun = h.journal().filter { $0.path == path && $0.state != "claimed" && $0.time >= restart }.count
            XCTAssertEqual(firstResults + secondRun, 1,
                           "\(stage): recorded \(firstResults) time(s) before the kill and \(secondRun) after", file: file, line: line)
            let message = try XCTUnwrap(DescribedRecord.latest(in: h, path: path)?.message, file: file, line: line)

            switch hit {
            case .claimed, .describing:
                // In flight: redone as attempt 2, and spoken then (the first run never got that far).
                XCTAssertTrue(h.journal().contains { $0.path == path && $0.state == "claimed" && $0.attempt == 2 },
                              "\(stage): not redone as attempt 2", file: file, line: line)
                XCTAssertTrue(h.wait(timeout: 30) { utterances(h).contains(message) }, "\(stage): redone photo not spoken; log:\n\(h.currentLog)",
                              file: file, line: line)
                XCTAssertEqual(publishedBefore, 0, file: file, line: line)
                XCTAssertEqual(utterances(h).filter { $0 == message }.count, 1, "\(stage): spoken other than once", file: file, line: line)
            case .recorded, .speaking, .spoken:
                // Recorded: never described or spoken again; the utterance the kill cut off is lost.
                // Not claimed again means not described and so not spoken again: speech follows the claim.
                XCTAssertFalse(h.journal().contains { $0.path == path && $0.state == "claimed" && $0.time >= restart },
                               "\(stage): claimed again after restart", file: file, line: line)
                XCTAssertEqual(utterances(h).filter { $0 == message }.count, hit == .spoken ? 1 : 0,
                               "\(stage): speech not at most once", file: file, line: line)
                // The kill may land before the "photo described" line: the record comes first.
                XCTAssertEqual(firstResults, 1, "\(stage): the result was not on disk before the kill", file: file, line: line)
            }
            XCTAssertTrue(h.process?.isRunning ?? false, file: file, line: line)
            if hit == stage { break }
        }
        print(outcomes.joined(separator: "; "))
        XCTAssertTrue(outcomes.contains { $0.hasSuffix("wanted \(stage.rawValue), hit \(stage.rawValue)") },
                      "stage \(stage) never hit: \(outcomes)", file: file, line: line)
    }

    /// Waits (at most 30 s) until the daemon shows it is in `stage`, checking every 2 ms.
    private func wait(for stage: Stage, h: DaemonHarness, pid: pid_t, events: EventStream) -> Bool {
        let journal = h.state + "/journal.jsonl"
        var ticksAtClaim: Int?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            switch stage {
            case .claimed:
                if journalText(journal).contains(#""state":"claimed""#) { return true }
            case .describing:
                // 50 ms of CPU since the claim: the idle daemon spends none, so this is the
                // worker decoding, checking quality, reading text or captioning.
                if ticksAtClaim == nil, journalText(journal).contains(#""state":"claimed""#) { ticksAtClaim = FaultSupport.cpuTicks(pid) }
                if let t0 = ticksAtClaim, let t = FaultSupport.cpuTicks(pid), t - t0 >= 5 { return true }
            case .recorded:
                if journalText(journal).contains(#""state":"done""#) { return true }
            case .speaking:
                if !events.all(.speechStarted).isEmpty { return true }
            case .spoken:
                return false
            }
            usleep(2_000)
        }
        return false
    }

    /// What the kill actually interrupted, from the journal, the events and the WAV folder.
    /// Without a result the photo was in flight: claimed, or describing when the trigger proved it.
    private func reached(_ h: DaemonHarness, path: String, trigger: Stage, events: EventStream) -> Stage {
        if h.results(for: path).isEmpty { return trigger == .describing ? .describing : .claimed }
        if !utterances(h).isEmpty { return .spoken }
        return events.all(.speechStarted).isEmpty ? .recorded : .speaking
    }

    private func journalText(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Texts of the utterances the WAV sink published (a `.txt` beside each finished `.wav`).
    private func utterances(_ h: DaemonHarness) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: h.wav)) ?? []
        return names.filter { $0.hasSuffix(".txt") && !$0.hasPrefix(".") }.compactMap {
            (try? String(contentsOfFile: h.wav + "/" + $0, encoding: .utf8))?.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
    }
}
