import Foundation

/// One installed espeak-ng voice, as `espeak_ListVoices(NULL)` reports it.
public struct InstalledVoice: Sendable, Equatable, Codable {
    /// Display name, e.g. "English (America)".
    public var name: String
    /// Path below espeak-ng-data/lang or voices, e.g. "gmw/en-US".
    public var identifier: String
    /// Languages the voice speaks, highest priority first, e.g. ["en-us", "en"].
    public var languages: [String]
    /// "male", "female" or nil when the voice does not say.
    public var gender: String?

    /// The short name the espeak-ng CLI's `-v` takes: the identifier's last component, lowercased.
    public var shortName: String {
        String(identifier.split(separator: "/").last ?? Substring(identifier)).lowercased()
    }
}

/// How a voice spec is handed to libespeak-ng.
enum VoiceSelection: Equatable, Codable {
    /// `espeak_ng_SetVoiceByName(spec)` finds it (name, identifier or file name, maybe +variant).
    case byName(String)
    /// Only a language matches: `espeak_ng_SetVoiceByProperties` with `languages` set, which is
    /// what the espeak-ng CLI falls back to for `-v en-gb`.
    case byLanguage(String)
}

/// The installed voices and variants, read once at start-up on the speech thread, so that
/// `setVoice` can reject an unknown voice at once without touching libespeak-ng from the caller's
/// thread.
struct VoiceCatalog: Sendable {
    var voices: [InstalledVoice]
    /// Variant file names in espeak-ng-data/voices/!v, e.g. "f3", "klatt", "Alex" (case matters:
    /// espeak-ng opens them as files).
    var variants: [String]

    /// Mirrors espeak_ng_SetVoiceByName in espeak-ng 1.51 (voices.c: ExtractVoiceVariantName and
    /// SelectVoiceByName): the part before "+" matches a voice name, identifier, or the last
    /// component of an identifier, case-insensitively; "+N" means variant mN (N < 10) or f(N-10).
    /// Failing that, a voice's language, as the CLI's fallback to SetVoiceByProperties.
    func resolve(_ spec: String) throws -> VoiceSelection {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        let base = String(parts.first ?? "").lowercased()
        // espeak-ng copies the name into a 40-byte buffer; a longer one would be cut silently.
        guard !base.isEmpty, trimmed.utf8.count < 40 else {
            throw SpeechError.unknownVoice(spec, suggestions: suggestions(for: base))
        }
        if parts.count == 2 {
            let variant = Self.variantFileName(String(parts[1]))
            guard variants.contains(variant) else {
                throw SpeechError.unknownVariant(voice: spec, variant: String(parts[1]))
            }
        }
        let matchesVoice = voices.contains { v in
            v.name.lowercased() == base || v.identifier.lowercased() == base || v.shortName == base
        }
        if matchesVoice { return .byName(trimmed) }
        if parts.count == 1, voices.contains(where: { $0.languages.contains { $0.lowercased() == base } }) {
            return .byLanguage(base)
        }
        throw SpeechError.unknownVoice(spec, suggestions: suggestions(for: base))
    }

    /// "+3" is m3 and "+13" is f3 in espeak-ng; a name is used as given.
    static func variantFileName(_ suffix: String) -> String {
        let digits = suffix.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let n = Int(digits) else { return suffix }
        return n < 10 ? "m\(n)" : "f\(n - 10)"
    }

    private func suggestions(for base: String) -> [String] {
        let stem = String(base.prefix(2))
        guard !stem.isEmpty else { return [] }
        return voices.map(\.shortName).filter { $0.hasPrefix(stem) }.sorted().prefix(8).map { $0 }
    }
}
