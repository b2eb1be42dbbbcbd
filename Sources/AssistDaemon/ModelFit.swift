import Foundation
import ModelStore
import Vision

/// Whether a model can be loaded in the memory available now. A model that cannot is reported
/// (status, log, `model_failed` event) and not loaded: on a 512 MB-1 GB device an fp32 model
/// would otherwise be OOM-killed at every start under `Restart=on-failure`.
enum ModelFit {
    /// Memory the daemon needs beside the weights: activations, the decoder's caches, BLAS
    /// buffers, Tesseract and the process itself. `assistd bench` measured 78-80 MiB above the
    /// weights for both precisions (peak RSS 990 MiB with 912 MiB of fp32 weights, 311 MiB with
    /// 232 MiB of int8 ones, docs/benchmarks.md); a fifth more covers text reading. Not more: the
    /// full-size int8 model (232 MiB) must still pass on a 512 MB device with ~350 MB available.
    static let margin: Int64 = 96 * 1024 * 1024

    /// Why the model in `info.directory` cannot fit, or nil when it fits, when the memory cannot
    /// be read, or when the checkpoint's table cannot be read (the load then says why).
    static func problem(for info: ModelInfo, memory: SystemMemory? = SystemMemory.current()) -> String? {
        guard let memory, let weights = try? WeightFootprint.of(directory: URL(fileURLWithPath: info.directory)) else { return nil }
        let (needed, overflow) = weights.bytes.addingReportingOverflow(margin)
        guard overflow || needed > memory.available else { return nil }
        let advice = weights.precision == .int8
            ? "Free memory and run `assist model reload`, or use a device with more memory."
            : "Install the int8 copy, which needs a quarter of the memory, with `assist model install --precision int8`; "
                + "or free memory and run `assist model reload`."
        return "The captioning model \(info.name) needs about \(megabytes(overflow ? Int64.max : needed)) MB of memory "
            + "(\(megabytes(weights.bytes)) MB of \(weights.precision.rawValue) weights and \(megabytes(margin)) MB to work in), "
            + "but only \(megabytes(memory.available)) MB are available, so it was not loaded. " + advice
    }

    /// Decimal megabytes, rounded, as people read sizes.
    static func megabytes(_ bytes: Int64) -> Int64 { bytes / 1_000_000 + (bytes % 1_000_000 >= 500_000 ? 1 : 0) }
}
