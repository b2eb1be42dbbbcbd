import CAlsa
import Foundation
import XCTest

/// A test HOME whose `.asoundrc` sends ALSA's "default" and a named PCM into raw files
/// through the file plugin (`type file; slave.pcm "null"`), so the real libasound path runs
/// without a sound card.
///
/// alsa-lib reads `~/.asoundrc` once per process into a global configuration; the test swaps
/// HOME and drops that global (snd_config_update_free_global) so the next ALSA call reads the
/// test's file, and puts both back at the end so other tests see this machine's ALSA again.
final class AlsaTestHome {
    let home: String
    let defaultFile: String
    let namedFile: String
    static let namedPCM = "assisttest"
    private let previousHome: String?

    init(_ test: XCTestCase) throws {
        home = NSTemporaryDirectory() + "assist-alsa-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defaultFile = home + "/default.raw"
        namedFile = home + "/named.raw"
        let asoundrc = """
            pcm.!default { type file; slave.pcm "null"; file "\(defaultFile)"; format "raw" }
            pcm.\(AlsaTestHome.namedPCM) {
                type file; slave.pcm "null"; file "\(namedFile)"; format "raw"
                hint { show on; description "Assist test output" }
            }

            """
        try asoundrc.write(toFile: home + "/.asoundrc", atomically: true, encoding: .utf8)
        previousHome = ProcessInfo.processInfo.environment["HOME"]
        setenv("HOME", home, 1)
        snd_config_update_free_global()
        test.addTeardownBlock { [self] in
            if let previousHome { setenv("HOME", previousHome, 1) } else { unsetenv("HOME") }
            snd_config_update_free_global()
            try? FileManager.default.removeItem(atPath: home)
        }
    }

    func contents(_ path: String) -> [UInt8] {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    }
}
