import Foundation

/// The one reader of a model directory's JSON files (`config.json`, `preprocessor_config.json`,
/// `generation_config.json`, the tokenizer files, sharded-checkpoint indexes): `Decodable` types
/// through `JSONDecoder`, with every decoding failure turned into a `ModelJSONError` that names
/// the file, the field path and the value found there.
///
/// Types that check more than JSON's kinds (a positive size, a known filter id) throw
/// `DecodingError.dataCorrupted` from `init(from:)` with the expectation as its
/// `debugDescription`; it becomes `expected <debugDescription>, found <value>`.
enum ModelJSON {
    /// Decodes `T` from the file at `url`. The caller checks that the file exists, since what a
    /// missing file means (an error, or defaults) depends on the file.
    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelJSONError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try decode(type, from: data, file: url.path)
    }

    /// Decodes `T` from JSON text; `file` labels errors.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw describe(error, data: data, file: file)
        }
    }

    /// The error for a value that decoded but fails a check made after decoding.
    static func invalid(_ file: String, _ path: String, expected: String, found: ModelJSONValue) -> ModelJSONError {
        .invalidField(file: file, path: path, expected: expected, found: found.description)
    }

    private static func describe(_ error: DecodingError, data: Data, file: String) -> ModelJSONError {
        // The document parsed (the failure is about a field), so it can be read again as a value
        // tree to show what the field holds and to spell its path.
        let root = try? JSONDecoder().decode(ModelJSONValue.self, from: data)
        func field(_ path: [CodingKey], expected: String) -> ModelJSONError {
            let (spelled, found) = locate(path, in: root)
            return .invalidField(file: file, path: spelled, expected: expected, found: found?.description ?? "nothing")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty || root == nil:
            return .notJSON(file: file)
        case .dataCorrupted(let context):
            return field(context.codingPath, expected: context.debugDescription)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return field(context.codingPath, expected: kind(type))
        case .keyNotFound(let key, let context):
            return .missingField(file: file, path: locate(context.codingPath + [key], in: root).path)
        @unknown default:
            return .invalidField(file: file, path: "", expected: "a valid file", found: "\(error)")
        }
    }

    /// Walks `path` through `root`, spelling object keys as `.key` and list positions as `[i]`
    /// (a dictionary key that looks like a number stays a key), and returns the value found.
    private static func locate(_ path: [CodingKey], in root: ModelJSONValue?) -> (path: String, value: ModelJSONValue?) {
        var spelled = "", current = root
        for key in path {
            if case .array(let list)? = current, let i = key.intValue {
                spelled += "[\(i)]"
                current = list.indices.contains(i) ? list[i] : nil
            } else {
                spelled += (spelled.isEmpty ? "" : ".") + key.stringValue
                if case .object(let object)? = current { current = object[key.stringValue] } else { current = nil }
            }
        }
        return (spelled, current)
    }

    /// How an error message names the kind of value `type` decodes from.
    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array<") { return "a list" }
            if name.hasPrefix("Dictionary<") { return "a JSON object" }
            return "a \(name)"
        }
    }
}
