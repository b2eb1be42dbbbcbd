import XCTest
import Glibc
import IPC

/// An idle daemon sleeps: no polling loop burns CPU on a small battery-powered device.
final class IdleTests: XCTestCase {
    /// CPU of `assistd run` and its speech worker over 5 s once it has started: under 1% of one
    /// core, both with no client and with an `events` listener connected.
    func testIdleDaemonUsesNoCPU() throws {
        let h = try DaemonHarness(config: ["log_level": "info"])
        try h.start()
        let pid = h.process!.processIdentifier
        XCTAssertNotNil(h.waitForStatus(timeout: 20)?.speech, h.currentLog)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        // Start-up (model, Tesseract, the first speech worker) is over once a whole second
        // passes without a tick; bounded at 20 s.
        XCTAssertTrue(settled(pid, hz: hz, timeout: 20), "the daemon never went quiet after starting")

        let alone = ticks(pid, over: 5)
        print("idle assistd: \(alone) ticks in 5 s at \(Int(hz)) Hz")
        XCTAssertLessThan(Double(alone) / hz / 5, 0.01, "an idle daemon used \(alone) ticks in 5 s")

        let listener = try FrameConnection(path: h.socket)
        guard case .subscribed = try listener.call(.events, timeout: 10).body else { return XCTFail("not subscribed") }
        XCTAssertTrue(settled(pid, hz: hz, timeout: 10))
        let listening = ticks(pid, over: 5)
        print("idle assistd with an events listener: \(listening) ticks in 5 s")
        XCTAssertLessThan(Double(listening) / hz / 5, 0.01, "an idle daemon with a listener used \(listening) ticks in 5 s")
        // Ticks miss short wake-ups; sleeps that end are counted exactly. A loop that polls
        // every 100 ms wakes 50 times in 5 s.
        let woke = wakeups(pid, over: 5)
        print("idle assistd with an events listener: \(woke) wake-ups in 5 s")
        XCTAssertLessThan(woke, 10, "an idle daemon with a listener woke \(woke) times in 5 s: something polls")
        withExtendedLifetime(listener) {}
    }

    /// Voluntary context switches (a thread went to sleep, so had woken) of the threads of `pid`
    /// that live through the whole `seconds`.
    private func wakeups(_ pid: pid_t, over seconds: Double) -> Int {
        func sample() -> [String: Int] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            var out: [String: Int] = [:]
            for t in tasks {
                guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/status", encoding: .utf8) else { continue }
                for line in text.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") {
                    out[t] = Int(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "")
                }
            }
            return out
        }
        let before = sample()
        _ = ticks(pid, over: seconds)
        let after = sample()
        return before.reduce(0) { sum, entry in sum + ((after[entry.key] ?? entry.value) - entry.value) }
    }

    /// CPU ticks of `pid` and its direct children over `seconds`.
    private func ticks(_ pid: pid_t, over seconds: Double) -> Int {
        let before = total(pid)
        let deadline = Date().addingTimeInterval(seconds)
        // Waiting is the measurement itself here: the daemon is left alone for exactly this long.
        while Date() < deadline { usleep(UInt32(max(0, min(100_000, deadline.timeIntervalSinceNow * 1e6)))) }
        return total(pid) - before
    }

    private func settled(_ pid: pid_t, hz: Double, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if ticks(pid, over: 1) == 0 { return true }
        }
        return false
    }

    /// Own ticks plus those of the current children (speech workers); a child that exits in
    /// between moves its ticks into the daemon's cutime/cstime, counted here too.
    private func total(_ pid: pid_t) -> Int {
        var sum = FaultSupport.cpuTicks(pid, includeReapedChildren: true) ?? 0
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in names {
            guard let child = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pid { sum += FaultSupport.cpuTicks(child) ?? 0 }
        }
        return sum
    }
}
