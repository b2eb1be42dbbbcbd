import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Writes one utterance as a 16-bit mono PCM WAV file that appears atomically.
///
/// Audio goes to a hidden temporary file (`.<stem>.wav.tmp`) as it is synthesized; `commit`
/// writes the text beside it (`<stem>.txt`, durably through SystemSupport's `FileSystem`),
/// patches the header's sizes, fsyncs, renames the WAV into place and fsyncs the directory; a
/// failure of any of these steps, the directory fsync included, fails the commit. A reader listing `*.wav` therefore sees
/// either no file or a complete one, and the `.txt` is in place before the `.wav` appears.
///
/// The 44-byte header is the one `espeak-ng -w` writes (src/espeak-ng.c OpenWavFile and
/// CloseWavFile): RIFF, a 16-byte PCM fmt chunk (1 channel, rate, 2*rate bytes/s, block align 2,
/// 16 bits), then the data chunk.
final class WavFileWriter {
    static let headerSize = 44

    let directory: String
    let stem: String
    let sampleRate: Int
    private let temporaryPath: String
    private var fd: Int32
    private(set) var sampleCount = 0

    /// `stem` is the file name without extension, see `WavFileWriter.stem(date:id:)`.
    init(directory: String, stem: String, sampleRate: Int) throws {
        self.directory = directory
        self.stem = stem
        self.sampleRate = sampleRate
        temporaryPath = (directory as NSString).appendingPathComponent(".\(stem).wav.tmp")
        fd = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 { throw Self.error(temporaryPath, "open") }
        do {
            try write(Self.header(sampleRate: sampleRate, dataBytes: 0))
        } catch {
            discard()
            throw error
        }
    }

    deinit { discard() }

    /// A sortable, unique name: UTC start time to the millisecond, then the utterance id,
    /// e.g. `20250131-142502-317-00000042`.
    static func stem(date: Date, id: UInt64) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var time = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d%02d%02d-%02d%02d%02d-%03d-%08llu",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1000), id)
    }

    /// Creates `directory` (with parents) if needed and checks that it is writable; with
    /// `removingLeftovers`, also deletes temporary files a crash left behind (done once at start:
    /// an archive directory can hold thousands of files).
    static func prepare(directory: String, removingLeftovers: Bool) throws {
        do {
            try FileSystem.makeDirectory(directory, mode: 0o755, parentMode: 0o755)
        } catch {
            throw SpeechError.wavFile(path: directory, reason: "cannot create directory: \(error)")
        }
        if access(directory, W_OK | X_OK) != 0 { throw Self.error(directory, "access") }
        guard removingLeftovers else { return }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        // `.<stem>.wav.tmp` from this writer, `.<stem>.txt.<random>.tmp` from FileSystem.
        for name in leftovers where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            unlink((directory as NSString).appendingPathComponent(name))
        }
    }

    /// Appends native-endian samples as little-endian PCM.
    func append(_ samples: UnsafeBufferPointer<Int16>) throws {
        let little = samples.map { $0.littleEndian }
        try little.withUnsafeBytes { try write($0) }
        sampleCount += samples.count
    }

    /// Publishes `<stem>.txt` and `<stem>.wav`; returns the WAV's path.
    func commit(text: String) throws -> String {
        let dataBytes = sampleCount * 2
        let header = Self.header(sampleRate: sampleRate, dataBytes: dataBytes)
        let patched = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if patched != header.count { throw Self.error(temporaryPath, "pwrite") }
        if fsync(fd) != 0 { throw Self.error(temporaryPath, "fsync") }
        Glibc.close(fd)
        fd = -1

        let base = uniqueBase()
        let textPath = base + ".txt"
        do {
            try FileSystem.writeDurably(Data(text.utf8), to: textPath, mode: 0o644)
        } catch {
            unlink(temporaryPath)
            throw SpeechError.wavFile(path: error.path ?? textPath, reason: "\(error.call): \(error.reason)")
        }
        let wavPath = base + ".wav"
        if rename(temporaryPath, wavPath) != 0 {
            let failure = Self.error(wavPath, "rename")
            unlink(temporaryPath)
            throw failure
        }
        do { try FileSystem.syncDirectory(directory) } catch {
            throw SpeechError.wavFile(path: directory, reason: "\(error.call): \(error.reason)")
        }
        return wavPath
    }

    /// Deletes the temporary file (an utterance that failed leaves nothing behind).
    func discard() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
            unlink(temporaryPath)
        }
    }

    static func header(sampleRate: Int, dataBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize)
        func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        func put16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: Array("RIFF".utf8)); put32(UInt32(36 + dataBytes))
        bytes.append(contentsOf: Array("WAVE".utf8))
        bytes.append(contentsOf: Array("fmt ".utf8)); put32(16)
        put16(1)                                  // PCM
        put16(1)                                  // mono
        put32(UInt32(sampleRate))
        put32(UInt32(sampleRate * 2))             // bytes per second
        put16(2)                                  // block align
        put16(16)                                 // bits per sample
        bytes.append(contentsOf: Array("data".utf8)); put32(UInt32(dataBytes))
        return bytes
    }

    /// `<dir>/<stem>`, or `<dir>/<stem>-2`... if another writer already used the name (two
    /// speakers sharing a directory within one millisecond, or a restart reusing ids).
    private func uniqueBase() -> String {
        let first = (directory as NSString).appendingPathComponent(stem)
        var candidate = first
        var n = 2
        while access(candidate + ".wav", F_OK) == 0 || access(candidate + ".txt", F_OK) == 0 {
            candidate = "\(first)-\(n)"
            n += 1
        }
        return candidate
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try Descriptor.writeAll(fd, bytes, path: temporaryPath) } catch {
            throw SpeechError.wavFile(path: temporaryPath, reason: "write: \(error.reason)")
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private static func error(_ path: String, _ call: String) -> SpeechError {
        .wavFile(path: path, reason: "\(call): \(String(cString: strerror(errno)))")
    }
}
