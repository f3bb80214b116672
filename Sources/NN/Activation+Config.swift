import TensorCore

extension Activation {
    /// The activation named by a Hugging Face / diffusers config (`hidden_act`, `act_fn`, `activation_fn`):
    /// `gelu` (exact erf), `quick_gelu`, `gelu_new` / `gelu_pytorch_tanh` / `gelu_fast` / `gelu-approximate` (tanh),
    /// `silu` / `swish`. Any other name is an error: the activation is never guessed.
    public init(configName: String) throws {
        switch configName {
        case "gelu": self = .gelu
        case "quick_gelu": self = .quickGelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu-approximate": self = .geluTanh
        case "silu", "swish": self = .silu
        default:
            throw TensorError.invalidArgument(op: "activation", reason: "unknown activation '\(configName)'")
        }
    }

    /// Applies the activation through `tape` (a constant result when nothing needs a gradient).
    public func callAsFunction(_ x: Variable, tape: Tape) -> Variable {
        tape.needsGradient(x) ? tape.activation(x, self) : .constant(x.value.activated(self))
    }
}
