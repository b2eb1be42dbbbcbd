import COpenBLAS
import Foundation
import Synchronization

/// The worker threads every parallel kernel runs on: created once, reused by every call.
///
/// Why not OpenBLAS's threads or `DispatchQueue.concurrentPerform`: OpenBLAS's workers spin in
/// `sched_yield` for a while after each BLAS call, stealing the cores from whatever runs next
/// (measured at about 10% of all CPU samples during a caption), and the decoder's streaming
/// kernels would then compete with them for the same cores. So OpenBLAS runs single-threaded
/// (`openblas_set_num_threads(1)`) and the callers split their products over this pool instead:
/// one set of threads, never more runnable threads than `size`.
///
/// Workers spin briefly for the next job (the decoder issues one every few tens of
/// microseconds, and a futex wake-up costs about as much), then sleep on a condition variable,
/// so an idle process uses no CPU.
/// Unchecked Sendable because its job hand-off is its own lock-free protocol (atomics and a
/// condition variable, described at each field), which the compiler cannot check.
final class ThreadPool: @unchecked Sendable {
    /// The pool the kernels use. Its size is the processor count until `BLASThreads.set` changes it.
    static let shared = ThreadPool(size: ProcessInfo.processInfo.activeProcessorCount)

    /// Threads that take part in a job, the caller included.
    private(set) var size: Int
    private var threads: [Thread] = []

    /// The job being run, `body(i)` for every i in 0..<parts. Written only between jobs; a
    /// worker reads it only after claiming a part of the current job, which keeps it unchanged.
    private var body: ((Int) -> Void)?
    /// `generation << 32 | parts << 16 | next index`: a worker claims a part with one
    /// compare-and-swap that also proves the job is still the one it saw.
    private let ticket = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    /// Held by the one caller whose job the pool runs; other callers run their job alone.
    private let busy = Atomic<Bool>(false)
    private let resizing = NSLock()
    private let wake = NSCondition()
    private var sleepers = 0

    /// Spin iterations (an atomic load each, about a nanosecond) before a worker sleeps.
    private static let spinIterations = 50_000
    /// Most parts one job may have (16 bits of the ticket).
    static let maxParts = 0xFFFF
    private static let generationMask = 0x7FFF_FFFF

    private init(size: Int) {
        openblas_set_num_threads(1)
        self.size = max(1, size)
        startWorkers()
    }

    /// Changes the number of threads per job. Waits for a running job to finish.
    func resize(_ n: Int) {
        resizing.lock(); defer { resizing.unlock() }
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { sched_yield() }
        size = max(1, n)
        startWorkers()
        busy.store(false, ordering: .releasing)
    }

    private func startWorkers() {
        // Only grows: workers beyond `size - 1` find no part to claim and go back to sleep.
        while threads.count < size - 1 {
            let index = threads.count
            let t = Thread { [unowned self] in self.workerLoop(index) }
            t.name = "assist-kernel-\(index + 1)"
            t.stackSize = 1 << 20
            threads.append(t)
            t.start()
        }
    }

    /// Runs `body(i)` for every `i` in `0..<parts` on up to `size` threads (the caller is one of
    /// them) and returns when all are done. Nested or concurrent calls run on the caller alone.
    func run(_ parts: Int, _ body: @escaping (Int) -> Void) {
        precondition(parts <= Self.maxParts, "too many parts for one job")
        if parts <= 1 || size <= 1 || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for i in 0..<parts { body(i) }
            return
        }
        self.body = body
        pending.store(parts, ordering: .relaxed)
        let generation = ((ticket.load(ordering: .relaxed) >> 32) &+ 1) & Self.generationMask
        ticket.store(generation << 32 | parts << 16, ordering: .releasing)
        wake.lock()
        if sleepers > 0 { wake.broadcast() }
        wake.unlock()
        work(generation: generation)
        while pending.load(ordering: .acquiring) > 0 {}
        self.body = nil
        busy.store(false, ordering: .releasing)
    }

    /// Claims and runs parts of job `generation` until none is left.
    private func work(generation: Int) {
        var t = ticket.load(ordering: .acquiring)
        while true {
            let index = t & 0xFFFF, parts = (t >> 16) & 0xFFFF
            guard t >> 32 == generation, index < parts else { return }
            let (exchanged, now) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiring)
            if !exchanged { t = now; continue }
            body!(index)
            pending.subtract(1, ordering: .releasing)
            t = ticket.load(ordering: .acquiring)
        }
    }

    /// Worker `index` (0-based) takes part while `index < size - 1`.
    private func workerLoop(_ index: Int) {
        var seen = ticket.load(ordering: .acquiring) >> 32
        while true {
            var spins = 0
            while ticket.load(ordering: .relaxed) >> 32 == seen && spins < Self.spinIterations { spins += 1 }
            if ticket.load(ordering: .acquiring) >> 32 == seen {
                wake.lock()
                sleepers += 1
                while ticket.load(ordering: .acquiring) >> 32 == seen { wake.wait() }
                sleepers -= 1
                wake.unlock()
            }
            seen = ticket.load(ordering: .acquiring) >> 32
            if index < size - 1 { work(generation: seen) }
        }
    }
}
