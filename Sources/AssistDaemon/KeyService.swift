import Devices
import Foundation
import IPC
import Messages
import Speech
import SystemSupport

/// The daemon's remote control: key presses from `KeySource` become actions. A key going down
/// plays the key earcon at once and, when speech is playing, stops it first
/// (`KeyActionResolver`); classified presses run their action on a queue of their own, so the
/// key thread only hands work off. Requests that exist on the socket (repeat, voice, status)
/// go through the same `RequestRouter` path, so a key and `assist` do exactly the same.
final class KeyService: Sendable {
    struct Settings: Sendable {
        var devices: KeySourceConfiguration.Devices
        var grab: Bool
        var timing: PressTiming
        var keyMap: KeyMap
        /// Where `auto` looks and hot-plugged devices appear.
        var directory = "/dev/input"
    }

    /// A key device going away or coming back, for the degraded-state announcer.
    enum DeviceChange: Sendable, Equatable {
        case lost(path: String, reason: String)
        case back(path: String)
    }

    /// Volume and rate steps of one key press.
    static let volumeStep = 10
    static let rateStep = 25

    private struct State {
        var resolver: KeyActionResolver
        /// The keys of each open device (nil: a device that cannot tell, such as a FIFO).
        var deviceKeys: [String: Set<KeyCode>?] = [:]
    }

    let settings: Settings
    private let narrator: Narrator
    private let router: RequestRouter
    private let capture: CaptureService
    /// The reading controls the reading keys call (nil: those keys do nothing).
    private let reader: DocumentReader?
    /// The modes the mode key cycles through, and light mode's tone loop (nil: no modes).
    private let modes: ModeStore?
    private let lightTone: LightToneLoop?
    private let statusMessages: @Sendable () -> [Message]
    private let onDeviceChange: @Sendable (DeviceChange) -> Void
    private let actions = DispatchQueue(label: "assist.keys.actions")
    private let state: Locked<State>
    private let source = Locked<KeySource?>(nil)

    /// `statusMessages` builds what the status action says (the daemon's health and status);
    /// `onDeviceChange` hears devices lost and back.
    init(settings: Settings, narrator: Narrator, router: RequestRouter, capture: CaptureService, reader: DocumentReader? = nil,
         modes: ModeStore? = nil, lightTone: LightToneLoop? = nil,
         statusMessages: @escaping @Sendable () -> [Message],
         onDeviceChange: @escaping @Sendable (DeviceChange) -> Void = { _ in }) {
        self.settings = settings
        self.narrator = narrator
        self.router = router
        self.capture = capture
        self.reader = reader
        self.modes = modes
        self.lightTone = lightTone
        self.statusMessages = statusMessages
        self.onDeviceChange = onDeviceChange
        state = Locked(State(resolver: KeyActionResolver(map: settings.keyMap)))
    }

    /// Opens the devices there are (each is logged) and follows them.
    func start() throws {
        let s = KeySource(configuration: KeySourceConfiguration(devices: settings.devices, directory: settings.directory,
                                                                grab: settings.grab, timing: settings.timing,
                                                                keyMap: settings.keyMap)) { [self] in handle($0) }
        do { try s.start() } catch {
            throw KeyServiceError.cannotStart(reason: "\(error)")
        }
        source.withLock { $0 = s }
    }

    func stop() {
        source.withLock { $0 }?.stop()
    }

    /// Whether any key device is open now.
    var devicesOpen: Bool { state.withLock { !$0.deviceKeys.isEmpty } }

    // MARK: - Events (on the key thread)

