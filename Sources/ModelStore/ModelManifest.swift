import Foundation

/// `model.json`, written into a model directory as the last step before the directory is
/// renamed into place. Its presence (and a matching file list) is what makes a directory an
/// installed model.
public struct ModelManifest: Codable, Sendable, Equatable {
    public static let fileName = "model.json"
    public static let currentFormat = 1

    public var format: Int
    /// Repository id, e.g. `nlpconnect/vit-gpt2-image-captioning`.
    public var repo: String
    /// The revision asked for (`main` unless given).
    public var revision: String
    /// The commit that revision resolved to when installed.
    public var commit: String
    /// Hub the files came from.
    public var endpoint: String
    /// ISO 8601, UTC.
    public var installedAt: String
    public var files: [File]
    /// `int8` for the copy `assist model install` quantizes (docs/models.md, "The int8 copy");
    /// absent for a downloaded checkpoint, which is as the hub has it.
    public var precision: String? = nil
    /// For an int8 copy: the name of the installed model it was made from.
    public var quantizedFrom: String? = nil

    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int64
        public var sha256: String
        /// Set when the file came from another repository, as `repo@commit` (a
        /// preprocessor_config.json taken from the encoder's base checkpoint).
        public var source: String?

        public init(name: String, size: Int64, sha256: String, source: String? = nil) {
            self.name = name
            self.size = size
            self.sha256 = sha256
            self.source = source
        }
    }

    public var totalSize: Int64 { files.reduce(0) { $0 + $1.size } }

    static func read(_ url: URL) throws -> ModelManifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelStoreError.invalidManifest(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        do {
            let manifest = try JSONDecoder().decode(ModelManifest.self, from: data)
            guard manifest.format == currentFormat else {
                throw ModelStoreError.invalidManifest(path: url.path, reason: "format \(manifest.format) is not \(currentFormat)")
            }
            return manifest
        } catch let error as ModelStoreError {
            throw error
        } catch {
            throw ModelStoreError.invalidManifest(path: url.path, reason: "\(error)")
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}
