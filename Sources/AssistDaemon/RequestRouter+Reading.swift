import IPC

extension RequestRouter {
    /// Carries out a reading control (`pause`, `resume`, `next_*`, `previous_*`, `spell`).
    func reading(_ command: ReadingCommand) -> ResponseBody {
        guard let reader else { return .failure(RemoteError(.internal, "reading controls are not available")) }
        let outcome: Result<ReadingResult, RemoteError>
        switch command {
        case .pause: outcome = reader.pause()
        case .resume: outcome = reader.resume()
        case .nextSentence: outcome = reader.nextSentence()
        case .previousSentence: outcome = reader.previousSentence()
        case .nextParagraph: outcome = reader.nextParagraph()
        case .previousParagraph: outcome = reader.previousParagraph()
        case .spell: outcome = reader.spell()
        }
        switch outcome {
        case .success(let result): return .reading(result)
        case .failure(let error): return .failure(error)
        }
    }
}
