/// Per-run state of the GPT-2 decoder: self-attention KV cache for every beam, the cross-attention
/// K/V of one image (shared by all beams), and scratch. Everything is allocated once in `init`;
/// decoding steps and beam reordering allocate nothing.
///
/// Not thread-safe: one state per concurrent generation.
public final class DecoderState {
    let d: ModelDimensions
    /// Rows decoded together (the beams).
    let rows: Int
    /// Longest sequence the cache holds (`max_length`).
    let capacity: Int
    /// Most tokens per row one `forward` call may feed (1 while generating; more for a prefill).
    let maxStep: Int
    /// Positions already in the cache (equal for all rows).
    var length = 0

    // Self-attention cache, per layer and row: (L, B, Tmax, C); `alt*` is the reorder target.
    var kCache, vCache, kAlt, vAlt: UnsafeMutablePointer<Float>
    // Cross-attention K|V of the image, per layer: (L, S, 2C); computed once by `setEncoderOutput`.
    let crossKV: UnsafeMutablePointer<Float>
    // Scratch, R = rows * maxStep.
    let x: UnsafeMutablePointer<Float>        // (R, C) residual stream
    let h: UnsafeMutablePointer<Float>        // (R, C) normalized / projected
    let qkv: UnsafeMutablePointer<Float>      // (R, 3C) self-attention q|k|v, also cross q in the first C
    let ctx: UnsafeMutablePointer<Float>      // (R, C) attention context
    let inner: UnsafeMutablePointer<Float>    // (R, I) MLP hidden
    let scores: UnsafeMutablePointer<Float>   // (max(maxStep*Tmax, R*NH*S)) attention of one head, or of every (row, head)
    let last: UnsafeMutablePointer<Float>     // (B, C) final hidden state of each row's last token
    /// Next-token logits of each row after `forward`: (B, V).
    let logits: UnsafeMutablePointer<Float>

    private let slab: Int, scoreCount: Int

    /// - Throws: `ModelError.stateTooLarge` when a buffer's float count does not fit in an `Int`
    ///   (rows or capacity from a hostile request or config), instead of wrapping or trapping.
    init(dims: ModelDimensions, rows: Int, capacity: Int, maxStep: Int = 1) throws {
        func product(_ factors: Int...) throws -> Int {
            var n = 1
            for f in factors {
                let (p, overflow) = n.multipliedReportingOverflow(by: f)
                if overflow || f < 0 { throw ModelError.stateTooLarge(rows: rows, capacity: capacity, maxStep: maxStep) }
                n = p
            }
            return n
        }
        let c = dims.decoderWidth, r = try product(rows, maxStep)
        let slab = try product(dims.decoderLayers, rows, capacity, c)
        let crossCount = try product(dims.decoderLayers, dims.encoderTokens, 2, c)
        let wide = try product(r, c), qkvCount = try product(r, 3, c), innerCount = try product(r, dims.decoderInner)
        let scoreCount = max(try product(maxStep, capacity), try product(r, dims.decoderHeads, dims.encoderTokens))
        let lastCount = try product(rows, c), logitsCount = try product(rows, dims.vocab)
        d = dims
        self.rows = rows; self.capacity = capacity; self.maxStep = maxStep
        self.slab = slab; self.scoreCount = scoreCount
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        kCache = alloc(slab); vCache = alloc(slab); kAlt = alloc(slab); vAlt = alloc(slab)
        crossKV = alloc(crossCount)
        x = alloc(wide); h = alloc(wide); qkv = alloc(qkvCount); ctx = alloc(wide)
        inner = alloc(innerCount)
        scores = alloc(scoreCount)
        last = alloc(lastCount)
        logits = alloc(logitsCount)
    }

    deinit {
        for p in [kCache, vCache, kAlt, vAlt, crossKV, x, h, qkv, ctx, inner, scores, last, logits] {
            p.deallocate()
        }
    }

    /// Start of layer `layer`, row `row` in a self-attention cache slab: (Tmax, C).
    @inline(__always)
    func cacheRow(_ base: UnsafeMutablePointer<Float>, layer: Int, row: Int) -> UnsafeMutablePointer<Float> {
        base + ((layer * rows + row) * capacity) * d.decoderWidth
    }

    /// Makes row `b` of the cache a copy of row `beamIndex[b]` for every layer, like
    /// `GPT2LMHeadModel._reorder_cache` (`index_select` on the batch dimension). Copies into the
    /// alternate slab and swaps, so rows may be duplicated or dropped freely.
    func reorder(_ beamIndex: UnsafeBufferPointer<Int>) {
        precondition(beamIndex.count == rows, "beam index count \(beamIndex.count) != rows \(rows)")
        var identity = true
        for b in 0..<rows where beamIndex[b] != b { identity = false; break }
        if identity || length == 0 { return }
        let n = length * d.decoderWidth
        for layer in 0..<d.decoderLayers {
            for b in 0..<rows {
                let src = beamIndex[b]
                cacheRow(kAlt, layer: layer, row: b).update(from: cacheRow(kCache, layer: layer, row: src), count: n)
                cacheRow(vAlt, layer: layer, row: b).update(from: cacheRow(vCache, layer: layer, row: src), count: n)
            }
        }
        swap(&kCache, &kAlt)
        swap(&vCache, &vAlt)
    }
}
