import Foundation

/// Which files of a hub repository make up a checkpoint that assist can run, following the
/// files transformers' `VisionEncoderDecoderModel.from_pretrained` and the GPT-2 tokenizer read.
///
/// Weights follow transformers' preference (4.40 `modeling_utils`): `model.safetensors`, then
/// its sharded index, then `pytorch_model.bin`, then its sharded index. Other frameworks'
/// weights (`tf_model.h5`, `flax_model.msgpack`, ONNX, ...) are never fetched.
public enum CheckpointFiles {
    public static let config = "config.json"
    public static let generationConfig = "generation_config.json"
    public static let preprocessorConfig = "preprocessor_config.json"
    /// Tokenizer files, each fetched when the repository has it.
    public static let tokenizerFiles = [
        "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "added_tokens.json",
    ]
    /// Weight files in order of preference; an `.index.json` names shards.
    public static let weightCandidates = [
        "model.safetensors", "model.safetensors.index.json",
        "pytorch_model.bin", "pytorch_model.bin.index.json",
    ]

    /// The files to fetch, and how the weights are stored.
    public struct Selection: Sendable, Equatable {
        /// Every file to fetch now, config first; shards of a sharded checkpoint are added once
        /// the index is read (see `shardNames(index:indexName:repo:)`).
        public var files: [HubFile]
        /// The weights file, or the index of a sharded checkpoint.
        public var weights: String
        public var isSharded: Bool { weights.hasSuffix(".index.json") }
        /// True when the repository has no preprocessor_config.json (several VizWiz fine-tunes
        /// were pushed without one).
        public var lacksPreprocessorConfig: Bool
    }

    /// Chooses the files to fetch from a repository's file list.
    ///
    /// - Throws: `ModelStoreError.notACheckpoint` naming what is missing: config.json, usable
    ///   weights (listing the other frameworks' weights it does have), or a tokenizer.
    public static func select(from siblings: [HubFile], repo: String) throws -> Selection {
        var byName: [String: HubFile] = [:]
        for file in siblings { byName[file.name] = file }

        guard let configFile = byName[config] else {
            throw ModelStoreError.notACheckpoint(repo: repo, reason: "it has no config.json")
        }
        guard let weights = weightCandidates.first(where: { byName[$0] != nil }) else {
            let others = siblings.map(\.name).filter(isOtherFrameworkWeights)
            let found = others.isEmpty ? "it has no weights at all" : "it has only \(others.joined(separator: ", "))"
            throw ModelStoreError.notACheckpoint(
                repo: repo, reason: "no model.safetensors or pytorch_model.bin (\(found))")
        }
        let hasBPEFiles = byName["vocab.json"] != nil && byName["merges.txt"] != nil
        guard hasBPEFiles || byName["tokenizer.json"] != nil else {
            throw ModelStoreError.notACheckpoint(
                repo: repo, reason: "no tokenizer (neither vocab.json with merges.txt nor tokenizer.json)")
        }

        var files = [configFile]
        for name in [generationConfig, preprocessorConfig] + tokenizerFiles + [weights] {
            if let file = byName[name] { files.append(file) }
        }
        return Selection(files: files, weights: weights, lacksPreprocessorConfig: byName[preprocessorConfig] == nil)
    }

    /// The shard file names listed in a sharded checkpoint's index (`weight_map` values, as
    /// transformers' `get_checkpoint_shard_files` reads them), sorted and without duplicates.
    public static func shardNames(index data: Data, indexName: String, repo: String) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw ModelStoreError.notACheckpoint(repo: repo, reason: "\(indexName) has no weight_map object")
        }
        var names = Set<String>()
        for (key, value) in map {
            guard let shard = value as? String else {
                throw ModelStoreError.notACheckpoint(repo: repo, reason: "\(indexName): weight_map[\"\(key)\"] is not a file name")
            }
            names.insert(shard)
        }
        guard !names.isEmpty else {
            throw ModelStoreError.notACheckpoint(repo: repo, reason: "\(indexName) lists no shards")
        }
        return names.sorted()
    }

    /// True for names that a model directory may hold: one path component, no `..`, not hidden.
    /// Files are written into the model directory under these names, so anything else is refused.
    public static func isSafeFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\\")
            && !name.contains("\u{0}") && name.utf8.count <= 200
    }

    static func isOtherFrameworkWeights(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".h5") || lower.hasSuffix(".msgpack") || lower.hasSuffix(".onnx")
            || lower.hasSuffix(".onnx_data") || lower.hasSuffix(".gguf") || lower.hasSuffix(".ckpt")
            || lower.hasSuffix(".pt") || lower.hasSuffix(".pth") || lower.hasSuffix(".mlmodel")
            || lower.hasSuffix(".tflite") || lower.contains(".ckpt.") || lower.hasSuffix(".safetensors")
    }
}
