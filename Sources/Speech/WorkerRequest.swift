import Foundation

/// What a synthesis worker is asked to say, sent as JSON in a `request` frame.
struct WorkerRequest: Codable, Equatable {
    var text: String
    var settings: VoiceSettings
    /// Resolved by the speaker against its voice catalog, so the worker needs none.
    var selection: VoiceSelection

    var frame: WorkerFrame {
        get throws { WorkerFrame(tag: .request, payload: Array(try JSONEncoder().encode(self))) }
    }

    init(text: String, settings: VoiceSettings, selection: VoiceSelection) {
        self.text = text
        self.settings = settings
        self.selection = selection
    }

    init(frame: WorkerFrame) throws {
        guard frame.tag == .request else {
            throw WorkerChannelError.malformed("expected a request, got tag 0x\(String(frame.tag.rawValue, radix: 16))")
        }
        do {
            self = try JSONDecoder().decode(WorkerRequest.self, from: Data(frame.payload))
        } catch {
            throw WorkerChannelError.malformed("request: \(error)")
        }
    }
}
