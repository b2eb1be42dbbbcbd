import Foundation

/// The n-best list of finished hypotheses of one batch row: transformers 4.40.2
/// `BeamHypotheses` (beam_search.py), with its scores in Python floats (Double).
struct BeamHypotheses {
    let numBeams: Int
    let lengthPenalty: Double
    let earlyStopping: GenerationConfig.EarlyStopping
    let maxLength: Int
    /// (length-normalized score, tokens without EOS), in insertion order.
    private(set) var beams: [(score: Double, tokens: [Int])] = []
    private(set) var worstScore = 1e9

    init(numBeams: Int, lengthPenalty: Double, earlyStopping: GenerationConfig.EarlyStopping, maxLength: Int) {
        self.numBeams = numBeams; self.lengthPenalty = lengthPenalty
        self.earlyStopping = earlyStopping; self.maxLength = maxLength
        beams.reserveCapacity(numBeams + 1)
    }

    /// `add`: score = sum_logprobs / generated_len ** length_penalty; keeps the best `numBeams`.
    mutating func add(_ tokens: UnsafeBufferPointer<Int>, sumLogprobs: Double, generatedLength: Int) {
        let score = sumLogprobs / pow(Double(generatedLength), lengthPenalty)
        guard beams.count < numBeams || score > worstScore else { return }
        beams.append((score, Array(tokens)))
        if beams.count > numBeams {
            // sorted([(s, idx)]): ties on score go to the lower index.
            let order = beams.indices.sorted { (beams[$0].score, $0) < (beams[$1].score, $1) }
            worstScore = beams[order[1]].score
            beams.remove(at: order[0])
        } else {
            worstScore = min(score, worstScore)
        }
    }

    /// `is_done(best_sum_logprobs, cur_len, decoder_prompt_len)`.
    func isDone(bestSumLogprobs: Double, curLen: Int, promptLength: Int) -> Bool {
        if beams.count < numBeams { return false }
        let highest: Double
        switch earlyStopping {
        case .immediate: return true
        case .heuristic:
            highest = bestSumLogprobs / pow(Double(curLen - promptLength), lengthPenalty)
        case .never:
            let len = lengthPenalty > 0 ? maxLength : curLen
            highest = bestSumLogprobs / pow(Double(len - promptLength), lengthPenalty)
        }
        return worstScore >= highest
    }

    /// `finalize`'s choice: `sorted(beams, key=score).pop()` — the highest score, and among equal
    /// scores the one added last (Python's sort is stable).
    var best: [Int]? {
        guard var bestIndex = beams.indices.first else { return nil }
        for i in beams.indices where beams[i].score >= beams[bestIndex].score { bestIndex = i }
        return beams[bestIndex].tokens
    }
}
