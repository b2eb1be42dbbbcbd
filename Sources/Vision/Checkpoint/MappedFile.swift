#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A whole file mapped read-only (`PROT_READ`, `MAP_PRIVATE`).
///
/// fp32 tensors are handed out as views into this mapping, so it lives as long as the
/// `Checkpoint` that owns it and is unmapped in `deinit`.
/// Unchecked Sendable because the mapping is read-only and unmapped only in `deinit`.
final class MappedFile: @unchecked Sendable {
    let path: String
    /// The mapped bytes; never written.
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            if errno == ENOENT { throw CheckpointError.missingFile(path) }
            throw CheckpointError.invalidFile(path, reason: "cannot open: \(why)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CheckpointError.invalidFile(path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.invalidFile(path, reason: "not a regular file")
        }
        let size = Int(st.st_size)
        guard size > 0 else { throw CheckpointError.invalidFile(path, reason: "file is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw CheckpointError.invalidFile(path, reason: "cannot map \(size) bytes: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    var count: Int { bytes.count }

    /// Little-endian integer at `offset`; the caller has checked the bounds.
    func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
