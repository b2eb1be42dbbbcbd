import Foundation

/// `VisionEncoderDecoderModel.generate` of transformers 4.40.2 for one image, greedy or beam
/// search (generation/utils.py `_greedy_search`, `_beam_search`; beam_search.py
/// `BeamSearchScorer`). Returns exactly the ids `generate` returns: the decoder start token
/// first, then the generated tokens, with EOS last when one was produced.
///
/// Per caption it allocates one `DecoderState` and a few buffers sized for `max_length` and the
/// beams; the decoding loop itself allocates nothing per token except when a beam finishes.
public struct Generator: Sendable {
    public let model: VisionEncoderDecoder

    public init(model: VisionEncoderDecoder) { self.model = model }

    /// Encodes `pixelValues` and generates.
    public func generate(pixelValues: [Float], config: GenerationConfig) throws -> [Int] {
        try generate(encoderOutput: model.encode(pixelValues: pixelValues), config: config)
    }

    /// Generates from an encoder output as returned by `VisionEncoderDecoder.encode`.
    public func generate(encoderOutput: [Float], config: GenerationConfig) throws -> [Int] {
        let r = try config.resolved(vocabSize: model.vocabSize, maxPositions: model.maxPositions)
        if r.numBeams == 1 { return try greedy(encoderOutput, r) }
        return try beamSearch(encoderOutput, r)
    }

    // MARK: Greedy

    /// `_greedy_search` for batch 1: argmax of the processed logits (lowest id on ties, as
    /// `torch.argmax`), until EOS or `max_length`.
    private func greedy(_ encoderOutput: [Float], _ r: ResolvedGeneration) throws -> [Int] {
        let vocab = model.vocabSize
        let st = try model.makeState(encoderOutput: encoderOutput, rows: 1, capacity: r.maxLength)
        var ids = [Int]()
        ids.reserveCapacity(r.maxLength)
        ids.append(r.decoderStart)
        while ids.count < r.maxLength {
            let tok = ids[ids.count - 1]
            withUnsafePointer(to: tok) { model.decoder.forward(tokens: $0, step: 1, state: st) }
            let scores = st.logits
            ids.withUnsafeBufferPointer { r.processors.apply(scores, vocab: vocab, ids: $0) }
            var best = 0
            for v in 1..<vocab where scores[v] > scores[best] { best = v }
            ids.append(best)
            if r.eos.contains(best) { break }
        }
        return ids
    }

    // MARK: Beam search

