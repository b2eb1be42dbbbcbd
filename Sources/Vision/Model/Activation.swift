import CKernels
import Foundation

/// A hidden activation named as in transformers' `ACT2FN` (activations.py, 4.40).
///
/// ViT uses `hidden_act` (default exact `gelu`), GPT-2 `activation_function` (default
/// `gelu_new`). Each case computes the same formula as the transformers module it names.
public enum Activation: String, Sendable, CaseIterable {
    /// `nn.GELU()`: exact, `0.5 x (1 + erf(x / sqrt 2))`. `gelu_python` is the same formula.
    case gelu
    case geluPython = "gelu_python"
    /// `NewGELUActivation`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    case geluNew = "gelu_new"
    /// `PytorchGELUTanh`: `F.gelu(x, approximate="tanh")`, the same tanh approximation.
    case geluPytorchTanh = "gelu_pytorch_tanh"
    /// `FastGELUActivation`: `0.5 x (1 + tanh(x * 0.7978845608 (1 + 0.044715 x^2)))`.
    case geluFast = "gelu_fast"
    /// `QuickGELUActivation`: `x * sigmoid(1.702 x)`.
    case quickGelu = "quick_gelu"
    case relu
    /// `nn.SiLU`: `x * sigmoid(x)`; transformers also calls it `swish`.
    case silu
    case swish
    case tanh

    /// The activation named `name`, or an error that lists the supported names.
    public init(named name: String, field: String) throws {
        guard let a = Activation(rawValue: name) else {
            throw ModelError.unsupportedActivation(field: field, name: name,
                                                   supported: Activation.allCases.map(\.rawValue))
        }
        self = a
    }

    /// Applies the activation to `n` values in place; large counts are split over the
    /// `ThreadPool`. The GELUs are vectorized (`VectorMath`): exact GELU with a float-accurate
    /// `erf`, and `gelu_new` through the identity `0.5 (1 + tanh(u)) = 1 / (1 + e^(-2u))`.
    /// Exact GELU runs in the C kernel where it is vectorized for AVX-512 (16 lanes against
    /// `Lane`'s 8; the encoder's 7.3M values took 2.6 ms of a 45 ms int8 encoder in Swift).
    func apply(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let c = (self == .gelu || self == .geluPython) && Self.geluInC
        MatVec.split(n, align: 64, work: n * 16) { range in
            if c { ck_gelu(x + range.lowerBound, range.count) } else { self.apply(x + range.lowerBound, serialCount: range.count) }
        }
    }

    private static let geluInC = ck_gelu_supported() != 0

    private func apply(_ x: UnsafeMutablePointer<Float>, serialCount n: Int) {
        let l = Lane.scalarCount, vectorEnd = n / l * l
        @inline(__always) func vectorized(_ f: (Lane) -> Lane) {
            var i = 0
            while i < vectorEnd {
                let p = UnsafeMutableRawPointer(x + i)
                p.storeBytes(of: f(p.loadUnaligned(as: Lane.self)), as: Lane.self)
                i += l
            }
        }
        switch self {
        case .gelu, .geluPython:
            let invSqrt2: Float = 0.7071067811865476
            vectorized { v in 0.5 * v * (1 + VectorMath.erf(v * invSqrt2)) }
            for i in vectorEnd..<n { let v = x[i]; x[i] = 0.5 * v * (1 + erff(v * invSqrt2)) }
        case .geluNew, .geluPytorchTanh:
            let c: Float = 0.7978845608028654 // sqrt(2 / pi)
            vectorized { v in v / (1 + VectorMath.exp(-2 * c * (v + 0.044715 * v * v * v))) }
            for i in vectorEnd..<n { let v = x[i]; x[i] = v / (1 + expf(-2 * c * (v + 0.044715 * v * v * v))) }
        case .geluFast:
            for i in 0..<n { let v = x[i]; x[i] = 0.5 * v * (1 + tanhf(v * 0.7978845608 * (1 + 0.044715 * v * v))) }
        case .quickGelu:
            for i in 0..<n { let v = x[i]; x[i] = v / (1 + expf(-1.702 * v)) }
        case .relu:
            for i in 0..<n where x[i] < 0 { x[i] = 0 }
        case .silu, .swish:
            for i in 0..<n { let v = x[i]; x[i] = v / (1 + expf(-v)) }
        case .tanh:
            for i in 0..<n { x[i] = tanhf(x[i]) }
        }
    }
}
