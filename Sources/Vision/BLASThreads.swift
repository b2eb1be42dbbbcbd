import Foundation

/// The number of threads the model's kernels use. Set it once, before the first inference.
///
/// Every parallel kernel, BLAS products included, runs on one `ThreadPool` of this many threads
/// (the caller included); OpenBLAS itself is kept single-threaded so that its own workers never
/// compete with the pool for the cores. Default: the processor count.
public enum BLASThreads {
    public static func set(_ n: Int) {
        ThreadPool.shared.resize(n)
    }

    public static var current: Int { ThreadPool.shared.size }
}