    /// `_beam_search` + `BeamSearchScorer` for batch 1 and one returned sequence.
    private func beamSearch(_ encoderOutput: [Float], _ r: ResolvedGeneration) throws -> [Int] {
        let vocab = model.vocabSize, nb = r.numBeams, maxLen = r.maxLength
        let st = try model.makeState(encoderOutput: encoderOutput, rows: nb, capacity: maxLen)
        // The state's own sizes are checked, but these buffers are sized here; a wrapped product
        // would index past them.
        func product(_ a: Int, _ b: Int) throws -> Int {
            let (p, overflow) = a.multipliedReportingOverflow(by: b)
            if overflow { throw ModelError.stateTooLarge(rows: nb, capacity: maxLen, maxStep: 1) }
            return p
        }
        let tokenCount = try product(nb, maxLen), candidates = try product(nb, vocab)
        // torch.topk over (beams x vocab) keeps max(2, 1 + #eos) * num_beams candidates.
        let k = min(try product(max(2, 1 + r.eos.count), nb), candidates)
        var hyps = BeamHypotheses(numBeams: nb, lengthPenalty: r.lengthPenalty, earlyStopping: r.earlyStopping,
                                  maxLength: maxLen)
        var ids = [Int](repeating: r.decoderStart, count: tokenCount)      // (B, Tmax) tokens so far
        var idsAlt = ids                                                    // reorder target
        var beamScores = [Float](repeating: -1e9, count: nb)                // first beam alone at step 0
        beamScores[0] = 0
        var nextScores = [Float](repeating: 0, count: nb)
        var nextTokens = [Int](repeating: r.decoderStart, count: nb)
        var nextIndices = [Int](repeating: 0, count: nb)
        var topScores = [Float](repeating: 0, count: k)
        var topIndex = [Int](repeating: 0, count: k)
        var feed = [Int](repeating: r.decoderStart, count: nb)
        var curLen = 1
        var done = false
        let promptLength = 1

        while true {
            feed.withUnsafeBufferPointer { model.decoder.forward(tokens: $0.baseAddress!, step: 1, state: st) }
            // log_softmax, processors, + beam score, per beam row.
            for b in 0..<nb {
                let row = st.logits + b * vocab
                Kernels.logSoftmaxRow(row, count: vocab)
                ids.withUnsafeBufferPointer {
                    r.processors.apply(row, vocab: vocab, ids: UnsafeBufferPointer(rebasing: $0[(b * maxLen)..<(b * maxLen + curLen)]))
                }
                let add = beamScores[b]
                for v in 0..<vocab { row[v] += add }
            }
            Self.topK(st.logits, count: candidates, k: k, scores: &topScores, indices: &topIndex)

            // BeamSearchScorer.process
            var filled = 0
            for rank in 0..<k {
                let tok = topIndex[rank] % vocab, src = topIndex[rank] / vocab
                if r.eos.contains(tok) {
                    if rank >= nb { continue }
                    ids.withUnsafeBufferPointer {
                        hyps.add(UnsafeBufferPointer(rebasing: $0[(src * maxLen)..<(src * maxLen + curLen)]),
                                 sumLogprobs: Double(topScores[rank]), generatedLength: curLen + 1 - promptLength)
                    }
                } else {
                    nextScores[filled] = topScores[rank]; nextTokens[filled] = tok; nextIndices[filled] = src
                    filled += 1
                }
                if filled == nb { break }
            }
            precondition(filled == nb, "beam search found fewer than num_beams non-EOS candidates")
            done = done || hyps.isDone(bestSumLogprobs: Double(topScores[0]), curLen: curLen + 1, promptLength: promptLength)

            // input_ids = cat(input_ids[beam_idx], next_tokens); cache reordered the same way.
            for b in 0..<nb {
                let src = nextIndices[b]
                for t in 0..<curLen { idsAlt[b * maxLen + t] = ids[src * maxLen + t] }
                idsAlt[b * maxLen + curLen] = nextTokens[b]
            }
            swap(&ids, &idsAlt)
            nextIndices.withUnsafeBufferPointer { st.reorder($0) }
            for b in 0..<nb { beamScores[b] = nextScores[b]; feed[b] = nextTokens[b] }
            curLen += 1
            // Stopping: scorer done, or max_length. (The EOS criterion needs every beam to end
            // in EOS, which process() never lets happen.)
            if done || curLen >= maxLen { break }
        }

        // BeamSearchScorer.finalize
        if !done {
            for b in 0..<nb {
                ids.withUnsafeBufferPointer {
                    hyps.add(UnsafeBufferPointer(rebasing: $0[(b * maxLen)..<(b * maxLen + curLen)]),
                             sumLogprobs: Double(beamScores[b]), generatedLength: curLen - promptLength)
                }
            }
        }
        guard var best = hyps.best else { preconditionFailure("beam search finished without hypotheses") }
        if best.count < min(best.count + 1, maxLen), let eos = r.eos.first { best.append(eos) }
        return best
    }

    /// The `k` largest of `count` scores, best first; equal scores in index order (stable).
    static func topK(_ x: UnsafePointer<Float>, count: Int, k: Int, scores: inout [Float], indices: inout [Int]) {
        var filled = 0
        for i in 0..<count {
            let v = x[i]
            if filled == k {
                // NaN never enters; -inf enters only while slots are free.
                if !(v > scores[k - 1]) { continue }
            }
            var pos = filled < k ? filled : k - 1
            while pos > 0 && v > scores[pos - 1] {
                if pos < k { scores[pos] = scores[pos - 1]; indices[pos] = indices[pos - 1] }
                pos -= 1
            }
            scores[pos] = v; indices[pos] = i
            if filled < k { filled += 1 }
        }
    }
}

extension VisionEncoderDecoder {
    /// `model.generate(pixel_values, **config)` for one image; see `Generator`.
    public func generate(pixelValues: [Float], config: GenerationConfig) throws -> [Int] {
        try Generator(model: self).generate(pixelValues: pixelValues, config: config)
    }
}
