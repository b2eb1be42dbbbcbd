import Foundation
import ModelStore

/// Which checkpoint a model directory holds: its name and, for a model installed by
/// `assist model install`, the repository and commit from its `model.json`.
struct ModelInfo: Sendable, Equatable {
    var directory: String
    var name: String
    var repo: String?
    var commit: String?

    /// Reads `model.json` when there is one (a checkpoint copied in by hand has none).
    init(directory: String) {
        self.directory = directory
        name = (directory as NSString).lastPathComponent
        let manifest = URL(fileURLWithPath: directory).appendingPathComponent(ModelManifest.fileName)
        if let data = try? Data(contentsOf: manifest), let m = try? JSONDecoder().decode(ModelManifest.self, from: data) {
            repo = m.repo
            commit = m.commit
        }
    }
}
