import Foundation
@testable import Vision

extension GenerationConfig {
    /// `update` with `generate` keyword arguments as the fixtures' results.json holds them
    /// (`JSONSerialization` objects): written back to JSON text and read as `ModelJSONValue`s,
    /// so booleans stay booleans and numbers numbers, as `json.load` gave them to transformers.
    mutating func update(_ settings: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: settings)
        try update(JSONDecoder().decode([String: ModelJSONValue].self, from: data))
    }
}
