import COpenBLAS
import Foundation

/// OpenBLAS thread control. Set once, before the first inference, so OpenBLAS's pool and the
/// caller's threads do not oversubscribe the cores.
public enum BLASThreads {
    public static func set(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    public static var current: Int { Int(openblas_get_num_threads()) }
}
