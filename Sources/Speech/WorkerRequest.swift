import Foundation

/// The voice a worker speaks with: the settings and how libespeak-ng is to select the voice
/// (resolved by the speaker against its catalog, so the worker needs none).
struct WorkerVoice: Codable, Equatable {
    var settings: VoiceSettings
    var selection: VoiceSelection
}

/// What a synthesis worker is asked to say, sent as JSON in a `request` frame.
struct WorkerRequest: Codable, Equatable {
    var text: String
    var voice: WorkerVoice
    /// Whether the worker sends a `word` frame for each word it reaches (reading controls).
    var words: Bool

    var frame: WorkerFrame {
        get throws { WorkerFrame(tag: .request, payload: Array(try JSONEncoder().encode(self))) }
    }

    init(text: String, voice: WorkerVoice, words: Bool = false) {
        self.text = text
        self.voice = voice
        self.words = words
    }

    init(frame: WorkerFrame) throws {
        self = try frame.decode(WorkerRequest.self, expecting: .request)
    }
}

extension WorkerVoice {
    /// The `prepare` frame: a worker sets this voice while it waits for its request.
    var frame: WorkerFrame {
        get throws { WorkerFrame(tag: .prepare, payload: Array(try JSONEncoder().encode(self))) }
    }

    init(frame: WorkerFrame) throws {
        self = try frame.decode(WorkerVoice.self, expecting: .prepare)
    }
}

extension WorkerFrame {
    fileprivate func decode<T: Decodable>(_ type: T.Type, expecting expected: Tag) throws -> T {
        guard tag == expected else {
            throw WorkerChannelError.malformed("expected tag 0x\(String(expected.rawValue, radix: 16)), got 0x\(String(tag.rawValue, radix: 16))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch {
            throw WorkerChannelError.malformed("\(T.self): \(error)")
        }
    }
}