    private func handle(_ event: KeySourceEvent) {
        switch event {
        case .keyDown(let code, _, _):
            let speaking = narrator.isBusy
            let action = state.withLock { $0.resolver.keyDown(code, speaking: speaking) }
            if action == .stop { narrator.stop(); lightTone?.stop() }
            // After the stop, which drops earcons not yet played, so this one is heard.
            narrator.play(.keyPress)
        case .press(let press, _):
            guard let action = state.withLock({ $0.resolver.press(press) }) else { return }
            logInfo("keys", "key action", ["key": press.code.description, "press": press.kind.rawValue, "action": action.rawValue])
            actions.async { [self] in run(action) }
        case .deviceOpened(let path, let name, let keys, let again):
            state.withLock { $0.deviceKeys[path] = .some(keys) }
            logInfo("keys", again ? "key device back" : "key device opened", ["path": path, "name": name, "keys": keys?.count])
            if again { onDeviceChange(.back(path: path)) }
        case .deviceLost(let path, let reason):
            state.withLock { _ = $0.deviceKeys.removeValue(forKey: path) }
            logWarning("keys", "key device lost; it is opened again when it comes back", ["path": path, "reason": reason])
            onDeviceChange(.lost(path: path, reason: reason))
        case .deviceUnusable(let path, let reason):
            logWarning("keys", "key device cannot be used", ["path": path, "reason": reason])
        case .deviceIgnored(let path, let reason):
            logInfo("keys", "not a key device for assist; ignored", ["path": path, "reason": reason])
        }
    }

    // MARK: - Actions (on the actions queue)

    private func run(_ action: KeyAction) {
        switch action {
        case .describe:
            // In light mode the button starts the tone that follows the brightness, and stops it.
            if let lightTone, modes?.current == .light {
                if lightTone.isRunning { lightTone.stop() } else {
                    do { try lightTone.start() } catch { capture.snap(speak: true) { _ in } }
                }
            } else {
                capture.snap(speak: true) { _ in }
            }
        case .stop:
            narrator.stop()
            lightTone?.stop()
        case .mode:
            guard let modes else { return }
            narrator.say([modes.cycle()], kind: .message)
        case .repeat:
            router.handle(Request(id: 0, .repeatLast), photo: nil) { [self] reply in
                if case .failure = reply { say([.nothingToRepeat]) }
            }
        case .status:
            say(statusMessages())
        case .help:
            let available = state.withLock { s -> Set<KeyCode>? in
                // A device that cannot tell its keys (nil) may have any of them.
                s.deviceKeys.values.contains { $0 == nil } ? nil : s.deviceKeys.values.reduce(into: Set<KeyCode>()) { $0.formUnion($1 ?? []) }
            }
            say(KeyHelp.messages(for: settings.keyMap, timing: settings.timing, available: available))
        case .volumeUp: changeVoice(volume: KeyService.volumeStep)
        case .volumeDown: changeVoice(volume: -KeyService.volumeStep)
        case .rateUp: changeVoice(rate: KeyService.rateStep)
        case .rateDown: changeVoice(rate: -KeyService.rateStep)
        // The reader speaks its own answers and refusals ("That was the last sentence.").
        case .pause: _ = reader?.togglePause()
        case .nextSentence: _ = reader?.nextSentence()
        case .previousSentence: _ = reader?.previousSentence()
        case .nextParagraph: _ = reader?.nextParagraph()
        case .previousParagraph: _ = reader?.previousParagraph()
        case .spell: _ = reader?.spell()
        }
    }

    /// Steps the volume or rate through the `voice` request (so the voice store keeps it),
    /// clamped to espeak-ng's ranges, then says the new level.
    private func changeVoice(volume: Int = 0, rate: Int = 0) {
        // `voice` is answered inline, on this thread.
        let read = Locked<VoiceInfo?>(nil)
        router.handle(Request(id: 0, .voice(VoiceChange())), photo: nil) { r in if case .voice(let v) = r { read.withLock { $0 = v } } }
        guard let current = read.withLock({ $0 }) else { return }
        let change = volume != 0
            ? VoiceChange(volume: KeyService.clamp(current.volume + volume, VoiceSettings.volumeRange))
            : VoiceChange(rate: KeyService.clamp(current.rate + rate, VoiceSettings.rateRange))
        router.handle(Request(id: 0, .voice(change)), photo: nil) { [self] reply in
            switch reply {
            case .voice(let v): say([volume != 0 ? .volumeNow(v.volume) : .rateNow(v.rate)])
            case .failure(let e): logWarning("keys", "voice change from a key failed", ["reason": e.message])
            default: break
            }
        }
    }

    private static func clamp(_ value: Int, _ range: ClosedRange<Int>) -> Int {
        min(max(value, range.lowerBound), range.upperBound)
    }

    private func say(_ messages: [Message]) {
        narrator.say([narrator.catalogue.utterance(messages)], kind: .message)
    }
}
