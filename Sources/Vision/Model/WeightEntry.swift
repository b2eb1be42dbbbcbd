/// One row of the checkpoint key table (`ModelWeights.table` and its layers' tables): the key,
/// the shape the config's dimensions give it, how the model uses it (with the layout fix it
/// needs), and the field it goes into.
///
/// The same rows drive loading (`ModelWeights.init`), the shape check made before any tensor's
/// data is read, and the quantizer: every `.matrix` row, and only those, becomes int8.
struct WeightEntry {
    /// How a matrix is stored, which decides how `Dense` multiplies by it.
    enum Layout {
        /// `(out, in)`: `nn.Linear`, the flattened patch `Conv2d`, the embeddings used as LM head.
        case outIn
        /// `(in, out)`: GPT-2's `Conv1D`, the transpose of a Linear.
        case inOut
    }

    enum Use {
        /// An fp32 tensor used as stored (LayerNorm, embeddings), put into `field`.
        case floats(field: AnyKeyPath)
        /// A weight multiplied as a `Dense` of `out` x `in` features, put into `field`, with
        /// its bias (shape `(out)`) under the key `bias` when the model has one.
        case matrix(field: AnyKeyPath, out: Int, in: Int, layout: Layout, bias: String?)
        /// Not computed with, but shape-checked when present (the ViT pooler, whose weight and
        /// bias come together).
        case unused
        /// A stored copy of the weight `key` is tied to (the LM head beside `wte`); it must equal it.
        case tiedCopy(of: String)
    }

    var key: String
    var shape: [Int]
    var use: Use

    /// An fp32 tensor.
    static func floats(_ key: String, _ shape: [Int], _ field: AnyKeyPath) -> WeightEntry {
        WeightEntry(key: key, shape: shape, use: .floats(field: field))
    }

    /// An `nn.Linear` `<name>.weight` `(out, in)` with `<name>.bias` unless `bias` is false.
    static func linear(_ name: String, out: Int, in: Int, bias: Bool = true, _ field: AnyKeyPath) -> WeightEntry {
        WeightEntry(key: name + ".weight", shape: [out, `in`],
                    use: .matrix(field: field, out: out, in: `in`, layout: .outIn, bias: bias ? name + ".bias" : nil))
    }

    /// A GPT-2 `Conv1D` `<name>.weight` `(in, out)` with `<name>.bias`.
    static func conv1D(_ name: String, in: Int, out: Int, _ field: AnyKeyPath) -> WeightEntry {
        WeightEntry(key: name + ".weight", shape: [`in`, out],
                    use: .matrix(field: field, out: out, in: `in`, layout: .inOut, bias: name + ".bias"))
    }

    /// The entry with `prefix` put before its key and the keys it names (a layer's `h.{i}.`).
    func prefixed(_ prefix: String) -> WeightEntry {
        var e = self
        e.key = prefix + key
        switch use {
        case .matrix(let field, let out, let n, let layout, let bias):
            e.use = .matrix(field: field, out: out, in: n, layout: layout, bias: bias.map { prefix + $0 })
        case .tiedCopy(let of):
            e.use = .tiedCopy(of: prefix + of)
        case .floats, .unused:
            break
        }
        return e
    }
}
