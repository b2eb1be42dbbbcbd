import Foundation
import Synchronization

/// A `Mutex` (Synchronization) that ThreadSanitizer can see.
///
/// On Linux, `Mutex` locks with atomics and futex calls inside the standard library, which is not
/// instrumented, so a `-sanitize=thread` build sees no ordering between two critical sections
/// and reports every piece of protected state as a race (a 20-line program that sets a flag under
/// a contended `Mutex` shows it). `withLock` therefore tells the sanitizer what the lock does,
/// through its annotation calls `__tsan_acquire` and `__tsan_release`, looked up once at start.
/// In a build without the sanitizer they are absent and the lock is a plain `Mutex`.
public struct Locked<Value>: ~Copyable, Sendable {
    private let mutex: Mutex<Value>
    /// A stable address that names this lock to the sanitizer.
    private let identity = Identity()

    public init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with the value, holding the lock.
    public borrowing func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        let address = Unmanaged.passUnretained(identity).toOpaque()
        return try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            ThreadSanitizer.acquire?(address)
            defer { ThreadSanitizer.release?(address) }
            return try body(&value)
        }
    }

    private final class Identity: Sendable {}
}

/// The sanitizer's annotation entry points, present only in a `-sanitize=thread` build.
private enum ThreadSanitizer {
    typealias Annotation = @convention(c) (UnsafeMutableRawPointer?) -> Void

    static let acquire: Annotation? = lookUp("__tsan_acquire")
    static let release: Annotation? = lookUp("__tsan_release")

    private static func lookUp(_ name: String) -> Annotation? {
        dlsym(nil, name).map { unsafeBitCast($0, to: Annotation.self) }
    }
}
