import CAlsa
import Foundation

/// Lists the playback devices ALSA knows: the PCMs of its configuration that can play
/// (`snd_device_name_hint` over "pcm": system and `~/.asoundrc` entries with a hint), then every
/// playback device of every sound card (`snd_card_next`), as a `plughw:` name that converts
/// the format and rate for us. A card's PCM already listed by the configuration is not repeated.
public enum AudioOutputLister {
    public static func list() -> [AudioOutput] {
        assist_alsa_silence_errors()
        var outputs = configured()
        let known = Set(outputs.map(\.name))
        outputs += cards().filter { !known.contains($0.name) }
        return outputs
    }

    /// The "pcm" hints whose IOID is absent (both directions) or "Output".
    static func configured() -> [AudioOutput] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) == 0, let hints else { return [] }
        defer { snd_device_name_free_hint(hints) }
        var out: [AudioOutput] = []
        var i = 0
        while let hint = hints[i] {
            i += 1
            let direction = take(snd_device_name_get_hint(hint, "IOID"))
            guard direction == nil || direction == "Output", let name = take(snd_device_name_get_hint(hint, "NAME")) else {
                continue
            }
            // Hints carry a two-line description ("HDA Intel PCH, ALC3246 Analog\nDefault Audio Device").
            let description = (take(snd_device_name_get_hint(hint, "DESC")) ?? "")
                .split(whereSeparator: \.isNewline).joined(separator: ", ")
            out.append(AudioOutput(name: name, description: description, source: .configuration))
        }
        return out
    }

    /// Every playback device of every card.
    static func cards() -> [AudioOutput] {
        var out: [AudioOutput] = []
        var card: Int32 = -1
        while snd_card_next(&card) == 0, card >= 0 {
            var ctl: OpaquePointer?
            guard snd_ctl_open(&ctl, "hw:\(card)", 0) == 0, let ctl else { continue }
            defer { snd_ctl_close(ctl) }
            var info: OpaquePointer?
            guard snd_ctl_card_info_malloc(&info) == 0, let info else { continue }
            defer { snd_ctl_card_info_free(info) }
            guard snd_ctl_card_info(ctl, info) == 0 else { continue }
            let id = String(cString: snd_ctl_card_info_get_id(info))
            let cardName = String(cString: snd_ctl_card_info_get_name(info))
            var pcmInfo: OpaquePointer?
            guard snd_pcm_info_malloc(&pcmInfo) == 0, let pcmInfo else { continue }
            defer { snd_pcm_info_free(pcmInfo) }
            var device: Int32 = -1
            while snd_ctl_pcm_next_device(ctl, &device) == 0, device >= 0 {
                snd_pcm_info_set_device(pcmInfo, UInt32(device))
                snd_pcm_info_set_subdevice(pcmInfo, 0)
                snd_pcm_info_set_stream(pcmInfo, SND_PCM_STREAM_PLAYBACK)
                guard snd_ctl_pcm_info(ctl, pcmInfo) == 0 else { continue }  // capture only
                let deviceName = String(cString: snd_pcm_info_get_name(pcmInfo))
                out.append(AudioOutput(name: "plughw:CARD=\(id),DEV=\(device)",
                                       description: "\(cardName), \(deviceName)", source: .card))
            }
        }
        return out
    }

    /// A string alsa-lib allocated, freed.
    private static func take(_ p: UnsafeMutablePointer<CChar>?) -> String? {
        guard let p else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
